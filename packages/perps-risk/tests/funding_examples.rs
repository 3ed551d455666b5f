//! Worked examples: funding rate, index, settlement, the vault's side.

use cosmwasm_std::{Int128, SignedDecimal256};
use perps_risk::funding::{
    accrue_funding_index, funding_index_delta, funding_rate_per_second, funding_settlement,
    vault_funding,
};
use perps_risk::Position;

use crate::helpers::*;

#[test]
fn rate_follows_the_skew_over_the_impact_cap() {
    // 0.0864/day = 0.000001/s at full skew; the cap skew is 0.5·1,000 = 500, K = 250 is half
    // of it → 0.0000005/s
    let (max, ss, cap) = (d("0.0864"), d("1000"), d("0.5"));
    assert_eq!(
        funding_rate_per_second(sd("250"), ss, cap, max).unwrap(),
        sd("0.0000005")
    );
    assert_eq!(
        funding_rate_per_second(sd("-250"), ss, cap, max).unwrap(),
        sd("-0.0000005")
    );
    // holding the cap costs the full rate, and beyond it the rate stays clamped at ±1
    for k in ["500", "2000"] {
        assert_eq!(
            funding_rate_per_second(sd(k), ss, cap, max).unwrap(),
            sd("0.000001")
        );
    }
    assert_eq!(
        funding_rate_per_second(sd("-2000"), ss, cap, max).unwrap(),
        sd("-0.000001")
    );
    // no scale → no funding
    assert_eq!(
        funding_rate_per_second(sd("500"), d("0"), cap, max).unwrap(),
        SignedDecimal256::zero()
    );
}

#[test]
fn index_accrues_price_times_rate_times_time() {
    // P = 100, half the cap skew at 0.0864/day, one hour: 100·0.0000005·3,600 = 0.18
    let delta = |k: &str, secs| {
        funding_index_delta(d("100"), sd(k), d("1000"), d("0.5"), d("0.0864"), secs).unwrap()
    };
    assert_eq!(delta("250", 3600), sd("0.18"));
    assert_eq!(delta("-250", 3600), sd("-0.18"));
    // a second touch in the same second adds nothing
    assert_eq!(delta("250", 0), SignedDecimal256::zero());
    // from 1.0: 1.18
    let f = accrue_funding_index(
        sd("1"),
        d("100"),
        sd("250"),
        d("1000"),
        d("0.5"),
        d("0.0864"),
        3600,
    )
    .unwrap();
    assert_eq!(f, sd("1.18"));
    // a century at the maxima does not overflow: 10^12 · (1/86,400 per s) · 3.15·10^9 s
    let f = accrue_funding_index(
        sd("0"),
        d("1000000000000"),
        sd("1"),
        d("1"),
        d("0.5"),
        d("1"),
        3_153_600_000,
    )
    .unwrap();
    assert!(f > sd("36000000000000000"));
}

/// The review's low-price market: P = 10^-12, 0.1/day at full skew. A 1,000-USDC position is
/// 10^15 units. `P·r` per second (5.79·10^-19 at half skew) is below one 18-decimal atom: rounded
/// on its own it was 0 (the payer kept 50 USDC a day) and 86.4 instead of 100 at full skew. One
/// rounding of `P·r·Δt` owes exactly what the formula says.
#[test]
fn funding_on_a_low_priced_market_is_not_truncated_away() {
    let (p, ss, cap, max) = (d("0.000000000001"), d("1000"), d("0.003"), d("0.1"));
    let long = Position {
        size: sd("1000000000000000"),
        entry_price: p,
        funding_index_at_entry: sd("0"),
    };
    let owed = |k: &str| {
        let f = accrue_funding_index(sd("0"), p, sd(k), ss, cap, max, 86_400).unwrap();
        funding_settlement(&long, f, DEC).unwrap()
    };
    // half the cap skew (1.5 of 3): 10^15 · 10^-12 · 0.05 = 50 USDC
    assert_eq!(owed("1.5"), Int128::new(50_000_000));
    // at the cap, and beyond it: 100 USDC
    assert_eq!(owed("3"), Int128::new(100_000_000));
    assert_eq!(owed("30"), Int128::new(100_000_000));
    // one second at half skew: 5.787…·10^-19 is owed up to one atom, never truncated to 0
    let one = funding_index_delta(p, sd("1.5"), ss, cap, max, 1).unwrap();
    assert_eq!(one, sd("0.000000000000000001"));
    let one = funding_index_delta(p, sd("-1.5"), ss, cap, max, 1).unwrap();
    assert_eq!(one, sd("-0.000000000000000001"));
}

#[test]
fn settlement_and_vault_side_sum_to_zero() {
    // ΔF = 0.18; long 2 pays 0.36 USDC; short −3 receives 0.54; K = −1: vault K·ΔF = −0.18
    let long = Position {
        size: sd("2"),
        entry_price: d("100"),
        funding_index_at_entry: sd("1"),
    };
    let short = Position {
        size: sd("-3"),
        entry_price: d("100"),
        funding_index_at_entry: sd("1"),
    };
    let pay_long = funding_settlement(&long, sd("1.18"), DEC).unwrap();
    let pay_short = funding_settlement(&short, sd("1.18"), DEC).unwrap();
    assert_eq!(
        (pay_long, pay_short),
        (Int128::new(360_000), Int128::new(-540_000))
    );
    let vault = vault_funding(sd("-1"), sd("0.18"), DEC).unwrap();
    // traders pay a net −180,000 (they receive), the vault "receives" −180,000: sum zero
    assert_eq!(vault.floor().unwrap(), Int128::new(-180_000));
    assert_eq!(
        pay_long.checked_add(pay_short).unwrap(),
        vault.floor().unwrap()
    );
}

#[test]
fn index_delta_is_new_minus_old() {
    assert_eq!(
        perps_risk::funding::index_delta(sd("1.5"), sd("1.25")).unwrap(),
        sd("-0.25")
    );
    // a negative rate moves the index down: P = 100, full short skew, 0.0864/day, 10 s → −0.001
    assert_eq!(
        funding_index_delta(d("100"), sd("-500"), d("1000"), d("0.5"), d("0.0864"), 10).unwrap(),
        sd("-0.001")
    );
}

#[test]
fn no_elapsed_time_adds_nothing_even_where_the_product_would_overflow() {
    // Δt = 0 returns 0 before any product: at P = Decimal256::MAX nothing is owed anyway
    let huge = cosmwasm_std::Decimal256::MAX;
    for k in ["500", "-500"] {
        assert_eq!(
            funding_index_delta(huge, sd(k), d("1000"), d("0.5"), d("0.0864"), 0).unwrap(),
            SignedDecimal256::zero()
        );
    }
    // K = 0 over a long time: also exactly 0 at a normal price
    assert_eq!(
        funding_index_delta(
            d("100"),
            sd("0"),
            d("1000"),
            d("0.5"),
            d("0.0864"),
            u64::MAX
        )
        .unwrap(),
        SignedDecimal256::zero()
    );
}
