//! Queries. Valuations are best effort: a market whose price fails liveness is valued at its
//! last price and counts losses only, so one dead feed never hides an account.

use crate::vecmap::VecMap as BTreeMap;

use cosmwasm_std::{Addr, Decimal256, Deps, Env, Int128, Order, SignedDecimal256, Uint128};
use cw_storage_plus::Bound;
use perps_api::perps::{
    AccountResponse, AccountsResponse, AdlPosition, AdlRankingResponse, ConfigResponse, Health,
    LiquidatableAccount, LiquidatableAccountsResponse, LpPositionResponse, MarketResponse,
    MarketStateResponse, MarketsResponse, OrdersResponse, PendingOrdersResponse, PendingWithdrawal,
    PositionAtRisk, PositionMode, PositionResponse, SimulateTradeResponse, TradeMode,
    VaultResponse,
};
use perps_risk::book::{book_health, position_values};
use perps_risk::liq_price::liquidation_price;
use perps_risk::num::clamp_u128;
use perps_risk::vault::redeem_value;

use crate::account::{book_params, load_account, load_account_with, load_with_vault, AccountCtx};
use crate::error::{ContractError, ContractResult};
use crate::market::{skew, Prices};
use crate::orders::{account_order_ids, ORDERS};
use crate::state::{
    Config, Market, MarketState, Mode, COLLATERAL, CONFIG, DEFAULT_LIMIT, LPS, LP_REQUESTS,
    MARKETS, MARKET_STATES, MAX_LIMIT, OWNERSHIP, PENDING_PAYOUTS, POSITIONS, VAULT,
};
use crate::trade::{apply_trade, TradeRequest};
use crate::valuation::equity;

fn page_limit(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize
}

pub fn config(deps: Deps) -> ContractResult<ConfigResponse> {
    let c = CONFIG.load(deps.storage)?;
    let own = OWNERSHIP.load(deps.storage)?;
    let vault = VAULT.load(deps.storage)?;
    Ok(ConfigResponse {
        owner: own.owner,
        pending_owner: own.pending_owner,
        collateral_denom: c.collateral_denom,
        collateral_decimals: c.collateral_decimals,
        price_feed: c.price_feed,
        insurance_fund: c.insurance_fund,
        max_oracle_age_secs: c.max_oracle_age_secs,
        max_confidence_ratio: c.max_confidence_ratio,
        max_ema_deviation: c.max_ema_deviation,
        max_positions_per_account: c.max_positions_per_account,
        max_order_age_secs: c.max_order_age_secs,
        max_orders_per_account: c.max_orders_per_account,
        keeper_fee: c.keeper_fee,
        liquidation_target_ratio: c.liquidation_target_ratio,
        liquidator_reward_share: c.liquidator_reward_share,
        insurance_fee_share: c.insurance_fee_share,
        vault_min_backing: c.vault_min_backing,
        min_liquidation_reward: c.min_liquidation_reward,
        default_max_slippage: c.default_max_slippage,
        unrealized_profit_weight: c.unrealized_profit_weight,
        lp_withdraw_delay_secs: c.lp_withdraw_delay_secs,
        min_position_notional: c.min_position_notional,
        max_total_skew_to_vault: c.max_total_skew_to_vault,
        adl_trigger_ratio: c.adl_trigger_ratio,
        lp_claim_window_secs: c.lp_claim_window_secs,
        pending_insurance_fees: vault.insurance_fees,
    })
}

fn market_response(id: String, m: Market, s: MarketState) -> ContractResult<MarketResponse> {
    Ok(MarketResponse {
        market_id: id,
        config: m.config,
        status: m.status,
        state: MarketStateResponse {
            skew: skew(&s)?,
            long_oi: s.long_oi,
            short_oi: s.short_oi,
            entry_cost_sum: s.entry_cost_sum,
            funding_index: s.funding_index,
            funding_basis_sum: s.funding_basis_sum,
            last_funding_time: s.last_funding_time,
            last_price: s.last_price,
        },
    })
}

