//! A trade on a loaded account, in memory: shared by the `trade` and `close_position` handlers
//! and the `simulate_trade` query. [`apply_trade`] reads like its spec; each step below it
//! either refuses the trade with a typed error or hands the next step what it decided.

use cosmwasm_std::{Addr, Decimal256, Int128, SignedDecimal256, Storage, Uint128};
use perps_api::events::TradeEvent;
use perps_api::perps::{MarketConfig, MarketStatus, PositionMode, TradeMode};
use perps_risk::book::check_initial_margin;
use perps_risk::ledger::{Fill, Moved};
use perps_risk::num::{signed, unsigned_abs, Round};
use perps_risk::position::notional_of;
use perps_risk::trade::{
    apply_fill, default_acceptable_price, degraded_close_price, fill_price, split_fee, trade_fee,
    within_acceptable, FillOutcome, FillQuote,
};
use perps_risk::RiskError;

use crate::account::{book_params, AccountCtx};
use crate::error::{ContractError, ContractResult};
use crate::market::{impact_cap, skew, Prices};
use crate::solvency;
use crate::state::{Config, Mode, Vault};
use perps_risk::solvency::min_position_notional;

/// What a trade asks for.
#[derive(Debug, Clone)]
pub struct TradeRequest<'a> {
    pub market_id: &'a str,
    pub size_delta: SignedDecimal256,
    pub acceptable_price: Option<Decimal256>,
    pub mode: Option<TradeMode>,
}

/// What a trade did, for events and `simulate_trade`.
#[derive(Debug)]
pub struct TradeReport {
    pub market_id: String,
    pub mode: PositionMode,
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
    /// Negative balance of a book this close left flat (bankrupt): it goes down the
    /// bad-debt path (DESIGN 6.4), without any liquidator reward.
    pub shortfall: Uint128,
    /// The part of a cross `shortfall` netted against the account's pending payout
    /// ([`TradeReport::net_pending`]).
    pub payout_netted: Uint128,
}

impl TradeReport {
    /// The `trade` event of this fill.
    pub fn event(&self, account: &Addr, collateral_after: Int128) -> TradeEvent {
        TradeEvent {
            account: account.clone(),
            market_id: self.market_id.clone(),
            mode: self.mode.clone(),
            size_before: self.size_before,
            size_after: self.size_after,
            oracle_price: self.oracle_price,
            fill_price: self.fill_price,
            price_impact: self.price_impact,
            fee: self.fee,
            insurance_fee: self.insurance_fee,
            realized_pnl: self.realized_pnl,
            funding_paid: self.funding_paid,
            entry_price: self.entry_price,
            collateral_after,
            margin_after: self.margin_after,
            shortfall: (!self.shortfall.is_zero()).then_some(self.shortfall),
            payout_netted: (!self.payout_netted.is_zero()).then_some(self.payout_netted),
        }
    }

    /// Scenario 90: the shortfall of a cross book this fill left flat is taken from the
    /// account's own pending payout first ([`solvency::net_pending`]; an isolated book's never
    /// is, DESIGN invariant 5). Returns what was netted: the waterfall pays the rest.
    #[inline(never)]
    pub fn net_pending(
        &mut self,
        storage: &dyn Storage,
        ctx: &mut AccountCtx,
        vault: &mut Vault,
    ) -> ContractResult<Uint128> {
        if self.mode == PositionMode::Cross {
            self.payout_netted = solvency::net_pending(storage, ctx, vault, self.shortfall, true)?;
        }
        Ok(self.payout_netted)
    }
}

