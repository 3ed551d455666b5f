//! Orders (DESIGN 6.11): what a pending order reserves, which price record fills it, and what an
//! order pays when it fails or is executed by a keeper. Pure functions over plain data.
//!
//! Rounding: a reservation rounds up (initial margin, fee), a charge is capped at what the book
//! holds (never below zero), a price chosen among records is the least favourable to the order.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};

use crate::error::RiskError;
use crate::ledger::{Balances, Moved};
use crate::num::{int128, mul_div, signed, unsigned, unsigned_abs, Round};
use crate::position::{notional_of, pnl_of};
use crate::tiers::TierTable;
use crate::trade::{fill_price, trade_fee, within_acceptable};

/// What a pending order holds back from free collateral: the initial margin of the size it may
/// open, priced at its acceptable price (rounded up), the taker fee on its whole size at that
/// price (rounded up, at least one base unit when the fee rate is > 0), and the keeper fee.
/// `opening` is the part of the order that increases or opens a position (0 for a reduction);
/// `size_delta` is the whole order.
pub fn order_reservation(
    size_delta: SignedDecimal256,
    opening: Decimal256,
    acceptable_price: Decimal256,
    tiers: &TierTable,
    taker_fee: Decimal256,
    keeper_fee: Uint128,
    decimals: u8,
) -> Result<Uint128, RiskError> {
    let n = notional_of(signed(opening)?, acceptable_price, decimals, Round::Up)?;
    let im = tiers.initial(n)?.to_base_units_u(Round::Up)?;
    let fee = trade_fee(size_delta, acceptable_price, taker_fee, decimals)?;
    Ok(im.checked_add(fee)?.checked_add(keeper_fee)?)
}

/// What a failed order pays for the move of its market since its record (docs/decisions.md
/// "A failed order pays the move since its record", "Attacker review 3"): the loss
/// `max(0, −Δs·(exit − fill))` of the fill at its record closed at `exit` ([`failure_exit`]),
/// base units, rounded up (the PnL is floored). 0 when the price moved the order's way: a
/// failure never costs more than the fill would have.
pub fn failure_move(
    size_delta: SignedDecimal256,
    fill: Decimal256,
    live: Decimal256,
    decimals: u8,
) -> Result<Uint128, RiskError> {
    let pnl = pnl_of(size_delta, fill, live, decimals, Round::Down)?.floor()?;
    Ok(Uint128::new(pnl.i128().min(0).unsigned_abs()))
}

/// The price a failed order's fill would close at now (docs/decisions.md "Attacker review 3"):
/// the fill moved by the market's move `(record, live)` since its record, `fill · live / record`,
/// rounded
/// against the order (down for a buy, up for a sell). A fill followed by a close at an
/// unchanged skew: the impact counts on both legs, so an unchanged price moves nothing
/// (scenario 71) and a favourable impact is no discount on the move (72), whatever the skew at
/// execution (73).
pub fn failure_exit(
    size_delta: SignedDecimal256,
    fill: Decimal256,
    (record, live): (Decimal256, Decimal256),
) -> Result<Decimal256, RiskError> {
    if record.is_zero() {
        return Err(RiskError::ZeroPrice);
    }
    let r = if size_delta.is_negative() {
        Round::Up
    } else {
        Round::Down
    };
    unsigned(mul_div(signed(fill)?, signed(live)?, signed(record)?, r)?)
}

/// The fill a failed order is charged its move from (docs/decisions.md "A failed order pays the
/// move since its record", "Attacker review 3"): the record's `price` with the impact of the
/// skew it met, `(skew, size_delta)` on `(skew_scale, max_price_impact)` (at the impact cap's
/// worst when the cap refuses it), never beyond its acceptable price `bound`. `None` when the
/// bound refuses even the best fill the cap allows at the record (an outcome fixed there).
pub fn failed_fill(
    price: Decimal256,
    (skew, size_delta): (SignedDecimal256, SignedDecimal256),
    (skew_scale, max_price_impact): (Decimal256, Decimal256),
    bound: Option<Decimal256>,
) -> Result<Option<Decimal256>, RiskError> {
    let best = capped_fill(price, size_delta, max_price_impact, false)?;
    if bound.is_some_and(|a| !within_acceptable(best, size_delta, a)) {
        return Ok(None);
    }
    let fill = match fill_price(price, skew, size_delta, skew_scale, max_price_impact) {
        Ok(q) => q.fill_price,
        Err(_) => capped_fill(price, size_delta, max_price_impact, true)?,
    };
    Ok(Some(match bound {
        Some(a) if !within_acceptable(fill, size_delta, a) => a,
        _ => fill,
    }))
}