pub fn market(deps: Deps, market_id: String) -> ContractResult<MarketResponse> {
    let m = MARKETS.may_load(deps.storage, &market_id)?.ok_or_else(|| {
        ContractError::UnknownMarket {
            market_id: market_id.clone(),
        }
    })?;
    let s = MARKET_STATES.load(deps.storage, &market_id)?;
    market_response(market_id, m, s)
}

pub fn markets(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> ContractResult<MarketsResponse> {
    let start = start_after.as_deref().map(Bound::exclusive);
    let mut markets = Vec::new();
    for item in MARKETS
        .range(deps.storage, start, None, Order::Ascending)
        .take(page_limit(limit))
    {
        let (id, m) = item?;
        let s = MARKET_STATES.load(deps.storage, &id)?;
        markets.push(market_response(id, m, s)?);
    }
    Ok(MarketsResponse { markets })
}

/// The `account` response of a loaded account.
pub fn account_response(ctx: &AccountCtx, cfg: &Config) -> ContractResult<AccountResponse> {
    let params = book_params(cfg);
    let cross = ctx.cross_book(Prices::Any)?;
    let health = book_health(&cross, &params)?;
    let mut positions = Vec::new();
    let mut cross_index = 0usize;
    for (id, p) in &ctx.positions {
        let (book, index) = match p.mode {
            Mode::Cross => {
                let index = cross_index;
                cross_index = cross_index.saturating_add(1);
                (cross.clone(), index)
            }
            Mode::Isolated { .. } => (ctx.isolated_book(id, Prices::Any)?, 0),
        };
        let bp = book
            .positions
            .get(index)
            .ok_or_else(|| ContractError::NoPosition {
                market_id: id.clone(),
            })?;
        let report = position_values(bp, cfg.collateral_decimals)?.report()?;
        let (mode, margin, equity) = match p.mode {
            Mode::Cross => (PositionMode::Cross, None, None),
            Mode::Isolated { margin } => (
                PositionMode::Isolated,
                Some(clamp_u128(margin)),
                Some(book_health(&book, &params)?.equity),
            ),
        };
        positions.push(PositionResponse {
            market_id: id.clone(),
            size: p.size,
            entry_price: p.entry_price,
            mark_price: bp.mark_price,
            notional: report.notional,
            unrealized_pnl: report.unrealized_pnl,
            accrued_funding: report.accrued_funding,
            mode,
            margin,
            equity,
            liquidation_price: liquidation_price(&book, index, &params)?,
        });
    }
    Ok(AccountResponse {
        address: ctx.addr.clone(),
        collateral: ctx.collateral,
        equity: health.equity,
        initial_margin: health.initial_margin,
        maintenance_margin: health.maintenance_margin,
        // what pending orders reserved is not free (DESIGN 6.11)
        free_collateral: health.free_collateral.saturating_sub(ctx.reserved),
        margin_ratio: health.margin_ratio,
        leverage: health.leverage,
        health: if health.liquidatable {
            Health::Liquidatable
        } else {
            Health::Healthy
        },
        positions,
        pending_payout: None,
    })
}

fn account_at(deps: Deps, env: &Env, cfg: &Config, addr: &Addr) -> ContractResult<AccountResponse> {
    let ctx = load_account(deps, env, cfg, addr, None)?;
    let mut res = account_response(&ctx, cfg)?;
    res.pending_payout = PENDING_PAYOUTS.may_load(deps.storage, addr)?;
    Ok(res)
}

pub fn account(deps: Deps, env: Env, address: String) -> ContractResult<AccountResponse> {
    let addr = deps.api.addr_validate(&address)?;
    let cfg = CONFIG.load(deps.storage)?;
    account_at(deps, &env, &cfg, &addr)
}

pub fn accounts(
    deps: Deps,
    env: Env,
    start_after: Option<String>,
    limit: Option<u32>,
) -> ContractResult<AccountsResponse> {
    let cfg = CONFIG.load(deps.storage)?;
    let start = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let limit = page_limit(limit);
    // One extra key tells whether this is the last page.
    let keys: Vec<Addr> = COLLATERAL
        .keys(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(limit + 1)
        .collect::<Result<_, _>>()?;
    let more = keys.len() > limit;
    let mut accounts = Vec::new();
    for addr in keys.iter().take(limit) {
        accounts.push(account_at(deps, &env, &cfg, addr)?);
    }
    let next_start_after = if more {
        accounts.last().map(|a| a.address.to_string())
    } else {
        None
    };
    Ok(AccountsResponse {
        accounts,
        next_start_after,
    })
}

/// A bounded scan for liquidators: `limit` bounds the accounts SCANNED (a page may be empty);
/// `next_start_after` is the last address scanned, absent when the scan reached the end. Books
/// are valued as `liquidate` values them (a market without a live price at its last price,
/// losses only), so a stale feed never makes the page fail. One price read per market per page.
/// Accounts without a position and with `C ≥ 0` can never be liquidatable; the scan steps over
/// up to this many of them per account it may scan, so dust deposits cannot dilute a page.
const SKIPPED_PER_SCANNED: usize = 10;

/// The collateral entries a `liquidatable_accounts` page values: up to `limit` accounts that
/// hold a position or have `C < 0`, stepping over accounts that can never be liquidatable (one
/// key read each) up to `SKIPPED_PER_SCANNED · limit` of them.
fn scan_keys(deps: Deps, start: Option<&Addr>, limit: usize) -> ContractResult<ScanPage> {
    let mut iter = COLLATERAL.range(
        deps.storage,
        start.map(Bound::exclusive),
        None,
        Order::Ascending,
    );
    let (mut keys, mut last, mut skipped) = (Vec::new(), None, 0usize);
    let budget = limit.saturating_mul(SKIPPED_PER_SCANNED);
    while keys.len() < limit && skipped <= budget {
        let Some(item) = iter.next() else {
            return Ok(ScanPage {
                keys,
                last,
                more: false,
            });
        };
        let (addr, collateral) = item?;
        // the one read of the positions the valuation needs anyway
        let positions: BTreeMap<String, crate::state::Position> = POSITIONS
            .prefix(&addr)
            .range(deps.storage, None, None, Order::Ascending)
            .collect::<Result<_, _>>()?;
        if !positions.is_empty() || collateral.is_negative() {
            keys.push((addr.clone(), collateral, positions));
        } else {
            skipped += 1;
        }
        last = Some(addr);
    }
    let more = iter.next().is_some();
    Ok(ScanPage { keys, last, more })
}

/// What a scan page visited: the entries to value, the last address visited, whether entries
/// remain after it.
struct ScanPage {
    keys: Vec<(Addr, Int128, BTreeMap<String, crate::state::Position>)>,
    last: Option<Addr>,
    more: bool,
}

pub fn liquidatable_accounts(
    deps: Deps,
    env: Env,
    start_after: Option<String>,
    limit: Option<u32>,
) -> ContractResult<LiquidatableAccountsResponse> {
    let cfg = CONFIG.load(deps.storage)?;
    let params = book_params(&cfg);
    let start = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    // A page scans at least one account, so a cursor always moves forward.
    let limit = page_limit(limit).max(1);
    let ScanPage { keys, last, more } = scan_keys(deps, start.as_ref(), limit)?;
    let mut cache = BTreeMap::new();
    let mut accounts = Vec::new();
    for (addr, collateral, positions) in keys {
        let addr = &addr;
        let ctx = load_account_with(deps, &env, &cfg, addr, collateral, positions, &mut cache)?;
        let cross = book_health(&ctx.cross_book(Prices::Any)?, &params)?;
        let mut at_risk = Vec::new();
        for (id, p) in &ctx.positions {
            let risky = match p.mode {
                // a settled cross position is closed by the touch that starts `liquidate`, not
                // liquidated: its value is already in the cross equity
                Mode::Cross => cross.liquidatable && !ctx.market(id)?.is_settled(),
                // A settled position is valued as closed, with no requirement: its book is
                // listed only when its equity is negative (a shortfall for `liquidate` to book).
                Mode::Isolated { .. } => {
                    book_health(&ctx.isolated_book(id, Prices::Any)?, &params)?.liquidatable
                }
            };
            if risky {
                at_risk.push(PositionAtRisk {
                    market_id: id.clone(),
                    mode: match p.mode {
                        Mode::Cross => PositionMode::Cross,
                        Mode::Isolated { .. } => PositionMode::Isolated,
                    },
                    size: p.size,
                });
            }
        }
        if cross.liquidatable || !at_risk.is_empty() {
            accounts.push(LiquidatableAccount {
                address: addr.clone(),
                equity: cross.equity,
                maintenance_margin: cross.maintenance_margin,
                positions: at_risk,
            });
        }
        ctx.return_markets(&mut cache);
    }
    let next_start_after = if more {
        last.map(|a| a.to_string())
    } else {
        None
    };
    Ok(LiquidatableAccountsResponse {
        accounts,
        next_start_after,
    })
}

pub fn simulate_trade(
    deps: Deps,
    env: Env,
    address: String,
    market_id: String,
    size_delta: SignedDecimal256,
    mode: Option<TradeMode>,
) -> ContractResult<SimulateTradeResponse> {
    let addr = deps.api.addr_validate(&address)?;
    let cfg = CONFIG.load(deps.storage)?;
    // like the message: the account's pending payout is paid first, and a profit while V < 0
    // is paid with the haircut (issue 12)
    let (mut ctx, mut vault, _) = load_with_vault(deps, &env, &cfg, &addr, Some(&market_id))?;
    ctx.haircut = crate::solvency::haircut_terms_live(deps, &env, &ctx, &vault, &cfg)?;
    let req = TradeRequest {
        market_id: &market_id,
        size_delta,
        acceptable_price: None,
        mode,
    };
    let mut report = apply_trade(&mut ctx, &mut vault, &cfg, &req)?;
    // like the message: a bankrupt cross book's shortfall is netted against the claim (scenario 90)
    report.net_pending(deps.storage, &mut ctx, &mut vault)?;
    let mut account = account_response(&ctx, &cfg)?;
    let left = PENDING_PAYOUTS
        .may_load(deps.storage, &addr)?
        .unwrap_or_default()
        .checked_add(ctx.pending_added)?
        .checked_sub(ctx.pending_settled)?;
    account.pending_payout = (!left.is_zero()).then_some(left);
    Ok(SimulateTradeResponse {
        fill_price: report.fill_price,
        fee: report.fee,
        price_impact: report.price_impact,
        account,
    })
}

pub fn vault(deps: Deps, env: Env) -> ContractResult<VaultResponse> {
    let cfg = CONFIG.load(deps.storage)?;
    let vault = VAULT.load(deps.storage)?;
    let (v, _) = equity(deps, &env, &cfg, &vault, Prices::Any, None)?;
    let v_floor: Int128 = v.floor()?;
    let share_price = if vault.total_shares.is_zero() {
        Decimal256::one()
    } else {
        Decimal256::checked_from_ratio(clamp_u128(v_floor), vault.total_shares)?
    };
    Ok(VaultResponse {
        cash: vault.cash,
        equity: v_floor,
        total_shares: vault.total_shares,
        share_price,
        unrecoverable: vault.unrecoverable,
        exposure: perps_risk::num::Quote(vault.exposure)
            .to_base_units_u(perps_risk::num::Round::Up)?,
        pending_payouts: Some(vault.pending_payouts),
    })
}

pub fn lp_position(deps: Deps, env: Env, address: String) -> ContractResult<LpPositionResponse> {
    let addr = deps.api.addr_validate(&address)?;
    let cfg = CONFIG.load(deps.storage)?;
    let vault = VAULT.load(deps.storage)?;
    let shares = LPS
        .may_load(deps.storage, &addr)?
        .map(|lp| lp.shares)
        .unwrap_or_default();
    let value = if shares.is_zero() {
        Uint128::zero()
    } else {
        let (v, _) = equity(deps, &env, &cfg, &vault, Prices::Any, None)?;
        redeem_value(shares, vault.total_shares, v)?
    };
    // a lapsed request is no request (its shares are free again)
    let now = env.block.time.seconds();
    let pending_withdrawal = LP_REQUESTS
        .may_load(deps.storage, &addr)?
        .filter(|r| !crate::execute::vault::lapsed(r, &cfg, now))
        .map(|r| PendingWithdrawal {
            shares: r.shares,
            claimable_at: r.claimable_at,
            expires_at: (!r.refused)
                .then(|| r.claimable_at.saturating_add(cfg.lp_claim_window_secs)),
            value_at_request: r.value_at_request.unwrap_or(value),
        });
    Ok(LpPositionResponse {
        shares,
        value,
        pending_withdrawal,
    })
}

/// The auto-deleveraging index of `market_id` on the side the vault is short to (the side of
/// `K`'s sign; none while `K = 0`), a page in the order `auto_deleverage` takes it.
pub fn adl_ranking(
    deps: Deps,
    env: Env,
    market_id: String,
    start_after: Option<String>,
    limit: Option<u32>,
) -> ContractResult<AdlRankingResponse> {
    let cfg = CONFIG.load(deps.storage)?;
    let m = crate::market::load_market_ctx(deps, &env, &cfg, &market_id)?;
    let k = skew(&m.state)?;
    if k.is_zero() {
        return Ok(AdlRankingResponse {
            positions: vec![],
            next_start_after: None,
        });
    }
    let start = match start_after {
        Some(a) => {
            let addr = deps.api.addr_validate(&a)?;
            let pos = POSITIONS.load(deps.storage, (&addr, market_id.as_str()))?;
            Some((crate::state::holder_rank(&pos), addr))
        }
        None => None,
    };
    let limit = page_limit(limit);
    let mut page =
        crate::solvency::ranked(deps.storage, &market_id, k.is_negative(), start, limit + 1)?;
    let more = page.len() > limit;
    page.truncate(limit);
    let (price, _) = m.price_for(Prices::Any, Decimal256::zero())?;
    let dec = cfg.collateral_decimals;
    let mut positions = Vec::with_capacity(page.len());
    for (addr, _) in &page {
        let p = POSITIONS.load(deps.storage, (addr, market_id.as_str()))?;
        let pnl =
            perps_risk::position::unrealized_pnl(&crate::market::risk_position(&p), price, dec)?;
        positions.push(AdlPosition {
            address: addr.clone(),
            size: p.size,
            entry_price: p.entry_price,
            unrealized_pnl: pnl.floor()?,
        });
    }
    let next_start_after = if more {
        page.last().map(|(a, _)| a.to_string())
    } else {
        None
    };
    Ok(AdlRankingResponse {
        positions,
        next_start_after,
    })
}

/// The pending orders of `address`, by id.
pub fn orders(deps: Deps, address: String) -> ContractResult<OrdersResponse> {
    let addr = deps.api.addr_validate(&address)?;
    let orders = account_order_ids(deps.storage, &addr)?
        .into_iter()
        .map(|id| Ok(ORDERS.load(deps.storage, id)?.response(id)))
        .collect::<ContractResult<_>>()?;
    Ok(OrdersResponse { orders })
}

/// Pending orders of every account, by id.
pub fn pending_orders(
    deps: Deps,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> ContractResult<PendingOrdersResponse> {
    let limit = page_limit(limit);
    let orders: Vec<_> = ORDERS
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(limit + 1)
        .map(|item| item.map(|(id, o)| o.pending_response(id)))
        .collect::<Result<_, _>>()?;
    let more = orders.len() > limit;
    let orders: Vec<_> = orders.into_iter().take(limit).collect();
    let next_start_after = more.then(|| orders.last().map(|o| o.order_id)).flatten();
    Ok(PendingOrdersResponse {
        orders,
        next_start_after,
    })
}
