//! Fixed-point arithmetic with an explicit rounding direction, and the `Quote` money type.
//!
//! Every product or quotient of two 18-decimal numbers is computed in 512 bits and rounded once,
//! in the direction the caller names, so a bound computed here is a true bound (never off by a
//! truncation in the user's favour).

use cosmwasm_std::{Decimal256, Int128, Int256, Int512, SignedDecimal256, Uint128, Uint256};

use crate::error::RiskError;

/// Rounding direction on the real line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Toward −∞ (floor).
    Down,
    /// Toward +∞ (ceiling).
    Up,
}

impl Round {
    /// The opposite direction.
    pub fn flip(self) -> Round {
        match self {
            Round::Down => Round::Up,
            Round::Up => Round::Down,
        }
    }
}

/// `10^18`, the scale of every 18-decimal atom.
pub const FRACTIONAL: u128 = 1_000_000_000_000_000_000;

fn overflow(context: &'static str) -> RiskError {
    RiskError::Overflow { context }
}

/// `n / d` on 512-bit integers rounded in direction `r`.
pub fn div_round(n: Int512, d: Int512, r: Round, ctx: &'static str) -> Result<Int512, RiskError> {
    if d.is_zero() {
        return Err(RiskError::DivisionByZero { context: ctx });
    }
    let q = n.checked_div(d).map_err(|_| overflow(ctx))?;
    let rem = n.checked_rem(d).map_err(|_| overflow(ctx))?;
    if rem.is_zero() {
        return Ok(q);
    }
    // truncation went toward zero; the exact quotient is positive iff the signs agree
    let positive = n.is_negative() == d.is_negative();
    match (r, positive) {
        (Round::Up, true) => q.checked_add(Int512::one()).map_err(|_| overflow(ctx)),
        (Round::Down, false) => q.checked_sub(Int512::one()).map_err(|_| overflow(ctx)),
        _ => Ok(q),
    }
}

/// A 512-bit atom count as a signed decimal (overflow beyond 256 bits is an error).
pub fn to_signed(v: Int512, ctx: &'static str) -> Result<SignedDecimal256, RiskError> {
    Int256::try_from(v)
        .map(SignedDecimal256::new)
        .map_err(|_| overflow(ctx))
}

/// `a · b` rounded in direction `r`.
pub fn mul(
    a: SignedDecimal256,
    b: SignedDecimal256,
    r: Round,
) -> Result<SignedDecimal256, RiskError> {
    let n = a.atomics().full_mul(b.atomics());
    to_signed(div_round(n, Int512::from(FRACTIONAL), r, "mul")?, "mul")
}

/// `a / b` rounded in direction `r`; `b = 0` is an error.
pub fn div(
    a: SignedDecimal256,
    b: SignedDecimal256,
    r: Round,
) -> Result<SignedDecimal256, RiskError> {
    let n = a.atomics().full_mul(Int256::from(FRACTIONAL));
    to_signed(div_round(n, Int512::from(b.atomics()), r, "div")?, "div")
}

/// `a · b / c` with one rounding in direction `r`.
pub fn mul_div(
    a: SignedDecimal256,
    b: SignedDecimal256,
    c: SignedDecimal256,
    r: Round,
) -> Result<SignedDecimal256, RiskError> {
    // a·b·1e18/(c·1e18) = a_atoms·b_atoms / c_atoms, in atoms at scale 1e18
    let n = a.atomics().full_mul(b.atomics());
    to_signed(
        div_round(n, Int512::from(c.atomics()), r, "mul_div")?,
        "mul_div",
    )
}

/// Checked sum.
pub fn add(a: SignedDecimal256, b: SignedDecimal256) -> Result<SignedDecimal256, RiskError> {
    a.checked_add(b).map_err(|_| overflow("add"))
}

/// Checked difference.
pub fn sub(a: SignedDecimal256, b: SignedDecimal256) -> Result<SignedDecimal256, RiskError> {
    a.checked_sub(b).map_err(|_| overflow("sub"))
}

/// Lossless widening of an unsigned decimal (errors above the signed maximum).
pub fn signed(d: Decimal256) -> Result<SignedDecimal256, RiskError> {
    SignedDecimal256::try_from(d).map_err(|_| overflow("Decimal256 -> SignedDecimal256"))
}

/// `|d|` as an unsigned decimal.
pub fn unsigned_abs(d: SignedDecimal256) -> Decimal256 {
    Decimal256::new(d.atomics().unsigned_abs())
}

