//! Exact liquidation price of a position (cross: other marks fixed; isolated: its own book).
//!
//! With every other mark fixed, equity is linear in the position's mark `P`
//! (`Q(P) = R + s·10^d·P`) and its maintenance requirement is piecewise linear in its notional
//! `n = |s|·10^d·P`. In notional terms `g(n) = Q − MM = R + sign(s)·n − MM_o − MM_i(n)`, which
//! is strictly increasing for a long (`mmr < 1`) and strictly decreasing for a short, so the
//! root is unique and lies in the first bracket whose upper bound changes the sign of `g`.

use cosmwasm_std::{Decimal256, SignedDecimal256};

use crate::book::{position_values, Book, BookParams};
use crate::error::RiskError;
use crate::num::{
    base_units_per_whole, div, mul, signed, sub, unsigned, unsigned_abs, Quote, Round,
};
use crate::tiers::TierSegment;

/// The mark of `book.positions[index]` at which the book is exactly at maintenance, holding
/// every other mark and every funding index fixed.
///
/// Solved per tier segment (U is linear in P and `N = |s|·P`, so MM is piecewise linear in P).
/// A long is liquidatable strictly below the returned price, a short strictly above it. The
/// price is rounded against the user (up for a long, down for a short), so the book is at
/// maintenance within rounding there and liquidatable one tick (1e-18) worse.
/// `None` when no positive price liquidates the book (or the size is zero, or the position is
/// settled); `Some(0)` for a short whose book is liquidatable at every price.
pub fn liquidation_price(
    book: &Book,
    index: usize,
    params: &BookParams,
) -> Result<Option<Decimal256>, RiskError> {
    let len = book.positions.len();
    let bp = book
        .positions
        .get(index)
        .ok_or(RiskError::NoSuchPosition { index, len })?;
    let s = bp.position.size;
    // a settled position's value is fixed: no price liquidates it
    if s.is_zero() || bp.settled {
        return Ok(None);
    }
    let decimals = params.collateral_decimals;
    let scale = base_units_per_whole(decimals)?;
    // others, as lower-bound equity and upper-bound requirement
    let mut q_o = Quote::from_base_units(book.collateral);
    let mut mm_o = Quote::ZERO;
    for (j, other) in book.positions.iter().enumerate() {
        if j == index {
            continue;
        }
        let v = position_values(other, decimals)?;
        q_o = q_o.checked_add(v.equity_contribution)?;
        mm_o = mm_o.checked_add(v.maintenance_margin)?;
    }
    let own = position_values(bp, decimals)?;
    // R = Q_o − A_i − s·E·10^d, a lower bound
    let entry_bu = mul(signed(bp.position.entry_price)?, scale, Round::Up)?;
    let s_e = mul(s, entry_bu, Round::Up)?;
    let r = q_o
        .checked_sub(own.accrued_funding)?
        .checked_sub(Quote(s_e))?;
    let long = !s.is_negative();
    let tiers = bp.market.tiers.segments();

    // g at notional n (both sides directed so that "liquidatable" is never under-reported)
    let g = |n: Quote| -> Result<Quote, RiskError> {
        let signed_n = if long { n } else { Quote::ZERO.checked_sub(n)? };
        r.checked_add(signed_n)?
            .checked_sub(mm_o)?
            .checked_sub(bp.market.tiers.maintenance(n)?)
    };
    let g0 = g(Quote::ZERO)?;
    if long && g0 >= Quote::ZERO {
        return Ok(None);
    }
    if !long && g0 <= Quote::ZERO {
        return Ok(Some(Decimal256::zero()));
    }
    // first bracket whose upper bound reaches the root
    let mut seg: Option<&TierSegment> = None;
    for t in tiers {
        let reached = match t.hi {
            None => true,
            Some(hi) => {
                let gh = g(hi)?;
                if long {
                    gh >= Quote::ZERO
                } else {
                    gh <= Quote::ZERO
                }
            }
        };
        if reached {
            seg = Some(t);
            break;
        }
    }
    let seg = seg.ok_or(RiskError::InvalidTiers {
        reason: "empty".to_string(),
    })?;
    // c_k = MM_o + MM(lo_k) − mmr_k·lo_k, an upper bound
    let mmr = signed(seg.mmr)?;
    let c = mm_o
        .checked_add(seg.mm_below)?
        .checked_sub(Quote(mul(seg.lo.0, mmr, Round::Down)?))?;
    let one = SignedDecimal256::one();
    let a = mul(signed(unsigned_abs(s))?, scale, Round::Down)?; // exact: |s|·10^d
    let price = if long {
        // n* = (c − R)/(1 − mmr), rounded up, then P = n*/a rounded up
        let n = div(c.checked_sub(r)?.0, sub(one, mmr)?, Round::Up)?;
        div(n, a, Round::Up)?
    } else {
        // n* = (R − c)/(1 + mmr), rounded down, then P = n*/a rounded down
        let n = div(r.checked_sub(c)?.0, one.checked_add(mmr)?, Round::Down)?;
        div(n, a, Round::Down)?
    };
    if price <= SignedDecimal256::zero() {
        return Ok(if long { None } else { Some(Decimal256::zero()) });
    }
    unsigned(price).map(Some)
}
