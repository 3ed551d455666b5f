//! Funding: rate from skew, lazy index accrual, settlement amounts, the vault's net side.

use cosmwasm_std::{Decimal256, Int128, Int256, SignedDecimal256};

use crate::error::RiskError;
use crate::num::{add, div, from_int, mul, signed, sub, Quote, Round};
use crate::position::{accrued_funding, Position};

const SECONDS_PER_DAY: i128 = 86_400;

/// `r = max_funding_rate_per_day/86400 · clamp(K/skew_scale, −1, 1)` per second; positive means
/// longs pay. `skew_scale = 0` means no funding. Rounded toward zero (the same `r` is used for
/// every position, so the rounding moves no money between sides).
pub fn funding_rate_per_second(
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_funding_rate_per_day: Decimal256,
) -> Result<SignedDecimal256, RiskError> {
    if skew_scale.is_zero() || skew.is_zero() {
        return Ok(SignedDecimal256::zero());
    }
    let toward_zero = if skew.is_negative() {
        Round::Up
    } else {
        Round::Down
    };
    let one = SignedDecimal256::one();
    let ratio = div(skew, signed(skew_scale)?, toward_zero)?
        .min(one)
        .max(SignedDecimal256::negative_one());
    let per_sec = div(
        signed(max_funding_rate_per_day)?,
        from_int(Int256::from(SECONDS_PER_DAY))?,
        Round::Down,
    )?;
    mul(per_sec, ratio, toward_zero)
}

/// Index increment `P·r·Δt`. `P·r` is rounded once (toward zero) and multiplied by the integer
/// `Δt` exactly, so accruing over `[t0,t1]` then `[t1,t2]` equals accruing over `[t0,t2]` at the
/// same price and rate. `Δt = 0` adds nothing.
pub fn funding_index_delta(
    price: Decimal256,
    rate_per_second: SignedDecimal256,
    elapsed_secs: u64,
) -> Result<SignedDecimal256, RiskError> {
    if elapsed_secs == 0 || rate_per_second.is_zero() {
        return Ok(SignedDecimal256::zero());
    }
    let toward_zero = if rate_per_second.is_negative() {
        Round::Up
    } else {
        Round::Down
    };
    let step = mul(signed(price)?, rate_per_second, toward_zero)?;
    step.atomics()
        .checked_mul(Int256::from(elapsed_secs))
        .map(SignedDecimal256::new)
        .map_err(|_| RiskError::Overflow {
            context: "funding index delta",
        })
}

/// Accrue a market's funding index from its last touch to `now` with the skew before the touch.
pub fn accrue_funding_index(
    index: SignedDecimal256,
    price: Decimal256,
    skew: SignedDecimal256,
    skew_scale: Decimal256,
    max_funding_rate_per_day: Decimal256,
    elapsed_secs: u64,
) -> Result<SignedDecimal256, RiskError> {
    let r = funding_rate_per_second(skew, skew_scale, max_funding_rate_per_day)?;
    add(index, funding_index_delta(price, r, elapsed_secs)?)
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