/// A non-negative signed decimal as unsigned (negative is an error).
pub fn unsigned(d: SignedDecimal256) -> Result<Decimal256, RiskError> {
    if d.is_negative() {
        return Err(overflow("negative to unsigned"));
    }
    Ok(unsigned_abs(d))
}

/// `10^decimals` as a decimal: base units per whole unit of collateral.
pub fn base_units_per_whole(decimals: u8) -> Result<SignedDecimal256, RiskError> {
    if decimals > 18 {
        return Err(RiskError::InvalidDecimals { decimals });
    }
    let whole = Int256::from(10i128.pow(u32::from(decimals)));
    whole
        .checked_mul(Int256::from(FRACTIONAL))
        .map(SignedDecimal256::new)
        .map_err(|_| overflow("base_units_per_whole"))
}

/// An integer-valued decimal from an integer.
pub fn from_int(v: Int256) -> Result<SignedDecimal256, RiskError> {
    v.checked_mul(Int256::from(FRACTIONAL))
        .map(SignedDecimal256::new)
        .map_err(|_| overflow("from_int"))
}

/// An amount of collateral in BASE units (e.g. micro-USDC), exact to 18 decimals and signed.
///
/// This is the unit of every money value inside the crate; it becomes an integer
/// (`Int128`/`Uint128`) only through the rounding methods below, in the direction the caller
/// names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Quote(pub SignedDecimal256);

impl Quote {
    /// Zero.
    pub const ZERO: Quote = Quote(SignedDecimal256::zero());

    /// From an integer amount of base units (infallible: |Int128| · 10^18 < 2^255).
    pub fn from_base_units(amount: Int128) -> Quote {
        Quote(SignedDecimal256::new(
            Int256::from(amount).saturating_mul(Int256::from(FRACTIONAL)),
        ))
    }

    /// From an unsigned integer amount of base units (infallible: Uint128 · 10^18 < 2^255).
    pub fn from_base_units_u(amount: Uint128) -> Quote {
        Quote(SignedDecimal256::new(
            Int256::from(amount).saturating_mul(Int256::from(FRACTIONAL)),
        ))
    }

    /// Checked sum.
    pub fn checked_add(self, o: Quote) -> Result<Quote, RiskError> {
        add(self.0, o.0).map(Quote)
    }

    /// Checked difference.
    pub fn checked_sub(self, o: Quote) -> Result<Quote, RiskError> {
        sub(self.0, o.0).map(Quote)
    }

    /// `max(self, 0)`.
    pub fn max_zero(self) -> Quote {
        if self.0.is_negative() {
            Quote::ZERO
        } else {
            self
        }
    }

    /// `min(self, 0)`.
    pub fn min_zero(self) -> Quote {
        if self.0.is_negative() {
            self
        } else {
            Quote::ZERO
        }
    }

    /// Multiply by a ratio, rounded in direction `r`.
    pub fn mul_ratio(self, ratio: Decimal256, r: Round) -> Result<Quote, RiskError> {
        mul(self.0, signed(ratio)?, r).map(Quote)
    }

    /// Round to an integer number of base units in direction `r`.
    pub fn to_base_units(self, r: Round) -> Result<Int128, RiskError> {
        let a = self.0.atomics();
        let q = div_round(
            Int512::from(a),
            Int512::from(FRACTIONAL),
            r,
            "to_base_units",
        )?;
        Int128::try_from(q).map_err(|_| overflow("base units exceed Int128"))
    }

    /// Floor to base units (equity, payouts, PnL credited to a user).
    pub fn floor(self) -> Result<Int128, RiskError> {
        self.to_base_units(Round::Down)
    }

    /// Ceiling to base units (requirements, fees, amounts owed by a user).
    pub fn ceil(self) -> Result<Int128, RiskError> {
        self.to_base_units(Round::Up)
    }

    /// Round in direction `r`, clamp at zero, as `Uint128`.
    pub fn to_base_units_u(self, r: Round) -> Result<Uint128, RiskError> {
        let v = self.to_base_units(r)?;
        if v.is_negative() {
            return Ok(Uint128::zero());
        }
        Ok(Uint128::new(v.i128().unsigned_abs()))
    }
}

/// `Uint128` → `Int128` (errors above `Int128::MAX`).
pub fn int128(v: Uint128) -> Result<Int128, RiskError> {
    Int128::try_from(v).map_err(|_| overflow("Uint128 -> Int128"))
}

/// `max(v, 0)` as `Uint128`.
pub fn clamp_u128(v: Int128) -> Uint128 {
    if v.is_negative() {
        Uint128::zero()
    } else {
        Uint128::new(v.i128().unsigned_abs())
    }
}