/// The fill at the impact cap, `P·(1 ± cap)`: the worst the market allows (`worst`), else the
/// best.
fn capped_fill(
    price: Decimal256,
    size_delta: SignedDecimal256,
    cap: Decimal256,
    worst: bool,
) -> Result<Decimal256, RiskError> {
    let factor = if size_delta.is_negative() == worst {
        Decimal256::one().checked_sub(cap)?
    } else {
        Decimal256::one().checked_add(cap)?
    };
    Ok(price.checked_mul(factor)?)
}

/// The price among `prices` (records eligible for an order) least favourable to it: the highest
/// for a buy, the lowest for a sell. `None` when there is none.
pub fn least_favourable(prices: &[Decimal256], buy: bool) -> Option<Decimal256> {
    let it = prices.iter().copied();
    if buy {
        it.max()
    } else {
        it.min()
    }
}

/// True when `price` meets a trigger: `price ≥ trigger` for `above`, `price ≤ trigger` otherwise.
pub fn trigger_met(price: Decimal256, trigger: Decimal256, above: bool) -> bool {
    if above {
        price >= trigger
    } else {
        price <= trigger
    }
}

/// A reduce-only order clamped to the position (DESIGN 6.11): the part of `size_delta` that
/// reduces `position` without flipping it; `None` when nothing is left to reduce (no position,
/// or the order would increase it).
pub fn clamp_reduce_only(
    position: SignedDecimal256,
    size_delta: SignedDecimal256,
) -> Option<SignedDecimal256> {
    if position.is_zero()
        || size_delta.is_zero()
        || position.is_negative() == size_delta.is_negative()
    {
        return None;
    }
    if unsigned_abs(size_delta) <= unsigned_abs(position) {
        Some(size_delta)
    } else {
        Some(SignedDecimal256::zero().checked_sub(position).ok()?)
    }
}

/// What is left of a settling entry of size `entry` after a liquidation or an ADL close left
/// `left` of the position (of size `position` before) the entry would have reduced (scenarios
/// 89, 94: a failed close is charged only for what it would still have sold of the position
/// kept): `(kept, used)`, the entry clamped to `left`; `used` is the part of `left` it takes (the
/// next entry gets the rest). An entry that would not have reduced the position is left whole.
pub fn shrink_reducing(
    entry: SignedDecimal256,
    position: SignedDecimal256,
    left: Decimal256,
) -> Result<(SignedDecimal256, Decimal256), RiskError> {
    if entry.is_zero() || position.is_zero() || entry.is_negative() == position.is_negative() {
        return Ok((entry, Decimal256::zero()));
    }
    // the entry as a reduce-only order on what is left of the position
    let left_signed = signed(left)?;
    let rest = if position.is_negative() {
        SignedDecimal256::zero().checked_sub(left_signed)?
    } else {
        left_signed
    };
    let kept = clamp_reduce_only(rest, entry).unwrap_or_default();
    Ok((kept, unsigned_abs(kept)))
}

/// What an order charges its owner's collateral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderCharge {
    /// Paid out to the executor (outflow).
    pub keeper_fee: Uint128,
    /// Credited to vault cash.
    pub vault_fee: Uint128,
}

/// Charges an order's keeper fee (paid out) and `vault_fee` (to vault cash) on `C`, each capped
/// at what `C` still holds above zero, the keeper first: a charge never makes `C` negative.
/// Returns the movement and what was actually charged.
pub fn order_charge(
    b: Balances,
    keeper_fee: Uint128,
    vault_fee: Uint128,
) -> Result<(Moved, OrderCharge), RiskError> {
    let mut m = Moved {
        after: b,
        ..Moved::default()
    };
    let mut available = Uint128::try_from(b.collateral.max(Int128::zero())).unwrap_or_default();
    let keeper = keeper_fee.min(available);
    available = available.checked_sub(keeper)?;
    let vault = vault_fee.min(available);
    m.after.collateral = b
        .collateral
        .checked_sub(int128(keeper)?)?
        .checked_sub(int128(vault)?)?;
    m.after.vault_cash = b.vault_cash.checked_add(int128(vault)?)?;
    m.flows.outflow = keeper;
    Ok((
        m,
        OrderCharge {
            keeper_fee: keeper,
            vault_fee: vault,
        },
    ))
}

