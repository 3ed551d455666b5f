//! `trade` and `close_position`: one in-memory step ([`apply_trade`]) shared with the
//! `simulate_trade` query, then the writes.

use cosmwasm_std::{
    Decimal256, DepsMut, Env, Event, Int128, MessageInfo, Response, SignedDecimal256, Uint128,
};
use perps_api::perps::{MarketStatus, TradeMode};
use perps_risk::book::{book_health, check_initial_margin};
use perps_risk::num::{signed, unsigned_abs, Round};
use perps_risk::position::notional_of;
use perps_risk::trade::{
    apply_fill, default_acceptable_price, degraded_close_price, fill_price, split_fee, trade_fee,
    within_acceptable,
};

use crate::book::{book_params, load_account, skew, AccountCtx, Prices};
use crate::error::{ContractError, ContractResult};
use crate::execute::bad_debt;
use crate::execute::markets::impact_cap;
use crate::execute::persist::{add_int, attached_collateral, int, save_vault, sub_int};
use crate::execute::settle::close_settled_positions;
use crate::state::{Config, Mode, Position, Vault, CONFIG, VAULT};

/// What a trade did, for events and `simulate_trade`.
#[derive(Debug)]
pub struct TradeReport {
    pub market_id: String,
    pub mode: &'static str,
    pub size_before: SignedDecimal256,
    pub size_after: SignedDecimal256,
    pub oracle_price: Decimal256,
    pub fill_price: Decimal256,
    pub price_impact: SignedDecimal256,
    pub fee: Uint128,
    pub insurance_fee: Uint128,
    pub realized_pnl: Int128,
    pub funding_paid: Int128,
    pub entry_price: Decimal256,
    pub margin_after: Option<Int128>,
    /// Negative collateral of a book this close left flat (bankrupt): it goes down the
    /// bad-debt path (DESIGN 6.4), without any liquidator reward.
    pub shortfall: Uint128,
}

impl TradeReport {
    pub fn event(&self, account: &str, collateral: Int128) -> Event {
        let mut e = Event::new("trade")
            .add_attribute("account", account)
            .add_attribute("market_id", &self.market_id)
            .add_attribute("mode", self.mode)
            .add_attribute("size_before", self.size_before.to_string())
            .add_attribute("size_after", self.size_after.to_string())
            .add_attribute("oracle_price", self.oracle_price.to_string())
            .add_attribute("fill_price", self.fill_price.to_string())
            .add_attribute("price_impact", self.price_impact.to_string())
            .add_attribute("fee", self.fee.to_string())
            .add_attribute("insurance_fee", self.insurance_fee.to_string())
            .add_attribute("realized_pnl", self.realized_pnl.to_string())
            .add_attribute("funding_paid", self.funding_paid.to_string())
            .add_attribute("entry_price", self.entry_price.to_string())
            .add_attribute("collateral_after", collateral.to_string());
        if let Some(m) = self.margin_after {
            e = e.add_attribute("margin_after", m.to_string());
        }
        if !self.shortfall.is_zero() {
            e = e.add_attribute("shortfall", self.shortfall);
        }
        e
    }
}

fn mode_label(m: &Mode) -> &'static str {
    match m {
        Mode::Cross => "cross",
        Mode::Isolated { .. } => "isolated",
    }
}

