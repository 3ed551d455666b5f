//! Owner-managed markets: add, update, status, settlement.

use cosmwasm_std::{
    Addr, Decimal256, Deps, DepsMut, Env, Int128, MessageInfo, Order, Response, SignedDecimal256,
};
use cw_utils::nonpayable;
use perps_api::events::{MarketRiskChangeEvent, SkewScaleChangeEvent};
use perps_api::perps::{Execution, MarketConfig, MarketStatus, MarketStatusUpdate};
use perps_risk::book::book_health;
use perps_risk::funding::funding_rate_per_day;
use perps_risk::vault::{impact_change_value, ImpactParams};

use crate::account::{book_params, load_account};
use crate::error::{ContractError, ContractResult, SkewScaleChange};
use crate::market::{accrue, impact_cap, load_market_ctx, skew, tier_table, Prices};
use crate::oracle;
use crate::orders::market_order_ids;
use crate::solvency;
use crate::state::{
    Config, Market, MarketState, CONFIG, MARKETS, MARKET_HOLDERS, MARKET_STATES, MAX_LIMIT,
    OWNERSHIP, SETTLED_WITH_HOLDERS, VAULT,
};

/// Longest market id, in bytes (it is part of every position key).
pub const MAX_MARKET_ID_LEN: usize = 32;

fn validate_market_id(id: &str) -> ContractResult<()> {
    let ok = !id.is_empty()
        && id.len() <= MAX_MARKET_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ContractError::invalid(
            "market_id",
            format!("{id:?} must be 1-{MAX_MARKET_ID_LEN} chars of [A-Za-z0-9_./-]"),
        ))
    }
}

/// The two rules tying a market to the liquidation parameters (DESIGN 6.8): a liquidation stays
/// dearer than a normal close, and the liquidation target stays reachable.
/// Also: an explicit `min_position_notional` keeps every position worth its reward
/// (`min_position_notional · mmr_1 ≥ 2 · min_liquidation_reward`), and `max_skew_to_vault` > 0.
pub fn validate_liquidation_rules(
    cfg: &Config,
    market_id: &str,
    mc: &MarketConfig,
) -> ContractResult<()> {
    let mmr_1 = tier_table(mc)?.first_mmr();
    perps_risk::liquidation::validate_liquidation_rules(
        mc.liquidation_fee,
        cfg.liquidator_reward_share,
        mc.taker_fee,
        impact_cap(mc),
        cfg.liquidation_target_ratio,
        mmr_1,
    )?;
    perps_risk::solvency::validate_min_position_notional(
        cfg.min_position_notional,
        cfg.min_liquidation_reward,
        mmr_1,
        market_id,
    )?;
    if mc.max_skew_to_vault.is_some_and(|r| r.is_zero()) {
        return Err(ContractError::invalid("max_skew_to_vault", "must be > 0"));
    }
    Ok(())
}

/// Every rule on a market's parameters.
pub fn validate_market_config(
    cfg: &Config,
    market_id: &str,
    mc: &MarketConfig,
) -> ContractResult<()> {
    if mc.feed_id.is_empty() || mc.feed_id.len() > 32 {
        return Err(ContractError::invalid("feed_id", "must be 1-32 bytes"));
    }
    tier_table(mc)?;
    if mc.taker_fee >= Decimal256::percent(10) {
        return Err(ContractError::invalid(
            "taker_fee",
            format!("{} must be < 0.1", mc.taker_fee),
        ));
    }
    // Without a skew scale there is no impact, so the cap is optional and unused.
    match mc.max_price_impact {
        Some(m) if m.is_zero() || m >= Decimal256::one() => {
            return Err(ContractError::invalid(
                "max_price_impact",
                format!("{m} is outside (0, 1)"),
            ))
        }
        None if !mc.skew_scale.is_zero() => {
            return Err(ContractError::invalid(
                "max_price_impact",
                "required when skew_scale > 0",
            ))
        }
        _ => {}
    }
    if mc.max_funding_rate_per_day > Decimal256::one() {
        return Err(ContractError::invalid(
            "max_funding_rate_per_day",
            format!("{} > 1", mc.max_funding_rate_per_day),
        ));
    }
    if mc.max_position_notional.is_some_and(|m| m.is_zero()) {
        return Err(ContractError::invalid(
            "max_position_notional",
            "must be > 0",
        ));
    }
    // A zero minimum would let fees round to nothing on dust orders.
    if mc.min_order_size.is_zero() {
        return Err(ContractError::invalid("min_order_size", "must be > 0"));
    }
    if mc.liquidation_fee.is_zero() || mc.liquidation_fee >= Decimal256::one() {
        return Err(ContractError::invalid(
            "liquidation_fee",
            format!("{} is outside (0, 1)", mc.liquidation_fee),
        ));
    }
    validate_liquidation_rules(cfg, market_id, mc)
}

