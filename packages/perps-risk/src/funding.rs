//! Funding: rate from skew, lazy index accrual, settlement amounts, the vault's net side.

use cosmwasm_std::{Decimal256, Int128, Int512, SignedDecimal256};

use crate::error::RiskError;
use crate::num::{add, div_round, mul, sub, to_signed, Quote, Round, FRACTIONAL};
use crate::position::{accrued_funding, Position};

const SECONDS_PER_DAY: u64 = 86_400;

fn overflow(context: &'static str) -> RiskError {
    RiskError::Overflow { context }
}

/// The skew ratio funding follows, `clamp(K/(max_price_impact·skew_scale), −1, 1)` as an exact
/// fraction `(numerator, denominator)` of 18-decimal atoms (denominator > 0), or `None` when
/// there is no funding (`skew_scale = 0`, no cap, or `K = 0`). At the impact cap the ratio is
/// ±1: holding the largest skew a trade may leave costs the full rate.
fn skew_ratio(
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
) -> Result<Option<(Int512, Int512)>, RiskError> {
    if skew_scale.is_zero() || max_price_impact.is_zero() || skew.is_zero() {
        return Ok(None);
    }
    // K/(m·S) in atoms: K_a·10^18 / (m_a·S_a); at or beyond the cap it is ±1
    let num = Int512::from(skew.atomics()).checked_mul(Int512::from(FRACTIONAL));
    let den = Int512::try_from(max_price_impact.atomics().full_mul(skew_scale.atomics()))
        .map_err(|_| overflow("funding skew ratio"))?;
    let sign = if skew.is_negative() {
        Int512::from(-1i64)
    } else {
        Int512::one()
    };
    Ok(match num {
        Ok(n) if n.unsigned_abs() < den.unsigned_abs() => Some((n, den)),
        _ => Some((sign, Int512::one())),
    })
}

/// `r = max_funding_rate_per_day/86400 · clamp(K/(max_price_impact·skew_scale), −1, 1)` per
/// second; positive means longs pay. `skew_scale = 0` means no funding. For reports only: the
/// index moves by [`funding_index_delta`], which never rounds `r` on its own. Rounded toward
/// zero.
pub fn funding_rate_per_second(
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
    max_funding_rate_per_day: Decimal256,
) -> Result<SignedDecimal256, RiskError> {
    rate_over(
        skew,
        skew_scale,
        max_price_impact,
        max_funding_rate_per_day,
        SECONDS_PER_DAY,
    )
}

/// The daily rate `max_funding_rate_per_day · clamp(K/(max_price_impact·skew_scale), −1, 1)`
/// (positive: longs pay), rounded toward zero. For reports only (`update_market` shows the rate
/// before and after a parameter change); the index moves by [`funding_index_delta`].
pub fn funding_rate_per_day(
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
    max_funding_rate_per_day: Decimal256,
) -> Result<SignedDecimal256, RiskError> {
    rate_over(
        skew,
        skew_scale,
        max_price_impact,
        max_funding_rate_per_day,
        1,
    )
}

/// `max_funding_rate_per_day · clamp(K/(m·S), −1, 1) / parts_of_a_day`, exact in 512 bits and
/// rounded once toward zero (a report never overstates the rate).
fn rate_over(
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
    max_funding_rate_per_day: Decimal256,
    parts_of_a_day: u64,
) -> Result<SignedDecimal256, RiskError> {
    let Some((num, den)) = skew_ratio(skew, skew_scale, max_price_impact)? else {
        return Ok(SignedDecimal256::zero());
    };
    // rate_a·num/(den·parts): atoms of the rate
    let n = Int512::from(max_funding_rate_per_day.atomics())
        .checked_mul(num)
        .map_err(|_| overflow("funding rate"))?;
    let d = den
        .checked_mul(Int512::from(parts_of_a_day))
        .map_err(|_| overflow("funding rate"))?;
    let toward_zero = if skew.is_negative() {
        Round::Up
    } else {
        Round::Down
    };
    to_signed(
        div_round(n, d, toward_zero, "funding rate")?,
        "funding rate",
    )
}

/// Index increment `P·r·Δt = P·max_rate·clamp(K/(m·S), −1, 1)·Δt/86400` from the skew before
/// the touch, computed exactly in 512 bits and rounded ONCE, away from zero (funding owed
/// rounds up): a low price never truncates funding away. `Δt = 0`, `K = 0` or
/// `skew_scale = 0` add nothing. Every trader and the vault move by the same `ΔF`, so the
/// rounding moves no money between sides (the vault takes `K·ΔF`).
pub fn funding_index_delta(
    price: Decimal256,
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
    max_funding_rate_per_day: Decimal256,
    elapsed_secs: u64,
) -> Result<SignedDecimal256, RiskError> {
    if elapsed_secs == 0 || max_funding_rate_per_day.is_zero() {
        return Ok(SignedDecimal256::zero());
    }
    let Some((num, den)) = skew_ratio(skew, skew_scale, max_price_impact)? else {
        return Ok(SignedDecimal256::zero());
    };
    // atoms: P_a·rate_a·num·Δt / (10^18·den·86400)
    let ctx = "funding index delta";
    let n = Int512::try_from(price.atomics().full_mul(max_funding_rate_per_day.atomics()))
        .map_err(|_| overflow(ctx))?
        .checked_mul(num)
        .and_then(|v| v.checked_mul(Int512::from(elapsed_secs)))
        .map_err(|_| overflow(ctx))?;
    let d = den
        .checked_mul(Int512::from(FRACTIONAL))
        .and_then(|v| v.checked_mul(Int512::from(SECONDS_PER_DAY)))
        .map_err(|_| overflow(ctx))?;
    let away_from_zero = if skew.is_negative() {
        Round::Down
    } else {
        Round::Up
    };
    to_signed(div_round(n, d, away_from_zero, ctx)?, ctx)
}

/// Accrue a market's funding index from its last touch to `now` with the skew before the touch
/// (one rounding per touch, [`funding_index_delta`]).
pub fn accrue_funding_index(
    index: SignedDecimal256,
    price: Decimal256,
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
    max_funding_rate_per_day: Decimal256,
    elapsed_secs: u64,
) -> Result<SignedDecimal256, RiskError> {
    add(
        index,
        funding_index_delta(
            price,
            skew,
            skew_scale,
            max_price_impact,
            max_funding_rate_per_day,
            elapsed_secs,
        )?,
    )
}

/// Funding to settle into a position at index `funding_index`, integer base units: positive
/// means the position pays (rounded up), negative means it receives (rounded down in
/// magnitude). After settling, the engine sets `funding_index_at_entry = funding_index`.
pub fn funding_settlement(
    position: &Position,
    funding_index: SignedDecimal256,
    decimals: u8,
) -> Result<Int128, RiskError> {
    accrued_funding(position, funding_index, decimals)?.ceil()
}

/// The vault's side of an index move: it receives `K·ΔF` (base units, exact, rounded down),
/// so traders (`−Σ s·ΔF`) plus the vault sum to zero before rounding; trader rounding leaves
/// the dust with the vault.
pub fn vault_funding(
    skew: SignedDecimal256,
    index_delta: SignedDecimal256,
    decimals: u8,
) -> Result<Quote, RiskError> {
    let per_unit = mul(
        index_delta,
        crate::num::base_units_per_whole(decimals)?,
        Round::Down,
    )?;
    mul(skew, per_unit, Round::Down).map(Quote)
}

/// `F_new − F_old`, checked.
pub fn index_delta(
    old: SignedDecimal256,
    new: SignedDecimal256,
) -> Result<SignedDecimal256, RiskError> {
    sub(new, old)
}
