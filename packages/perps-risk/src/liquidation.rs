//! Partial liquidation (DESIGN 6.8) and the market rules that keep it sound.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};

use crate::book::{book_health, book_values, position_values, Book, BookParams};
use crate::error::RiskError;
use crate::num::{
    base_units_per_whole, clamp_u128, div, int128, mul, signed, sub, unsigned, unsigned_abs, Quote,
    Round,
};
use crate::position::{accrued_funding, notional_of, pnl_of};

/// Account-wide liquidation parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationConfig {
    /// `liquidation_target_ratio` (≥ 1): partial liquidation stops at `Q ≥ target·MM`.
    pub target_ratio: Decimal256,
    /// `liquidator_reward_share` of the penalty paid to the caller.
    pub reward_share: Decimal256,
    /// `min_liquidation_reward`, base units.
    pub min_reward: Uint128,
}

/// One position closed (partly or fully) by a liquidation, at the mark with no skew impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionClose {
    /// Index into `book.positions`.
    pub index: usize,
    /// Signed size closed (same sign as the position); the engine trades `−size_closed`.
    pub size_closed: SignedDecimal256,
    /// Size left (0 or ≥ `min_order_size`).
    pub new_size: SignedDecimal256,
    /// Close price (the mark).
    pub price: Decimal256,
    /// Funding settled on the whole position first (positive = paid by the book), rounded up;
    /// the engine then sets `funding_index_at_entry` to the current index.
    pub funding_paid: Int128,
    /// `(P − E)·closed`, rounded down, credited to the book.
    pub realized_pnl: Int128,
    /// Penalty `liquidation_fee·N_closed`, rounded up, capped at the equity left.
    pub penalty: Uint128,
    /// Book equity before this close, rounded down.
    pub equity_before: Int128,
    /// Book maintenance requirement before this close, rounded up.
    pub maintenance_before: Uint128,
    /// Book equity after this close (and its penalty), rounded down.
    pub equity_after: Int128,
    /// Book maintenance requirement after this close, rounded up.
    pub maintenance_after: Uint128,
}

/// What a liquidation of one book does; the engine applies it as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiquidationPlan {
    /// Closes in execution order.
    pub closes: Vec<PositionClose>,
    /// Book equity before, rounded down.
    pub equity_before: Int128,
    /// Maintenance requirement before, rounded up.
    pub maintenance_before: Uint128,
    /// Book equity after (before bad-debt cover), rounded down.
    pub equity_after: Int128,
    /// Maintenance requirement after, rounded up.
    pub maintenance_after: Uint128,
    /// The book's collateral (C or M) to store: after PnL, funding, penalty and any reward
    /// top-up; 0 when the book went bankrupt (the shortfall is in `bad_debt`).
    pub collateral_after: Int128,
    /// Σ penalties plus any reward top-up the book paid: everything taken from the book.
    pub charged: Uint128,
    /// Paid to the caller: `max(floor(reward_share·penalty), min_reward)`, capped at what the
    /// book pays (its penalties plus the top-up it can spare).
    pub liquidator_reward: Uint128,
    /// Accrues to the insurance fund: `charged − liquidator_reward` when positive.
    pub insurance_share: Uint128,
    /// Shortfall D to cover (fees, fund, socialized): negative equity of a flattened book. A
    /// reward never adds to it.
    pub bad_debt: Uint128,
    /// The part of the book's net realized gain (PnL less funding over every close) beyond what
    /// the vault can pay in cash ([`plan_liquidation_paying`]): a pending payout of the account,
    /// not in `collateral_after`, so never in the equity a penalty or a reward is taken from.
    pub pending_payout: Uint128,
}

/// The net realized gain of a plan so far and the part of it the vault cannot pay in cash
/// (DESIGN 6.10, issue 12): `pending = max(0, net − payable)`, so a later close's loss is netted
/// against the claim first, and a plan that nets a loss (or a gain up to `payable`) defers nothing.
#[derive(Debug, Clone, Copy)]
struct Gains {
    /// `payable` (`None`: without limit).
    payable: Option<Int128>,
    net: Int128,
    /// `max(0, net − payable)`.
    pending: Int128,
}