pub fn add_market(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    config: MarketConfig,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    validate_market_id(&market_id)?;
    if MARKETS.has(deps.storage, &market_id) {
        return Err(ContractError::MarketExists { market_id });
    }
    let cfg = CONFIG.load(deps.storage)?;
    validate_market_config(&cfg, &market_id, &config)?;
    let feed_id = config.feed_id.clone();
    // New markets are deferred unless they ask otherwise (DESIGN 6.11).
    let config = MarketConfig {
        execution: Some(config.execution.unwrap_or(Execution::Deferred)),
        ..config
    };
    MARKETS.save(
        deps.storage,
        &market_id,
        &Market {
            config,
            status: MarketStatus::Active,
        },
    )?;
    crate::orders::refresh_deferred(deps.storage)?;
    MARKET_STATES.save(
        deps.storage,
        &market_id,
        &MarketState {
            long_oi: Decimal256::zero(),
            short_oi: Decimal256::zero(),
            entry_cost_sum: SignedDecimal256::zero(),
            funding_index: SignedDecimal256::zero(),
            funding_basis_sum: SignedDecimal256::zero(),
            last_funding_time: env.block.time.seconds(),
            last_price: None,
            swept: 0,
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "add_market")
        .add_attribute("market_id", market_id)
        .add_attribute("feed_id", feed_id))
}

/// The first checks of every owner message on one market: no funds, the owner, a known market
/// that is not settled (a settled market's parameters and status are final).
fn owned_open_market(
    deps: &DepsMut,
    info: &MessageInfo,
    market_id: &str,
) -> ContractResult<Market> {
    nonpayable(info)?;
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    let market = load_market(deps, market_id)?;
    refuse_settled(market_id, &market)?;
    Ok(market)
}

fn load_market(deps: &DepsMut, market_id: &str) -> ContractResult<Market> {
    MARKETS
        .may_load(deps.storage, market_id)?
        .ok_or_else(|| ContractError::UnknownMarket {
            market_id: market_id.to_string(),
        })
}

fn refuse_settled(market_id: &str, market: &Market) -> ContractResult<()> {
    if let MarketStatus::Settled { price } = market.status {
        return Err(ContractError::MarketSettled {
            market_id: market_id.to_string(),
            price,
        });
    }
    Ok(())
}

