//! Auto-deleveraging (DESIGN 6.10): the price-independent rank of a position in its market's
//! index, when auto-deleveraging may run, and how much of a position it closes.

use cosmwasm_std::{Decimal256, Uint256};

use crate::error::RiskError;
use crate::num::{base_units_per_whole, div, mul, signed, unsigned, Quote, Round};

/// Rank bit of a short position: longs rank in `[0, 2^63)`, shorts in `[2^63, 2^64)`.
pub const SHORT_BIT: u64 = 1 << 63;

/// The entry price with four significant digits, as one increasing integer: `digits·10^4 +
/// mantissa` (`mantissa` in `1000..=9999`, `digits` = number of digits of the price's 18-decimal
/// atomics). Monotone (a higher price never gets a lower bucket); prices within 0.1 % of each
/// other mostly share a bucket, so an increase at a nearby price rarely moves a position in the
/// index (DESIGN 6.10's order by entry price, to 0.1 %).
pub fn entry_bucket(price: Decimal256) -> u64 {
    let atoms: Uint256 = price.atomics();
    if atoms.is_zero() {
        return 0;
    }
    let text = atoms.to_string();
    let digits = text.len() as u64;
    let head: String = text.chars().chain("000".chars()).take(4).collect();
    let mantissa: u64 = head.parse().unwrap_or(0);
    digits * 10_000 + mantissa
}

/// A position's rank in its market's index; ascending order is the order auto-deleveraging
/// closes in: longs by ascending entry price (the most profitable at any price first), shorts by
/// descending entry price.
pub fn adl_rank(short: bool, entry_price: Decimal256) -> u64 {
    let bucket = entry_bucket(entry_price);
    if short {
        SHORT_BIT | (u64::MAX >> 1).saturating_sub(bucket)
    } else {
        bucket
    }
}

/// Auto-deleveraging may run: `V < 0` or `V < adl_trigger_ratio · Σ|K|·P`.
pub fn adl_triggered(
    equity: Quote,
    exposure: Quote,
    trigger: Decimal256,
) -> Result<bool, RiskError> {
    if equity < Quote::ZERO {
        return Ok(true);
    }
    Ok(equity < exposure.mul_ratio(trigger, Round::Down)?)
}

/// How much of a position of `size` (> 0, on the side of the skew) closes at `price`: the
/// smallest size that brings the vault's exposure down to what its equity supports
/// (`exposure − x·P ≤ V / adl_trigger_ratio`), rounded up to the size's 18 decimals, at most
/// `size`; the whole position while `V < 0` or with a zero trigger.
pub fn adl_close_size(
    size: Decimal256,
    price: Decimal256,
    equity: Quote,
    exposure: Quote,
    trigger: Decimal256,
    decimals: u8,
) -> Result<Decimal256, RiskError> {
    if equity < Quote::ZERO || trigger.is_zero() {
        return Ok(size);
    }
    let supported = Quote(div(equity.0, signed(trigger)?, Round::Down)?);
    let excess = exposure.checked_sub(supported)?;
    if excess <= Quote::ZERO {
        return Ok(Decimal256::zero());
    }
    // base units per unit of size at `price`
    let per_unit = mul(signed(price)?, base_units_per_whole(decimals)?, Round::Down)?;
    let x = unsigned(div(excess.0, per_unit, Round::Up)?)?;
    Ok(x.min(size))
}