/// Applies a trade to an account in memory: funding settled first, then the reduction leg and
/// the opening leg under their rules, fees, aggregates, and the risk check of the book touched.
pub fn apply_trade(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
    req: &TradeRequest,
) -> ContractResult<TradeReport> {
    if req.size_delta.is_zero() {
        return Err(ContractError::ZeroSize {});
    }
    let terms = market_terms(ctx, req.market_id)?;
    let funding_paid = ctx.settle_funding(req.market_id, vault)?;
    let resolved = resolve_mode(ctx, cfg, req)?;
    let legs = classify_legs(ctx, req)?;
    let mut quoted = quote(ctx, vault, cfg, &terms, &legs, req)?;
    check_limits(ctx, cfg, &terms, &legs, &quoted, req.market_id)?;
    let moved = move_cash(ctx, vault, req.market_id, &resolved, &quoted)?;
    quoted.fill.realized_pnl =
        solvency::book_payout(ctx, vault, quoted.fill.realized_pnl, &moved.payout)?;
    let mode_after = match &resolved.mode {
        Mode::Cross => Mode::Cross,
        Mode::Isolated { .. } => Mode::Isolated {
            margin: moved
                .after
                .margin
                .or(moved.closed_margin)
                .unwrap_or_default(),
        },
    };
    check_books(ctx, cfg, req.market_id, &mode_after, &legs, &resolved)?;
    solvency::check_exposure_caps(ctx, vault, cfg)?;
    Ok(TradeReport {
        market_id: req.market_id.to_string(),
        mode: mode_label(&mode_after),
        size_before: legs.size_before,
        size_after: quoted.fill.new_size,
        oracle_price: terms.oracle_price,
        fill_price: quoted.quote.fill_price,
        price_impact: quoted.quote.price_impact,
        fee: quoted.fee,
        insurance_fee: quoted.insurance_fee,
        realized_pnl: quoted.fill.realized_pnl,
        funding_paid,
        entry_price: quoted.fill.entry_price,
        margin_after: moved.after.margin.or(moved.closed_margin),
        shortfall: moved.flows.shortfall,
        payout_netted: Uint128::zero(),
    })
}

/// The market as the trade sees it: open for trading, with a live price.
struct MarketTerms {
    oracle_price: Decimal256,
    conf: Decimal256,
    strict_ok: bool,
    config: MarketConfig,
    reduce_only: bool,
}

/// The market's terms; a settled market and a price that fails liveness refuse the trade.
fn market_terms(ctx: &AccountCtx, market_id: &str) -> ContractResult<MarketTerms> {
    let m = ctx.market(market_id)?;
    if let MarketStatus::Settled { price } = m.market.status {
        return Err(ContractError::MarketSettled {
            market_id: market_id.to_string(),
            price,
        });
    }
    let mark = m.live()?;
    Ok(MarketTerms {
        oracle_price: mark.price,
        conf: mark.conf,
        strict_ok: mark.is_strict(),
        config: m.market.config.clone(),
        reduce_only: m.market.status == MarketStatus::ReduceOnly,
    })
}

/// The position's mode after the trade, and the margin a new isolated position takes from C.
struct Resolved {
    mode: Mode,
    new_margin: Uint128,
}

/// Resolves the mode: an explicit mode must agree with an existing position; a new isolated
/// position takes its margin out of free collateral only (never unrealized profit, whatever the
/// weight).
fn resolve_mode(ctx: &AccountCtx, cfg: &Config, req: &TradeRequest) -> ContractResult<Resolved> {
    let id = req.market_id;
    let existing = ctx.positions.get(id).map(|p| &p.mode);
    let resolved = match (existing, req.mode.clone()) {
        (Some(Mode::Isolated { .. }), Some(TradeMode::Cross)) => {
            return Err(conflict(id, "cross", "isolated"))
        }
        (Some(Mode::Cross), Some(TradeMode::Isolated { .. })) => {
            return Err(conflict(id, "isolated", "cross"))
        }
        (Some(_), Some(TradeMode::Isolated { margin })) if !margin.is_zero() => {
            return Err(conflict(
                id,
                "isolated with new margin (use add_margin)",
                "isolated",
            ))
        }
        (Some(mode), _) => Resolved {
            mode: mode.clone(),
            new_margin: Uint128::zero(),
        },
        (None, Some(TradeMode::Isolated { margin })) if margin.is_zero() => {
            return Err(ContractError::ZeroAmount {})
        }
        (None, Some(TradeMode::Isolated { margin })) => Resolved {
            mode: Mode::Isolated {
                margin: Int128::zero(),
            },
            new_margin: margin,
        },
        (None, _) => Resolved {
            mode: Mode::Cross,
            new_margin: Uint128::zero(),
        },
    };
    if !resolved.new_margin.is_zero() {
        ctx.check_free_collateral(cfg, resolved.new_margin)?;
    }
    Ok(resolved)
}

fn conflict(market_id: &str, requested: &str, existing: &str) -> ContractError {
    ContractError::ConflictingMode {
        market_id: market_id.to_string(),
        requested: requested.to_string(),
        existing: existing.to_string(),
    }
}

/// The trade's legs against the position it meets: a reduction, an opening, or both (a flip).
struct Legs {
    existing: bool,
    size_before: SignedDecimal256,
    entry_before: Decimal256,
    size_delta: SignedDecimal256,
    crosses_zero: bool,
    opens: bool,
    full_close: bool,
}