/// Applies a trade to an account in memory: funding settled first, then the reduction leg and
/// the opening leg under their rules, fees, aggregates, and the risk check of the book touched.
#[allow(clippy::too_many_arguments)]
pub fn apply_trade(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
    market_id: &str,
    size_delta: SignedDecimal256,
    acceptable_price: Option<Decimal256>,
    mode: Option<TradeMode>,
) -> ContractResult<TradeReport> {
    if size_delta.is_zero() {
        return Err(ContractError::ZeroSize {});
    }
    let dec = cfg.collateral_decimals;
    let m = ctx.market(market_id)?;
    if let MarketStatus::Settled { price } = m.market.status {
        return Err(ContractError::MarketSettled {
            market_id: market_id.to_string(),
            price,
        });
    }
    let mark = m.live()?;
    let (oracle_price, conf, strict_ok) = (mark.price, mark.conf, mark.is_strict());
    let mc = m.market.config.clone();
    let reduce_only = m.market.status == MarketStatus::ReduceOnly;

    let funding_paid = ctx.settle_funding(market_id, vault, dec)?;
    let existing = ctx.positions.get(market_id).cloned();
    let size_before = existing.as_ref().map(|p| p.size).unwrap_or_default();
    let entry_before = existing.as_ref().map(|p| p.entry_price).unwrap_or_default();

    // Mode: an explicit mode must agree with an existing position.
    let mut new_isolated_margin = Uint128::zero();
    let pos_mode = match (&existing, mode) {
        (Some(p), Some(TradeMode::Cross)) if p.mode != Mode::Cross => {
            return Err(conflict(market_id, "cross", "isolated"))
        }
        (Some(p), Some(TradeMode::Isolated { .. })) if p.mode == Mode::Cross => {
            return Err(conflict(market_id, "isolated", "cross"))
        }
        (Some(_), Some(TradeMode::Isolated { margin })) if !margin.is_zero() => {
            return Err(conflict(
                market_id,
                "isolated with new margin (use add_margin)",
                "isolated",
            ))
        }
        (Some(p), _) => p.mode.clone(),
        (None, Some(TradeMode::Isolated { margin })) => {
            if margin.is_zero() {
                return Err(ContractError::ZeroAmount {});
            }
            new_isolated_margin = margin;
            Mode::Isolated {
                margin: int(margin)?,
            }
        }
        (None, _) => Mode::Cross,
    };

    // Moving collateral into a new isolated position may take free collateral only (never
    // unrealized profit, whatever the weight).
    if !new_isolated_margin.is_zero() {
        let cross = book_health(&ctx.cross_book(Prices::Strict)?, &book_params(cfg))?;
        if new_isolated_margin > cross.free_collateral {
            return Err(ContractError::ExceedsFreeCollateral {
                amount: new_isolated_margin,
                free: cross.free_collateral,
            });
        }
    }

    let increasing = size_before.is_zero() || size_before.is_negative() == size_delta.is_negative();
    let crosses_zero = !increasing && unsigned_abs(size_delta) > unsigned_abs(size_before);
    let opens = increasing || crosses_zero;
    let full_close = !increasing && unsigned_abs(size_delta) == unsigned_abs(size_before);
    if opens && reduce_only {
        return Err(ContractError::MarketReduceOnly {
            market_id: market_id.to_string(),
        });
    }
    // Opening needs the strict rules; a voluntary reduction on a doubtful price fills at the
    // conservative side of the confidence band.
    let base_price = if opens {
        ctx.market(market_id)?.live()?.strict()?
    } else if strict_ok {
        oracle_price
    } else {
        degraded_close_price(oracle_price, conf, size_delta)?
    };
    let min = mc.min_order_size;
    if !full_close && unsigned_abs(size_delta) < min {
        return Err(ContractError::BelowMinOrderSize {
            market_id: market_id.to_string(),
            size: unsigned_abs(size_delta),
            min,
        });
    }

    let k = skew(&ctx.market(market_id)?.state)?;
    let new_k = k
        .checked_add(size_delta)
        .map_err(|e| ContractError::invalid("size_delta", e.to_string()))?;
    if vault.total_shares.is_zero() && unsigned_abs(new_k) > unsigned_abs(k) {
        return Err(ContractError::VaultEmpty {
            market_id: market_id.to_string(),
        });
    }
    let quote = fill_price(base_price, k, size_delta, mc.skew_scale, impact_cap(&mc)).map_err(
        |e| match e {
            perps_risk::RiskError::PriceImpactTooHigh { impact, max } => {
                ContractError::PriceImpactTooHigh {
                    market_id: market_id.to_string(),
                    impact,
                    max,
                }
            }
            other => other.into(),
        },
    )?;
    let acceptable = match acceptable_price {
        Some(a) => a,
        None => default_acceptable_price(oracle_price, size_delta, cfg.default_max_slippage)?,
    };
    if !within_acceptable(quote.fill_price, size_delta, acceptable) {
        return Err(ContractError::AcceptablePrice {
            fill: quote.fill_price,
            acceptable,
        });
    }
    let fee = trade_fee(size_delta, quote.fill_price, mc.taker_fee, dec)?;
    let (insurance_fee, vault_fee) = split_fee(fee, cfg.insurance_fee_share)?;
    let out = apply_fill(size_before, entry_before, size_delta, quote.fill_price, dec)?;

    if !out.new_size.is_zero() && !opens && unsigned_abs(out.new_size) < min {
        return Err(ContractError::DustRemainder {
            market_id: market_id.to_string(),
            remaining: unsigned_abs(out.new_size),
            min,
        });
    }
    if opens {
        if crosses_zero && out.increased < min {
            return Err(ContractError::BelowMinOrderSize {
                market_id: market_id.to_string(),
                size: out.increased,
                min,
            });
        }
        let count = u32::try_from(ctx.positions.len()).unwrap_or(u32::MAX);
        if existing.is_none() && count >= cfg.max_positions_per_account {
            return Err(ContractError::TooManyPositions {
                count,
                max: cfg.max_positions_per_account,
            });
        }
        check_caps(
            ctx,
            market_id,
            &mc,
            out.new_size,
            out.increased,
            oracle_price,
            dec,
        )?;
    }

    // Money: the realized PnL and the fee move between the book and the vault.
    let fee_i = int(fee)?;
    vault.cash = sub_int(vault.cash, out.realized_pnl)?;
    vault.cash = add_int(vault.cash, int(vault_fee)?)?;
    vault.insurance_fees = vault
        .insurance_fees
        .checked_add(insurance_fee)
        .map_err(|e| ContractError::invalid("fee", e.to_string()))?;
    let mut margin_after = None;
    let mode_after = match pos_mode {
        Mode::Cross => {
            ctx.collateral = sub_int(add_int(ctx.collateral, out.realized_pnl)?, fee_i)?;
            Mode::Cross
        }
        Mode::Isolated { margin } => {
            // A new isolated position takes its margin out of C.
            ctx.collateral = sub_int(ctx.collateral, int(new_isolated_margin)?)?;
            let m = sub_int(add_int(margin, out.realized_pnl)?, fee_i)?;
            margin_after = Some(m);
            Mode::Isolated { margin: m }
        }
    };
    let mode_str = mode_label(&mode_after);
    let index = ctx.market(market_id)?.state.funding_index;
    let mut shortfall = Uint128::zero();
    let next = if out.new_size.is_zero() {
        // Closing an isolated position returns what is left of M to C; a bankrupt one leaves
        // its shortfall to the bad-debt path and never touches C.
        if let Mode::Isolated { margin } = mode_after {
            if margin.is_negative() {
                shortfall = margin.unsigned_abs();
            } else {
                ctx.collateral = add_int(ctx.collateral, margin)?;
            }
        }
        None
    } else {
        Some(Position {
            size: out.new_size,
            entry_price: out.entry_price,
            funding_index_at_entry: index,
            mode: mode_after.clone(),
        })
    };
    ctx.replace_position(market_id, next)?;
    // A close that leaves a bankrupt cross book flat takes the bad-debt path too: its negative
    // collateral is the shortfall and C ends at 0.
    let cross_flat = !ctx.positions.values().any(|p| p.mode == Mode::Cross);
    if mode_after == Mode::Cross && cross_flat && ctx.collateral.is_negative() {
        shortfall = ctx.collateral.unsigned_abs();
        ctx.collateral = Int128::zero();
    }
    check_books(
        ctx,
        cfg,
        market_id,
        &mode_after,
        opens,
        !new_isolated_margin.is_zero(),
    )?;

    Ok(TradeReport {
        market_id: market_id.to_string(),
        mode: mode_str,
        size_before,
        size_after: out.new_size,
        oracle_price,
        fill_price: quote.fill_price,
        price_impact: quote.price_impact,
        fee,
        insurance_fee,
        realized_pnl: out.realized_pnl,
        funding_paid,
        entry_price: out.entry_price,
        margin_after,
        shortfall,
    })
}