impl Gains {
    /// Adds one close's `gain` (PnL less funding); returns what the book's collateral takes of
    /// it: the gain less what it added to the claim (plus what a loss took off the claim).
    fn take(&mut self, gain: Int128) -> Result<Int128, RiskError> {
        self.net = self.net.checked_add(gain)?;
        let Some(payable) = self.payable else {
            return Ok(gain);
        };
        let pending = self.net.checked_sub(payable)?.max(Int128::zero());
        let kept = gain.checked_sub(pending.checked_sub(self.pending)?)?;
        self.pending = pending;
        Ok(kept)
    }

    /// The most a penalty may take from a book of `equity` and `collateral`: its equity less the
    /// claim its open gains (`equity − collateral`) would add if they closed now, so that a
    /// penalty is never paid out of a gain the vault will owe rather than pay.
    fn penalty_cap(&self, equity: Int128, collateral: Int128) -> Result<Uint128, RiskError> {
        let more = match self.payable {
            None => Int128::zero(),
            Some(payable) => self
                .net
                .checked_add(equity.checked_sub(collateral)?)?
                .checked_sub(payable)?
                .max(Int128::zero())
                .checked_sub(self.pending)?
                .max(Int128::zero()),
        };
        Ok(clamp_u128(equity.checked_sub(more)?))
    }
}

/// Plan the liquidation of `book`; `Ok(None)` when the book is not liquidatable.
/// Positions are taken in order of largest maintenance requirement; for each, the smallest
/// `x` with `Q − fee·x ≥ target·MM(remaining)` (exact per tier segment, plus a few base units
/// of rounding slack); stops once `Q ≥ target·MM`; a remainder below `min_order_size` closes
/// too; everything closes when the target is unreachable. Positions whose price is not live
/// are never closed, nor are settled ones (valued as closed; the engine closes them first).
///
/// Reward: the book pays its penalties; the caller gets `max(floor(share·penalty),
/// min_reward)`; when that exceeds the penalties the book tops it up from what it can spare
/// (all its equity when flat, only the excess over `target·MM` when it stays open); the reward
/// is capped at what the book pays (DESIGN 6.8: never paid by the fund or the vault). A plan that closes nothing (only stale positions,
/// or an empty book with `C < 0`) pays no reward; the engine decides whether such a call
/// succeeds (DESIGN: only if something was closed, or to book an empty book's bad debt).
pub fn plan_liquidation(
    book: &Book,
    params: &BookParams,
    config: &LiquidationConfig,
) -> Result<Option<LiquidationPlan>, RiskError> {
    plan_liquidation_paying(book, params, config, None)
}