/// Charges `amount` to vault cash from the isolated margin `M` of the position acted on first
/// (as far as it holds above zero), then from `C` (as far as it holds): a settling entry of an
/// order that joined that position (scenario 91: its fill would have lost from that margin; what
/// the owner moved out of it since is in `C`). Returns the movement and what was charged.
pub fn margin_charge(b: Balances, amount: Uint128) -> Result<(Moved, Uint128), RiskError> {
    // the margin as the collateral of one charge, then `C` for the rest
    let on_margin = Balances {
        collateral: b.margin.unwrap_or_default(),
        ..b
    };
    let (first, c1) = order_charge(on_margin, Uint128::zero(), amount)?;
    let on_c = Balances {
        margin: b.margin.map(|_| first.after.collateral),
        vault_cash: first.after.vault_cash,
        ..b
    };
    let (m, c2) = order_charge(on_c, Uint128::zero(), amount.checked_sub(c1.vault_fee)?)?;
    Ok((m, c1.vault_fee.checked_add(c2.vault_fee)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiers::MarginTier;

    fn d(s: &str) -> Decimal256 {
        s.parse().unwrap()
    }

    fn sd(s: &str) -> SignedDecimal256 {
        s.parse().unwrap()
    }

    #[test]
    fn a_reservation_is_im_at_the_acceptable_price_plus_fee_plus_keeper_fee() {
        let tiers = TierTable::new(&[MarginTier {
            max_notional: None,
            initial_margin_ratio: d("0.1"),
            maintenance_margin_ratio: d("0.05"),
        }])
        .unwrap();
        // 6 BTC at 60,600: IM 36,360, fee 0.1 % = 363.6, keeper 0.5.
        let r = order_reservation(
            sd("6"),
            d("6"),
            d("60600"),
            &tiers,
            d("0.001"),
            Uint128::new(500_000),
            6,
        );
        assert_eq!(r.unwrap(), Uint128::new(36_724_100_000));
        // A reduction reserves its fee and the keeper fee only.
        let r = order_reservation(
            sd("-6"),
            d("0"),
            d("59400"),
            &tiers,
            d("0.001"),
            Uint128::zero(),
            6,
        );
        assert_eq!(r.unwrap(), Uint128::new(356_400_000));
    }

    #[test]
    fn least_favourable_is_the_highest_for_a_buy_and_the_lowest_for_a_sell() {
        let p = [d("100"), d("103"), d("98")];
        assert_eq!(least_favourable(&p, true), Some(d("103")));
        assert_eq!(least_favourable(&p, false), Some(d("98")));
        assert_eq!(least_favourable(&[], true), None);
    }

    #[test]
    fn triggers_include_the_trigger_price() {
        assert!(trigger_met(d("100"), d("100"), true));
        assert!(trigger_met(d("100"), d("100"), false));
        assert!(!trigger_met(d("99.99"), d("100"), true));
        assert!(!trigger_met(d("100.01"), d("100"), false));
    }

    #[test]
    fn reduce_only_never_increases_or_flips() {
        assert_eq!(clamp_reduce_only(sd("2"), sd("-5")), Some(sd("-2")));
        assert_eq!(clamp_reduce_only(sd("2"), sd("-1")), Some(sd("-1")));
        assert_eq!(clamp_reduce_only(sd("-2"), sd("5")), Some(sd("2")));
        assert_eq!(clamp_reduce_only(sd("2"), sd("1")), None);
        assert_eq!(clamp_reduce_only(sd("0"), sd("-1")), None);
    }

    #[test]
    fn a_charge_never_takes_collateral_below_zero_keeper_first() {
        let b = Balances {
            collateral: Int128::new(700),
            vault_cash: Int128::new(10),
            ..Balances::default()
        };
        let (m, c) = order_charge(b, Uint128::new(500), Uint128::new(400)).unwrap();
        assert_eq!(
            c,
            OrderCharge {
                keeper_fee: Uint128::new(500),
                vault_fee: Uint128::new(200)
            }
        );
        assert_eq!(m.after.collateral, Int128::zero());
        assert_eq!(m.after.vault_cash, Int128::new(210));
        assert!(m.conserves(&b).unwrap());
        let neg = Balances {
            collateral: Int128::new(-5),
            ..b
        };
        let (m, c) = order_charge(neg, Uint128::new(500), Uint128::new(400)).unwrap();
        assert_eq!(c, OrderCharge::default());
        assert_eq!(m.after, neg);
    }

    #[test]
    fn a_forced_close_shrinks_only_the_entries_that_would_have_reduced_the_position() {
        // a failed sale of 1 on a long of 1, 0.2 left after the liquidation: 0.2 to charge
        assert_eq!(
            shrink_reducing(sd("-1"), sd("1"), d("0.2")).unwrap(),
            (sd("-0.2"), d("0.2"))
        );
        // a failed sale of 0.5 on a long of 2, 0.72 left: kept whole, 0.22 for the next entry
        assert_eq!(
            shrink_reducing(sd("-0.5"), sd("2"), d("0.72")).unwrap(),
            (sd("-0.5"), d("0.5"))
        );
        // nothing left: gone
        assert_eq!(
            shrink_reducing(sd("0.5"), sd("-2"), d("0")).unwrap(),
            (sd("0"), d("0"))
        );
        // a buy on a long, or no position: untouched
        assert_eq!(
            shrink_reducing(sd("1"), sd("1"), d("0")).unwrap(),
            (sd("1"), d("0"))
        );
        assert_eq!(
            shrink_reducing(sd("-1"), sd("0"), d("0")).unwrap(),
            (sd("-1"), d("0"))
        );
    }

    #[test]
    fn a_margin_charge_takes_the_margin_first_then_collateral_never_below_zero() {
        let b = Balances {
            collateral: Int128::new(300),
            margin: Some(Int128::new(100)),
            vault_cash: Int128::new(10),
            ..Balances::default()
        };
        let (m, c) = margin_charge(b, Uint128::new(250)).unwrap();
        assert_eq!(c, Uint128::new(250));
        assert_eq!(
            (m.after.margin, m.after.collateral, m.after.vault_cash),
            (Some(Int128::zero()), Int128::new(150), Int128::new(260))
        );
        assert!(m.conserves(&b).unwrap());
        let (m, c) = margin_charge(b, Uint128::new(1_000)).unwrap();
        assert_eq!(c, Uint128::new(400));
        assert_eq!(
            (m.after.margin, m.after.collateral),
            (Some(Int128::zero()), Int128::zero())
        );
        assert!(m.conserves(&b).unwrap());
        let neg = Balances {
            margin: Some(Int128::new(-5)),
            collateral: Int128::new(-1),
            ..b
        };
        let (m, c) = margin_charge(neg, Uint128::new(50)).unwrap();
        assert_eq!(c, Uint128::zero());
        assert_eq!(m.after, neg);
    }

    #[test]
    fn a_failure_exit_moves_the_fill_by_the_price_ratio_rounded_against_the_order() {
        // 60,100 × 59,000 / 60,000 = 59,098.333… : down for a buy, up for a sell
        let buy = failure_exit(sd("1"), d("60100"), (d("60000"), d("59000"))).unwrap();
        let sell = failure_exit(sd("-1"), d("60100"), (d("60000"), d("59000"))).unwrap();
        assert_eq!(buy, d("59098.333333333333333333"));
        assert_eq!(sell, d("59098.333333333333333334"));
        // an unchanged price: the fill itself (no move)
        assert_eq!(
            failure_exit(sd("1"), d("60330"), (d("60000"), d("60000"))).unwrap(),
            d("60330")
        );
        assert!(failure_exit(sd("1"), d("1"), (Decimal256::zero(), d("1"))).is_err());
    }

    #[test]
    fn a_failure_pays_the_loss_of_its_fill_at_the_live_price_never_a_gain() {
        // scenario 62: 1 BTC bought at 60,030, BTC now 54,000: 6,030 USDC
        let m = failure_move(sd("1"), d("60030"), d("54000"), 6).unwrap();
        assert_eq!(m, Uint128::new(6_030_000_000));
        // the price moved the order's way: nothing
        assert_eq!(
            failure_move(sd("1"), d("60030"), d("61000"), 6).unwrap(),
            Uint128::zero()
        );
        assert_eq!(
            failure_move(sd("-2"), d("100"), d("90"), 6).unwrap(),
            Uint128::zero()
        );
        // a sell at 100 that would stand at 101.5: 2 × 1.5 = 3
        assert_eq!(
            failure_move(sd("-2"), d("100"), d("101.5"), 6).unwrap(),
            Uint128::new(3_000_000)
        );
        // rounded up: 0.000001 BTC × 0.5 = 0.0000005 USDC → one base unit
        assert_eq!(
            failure_move(sd("0.000001"), d("100.5"), d("100"), 6).unwrap(),
            Uint128::one()
        );
    }
}
