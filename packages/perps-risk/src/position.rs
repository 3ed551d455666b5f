//! One position valued at a mark: notional, unrealized PnL, accrued funding.

use cosmwasm_std::{Decimal256, SignedDecimal256};

use crate::error::RiskError;
use crate::num::{base_units_per_whole, mul, signed, sub, unsigned_abs, Quote, Round};

/// A position as stored by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Signed size in whole base-asset units (positive long).
    pub size: SignedDecimal256,
    /// Entry price, quote whole units per base whole unit.
    pub entry_price: Decimal256,
    /// The market's funding index when funding was last settled into this position.
    pub funding_index_at_entry: SignedDecimal256,
}

/// `|size| · price` in base units of collateral, rounded in direction `r`.
pub fn notional_of(
    size: SignedDecimal256,
    price: Decimal256,
    decimals: u8,
    r: Round,
) -> Result<Quote, RiskError> {
    // P·10^d is exact (10^d is an integer), so the product below is the only rounding
    let price_bu = mul(signed(price)?, base_units_per_whole(decimals)?, r)?;
    mul(signed(unsigned_abs(size))?, price_bu, r).map(Quote)
}

/// `N = |s|·P`, base units, rounded up (it feeds requirements and caps).
pub fn notional(pos: &Position, mark_price: Decimal256, decimals: u8) -> Result<Quote, RiskError> {
    notional_of(pos.size, mark_price, decimals, Round::Up)
}

/// `U = s·(P − E)`, base units, rounded down.
pub fn unrealized_pnl(
    pos: &Position,
    mark_price: Decimal256,
    decimals: u8,
) -> Result<Quote, RiskError> {
    pnl_of(pos.size, pos.entry_price, mark_price, decimals, Round::Down)
}

/// `size·(exit − entry)` in base units rounded in direction `r`.
pub fn pnl_of(
    size: SignedDecimal256,
    entry: Decimal256,
    exit: Decimal256,
    decimals: u8,
    r: Round,
) -> Result<Quote, RiskError> {
    let diff = sub(signed(exit)?, signed(entry)?)?;
    let per_unit = mul(diff, base_units_per_whole(decimals)?, r)?;
    mul(size, per_unit, r).map(Quote)
}

/// `A = s·(F_m − f_p)`, base units, rounded up: positive means the position owes (owed rounds
/// up, received rounds down — both are "up" on the signed line).
pub fn accrued_funding(
    pos: &Position,
    funding_index: SignedDecimal256,
    decimals: u8,
) -> Result<Quote, RiskError> {
    let delta = sub(funding_index, pos.funding_index_at_entry)?;
    let per_unit = mul(delta, base_units_per_whole(decimals)?, Round::Up)?;
    mul(pos.size, per_unit, Round::Up).map(Quote)
}