/// Classifies the legs (settled funding has already reset the position's index).
fn classify_legs(ctx: &AccountCtx, req: &TradeRequest) -> ContractResult<Legs> {
    let existing = ctx.positions.get(req.market_id);
    let size_before = existing.map(|p| p.size).unwrap_or_default();
    let delta = req.size_delta;
    let increasing = size_before.is_zero() || size_before.is_negative() == delta.is_negative();
    let crosses_zero = !increasing && unsigned_abs(delta) > unsigned_abs(size_before);
    Ok(Legs {
        existing: existing.is_some(),
        size_before,
        entry_before: existing.map(|p| p.entry_price).unwrap_or_default(),
        size_delta: delta,
        crosses_zero,
        opens: increasing || crosses_zero,
        full_close: !increasing && unsigned_abs(delta) == unsigned_abs(size_before),
    })
}

/// The priced fill.
struct Quoted {
    quote: FillQuote,
    fee: Uint128,
    insurance_fee: Uint128,
    fill: FillOutcome,
}

/// Prices the trade. Opening needs the strict rules; a voluntary reduction on a doubtful price
/// fills at the conservative side of the confidence band. Refuses an opening in a reduce-only
/// market, an order below the minimum, a skew increase against an empty vault, too much impact
/// and a fill beyond the acceptable price.
fn quote(
    ctx: &AccountCtx,
    vault: &Vault,
    cfg: &Config,
    terms: &MarketTerms,
    legs: &Legs,
    req: &TradeRequest,
) -> ContractResult<Quoted> {
    let id = req.market_id;
    let delta = legs.size_delta;
    if legs.opens && terms.reduce_only {
        return Err(ContractError::MarketReduceOnly {
            market_id: id.to_string(),
        });
    }
    let base_price = if legs.opens {
        ctx.market(id)?.live()?.strict()?
    } else if terms.strict_ok {
        terms.oracle_price
    } else {
        degraded_close_price(terms.oracle_price, terms.conf, delta)?
    };
    let min = terms.config.min_order_size;
    if !legs.full_close && unsigned_abs(delta) < min {
        return Err(below_min(id, unsigned_abs(delta), min));
    }
    let k = skew(&ctx.market(id)?.state)?;
    if vault.total_shares.is_zero() && unsigned_abs(k.checked_add(delta)?) > unsigned_abs(k) {
        return Err(ContractError::VaultEmpty {
            market_id: id.to_string(),
        });
    }
    let mc = &terms.config;
    let quote = fill_price(base_price, k, delta, mc.skew_scale, impact_cap(mc))
        .map_err(|e| impact_error(id, e))?;
    let acceptable = match req.acceptable_price {
        Some(a) => a,
        None => default_acceptable_price(terms.oracle_price, delta, cfg.default_max_slippage)?,
    };
    if !within_acceptable(quote.fill_price, delta, acceptable) {
        return Err(ContractError::AcceptablePrice {
            fill: quote.fill_price,
            acceptable,
        });
    }
    let dec = cfg.collateral_decimals;
    let fee = trade_fee(delta, quote.fill_price, mc.taker_fee, dec)?;
    let (insurance_fee, _) = split_fee(fee, cfg.insurance_fee_share)?;
    let fill = apply_fill(
        legs.size_before,
        legs.entry_before,
        delta,
        quote.fill_price,
        dec,
    )?;
    Ok(Quoted {
        quote,
        fee,
        insurance_fee,
        fill,
    })
}

fn impact_error(market_id: &str, e: RiskError) -> ContractError {
    match e {
        RiskError::PriceImpactTooHigh { impact, max } => ContractError::PriceImpactTooHigh {
            market_id: market_id.to_string(),
            impact,
            max,
        },
        other => other.into(),
    }
}

fn below_min(market_id: &str, size: Decimal256, min: Decimal256) -> ContractError {
    ContractError::BelowMinOrderSize {
        market_id: market_id.to_string(),
        size,
        min,
    }
}