pub fn update_market(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    config: MarketConfig,
    force: Option<bool>,
) -> ContractResult<Response> {
    let mut market = owned_open_market(&deps, &info, &market_id)?;
    let cfg = CONFIG.load(deps.storage)?;
    validate_market_config(&cfg, &market_id, &config)?;
    let config = execution_change(deps.storage, &market_id, &market, config)?;
    let state = MARKET_STATES.load(deps.storage, &market_id)?;
    let has_oi = !state.long_oi.is_zero() || !state.short_oi.is_zero();
    if config.feed_id != market.config.feed_id && has_oi {
        return Err(ContractError::FeedChangeWithOpenInterest {
            market_id,
            long_oi: state.long_oi,
            short_oi: state.short_oi,
        });
    }
    let forced = force.unwrap_or(false);
    let k = skew(&state)?;
    let valued = valuation_price(deps.as_ref(), &env, &cfg, &market_id, &market, &state, k)?;
    let moved = match valued {
        Some((price, _)) => impact_change_value(
            price,
            k,
            impact_params(&market.config),
            impact_params(&config),
            cfg.collateral_decimals,
        )?,
        None => Int128::zero(),
    };
    let change = skew_scale_change(&market_id, &market.config, &config, k, moved, forced)?;
    // Funding so far accrues under the old parameters, at the price the change is valued at.
    let accrued = match valued {
        Some((price, _)) => accrue(&market, state.clone(), price, env.block.time.seconds())?,
        None => MarketState {
            last_funding_time: env.block.time.seconds().max(state.last_funding_time),
            ..state.clone()
        },
    };
    if accrued != state {
        MARKET_STATES.save(deps.storage, &market_id, &accrued)?;
    }
    let risk_change = match valued {
        Some((price, source)) => {
            let accrual = Accrual {
                price,
                source,
                index_delta: accrued.funding_index.checked_sub(state.funding_index)?,
                moved,
            };
            risk_change(&market_id, &market.config, &config, k, accrual)?
        }
        None => None,
    };
    if has_oi && !forced {
        guard_liquidations(deps.as_ref(), &env, &cfg, &market_id, &market, &config)?;
    }
    let old_market = market.clone();
    market.config = config;
    crate::orders::save_market(deps.storage, &market_id, &market)?;
    restate_market(
        deps.storage,
        &cfg,
        (&old_market, &state),
        (&market, &accrued),
    )?;
    Ok(Response::new()
        .add_attribute("action", "update_market")
        .add_attribute("market_id", &market_id)
        .add_attribute("forced", forced.to_string())
        .add_events(change)
        .add_events(risk_change))
}

/// Only a higher maintenance schedule can make a book liquidatable at unchanged prices; then
/// the holders are checked, at most `MAX_LIMIT` of them (more needs `force`).
fn guard_liquidations(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    market_id: &str,
    market: &Market,
    config: &MarketConfig,
) -> ContractResult<()> {
    if tier_table(config)?.maintenance_never_above(&tier_table(&market.config)?)? {
        return Ok(());
    }
    refuse_unbounded_scan(deps, market_id)?;
    let candidate = Market {
        config: config.clone(),
        status: market.status.clone(),
    };
    refuse_new_liquidations(deps, env, cfg, market_id, &candidate)
}

/// The `update_market` check values every holder's book twice: refused beyond `MAX_LIMIT`
/// holders (the owner may still `force`).
fn refuse_unbounded_scan(deps: Deps, market_id: &str) -> ContractResult<()> {
    let holders = MARKET_HOLDERS
        .sub_prefix(market_id)
        .keys_raw(deps.storage, None, None, Order::Ascending)
        .take(MAX_LIMIT as usize + 1)
        .count();
    if holders > MAX_LIMIT as usize {
        return Err(ContractError::UpdateScanTooLarge {
            market_id: market_id.to_string(),
            max: MAX_LIMIT,
        });
    }
    Ok(())
}

/// The execution mode an update leaves: omitted keeps the stored one; a change is refused while
/// orders are pending in the market (DESIGN 6.11).
fn execution_change(
    storage: &dyn cosmwasm_std::Storage,
    market_id: &str,
    market: &Market,
    config: MarketConfig,
) -> ContractResult<MarketConfig> {
    let Some(new) = config.execution.clone() else {
        return Ok(MarketConfig {
            execution: market.config.execution.clone(),
            ..config
        });
    };
    if new
        != market
            .config
            .execution
            .clone()
            .unwrap_or(Execution::Immediate)
    {
        let count = market_order_ids(storage, market_id, None)?.len();
        if count > 0 {
            return Err(ContractError::ExecutionChangeWithOrders {
                market_id: market_id.to_string(),
                count: u32::try_from(count).unwrap_or(u32::MAX),
            });
        }
    }
    Ok(config)
}

/// Refuses an update that would make more books holding `market_id` liquidatable than before
/// (valued with `candidate` in place of the stored market).
fn refuse_new_liquidations(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    market_id: &str,
    candidate: &Market,
) -> ContractResult<()> {
    let before = count_liquidatable_books(deps, env, cfg, market_id, None)?;
    let after = count_liquidatable_books(deps, env, cfg, market_id, Some(candidate))?;
    if after > before {
        return Err(ContractError::UpdateMakesLiquidatable {
            market_id: market_id.to_string(),
            count: after - before,
        });
    }
    Ok(())
}

