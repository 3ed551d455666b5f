//! Worked examples: funding rate, index, settlement, the vault's side.

use cosmwasm_std::{Int128, SignedDecimal256};
use perps_risk::funding::{
    accrue_funding_index, funding_index_delta, funding_rate_per_second, funding_settlement,
    vault_funding,
};
use perps_risk::Position;

use crate::helpers::*;

#[test]
fn rate_follows_clamped_skew() {
    // 0.0864/day = 0.000001/s at full skew; K/scale = 500/1,000 = 0.5 → 0.0000005/s
    let max = d("0.0864");
    assert_eq!(
        funding_rate_per_second(sd("500"), d("1000"), max).unwrap(),
        sd("0.0000005")
    );
    assert_eq!(
        funding_rate_per_second(sd("-500"), d("1000"), max).unwrap(),
        sd("-0.0000005")
    );
    // clamped at ±1
    assert_eq!(
        funding_rate_per_second(sd("2000"), d("1000"), max).unwrap(),
        sd("0.000001")
    );
    assert_eq!(
        funding_rate_per_second(sd("-2000"), d("1000"), max).unwrap(),
        sd("-0.000001")
    );
    // no scale → no funding
    assert_eq!(
        funding_rate_per_second(sd("500"), d("0"), max).unwrap(),
        SignedDecimal256::zero()
    );
}

#[test]
fn index_accrues_price_times_rate_times_time() {
    // P = 100, r = 0.0000005/s, one hour: 100·0.0000005·3,600 = 0.18
    assert_eq!(
        funding_index_delta(d("100"), sd("0.0000005"), 3600).unwrap(),
        sd("0.18")
    );
    // a second touch in the same second adds nothing
    assert_eq!(
        funding_index_delta(d("100"), sd("0.0000005"), 0).unwrap(),
        SignedDecimal256::zero()
    );
    // from 1.0 with K = 500 of 1,000 at max 0.0864/day: 1.18
    let f =
        accrue_funding_index(sd("1"), d("100"), sd("500"), d("1000"), d("0.0864"), 3600).unwrap();
    assert_eq!(f, sd("1.18"));
    // a century at the maxima does not overflow: 10^12 · (1/86,400 per s) · 3.15·10^9 s
    let f = accrue_funding_index(
        sd("0"),
        d("1000000000000"),
        sd("1"),
        d("1"),
        d("1"),
        3_153_600_000,
    )
    .unwrap();
    assert!(f > sd("36000000000000000"));
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
    // a negative rate moves the index down: P = 100, r = −0.000001, 10 s → −0.001
    assert_eq!(
        funding_index_delta(d("100"), sd("-0.000001"), 10).unwrap(),
        sd("-0.001")
    );
}

#[test]
fn no_elapsed_time_adds_nothing_even_where_p_times_r_would_overflow() {
    // Δt = 0 returns 0 before computing P·r: at P = Decimal256::MAX (beyond the signed range)
    // the step itself could not be formed, and nothing is owed anyway
    let huge = cosmwasm_std::Decimal256::MAX;
    assert_eq!(
        funding_index_delta(huge, sd("0.000001"), 0).unwrap(),
        SignedDecimal256::zero()
    );
    assert_eq!(
        funding_index_delta(huge, sd("-0.000001"), 0).unwrap(),
        SignedDecimal256::zero()
    );
    // r = 0 over a long time: also exactly 0 at a normal price
    assert_eq!(
        funding_index_delta(d("100"), SignedDecimal256::zero(), u64::MAX).unwrap(),
        SignedDecimal256::zero()
    );
}