/// Convert an unsigned 256-bit integer to `Uint128`.
pub fn u128_of(v: Uint256) -> Result<Uint128, RiskError> {
    Uint128::try_from(v).map_err(|_| overflow("Uint256 -> Uint128"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn sd(s: &str) -> SignedDecimal256 {
        SignedDecimal256::from_str(s).unwrap()
    }

    #[test]
    fn products_round_in_the_named_direction() {
        // 1/3 · 1e-18-scale: 0.000000000000000001 · 0.5 = 5e-19 → down 0, up 1e-18
        let tiny = sd("0.000000000000000001");
        assert_eq!(mul(tiny, sd("0.5"), Round::Down).unwrap(), sd("0"));
        assert_eq!(mul(tiny, sd("0.5"), Round::Up).unwrap(), tiny);
        // negative: −5e-19 → down −1e-18, up 0
        assert_eq!(
            mul(tiny, sd("-0.5"), Round::Down).unwrap(),
            sd("-0.000000000000000001")
        );
        assert_eq!(mul(tiny, sd("-0.5"), Round::Up).unwrap(), sd("0"));
        // exact products are not nudged
        assert_eq!(mul(sd("1.5"), sd("-2"), Round::Up).unwrap(), sd("-3"));
    }

    #[test]
    fn quotients_round_in_the_named_direction() {
        // 1/3 = 0.333… → down …333, up …334; −1/3 → down −…334, up −…333; 6/3 exact
        for (a, b, r, q) in [
            ("1", "3", Round::Down, "0.333333333333333333"),
            ("1", "3", Round::Up, "0.333333333333333334"),
            ("-1", "3", Round::Down, "-0.333333333333333334"),
            ("1", "-3", Round::Up, "-0.333333333333333333"),
            ("6", "3", Round::Up, "2"),
        ] {
            assert_eq!(div(sd(a), sd(b), r).unwrap(), sd(q), "{a}/{b} {r:?}");
        }
        assert_eq!(
            div(sd("1"), sd("0"), Round::Up).unwrap_err(),
            RiskError::DivisionByZero { context: "div" }
        );
        // a·b/c with one rounding: 2·5/3 = 3.333… → up …334
        assert_eq!(
            mul_div(sd("2"), sd("5"), sd("3"), Round::Up).unwrap(),
            sd("3.333333333333333334")
        );
        assert_eq!(Round::Up.flip(), Round::Down);
    }

    #[test]
    fn base_units_round_and_convert() {
        let q = Quote(sd("-0.5"));
        assert_eq!(
            (q.floor().unwrap(), q.ceil().unwrap()),
            (Int128::new(-1), Int128::zero())
        );
        let q = Quote(sd("2.000000000000000001"));
        assert_eq!(
            (q.floor().unwrap(), q.ceil().unwrap()),
            (Int128::new(2), Int128::new(3))
        );
        assert_eq!(
            Quote(sd("-3")).to_base_units_u(Round::Up).unwrap(),
            Uint128::zero()
        );
        assert_eq!(Quote::from_base_units(Int128::new(-7)).0, sd("-7"));
        assert_eq!(
            Quote::from_base_units_u(Uint128::MAX).floor().unwrap_err(),
            RiskError::Overflow {
                context: "base units exceed Int128"
            }
        );
        assert_eq!(base_units_per_whole(6).unwrap(), sd("1000000"));
        assert_eq!(base_units_per_whole(18).unwrap(), sd("1000000000000000000"));
        assert_eq!(
            base_units_per_whole(19).unwrap_err(),
            RiskError::InvalidDecimals { decimals: 19 }
        );
        assert_eq!(Quote(sd("5")).max_zero(), Quote(sd("5")));
        assert_eq!(Quote(sd("-5")).max_zero(), Quote::ZERO);
        assert_eq!(Quote(sd("-5")).min_zero(), Quote(sd("-5")));
        assert_eq!(Quote(sd("5")).min_zero(), Quote::ZERO);
        assert_eq!(clamp_u128(Int128::new(-4)), Uint128::zero());
        assert_eq!(u128_of(Uint256::from(7u128)).unwrap(), Uint128::new(7));
        assert!(u128_of(Uint256::MAX).is_err());
        assert_eq!(int128(Uint128::new(9)).unwrap(), Int128::new(9));
        assert!(int128(Uint128::MAX).is_err());
        assert!(unsigned(sd("-1")).is_err());
        assert_eq!(
            unsigned_abs(sd("-1.5")),
            Decimal256::from_str("1.5").unwrap()
        );
    }
}
