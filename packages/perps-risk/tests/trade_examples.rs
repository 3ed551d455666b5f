//! Worked examples: fill price, fees, realized PnL and entry price.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};
use perps_risk::trade::{
    apply_fill, default_acceptable_price, fill_price, split_fee, trade_fee, within_acceptable,
};
use perps_risk::RiskError;

use crate::helpers::*;

#[test]
fn fill_price_with_skew_impact() {
    // P = 100, K = 0, buy 10, skew_scale 1,000: impact (0 + 5)/1,000 = 0.005 → fill 100.5
    let q = fill_price(d("100"), sd("0"), sd("10"), d("1000"), d("0.1")).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("100.5"), sd("0.005")));
    // closing it: K = 10, sell 10: (10 − 5)/1,000 = 0.005 → the same 100.5, no impact cost
    let q = fill_price(d("100"), sd("10"), sd("-10"), d("1000"), d("0.1")).unwrap();
    assert_eq!(q.fill_price, d("100.5"));
    // a sell against a short skew gets a discount: K = −10, sell 10: (−10 − 5)/1,000 → 98.5
    let q = fill_price(d("100"), sd("-10"), sd("-10"), d("1000"), d("0.1")).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("98.5"), sd("-0.015")));
    // skew_scale 0 → no impact
    let q = fill_price(d("100"), sd("50"), sd("10"), d("0"), d("0")).unwrap();
    assert_eq!(
        (q.fill_price, q.price_impact),
        (d("100"), SignedDecimal256::zero())
    );
}

#[test]
fn fill_price_rounds_against_the_trader() {
    // P = 1, K = 0, skew_scale 3: buy 1 → 1 + 1/6 = 1.1666… up; sell 1 → 1 − 1/6 = 0.8333… down
    let b = fill_price(d("1"), sd("0"), sd("1"), d("3"), d("1")).unwrap();
    assert_eq!(b.fill_price, d("1.166666666666666667"));
    let s = fill_price(d("1"), sd("0"), sd("-1"), d("3"), d("1")).unwrap();
    assert_eq!(s.fill_price, d("0.833333333333333333"));
}

#[test]
fn impact_cap_zero_size_zero_price_and_non_positive_fill() {
    // buy 100 at K = 0, scale 1,000: leaves |K| = 100, 100/1,000 = 0.1 = cap → allowed, fill
    // 100·(1 + 50/1,000) = 105
    let q = fill_price(d("100"), sd("0"), sd("100"), d("1000"), d("0.1")).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("105"), sd("0.05")));
    // buy 200: the skew it leaves is 0.2 > 0.1 → refused, naming both (the midpoint, 0.1, would
    // have passed the old rule)
    let err = fill_price(d("100"), sd("0"), sd("200"), d("1000"), d("0.1")).unwrap_err();
    assert_eq!(err, too_high("0.2", d("0.1")));
    // one atom over the cap is refused too: buy 100.000000000000000001 → 0.1 + 1e-21, rounded up
    let err = fill_price(
        d("100"),
        sd("0"),
        sd("100.000000000000000001"),
        d("1000"),
        d("0.1"),
    )
    .unwrap_err();
    assert_eq!(err, too_high("0.100000000000000001", d("0.1")));
    assert_eq!(
        fill_price(d("100"), sd("0"), sd("0"), d("1000"), d("0.1")).unwrap_err(),
        RiskError::ZeroSize
    );
    assert_eq!(
        fill_price(d("0"), sd("0"), sd("1"), d("1000"), d("0.1")).unwrap_err(),
        RiskError::ZeroPrice
    );
    // a cap ≥ 1 (never validated) can reach a zero fill: K = 0, sell 2,000, scale 1,000, cap 2
    // leaves 2 ≤ 2, impact −1,000/1,000 = −1 → 100·(1 − 1) = 0
    let err = fill_price(d("100"), sd("0"), sd("-2000"), d("1000"), d("2")).unwrap_err();
    assert_eq!(err, RiskError::NonPositiveFill { fill: sd("0") });
}

/// The trap of the old midpoint rule, with the numbers of the review: BTC 60,000, skew_scale
/// 1,000, cap 0.3 %. Bob is long 0.1; a whale's buy of 5.8 would leave K = 5.9 (0.59 %): the old
/// rule checked the midpoint (0.1 + 2.9)/1,000 = 0.3 % and let it through, after which every
/// reduction of |K| (midpoint above 0.3 %) was refused.
#[test]
fn a_whale_cannot_leave_the_skew_above_the_cap() {
    let (p, ss, cap) = (d("60000"), d("1000"), d("0.003"));
    assert_eq!(
        fill_price(p, sd("0.1"), sd("5.8"), ss, cap).unwrap_err(),
        too_high("0.0059", cap)
    );
    // the most he can buy leaves K at the cap: 2.9 → K = 3, fill 60,000·(1 + 1.55/1,000)
    let q = fill_price(p, sd("0.1"), sd("2.9"), ss, cap).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("60093"), sd("0.00155")));
    // from there Bob's close (K 3 → 2.9) fills at 60,000·(1 + 2.95/1,000) = 60,177
    let q = fill_price(p, sd("3"), sd("-0.1"), ss, cap).unwrap();
    assert_eq!(q.fill_price, d("60177"));
}