/// [`plan_liquidation`] when the vault can pay the book at most `payable` in cash
/// ([`crate::solvency::payable`]; `None`: without limit). The closes' net gain beyond it is
/// [`LiquidationPlan::pending_payout`]: it leaves the book as it is realized, before the close's
/// penalty, so penalties and the reward are paid only from what the book holds in cash (a book
/// whose equity is all claim pays none), and the plan may close more than it would if the vault
/// paid in full (the book's equity in cash is lower). Rounding: the gain is realized PnL rounded
/// down less funding rounded up, and the claim is exact in base units.
pub fn plan_liquidation_paying(
    book: &Book,
    params: &BookParams,
    config: &LiquidationConfig,
    payable: Option<Uint128>,
) -> Result<Option<LiquidationPlan>, RiskError> {
    let before = book_health(book, params)?;
    if !before.liquidatable {
        return Ok(None);
    }
    let decimals = params.collateral_decimals;
    let mut work = book.clone();
    let mut order: Vec<(Quote, usize)> = Vec::with_capacity(book.positions.len());
    for (i, bp) in book.positions.iter().enumerate() {
        if bp.price_live && !bp.settled && !bp.position.size.is_zero() {
            order.push((position_values(bp, decimals)?.maintenance_margin, i));
        }
    }
    // largest maintenance requirement first; ties by index for determinism
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut closes = Vec::new();
    let mut gains = Gains {
        payable: payable.map(int128).transpose()?,
        net: Int128::zero(),
        pending: Int128::zero(),
    };
    for &(_, i) in &order {
        if meets_target(&work, params, config.target_ratio)? {
            break;
        }
        let x = solve_close_size(&work, i, params, config.target_ratio)?;
        if !x.is_zero() {
            closes.push(close(&mut work, i, x, params, &mut gains)?);
        }
        // rounding can leave the book a hair short: then this position goes entirely
        let left = work.positions.get(i).map(|p| unsigned_abs(p.position.size));
        if let Some(left) = left {
            if !left.is_zero() && !meets_target(&work, params, config.target_ratio)? {
                closes.push(close(&mut work, i, left, params, &mut gains)?);
            }
        }
    }

    let mut penalty_total = Uint128::zero();
    for c in &closes {
        penalty_total = penalty_total.checked_add(c.penalty)?;
    }
    let flat = work.positions.iter().all(|p| p.position.size.is_zero());
    let reward_from_share = Quote::from_base_units_u(penalty_total)
        .mul_ratio(config.reward_share, Round::Down)?
        .to_base_units_u(Round::Down)?;
    // nothing closed (only stale positions, or an empty book below zero): nothing to reward
    let liquidator_reward = if closes.is_empty() {
        Uint128::zero()
    } else {
        reward_from_share.max(config.min_reward)
    };
    let mut charged = penalty_total;
    let mut liquidator_reward = liquidator_reward;
    let insurance_share = penalty_total.saturating_sub(liquidator_reward);
    if liquidator_reward > penalty_total {
        // the book pays the top-up from what it can spare (all of it when flat, only the excess
        // over the target when it stays open); a reward is paid by the book alone (DESIGN 6.8),
        // so what it cannot spare is not paid: never by the fund, never by the vault
        let needed = liquidator_reward.checked_sub(penalty_total)?;
        let spare = if flat {
            clamp_u128(work.collateral)
        } else {
            let h = book_health(&work, params)?;
            let req = target_requirement(&work, params, config.target_ratio)?;
            clamp_u128(h.equity.checked_sub(int128(req)?)?)
        };
        let top_up = needed.min(spare);
        work.collateral = work.collateral.checked_sub(int128(top_up)?)?;
        charged = charged.checked_add(top_up)?;
        liquidator_reward = penalty_total.checked_add(top_up)?;
    }
    // the claim pays the book's own debt first (no real money moves: DESIGN 6.10)
    let x = gains
        .pending
        .min(Int128::zero().checked_sub(work.collateral)?);
    if x > Int128::zero() {
        gains.pending = gains.pending.checked_sub(x)?;
        work.collateral = work.collateral.checked_add(x)?;
    }
    let mut bad_debt = Uint128::zero();
    if flat && work.collateral.is_negative() {
        bad_debt =
            bad_debt.checked_add(clamp_u128(Int128::zero().checked_sub(work.collateral)?))?;
        work.collateral = Int128::zero();
    }
    let after = book_health(&work, params)?;
    Ok(Some(LiquidationPlan {
        closes,
        equity_before: before.equity,
        maintenance_before: before.maintenance_margin,
        equity_after: after.equity,
        maintenance_after: after.maintenance_margin,
        collateral_after: work.collateral,
        charged,
        liquidator_reward,
        insurance_share,
        bad_debt,
        pending_payout: clamp_u128(gains.pending),
    }))
}

/// Rounding slack, in base units, added to the target when solving the close size: funding
/// settled (up), realized PnL (down), penalty (up), equity (down) and the target (up) each
/// round by less than one unit.
const SLACK_BASE_UNITS: i128 = 5;

/// `ceil(target · MM_exact)`, base units.
fn target_requirement(
    book: &Book,
    params: &BookParams,
    target: Decimal256,
) -> Result<Uint128, RiskError> {
    book_values(book, params)?
        .maintenance_margin
        .mul_ratio(target, Round::Up)?
        .to_base_units_u(Round::Up)
}

/// `floor(Q) ≥ ceil(target·MM)`.
fn meets_target(book: &Book, params: &BookParams, target: Decimal256) -> Result<bool, RiskError> {
    let h = book_health(book, params)?;
    let req = target_requirement(book, params, target)?;
    Ok(Quote::from_base_units(h.equity) >= Quote::from_base_units_u(req))
}

