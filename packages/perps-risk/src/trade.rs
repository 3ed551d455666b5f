//! Fills: skew price impact, fees, realized PnL and the new entry price.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};

use crate::error::RiskError;
use crate::num::{add, div, mul, mul_div, signed, sub, unsigned, unsigned_abs, Round};
use crate::position::{notional_of, pnl_of};

/// The price a trade fills at and its impact ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillQuote {
    /// `P·(1 + impact)`, rounded against the trader (up for a buy, down for a sell).
    pub fill_price: Decimal256,
    /// `(K + Δs/2)/skew_scale` clamped to `±max_price_impact`, signed (0 when
    /// `skew_scale = 0`).
    pub price_impact: SignedDecimal256,
}

fn sign_round(size_delta: SignedDecimal256) -> Round {
    if size_delta.is_negative() {
        Round::Down
    } else {
        Round::Up
    }
}

/// True when a trade of `size_delta` against skew `K` reduces `|K|` without crossing zero: the
/// skew it leaves lies between 0 and `K` (both included). Such a trade is never refused for
/// impact. A trade that crosses zero is a reduction to 0 followed by an opening of skew on the
/// other side, and is judged like an increase by the skew it leaves.
pub fn reduces_skew(skew: SignedDecimal256, size_delta: SignedDecimal256) -> bool {
    !skew.is_zero()
        && size_delta.is_negative() != skew.is_negative()
        && unsigned_abs(size_delta) <= unsigned_abs(skew)
}

/// `|a| / b > c` compared exactly (no rounding): `|a|·10^18 > c·b` on 512-bit integers.
fn ratio_exceeds(a: SignedDecimal256, b: Decimal256, c: Decimal256) -> bool {
    let lhs = unsigned_abs(a)
        .atomics()
        .full_mul(Decimal256::one().atomics());
    lhs > c.atomics().full_mul(b.atomics())
}

/// Fill price of a trade of `size_delta` at oracle price `price` against skew `K`
/// (`long_oi − short_oi` before the trade), DESIGN 6.5:
/// - a trade that reduces `|K|` ([`reduces_skew`]) is never refused for impact;
/// - any other trade is refused when the skew it leaves is above the cap,
///   `|K + Δs|/skew_scale > max_price_impact` (compared exactly);
/// - the impact term `(K + Δs/2)/skew_scale` is clamped to `±max_price_impact` (it can only
///   exceed it on a reduction from a skew above the cap, left by a parameter change), so the
///   fill `P·(1 + impact)` stays positive: validation keeps `max_price_impact < 1`.
///
/// Below the cap the impact paid is exactly the change of the vault's impact liability
/// `P·K²/(2·skew_scale)` (round trips cost only fees); from a skew above the cap no accepted
/// trade takes more than the liability it removes ([`crate::vault::impact_liability`], which
/// accounts for the clamp). Refuses a zero size and a zero price. `skew_scale = 0` means no
/// impact.
pub fn fill_price(
    price: Decimal256,
    skew: SignedDecimal256,
    size_delta: SignedDecimal256,
    skew_scale: Decimal256,
    max_price_impact: Decimal256,
) -> Result<FillQuote, RiskError> {
    if size_delta.is_zero() {
        return Err(RiskError::ZeroSize);
    }
    if price.is_zero() {
        return Err(RiskError::ZeroPrice);
    }
    if skew_scale.is_zero() {
        return Ok(FillQuote {
            fill_price: price,
            price_impact: SignedDecimal256::zero(),
        });
    }
    let left = add(skew, size_delta)?;
    if !reduces_skew(skew, size_delta) && ratio_exceeds(left, skew_scale, max_price_impact) {
        // the reported ratio is rounded up, so it is > the cap whenever the exact one is
        return Err(RiskError::PriceImpactTooHigh {
            impact: unsigned_abs(div(
                signed(unsigned_abs(left))?,
                signed(skew_scale)?,
                Round::Up,
            )?),
            max: max_price_impact,
        });
    }
    let two = SignedDecimal256::from_atomics(2i128, 0)
        .map_err(|_| RiskError::Overflow { context: "two" })?;
    // (K + Δs/2)/ss = (2K + Δs)/(2·ss): one division, no halving of an odd atom count
    let twice_mid = add(mul(two, skew, Round::Down)?, size_delta)?;
    let twice_scale = mul(two, signed(skew_scale)?, Round::Down)?;
    let r = sign_round(size_delta);
    let p = signed(price)?;
    let (impact, moved) = if ratio_exceeds(twice_mid, unsigned_abs(twice_scale), max_price_impact) {
        let cap = signed(max_price_impact)?;
        let cap = if twice_mid.is_negative() {
            sub(SignedDecimal256::zero(), cap)?
        } else {
            cap
        };
        (cap, mul(p, cap, r)?)
    } else {
        (
            div(twice_mid, twice_scale, r)?,
            mul_div(p, twice_mid, twice_scale, r)?,
        )
    };
    let fill = add(p, moved)?;
    if fill <= SignedDecimal256::zero() {
        return Err(RiskError::NonPositiveFill { fill });
    }
    Ok(FillQuote {
        fill_price: unsigned(fill)?,
        price_impact: impact,
    })
}

/// Taker fee `|Δs|·fill·taker_fee` in base units, rounded up, at least 1 base unit when
/// `taker_fee > 0` (a zero fee rate charges nothing).
pub fn trade_fee(
    size_delta: SignedDecimal256,
    fill_price: Decimal256,
    taker_fee: Decimal256,
    decimals: u8,
) -> Result<Uint128, RiskError> {
    if taker_fee.is_zero() || size_delta.is_zero() {
        return Ok(Uint128::zero());
    }
    let n = notional_of(size_delta, fill_price, decimals, Round::Up)?;
    let fee = n
        .mul_ratio(taker_fee, Round::Up)?
        .to_base_units_u(Round::Up)?;
    Ok(fee.max(Uint128::one()))
}