/// A skew above the cap (left by a lower skew_scale or cap): every reduction of |K| is
/// accepted, its impact clamped to the cap; a trade that crosses zero is judged by the skew it
/// leaves on the other side.
#[test]
fn reductions_from_above_the_cap_are_never_refused_and_clamped() {
    let (p, ss, cap) = (d("60000"), d("1000"), d("0.003"));
    // K = 5.9: Bob's close of 0.1 (midpoint 5.85/1,000 = 0.585 % → clamped to 0.3 %): 60,180
    let q = fill_price(p, sd("5.9"), sd("-0.1"), ss, cap).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("60180"), sd("0.003")));
    // Bob's partial sale of 0.05 and a new trader's 1 BTC sale: the same clamped fill
    let q = fill_price(p, sd("5.9"), sd("-0.05"), ss, cap).unwrap();
    assert_eq!(q.fill_price, d("60180"));
    let q = fill_price(p, sd("5.9"), sd("-1"), ss, cap).unwrap();
    assert_eq!(q.fill_price, d("60180"));
    // a sale that brings K to 5 leaves a midpoint of 5.45/1,000, still clamped; one that brings
    // it to 0 has midpoint 2.95/1,000 → 60,177, unclamped
    let q = fill_price(p, sd("5.9"), sd("-5.9"), ss, cap).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("60177"), sd("0.00295")));
    // a short skew above the cap: buys are reductions, clamped at −0.3 %: 59,820
    let q = fill_price(p, sd("-5.9"), sd("1"), ss, cap).unwrap();
    assert_eq!((q.fill_price, q.price_impact), (d("59820"), sd("-0.003")));
    // any increase is refused: buy 0.001 leaves 5.901
    assert_eq!(
        fill_price(p, sd("5.9"), sd("0.001"), ss, cap).unwrap_err(),
        too_high("0.005901", cap)
    );
    // crossing zero: sell 8 from 5.9 leaves −2.1 (0.21 % ≤ 0.3 %) → accepted, midpoint
    // (5.9 − 4)/1,000 = 0.19 % → 60,114
    let q = fill_price(p, sd("5.9"), sd("-8"), ss, cap).unwrap();
    assert_eq!(q.fill_price, d("60114"));
    // sell 9.5 leaves −3.6 (0.36 % > 0.3 %) → refused, though |K| fell from 5.9 to 3.6
    assert_eq!(
        fill_price(p, sd("5.9"), sd("-9.5"), ss, cap).unwrap_err(),
        too_high("0.0036", cap)
    );
    // K far above the cap and a cap close to 1: the clamped fill stays positive
    let q = fill_price(p, sd("-1000000"), sd("999999"), ss, d("0.99")).unwrap();
    assert_eq!(q.fill_price, d("600"));
}

#[test]
fn fees_round_up_with_a_one_unit_floor() {
    // 0.5 BTC at 60,000 = 30,000 USDC; 5 bp → 15 USDC
    assert_eq!(
        trade_fee(sd("0.5"), d("60000"), d("0.0005"), DEC).unwrap(),
        usdc_u(15)
    );
    // a sell pays the same on |Δs|
    assert_eq!(
        trade_fee(sd("-0.5"), d("60000"), d("0.0005"), DEC).unwrap(),
        usdc_u(15)
    );
    // 0.000001 at 1 = 1 base unit notional; 5 bp = 0.0005 unit → 1 (floor of one unit)
    assert_eq!(
        trade_fee(sd("0.000001"), d("1"), d("0.0005"), DEC).unwrap(),
        Uint128::one()
    );
    // 0.3 at 10 = 3,000,000 units; ·0.003333333333333334 = 10,000.000000000002 → 10,001 (up)
    assert_eq!(
        trade_fee(sd("0.3"), d("10"), d("0.003333333333333334"), DEC).unwrap(),
        Uint128::new(10_001)
    );
    // a zero rate charges nothing (zero-fee markets)
    assert_eq!(
        trade_fee(sd("1"), d("100"), d("0"), DEC).unwrap(),
        Uint128::zero()
    );
    // split 15,000,001 with 20 % insurance: floor(3,000,000.2) = 3,000,000; vault the rest
    assert_eq!(
        split_fee(Uint128::new(15_000_001), d("0.2")).unwrap(),
        (Uint128::new(3_000_000), Uint128::new(12_000_001))
    );
}

