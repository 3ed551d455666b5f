//! The one error type of the crate. Every failure is a value, never a panic.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};
use thiserror::Error;

/// Result alias used by every fallible function of the crate.
pub type RiskResult<T> = Result<T, RiskError>;

/// Everything that can go wrong in the margin math. Messages name the numbers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskError {
    /// A checked operation left the representable range (256-bit fixed point).
    #[error("arithmetic overflow in {context}")]
    Overflow {
        /// Which computation overflowed.
        context: &'static str,
    },
    /// A division by zero (a zero scale, size or equity where one divides).
    #[error("division by zero in {context}")]
    DivisionByZero {
        /// Which computation divided by zero.
        context: &'static str,
    },
    /// `collateral_decimals` above 18 (the fixed-point precision) is not supported.
    #[error("collateral decimals {decimals} > 18")]
    InvalidDecimals {
        /// The decimals given.
        decimals: u8,
    },
    /// A margin tier table breaks a rule (ordering, ratio bounds, last tier bounded, empty).
    #[error("invalid margin tiers: {reason}")]
    InvalidTiers {
        /// Which rule failed, with the tier index and numbers.
        reason: String,
    },
    /// A parameter outside its allowed range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the API.
        name: &'static str,
        /// The rule and the value.
        reason: String,
    },
    /// A price of zero where a positive price is required.
    #[error("price must be positive")]
    ZeroPrice,
    /// A trade that does not reduce `|K|` would leave `|K + Δs| / skew_scale` above
    /// `max_price_impact` (a reduction of `|K|` is never refused).
    #[error("price impact {impact} exceeds maximum {max}")]
    PriceImpactTooHigh {
        /// `|K + Δs| / skew_scale`, the skew the trade would leave, rounded up.
        impact: Decimal256,
        /// The configured cap.
        max: Decimal256,
    },
    /// The skew formula gave a fill price ≤ 0.
    #[error("fill price {fill} is not positive")]
    NonPositiveFill {
        /// The computed fill price.
        fill: SignedDecimal256,
    },
    /// A size delta of zero.
    #[error("size delta must not be zero")]
    ZeroSize,
    /// A book fails `Q_im ≥ IM` (base units).
    #[error("insufficient margin: equity {equity} < initial requirement {required}")]
    InsufficientMargin {
        /// Equity for initial-margin checks, base units, rounded down.
        equity: Int128,
        /// Initial requirement, base units, rounded up.
        required: Uint128,
    },
    /// `remove_margin` would break `M − amount + min(0, U − A) ≥ IM(N)` (base units).
    #[error(
        "cannot remove {amount}: margin after {margin_after} < initial requirement {required}"
    )]
    RemoveMarginTooLarge {
        /// Amount asked.
        amount: Uint128,
        /// `M − amount + min(0, U − A)`, rounded down.
        margin_after: Int128,
        /// `IM(N)`, rounded up.
        required: Uint128,
    },
    /// A position index outside the book.
    #[error("position index {index} out of range ({len} positions)")]
    NoSuchPosition {
        /// Index asked.
        index: usize,
        /// Positions in the book.
        len: usize,
    },
    /// LP deposit refused: vault equity ≤ 0 while shares are outstanding.
    #[error("vault equity {equity} is not positive with {total_shares} shares outstanding")]
    VaultInsolvent {
        /// Vault equity, base units, rounded down.
        equity: Int128,
        /// Shares outstanding.
        total_shares: Uint128,
    },
    /// LP deposit refused: it would mint zero shares.
    #[error("deposit of {amount} would mint zero shares")]
    ZeroShares {
        /// Amount deposited.
        amount: Uint128,
    },
    /// First LP deposit below twice the locked shares.
    #[error("first deposit {amount} is below the minimum {minimum}")]
    FirstDepositTooSmall {
        /// Amount deposited.
        amount: Uint128,
        /// `2 · 10^collateral_decimals`.
        minimum: Uint128,
    },
    /// Redeeming more shares than exist.
    #[error("cannot redeem {shares} of {total_shares} shares")]
    SharesExceedTotal {
        /// Shares asked.
        shares: Uint128,
        /// Shares outstanding.
        total_shares: Uint128,
    },
    /// A body not written yet (never left in a release).
    #[error("not implemented: {0}")]
    Unimplemented(&'static str),
}

impl From<cosmwasm_std::OverflowError> for RiskError {
    fn from(_: cosmwasm_std::OverflowError) -> Self {
        RiskError::Overflow {
            context: "checked op",
        }
    }
}

impl From<cosmwasm_std::ConversionOverflowError> for RiskError {
    fn from(_: cosmwasm_std::ConversionOverflowError) -> Self {
        RiskError::Overflow {
            context: "conversion",
        }
    }
}