/// Split a fee: `(insurance, vault)` with the insurance part `fee·insurance_fee_share` rounded
/// down and the vault getting the rest, so the parts sum to the fee exactly.
pub fn split_fee(
    fee: Uint128,
    insurance_fee_share: Decimal256,
) -> Result<(Uint128, Uint128), RiskError> {
    let ins = crate::num::Quote::from_base_units_u(fee)
        .mul_ratio(insurance_fee_share.min(Decimal256::one()), Round::Down)?
        .to_base_units_u(Round::Down)?;
    Ok((ins, fee.checked_sub(ins)?))
}

/// `P·(1 + slippage)` for a buy, `P·(1 − slippage)` for a sell (floored at 0): the default
/// `acceptable_price`.
pub fn default_acceptable_price(
    price: Decimal256,
    size_delta: SignedDecimal256,
    slippage: Decimal256,
) -> Result<Decimal256, RiskError> {
    let moved = mul(signed(price)?, signed(slippage)?, Round::Down)?;
    let p = signed(price)?;
    if size_delta.is_negative() {
        Ok(unsigned(sub(p, moved)?.max(SignedDecimal256::zero()))?)
    } else {
        unsigned(add(p, moved)?)
    }
}

/// The close price of a voluntary reduction when the strict oracle checks fail (DESIGN 6.3):
/// `price − conf` when selling (reducing a long), `price + conf` when buying. A result ≤ 0 is
/// refused.
pub fn degraded_close_price(
    price: Decimal256,
    conf: Decimal256,
    size_delta: SignedDecimal256,
) -> Result<Decimal256, RiskError> {
    let moved = if size_delta.is_negative() {
        sub(signed(price)?, signed(conf)?)?
    } else {
        add(signed(price)?, signed(conf)?)?
    };
    if moved <= SignedDecimal256::zero() {
        return Err(RiskError::NonPositiveFill { fill: moved });
    }
    unsigned(moved)
}

/// `fill` respects `acceptable_price` (buy: fill ≤ it; sell: fill ≥ it).
pub fn within_acceptable(
    fill: Decimal256,
    size_delta: SignedDecimal256,
    acceptable: Decimal256,
) -> bool {
    if size_delta.is_negative() {
        fill >= acceptable
    } else {
        fill <= acceptable
    }
}

/// Result of applying a fill to a position (funding must already be settled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillOutcome {
    /// Size after the trade.
    pub new_size: SignedDecimal256,
    /// Entry price after the trade (0 when flat), rounded against the position.
    pub entry_price: Decimal256,
    /// `(fill − E)·closed` in base units, rounded down; credited to C or M.
    pub realized_pnl: Int128,
    /// Magnitude of the reduction leg (0 for a pure increase).
    pub reduced: Decimal256,
    /// Magnitude of the opening/increasing leg (0 for a pure reduction).
    pub increased: Decimal256,
}

impl FillOutcome {
    /// True when the trade crosses zero (a reduction to zero, then an opening).
    pub fn is_flip(&self) -> bool {
        !self.reduced.is_zero() && !self.increased.is_zero()
    }
}

/// Apply a fill of `size_delta` at `fill_price` to a position of `size` at `entry_price`.
/// Increase: size-weighted average entry (up for a long, down for a short). Reduce: realized PnL
/// on the closed part, entry unchanged. Flip: reduce to zero, open the rest at the fill.
pub fn apply_fill(
    size: SignedDecimal256,
    entry_price: Decimal256,
    size_delta: SignedDecimal256,
    fill_price: Decimal256,
    decimals: u8,
) -> Result<FillOutcome, RiskError> {
    if size_delta.is_zero() {
        return Err(RiskError::ZeroSize);
    }
    let new_size = add(size, size_delta)?;
    let same_dir = size.is_zero() || (size.is_negative() == size_delta.is_negative());
    if same_dir {
        let (old, inc) = (
            signed(unsigned_abs(size))?,
            signed(unsigned_abs(size_delta))?,
        );
        let r = sign_round(size_delta);
        let cost = add(
            mul(old, signed(entry_price)?, r)?,
            mul(inc, signed(fill_price)?, r)?,
        )?;
        let entry = div(cost, add(old, inc)?, r)?;
        return Ok(FillOutcome {
            new_size,
            entry_price: unsigned(entry)?,
            realized_pnl: Int128::zero(),
            reduced: Decimal256::zero(),
            increased: unsigned_abs(size_delta),
        });
    }
    let closing = unsigned_abs(size_delta).min(unsigned_abs(size));
    let closed_signed = if size.is_negative() {
        sub(SignedDecimal256::zero(), signed(closing)?)?
    } else {
        signed(closing)?
    };
    let realized = pnl_of(
        closed_signed,
        entry_price,
        fill_price,
        decimals,
        Round::Down,
    )?
    .floor()?;
    let opened = unsigned_abs(new_size);
    let flipped = !new_size.is_zero() && new_size.is_negative() != size.is_negative();
    let entry = if new_size.is_zero() {
        Decimal256::zero()
    } else if flipped {
        fill_price
    } else {
        entry_price
    };
    Ok(FillOutcome {
        new_size,
        entry_price: entry,
        realized_pnl: realized,
        reduced: closing,
        increased: if flipped { opened } else { Decimal256::zero() },
    })
}