fn conflict(market_id: &str, requested: &str, existing: &str) -> ContractError {
    ContractError::ConflictingMode {
        market_id: market_id.to_string(),
        requested: requested.to_string(),
        existing: existing.to_string(),
    }
}

/// OI caps (on the side that grows, at the oracle price) and the per-account notional cap.
fn check_caps(
    ctx: &AccountCtx,
    market_id: &str,
    mc: &perps_api::perps::MarketConfig,
    new_size: SignedDecimal256,
    growth: Decimal256,
    price: Decimal256,
    dec: u8,
) -> ContractResult<()> {
    let state = &ctx.market(market_id)?.state;
    let long = !new_size.is_negative();
    let (side_oi, cap, side) = if long {
        (state.long_oi, mc.max_long_oi, "long")
    } else {
        (state.short_oi, mc.max_short_oi, "short")
    };
    // The aggregate still holds the position before the trade: the side that grows gains
    // exactly the opening leg (an increase, or the remainder of a flip).
    let oi_after = side_oi
        .checked_add(growth)
        .map_err(|e| ContractError::invalid("size_delta", e.to_string()))?;
    let notional =
        notional_of(signed(oi_after)?, price, dec, Round::Up)?.to_base_units_u(Round::Up)?;
    if notional > cap {
        return Err(ContractError::OpenInterestCap {
            market_id: market_id.to_string(),
            side: side.to_string(),
            notional,
            max: cap,
        });
    }
    if let Some(max) = mc.max_position_notional {
        let n = notional_of(new_size, price, dec, Round::Up)?.to_base_units_u(Round::Up)?;
        if n > max {
            return Err(ContractError::PositionCap {
                market_id: market_id.to_string(),
                notional: n,
                max,
            });
        }
    }
    Ok(())
}