/// Smallest size to close from position `i` so that `Q − fee·x − slack ≥ target·MM(rest)`.
///
/// In terms of the notional `m` left in the position, with `φ = fee·P·10^d` per unit closed,
/// `H(m) = K0 + fee·m − t·MM_i(m)` where `K0 = Q − slack − φ·|s| − t·MM_others`. `H` falls as
/// `m` grows (`t·mmr_k > fee`), so the largest admissible `m` is the root of one bracket.
fn solve_close_size(
    book: &Book,
    i: usize,
    params: &BookParams,
    target: Decimal256,
) -> Result<Decimal256, RiskError> {
    let decimals = params.collateral_decimals;
    let len = book.positions.len();
    let bp = book
        .positions
        .get(i)
        .ok_or(RiskError::NoSuchPosition { index: i, len })?;
    let size = unsigned_abs(bp.position.size);
    let v = book_values(book, params)?;
    let own = position_values(bp, decimals)?;
    let fee = bp.market.liquidation_fee;
    let tiers = &bp.market.tiers;
    let n_full = own.notional;
    let mm_others = v.maintenance_margin.checked_sub(own.maintenance_margin)?;
    let slack = Quote::from_base_units(Int128::new(SLACK_BASE_UNITS));
    let k0 = v
        .equity
        .checked_sub(slack)?
        .checked_sub(n_full.mul_ratio(fee, Round::Up)?)?
        .checked_sub(mm_others.mul_ratio(target, Round::Up)?)?;
    let h = |m: Quote| -> Result<Quote, RiskError> {
        k0.checked_add(m.mul_ratio(fee, Round::Down)?)?
            .checked_sub(tiers.maintenance(m)?.mul_ratio(target, Round::Up)?)
    };
    if h(Quote::ZERO)? < Quote::ZERO {
        return Ok(size);
    }
    if h(n_full)? >= Quote::ZERO {
        return Ok(Decimal256::zero());
    }
    let mut m_star = Quote::ZERO;
    for seg in tiers.segments() {
        let root_here = match seg.hi {
            None => true,
            Some(hi) => hi >= n_full || h(hi)? < Quote::ZERO,
        };
        if !root_here {
            continue;
        }
        // K0 − t·MM(lo) + t·mmr·lo + (fee − t·mmr)·m = 0
        let t = signed(target)?;
        let t_mmr = mul(t, signed(seg.mmr)?, Round::Up)?;
        let slope = sub(t_mmr, signed(fee)?)?;
        if slope <= SignedDecimal256::zero() {
            // rules violated (fee ≥ target·mmr): no partial solution, close it all
            return Ok(size);
        }
        let numer = k0
            .checked_sub(seg.mm_below.mul_ratio(target, Round::Up)?)?
            .checked_add(Quote(mul(seg.lo.0, t_mmr, Round::Down)?))?;
        m_star = Quote(div(numer.0, slope, Round::Down)?);
        break;
    }
    let m_star = m_star.max_zero().min(n_full);
    // x = |s| − m*/(P·10^d), the remaining size rounded down so that more is closed
    let price_bu = mul(
        signed(bp.mark_price)?,
        base_units_per_whole(decimals)?,
        Round::Up,
    )?;
    if price_bu.is_zero() {
        return Ok(size);
    }
    let keep = unsigned(div(m_star.0, price_bu, Round::Down)?.max(SignedDecimal256::zero()))?;
    let keep = keep.min(size);
    if keep < bp.market.min_order_size {
        return Ok(size);
    }
    Ok(size.checked_sub(keep)?)
}