/// The price a market's parameter change is valued and its funding accrued at: the live mark,
/// else (the oracle is not live) the last price the engine accepted. `None` when the market has
/// no skew and no price (nothing to value or accrue); with skew and no price at all, the
/// oracle's verdict says why.
fn valuation_price(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    market_id: &str,
    market: &Market,
    state: &MarketState,
    k: SignedDecimal256,
) -> ContractResult<Option<(Decimal256, &'static str)>> {
    match (
        oracle::mark(deps, env, cfg, market_id, market),
        state.last_price,
    ) {
        (Ok(m), _) => Ok(Some((m.price, "oracle"))),
        (Err(_), Some(p)) => Ok(Some((p, "last_price"))),
        (Err(_), None) if k.is_zero() => Ok(None),
        (Err(e), None) => Err(e.into()),
    }
}

fn impact_params(mc: &MarketConfig) -> ImpactParams {
    ImpactParams {
        skew_scale: mc.skew_scale,
        max_price_impact: impact_cap(mc),
    }
}

/// What `update_market` accrued before a change, and the value the change moves.
struct Accrual {
    price: Decimal256,
    source: &'static str,
    index_delta: SignedDecimal256,
    moved: Int128,
}

/// The `market_risk_change` event when a parameter funding or the impact liability depend on
/// changes while `K ≠ 0`.
fn risk_change(
    market_id: &str,
    old: &MarketConfig,
    new: &MarketConfig,
    k: SignedDecimal256,
    accrual: Accrual,
) -> ContractResult<Option<MarketRiskChangeEvent>> {
    let (o, n) = (impact_params(old), impact_params(new));
    if k.is_zero() || (o == n && old.max_funding_rate_per_day == new.max_funding_rate_per_day) {
        return Ok(None);
    }
    let rate = |mc: &MarketConfig, p: ImpactParams| {
        funding_rate_per_day(
            k,
            p.skew_scale,
            p.max_price_impact,
            mc.max_funding_rate_per_day,
        )
    };
    Ok(Some(MarketRiskChangeEvent {
        market_id: market_id.to_string(),
        skew: k,
        price: accrual.price,
        price_source: accrual.source.to_string(),
        funding_index_delta: accrual.index_delta,
        old_funding_rate_per_day: rate(old, o)?,
        new_funding_rate_per_day: rate(new, n)?,
        old_max_price_impact: o.max_price_impact,
        new_max_price_impact: n.max_price_impact,
        vault_equity_change: accrual.moved,
    }))
}

/// A new `skew_scale` with open skew moves value between the vault and traders at an unchanged
/// price (DESIGN 6.9): refused unless forced, else reported by the returned event. `moved` is
/// what the whole update moves into vault equity (`impact_change_value`).
fn skew_scale_change(
    market_id: &str,
    old: &MarketConfig,
    new: &MarketConfig,
    k: SignedDecimal256,
    moved: Int128,
    forced: bool,
) -> ContractResult<Option<SkewScaleChangeEvent>> {
    if new.skew_scale == old.skew_scale || k.is_zero() {
        return Ok(None);
    }
    if !forced {
        return Err(ContractError::SkewScaleChangeWithSkew(Box::new(
            SkewScaleChange {
                market_id: market_id.to_string(),
                skew: k,
                old: old.skew_scale,
                new: new.skew_scale,
                value_moved: moved,
            },
        )));
    }
    Ok(Some(SkewScaleChangeEvent {
        market_id: market_id.to_string(),
        skew: k,
        old_skew_scale: old.skew_scale,
        new_skew_scale: new.skew_scale,
        vault_equity_change: moved,
    }))
}

pub fn set_market_status(
    deps: DepsMut,
    info: MessageInfo,
    market_id: String,
    status: MarketStatusUpdate,
) -> ContractResult<Response> {
    let mut market = owned_open_market(&deps, &info, &market_id)?;
    let (status, label) = match status {
        MarketStatusUpdate::Active => (MarketStatus::Active, "active"),
        MarketStatusUpdate::ReduceOnly => (MarketStatus::ReduceOnly, "reduce_only"),
    };
    market.status = status;
    MARKETS.save(deps.storage, &market_id, &market)?;
    Ok(Response::new()
        .add_attribute("action", "set_market_status")
        .add_attribute("market_id", market_id)
        .add_attribute("status", label))
}