/// Limits on the result: no dust left by a reduction; an opening leg at least the minimum, a
/// new position within the per-account count, and the caps.
fn check_limits(
    ctx: &AccountCtx,
    cfg: &Config,
    terms: &MarketTerms,
    legs: &Legs,
    quoted: &Quoted,
    market_id: &str,
) -> ContractResult<()> {
    let out = &quoted.fill;
    let min = terms.config.min_order_size;
    if !out.new_size.is_zero() && !legs.opens && unsigned_abs(out.new_size) < min {
        return Err(ContractError::DustRemainder {
            market_id: market_id.to_string(),
            remaining: unsigned_abs(out.new_size),
            min,
        });
    }
    if !legs.opens {
        return check_min_notional(ctx, cfg, quoted, market_id);
    }
    if legs.crosses_zero && out.increased < min {
        return Err(below_min(market_id, out.increased, min));
    }
    check_min_notional(ctx, cfg, quoted, market_id)?;
    let count = u32::try_from(ctx.positions.len()).unwrap_or(u32::MAX);
    if !legs.existing && count >= cfg.max_positions_per_account {
        return Err(ContractError::TooManyPositions {
            count,
            max: cfg.max_positions_per_account,
        });
    }
    check_caps(ctx, market_id, terms, out, cfg.collateral_decimals)
}

/// `min_position_notional` (DESIGN 6.8): a position left open by the trade is worth at least
/// the floor at the fill (the configured value, else `2·min_liquidation_reward/mmr_1`).
fn check_min_notional(
    ctx: &AccountCtx,
    cfg: &Config,
    quoted: &Quoted,
    market_id: &str,
) -> ContractResult<()> {
    let size = quoted.fill.new_size;
    if size.is_zero() {
        return Ok(());
    }
    let mmr_1 = ctx.market(market_id)?.tiers.first_mmr();
    let min = min_position_notional(cfg.min_position_notional, cfg.min_liquidation_reward, mmr_1)?;
    if min.is_zero() {
        return Ok(());
    }
    let dec = cfg.collateral_decimals;
    let notional = notional_of(size, quoted.quote.fill_price, dec, Round::Down)?
        .to_base_units_u(Round::Down)?;
    if notional < min {
        return Err(ContractError::BelowMinPositionNotional {
            market_id: market_id.to_string(),
            notional,
            min,
        });
    }
    Ok(())
}

/// OI caps (on the side that grows, at the oracle price) and the per-account notional cap.
fn check_caps(
    ctx: &AccountCtx,
    market_id: &str,
    terms: &MarketTerms,
    out: &FillOutcome,
    dec: u8,
) -> ContractResult<()> {
    let (mc, price) = (&terms.config, terms.oracle_price);
    let state = &ctx.market(market_id)?.state;
    let (side_oi, cap, side) = if out.new_size.is_negative() {
        (state.short_oi, mc.max_short_oi, "short")
    } else {
        (state.long_oi, mc.max_long_oi, "long")
    };
    // The aggregate still holds the position before the trade: the side that grows gains
    // exactly the opening leg (an increase, or the remainder of a flip).
    let oi_after = side_oi.checked_add(out.increased)?;
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
        let n = notional_of(out.new_size, price, dec, Round::Up)?.to_base_units_u(Round::Up)?;
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

/// Moves the cash through the ledger (new isolated margin out of C, PnL from the vault, the fee
/// to the vault and the insurance fees, the close rules) and stores the new position.
fn move_cash(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    market_id: &str,
    resolved: &Resolved,
    quoted: &Quoted,
) -> ContractResult<Moved> {
    let out = &quoted.fill;
    let mut before = ctx.balances(Some(market_id), vault);
    if let Mode::Isolated { margin } = resolved.mode {
        before.margin = Some(before.margin.unwrap_or(margin));
    }
    let fill = Fill {
        margin_from_collateral: resolved.new_margin,
        realized_pnl: out.realized_pnl,
        fee: quoted.fee,
        insurance_fee: quoted.insurance_fee,
        ..Fill::default()
    };
    let (size, entry) = (out.new_size, out.entry_price);
    ctx.book_fill(vault, market_id, before, fill, size, entry, &resolved.mode)
}

fn mode_label(m: &Mode) -> PositionMode {
    match m {
        Mode::Cross => PositionMode::Cross,
        Mode::Isolated { .. } => PositionMode::Isolated,
    }
}

/// Risk check of the book the trade touched (DESIGN 6.4). A reduction that leaves a bankrupt
/// book is allowed only when it leaves the book flat (the ledger has then booked its shortfall
/// for the bad-debt path).
fn check_books(
    ctx: &AccountCtx,
    cfg: &Config,
    market_id: &str,
    mode: &Mode,
    legs: &Legs,
    resolved: &Resolved,
) -> ContractResult<()> {
    let params = book_params(cfg);
    if !resolved.new_margin.is_zero() || (legs.opens && *mode == Mode::Cross) {
        check_initial_margin(&ctx.cross_book(Prices::Strict)?, &params)?;
    }
    if legs.opens {
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
            let h = ctx.cross_health(cfg, Prices::Live)?;
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
