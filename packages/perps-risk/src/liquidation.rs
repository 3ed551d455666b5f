//! Partial liquidation (DESIGN 6.8) and the market rules that keep it sound.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};

use crate::book::{Book, BookParams};
use crate::error::{RiskError, RiskResult};

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
    /// Paid to the caller: `max(floor(reward_share·penalty), min_reward)`.
    pub liquidator_reward: Uint128,
    /// Accrues to the insurance fund: `charged − liquidator_reward` when positive.
    pub insurance_share: Uint128,
    /// Part of the reward the book could not pay (included in `bad_debt`).
    pub reward_unpaid: Uint128,
    /// Shortfall D to cover (fees, fund, socialized): negative equity of a flattened book plus
    /// `reward_unpaid`.
    pub bad_debt: Uint128,
}

/// Plan the liquidation of `book`; `Ok(None)` when the book is not liquidatable.
/// Positions are taken in order of largest maintenance requirement; for each, the smallest
/// `x` with `Q − fee·x ≥ target·MM(remaining)` (exact per tier segment, plus a few base units
/// of rounding slack); stops once `Q ≥ target·MM`; a remainder below `min_order_size` closes
/// too; everything closes when the target is unreachable. Positions whose price is not live
/// are never closed.
pub fn plan_liquidation(
    book: &Book,
    params: &BookParams,
    config: &LiquidationConfig,
) -> RiskResult<Option<LiquidationPlan>> {
    let _ = (book, params, config);
    Err(RiskError::Unimplemented("plan_liquidation"))
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
) -> RiskResult<()> {
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