#[test]
fn increases_average_the_entry_against_the_position() {
    // long 1 @ 100 + buy 1 @ 103 → (100 + 103)/2 = 101.5
    let o = apply_fill(sd("1"), d("100"), sd("1"), d("103"), DEC).unwrap();
    assert_eq!(
        (o.new_size, o.entry_price, o.realized_pnl),
        (sd("2"), d("101.5"), Int128::zero())
    );
    assert_eq!((o.reduced, o.increased), (d("0"), d("1")));
    // long 1 @ 100 + buy 2 @ 101 → 302/3 = 100.666… rounded up for a long
    let o = apply_fill(sd("1"), d("100"), sd("2"), d("101"), DEC).unwrap();
    assert_eq!(o.entry_price, d("100.666666666666666667"));
    // the short mirror rounds down
    let o = apply_fill(sd("-1"), d("100"), sd("-2"), d("101"), DEC).unwrap();
    assert_eq!(o.entry_price, d("100.666666666666666666"));
    // opening from flat: entry = fill
    let o = apply_fill(sd("0"), d("0"), sd("-3"), d("99.5"), DEC).unwrap();
    assert_eq!((o.new_size, o.entry_price), (sd("-3"), d("99.5")));
}

#[test]
fn reductions_realize_pnl_and_flips_reopen_at_the_fill() {
    // long 2 @ 100, sell 0.5 @ 110: realized 0.5·10 = 5 USDC; entry unchanged
    let o = apply_fill(sd("2"), d("100"), sd("-0.5"), d("110"), DEC).unwrap();
    assert_eq!(
        (o.new_size, o.entry_price, o.realized_pnl),
        (sd("1.5"), d("100"), usdc(5))
    );
    // short 2 @ 100, buy 1 @ 90: realized −1·(90 − 100) = +10
    let o = apply_fill(sd("-2"), d("100"), sd("1"), d("90"), DEC).unwrap();
    assert_eq!((o.new_size, o.realized_pnl), (sd("-1"), usdc(10)));
    // flip: long 1 @ 100, sell 3 @ 90 → realize 1·(90 − 100) = −10, open short 2 @ 90
    let o = apply_fill(sd("1"), d("100"), sd("-3"), d("90"), DEC).unwrap();
    assert_eq!(
        (o.new_size, o.entry_price, o.realized_pnl),
        (sd("-2"), d("90"), usdc(-10))
    );
    assert_eq!((o.reduced, o.increased), (d("1"), d("2")));
    assert!(o.is_flip());
    // close: long 1 @ 100 sold at 100.0000001 → +0.1 base unit → 0 (down); entry → 0
    let o = apply_fill(sd("1"), d("100"), sd("-1"), d("100.0000001"), DEC).unwrap();
    assert_eq!(
        (o.new_size, o.entry_price, o.realized_pnl),
        (sd("0"), d("0"), Int128::zero())
    );
    assert!(!o.is_flip());
    // a loss of 0.1 base unit rounds to −1
    let o = apply_fill(sd("1"), d("100"), sd("-1"), d("99.9999999"), DEC).unwrap();
    assert_eq!(o.realized_pnl, Int128::new(-1));
    assert_eq!(
        apply_fill(sd("1"), d("100"), sd("0"), d("1"), DEC).unwrap_err(),
        RiskError::ZeroSize
    );
}

#[test]
fn acceptable_price_defaults_to_slippage_from_the_oracle() {
    // P = 100, 1 %: buy → 101, sell → 99
    for (size, price) in [("1", "101"), ("-1", "99")] {
        let acceptable = default_acceptable_price(d("100"), sd(size), d("0.01")).unwrap();
        assert_eq!(acceptable, d(price), "size {size}");
    }
    assert!(within_acceptable(d("101"), sd("1"), d("101")));
    assert!(!within_acceptable(
        d("101.000000000000000001"),
        sd("1"),
        d("101")
    ));
    assert!(within_acceptable(d("99"), sd("-1"), d("99")));
    assert!(!within_acceptable(
        d("98.999999999999999999"),
        sd("-1"),
        d("99")
    ));
}

#[test]
fn degraded_reductions_fill_at_price_minus_or_plus_conf() {
    use perps_risk::trade::degraded_close_price;
    // P = 100, conf 0.5: a long selling gets 99.5, a short buying pays 100.5
    for (size, price) in [("-1", "99.5"), ("1", "100.5")] {
        let fill = degraded_close_price(d("100"), d("0.5"), sd(size)).unwrap();
        assert_eq!(fill, d(price), "size {size}");
    }
    // conf ≥ price → refused
    assert!(matches!(
        degraded_close_price(d("1"), d("1"), sd("-1")),
        Err(RiskError::NonPositiveFill { .. })
    ));
}

/// The refusal of a fill whose price impact `impact` exceeds `max`.
fn too_high(impact: &str, max: Decimal256) -> RiskError {
    RiskError::PriceImpactTooHigh {
        impact: d(impact),
        max,
    }
}