pub fn settle_market(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    price: Option<Decimal256>,
) -> ContractResult<Response> {
    let mut market = owned_open_market(&deps, &info, &market_id)?;
    let cfg = CONFIG.load(deps.storage)?;
    let now = env.block.time.seconds();
    // Funding accrues up to settlement at the oracle price when one is live.
    let live = oracle::mark(deps.as_ref(), &env, &cfg, &market_id, &market);
    let settle_price = match (price, &live) {
        (Some(p), _) if p.is_zero() => return Err(ContractError::invalid("price", "must be > 0")),
        (Some(p), _) => p,
        (None, Ok(mark)) => mark.price,
        // Default is the last fresh price: surface why there is none.
        (None, Err(e)) => return Err(e.clone().into()),
    };
    let ctx = load_market_ctx(deps.as_ref(), &env, &cfg, &market_id)?;
    // Funding accrues to the settlement first: at the oracle price when one is live, else (a
    // dead oracle) at the settlement price, the price the gap ends at.
    let accrual_price = live.as_ref().map(|m| m.price).unwrap_or(settle_price);
    let mut state = accrue(&market, ctx.state, accrual_price, now)?;
    state.last_funding_time = now;
    state.last_price = Some(settle_price);
    MARKET_STATES.save(deps.storage, &market_id, &state)?;
    let old_market = market.clone();
    market.status = MarketStatus::Settled {
        price: settle_price,
    };
    MARKETS.save(deps.storage, &market_id, &market)?;
    restate_market(
        deps.storage,
        &cfg,
        (&old_market, &ctx.stored),
        (&market, &state),
    )?;
    if !state.long_oi.is_zero() || !state.short_oi.is_zero() {
        let mut settled = SETTLED_WITH_HOLDERS
            .may_load(deps.storage)?
            .unwrap_or_default();
        settled.push(market_id.clone());
        SETTLED_WITH_HOLDERS.save(deps.storage, &settled)?;
    }
    Ok(Response::new()
        .add_attribute("action", "settle_market")
        .add_attribute("market_id", market_id)
        .add_attribute("price", settle_price.to_string()))
}

/// A market's new parameters, status or state replace its part of the vault's `claims` and
/// `exposure` (a `skew_scale` change moves the premium; a settlement fixes the price).
fn restate_market(
    storage: &mut dyn cosmwasm_std::Storage,
    cfg: &Config,
    before: (&Market, &MarketState),
    after: (&Market, &MarketState),
) -> ContractResult<()> {
    let dec = cfg.collateral_decimals;
    let (b, a) = (
        solvency::part(before.0, before.1, dec)?,
        solvency::part(after.0, after.1, dec)?,
    );
    if a != b {
        let mut vault = VAULT.load(storage)?;
        solvency::restate(&mut vault, b, a)?;
        VAULT.save(storage, &vault)?;
    }
    Ok(())
}

/// Books touching `market_id` that are liquidatable, valued with `candidate` in place of the
/// stored market when given (best-effort prices). Used to refuse an update that would make open
/// positions liquidatable at once.
pub fn count_liquidatable_books(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    market_id: &str,
    candidate: Option<&Market>,
) -> ContractResult<u32> {
    let holders: Vec<Addr> = MARKET_HOLDERS
        .sub_prefix(market_id)
        .keys(deps.storage, None, None, Order::Ascending)
        .map(|k| k.map(|(_, addr)| addr))
        .collect::<Result<_, _>>()?;
    let params = book_params(cfg);
    let mut count = 0u32;
    for addr in holders {
        let mut ctx = load_account(deps, env, cfg, &addr, None)?;
        if let (Some(c), Some(m)) = (candidate, ctx.markets.get_mut(market_id)) {
            m.market = c.clone();
            m.tiers = tier_table(&c.config)?;
        }
        let Some(pos) = ctx.positions.get(market_id) else {
            continue;
        };
        let book = ctx.book_of(market_id, &pos.mode, Prices::Any)?;
        if book_health(&book, &params)?.liquidatable {
            count = count.saturating_add(1);
        }
    }
    Ok(count)
}