/// Close `x` (magnitude) of position `i` at its mark: settle funding on the whole position,
/// realize PnL on the closed part (less what the vault cannot pay: `gains`), charge the penalty
/// capped at the equity left.
fn close(
    book: &mut Book,
    i: usize,
    x: Decimal256,
    params: &BookParams,
    gains: &mut Gains,
) -> Result<PositionClose, RiskError> {
    let decimals = params.collateral_decimals;
    let before = book_health(book, params)?;
    let len = book.positions.len();
    let bp = book
        .positions
        .get_mut(i)
        .ok_or(RiskError::NoSuchPosition { index: i, len })?;
    let x = x.min(unsigned_abs(bp.position.size));
    let funding_paid = accrued_funding(&bp.position, bp.funding_index, decimals)?.ceil()?;
    bp.position.funding_index_at_entry = bp.funding_index;
    let closed = if bp.position.size.is_negative() {
        sub(SignedDecimal256::zero(), signed(x)?)?
    } else {
        signed(x)?
    };
    let realized_pnl = pnl_of(
        closed,
        bp.position.entry_price,
        bp.mark_price,
        decimals,
        Round::Down,
    )?
    .floor()?;
    let penalty_raw = notional_of(closed, bp.mark_price, decimals, Round::Up)?
        .mul_ratio(bp.market.liquidation_fee, Round::Up)?
        .to_base_units_u(Round::Up)?;
    bp.position.size = sub(bp.position.size, closed)?;
    let new_size = bp.position.size;
    let price = bp.mark_price;
    if new_size.is_zero() {
        bp.position.entry_price = Decimal256::zero();
    }
    let kept = gains.take(realized_pnl.checked_sub(funding_paid)?)?;
    book.collateral = book.collateral.checked_add(kept)?;
    let cap = gains.penalty_cap(book_health(book, params)?.equity, book.collateral)?;
    let penalty = penalty_raw.min(cap);
    book.collateral = book.collateral.checked_sub(int128(penalty)?)?;
    let after = book_health(book, params)?;
    Ok(PositionClose {
        index: i,
        size_closed: closed,
        new_size,
        price,
        funding_paid,
        realized_pnl,
        penalty,
        equity_before: before.equity,
        maintenance_before: before.maintenance_margin,
        equity_after: after.equity,
        maintenance_after: after.maintenance_margin,
    })
}

/// Market validation rules: `liquidation_fee·(1 − reward_share) ≥ taker_fee + max_price_impact`
/// (pass 0 impact when `skew_scale = 0`) and `liquidation_fee < target_ratio·mmr_1`.
pub fn validate_liquidation_rules(
    liquidation_fee: Decimal256,
    reward_share: Decimal256,
    taker_fee: Decimal256,
    max_price_impact: Decimal256,
    target_ratio: Decimal256,
    first_mmr: Decimal256,
) -> Result<(), RiskError> {
    if reward_share > Decimal256::one() {
        return Err(RiskError::InvalidParameter {
            name: "liquidator_reward_share",
            reason: format!("{reward_share} > 1"),
        });
    }
    // fee·(1 − share) ≥ taker_fee + impact: a liquidation is never cheaper than closing
    let kept = liquidation_fee.checked_mul(Decimal256::one().checked_sub(reward_share)?)?;
    let close_cost = taker_fee.checked_add(max_price_impact)?;
    if kept < close_cost {
        return Err(RiskError::InvalidParameter {
            name: "liquidation_fee",
            reason: format!(
                "liquidation_fee·(1 − liquidator_reward_share) = {kept} < taker_fee + max_price_impact = {close_cost}"
            ),
        });
    }
    // fee < target·mmr_1 keeps the partial-liquidation target reachable
    let bound = target_ratio.checked_mul(first_mmr)?;
    if liquidation_fee >= bound {
        return Err(RiskError::InvalidParameter {
            name: "liquidation_fee",
            reason: format!(
                "liquidation_fee {liquidation_fee} >= liquidation_target_ratio·mmr_1 = {bound}"
            ),
        });
    }
    Ok(())
}

/// The book as it is after `plan` (what the engine stores): sizes reduced, funding of every
/// closed position settled to the current index, entry 0 when flat, collateral replaced.
pub fn apply_plan(book: &Book, plan: &LiquidationPlan) -> Book {
    let mut out = book.clone();
    for c in &plan.closes {
        if let Some(bp) = out.positions.get_mut(c.index) {
            bp.position.size = c.new_size;
            bp.position.funding_index_at_entry = bp.funding_index;
            if c.new_size.is_zero() {
                bp.position.entry_price = Decimal256::zero();
            }
        }
    }
    out.collateral = plan.collateral_after;
    out
}
