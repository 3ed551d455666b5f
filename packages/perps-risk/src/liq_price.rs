//! Exact liquidation price of a position (cross: other marks fixed; isolated: its own book).

use cosmwasm_std::Decimal256;

use crate::book::{Book, BookParams};
use crate::error::{RiskError, RiskResult};

/// The mark of `book.positions[index]` at which the book is exactly at maintenance, holding
/// every other mark and every funding index fixed.
///
/// Solved per tier segment (U is linear in P and `N = |s|·P`, so MM is piecewise linear in P).
/// A long is liquidatable strictly below the returned price, a short strictly above it. The
/// price is rounded against the user (up for a long, down for a short), so the book is at
/// maintenance within rounding there and liquidatable one tick (1e-18) worse.
/// `None` when no positive price liquidates the book (or the size is zero); `Some(0)` for a
/// short whose book is liquidatable at every price.
pub fn liquidation_price(
    book: &Book,
    index: usize,
    params: &BookParams,
) -> RiskResult<Option<Decimal256>> {
    let _ = (book, index, params);
    Err(RiskError::Unimplemented("liquidation_price"))
}