/// Risk check of the book the trade touched (DESIGN 6.4). A reduction that leaves a bankrupt
/// book is allowed only when it leaves the book flat (the caller has then booked its shortfall
/// for the bad-debt path).
fn check_books(
    ctx: &AccountCtx,
    cfg: &Config,
    market_id: &str,
    mode: &Mode,
    opens: bool,
    moved_from_c: bool,
) -> ContractResult<()> {
    let params = book_params(cfg);
    if moved_from_c || (opens && *mode == Mode::Cross) {
        check_initial_margin(&ctx.cross_book(Prices::Strict)?, &params)?;
    }
    if opens {
        if let Mode::Isolated { margin } = mode {
            // Unrealized profit counted at a weight > 0 could pass the IM check with the funding
            // and fee settled into M leaving it below zero: a stored margin is never negative.
            if margin.is_negative() {
                return Err(ContractError::NegativeIsolatedMargin {
                    market_id: market_id.to_string(),
                    margin: *margin,
                });
            }
            check_initial_margin(&ctx.isolated_book(market_id, Prices::Strict)?, &params)?;
        }
        return Ok(());
    }
    // A reduction: fine while C ≥ 0 (M ≥ 0), else the cross book must stay solvent at live prices.
    match mode {
        Mode::Cross if ctx.collateral.is_negative() => {
            let h = book_health(&ctx.cross_book(Prices::Live)?, &params)?;
            if h.equity.is_negative() {
                return Err(ContractError::ReductionLeavesNegative {
                    what: "cross equity".to_string(),
                    value: h.equity,
                });
            }
        }
        Mode::Isolated { margin }
            if margin.is_negative() && ctx.positions.contains_key(market_id) =>
        {
            return Err(ContractError::ReductionLeavesNegative {
                what: "isolated margin".to_string(),
                value: *margin,
            })
        }
        _ => {}
    }
    Ok(())
}

fn execute_trade(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    size_delta: Option<SignedDecimal256>,
    acceptable_price: Option<Decimal256>,
    mode: Option<TradeMode>,
) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let funds = attached_collateral(&info, &cfg)?;
    let mut ctx = load_account(deps.as_ref(), &env, &cfg, &info.sender, Some(&market_id))?;
    let loaded = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    let vault_loaded = vault.clone();
    ctx.collateral = add_int(ctx.collateral, int(funds)?)?;
    if size_delta.is_none() && !ctx.positions.contains_key(&market_id) {
        return Err(ContractError::NoPosition { market_id });
    }
    let closed = close_settled_positions(&mut ctx, &mut vault, &cfg)?;
    let mut events = closed.events;
    // A close on a settled market is done by the settlement itself.
    let delta = match size_delta {
        Some(d) => Some(d),
        None => match ctx.positions.get(&market_id) {
            Some(p) => Some(
                SignedDecimal256::zero()
                    .checked_sub(p.size)
                    .map_err(|e| ContractError::invalid("size", e.to_string()))?,
            ),
            None => None,
        },
    };
    // settled isolated losses and this trade's own go through one waterfall
    let mut shortfall = closed.shortfall;
    if let Some(delta) = delta {
        let report = apply_trade(
            &mut ctx,
            &mut vault,
            &cfg,
            &market_id,
            delta,
            acceptable_price,
            mode,
        )?;
        events.push(report.event(ctx.addr.as_str(), ctx.collateral));
        shortfall = shortfall
            .checked_add(report.shortfall)
            .map_err(|e| ContractError::invalid("shortfall", e.to_string()))?;
    }
    let cover = bad_debt::cover_with_event(
        deps.as_ref(),
        &cfg,
        &mut vault,
        ctx.addr.as_str(),
        shortfall,
        &mut events,
    )?;
    ctx.save(deps.storage, &loaded)?;
    save_vault(deps.storage, &vault_loaded, &vault)?;
    Ok(Response::new()
        .add_submessages(cover)
        .add_attribute(
            "action",
            if size_delta.is_some() {
                "trade"
            } else {
                "close_position"
            },
        )
        .add_attribute("deposited", funds)
        .add_events(events))
}

pub fn trade(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    size_delta: SignedDecimal256,
    acceptable_price: Option<Decimal256>,
    mode: Option<TradeMode>,
) -> ContractResult<Response> {
    execute_trade(
        deps,
        env,
        info,
        market_id,
        Some(size_delta),
        acceptable_price,
        mode,
    )
}

/// Closes the whole position. On a settled market the touch itself closes it at the settlement
/// price (see [`close_settled_positions`]).
pub fn close_position(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    acceptable_price: Option<Decimal256>,
) -> ContractResult<Response> {
    execute_trade(deps, env, info, market_id, None, acceptable_price, None)
}
