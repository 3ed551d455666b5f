//! Worked examples: tiers, position values, book health.

use cosmwasm_std::{Decimal256, Int128, Uint128};
use perps_risk::book::{book_health, check_initial_margin, check_remove_margin, position_values};
use perps_risk::{MarginTier, Quote, RiskError, TierTable};

use crate::helpers::*;

#[test]
fn brackets_sum_like_income_tax() {
    let t = three_tiers();
    // N = 500k: IM = 100k·0.1 + 400k·0.2 = 10k + 80k = 90k; MM = 5k + 40k = 45k
    let n = Quote::from_base_units(usdc(500_000));
    assert_eq!(t.initial(n).unwrap().ceil().unwrap(), usdc(90_000));
    assert_eq!(t.maintenance(n).unwrap().ceil().unwrap(), usdc(45_000));
    // N = 2M: IM = 10k + 900k·0.2 + 1M·0.5 = 690k; MM = 5k + 90k + 250k = 345k
    let n = Quote::from_base_units(usdc(2_000_000));
    assert_eq!(t.initial(n).unwrap().ceil().unwrap(), usdc(690_000));
    assert_eq!(t.maintenance(n).unwrap().ceil().unwrap(), usdc(345_000));
    // N = 100k exactly (a boundary belongs to the lower bracket): IM = 10k
    let n = Quote::from_base_units(usdc(100_000));
    assert_eq!(t.initial(n).unwrap().ceil().unwrap(), usdc(10_000));
    assert_eq!(t.first_mmr(), d("0.05"));
}

fn tier(max: Option<u128>, imr: &str, mmr: &str) -> MarginTier {
    MarginTier {
        max_notional: max.map(Uint128::new),
        initial_margin_ratio: d(imr),
        maintenance_margin_ratio: d(mmr),
    }
}

#[test]
fn invalid_tier_tables_are_refused() {
    let bad: Vec<Vec<MarginTier>> = vec![
        vec![],
        vec![tier(None, "0.1", "0.1")],      // mmr = imr
        vec![tier(None, "0.1", "0.2")],      // mmr > imr
        vec![tier(None, "1.1", "0.5")],      // imr > 1
        vec![tier(None, "0.1", "0")],        // mmr = 0
        vec![tier(Some(10), "0.1", "0.05")], // last bounded
        vec![tier(None, "0.1", "0.05"), tier(None, "0.2", "0.1")], // middle unbounded
        vec![tier(Some(10), "0.2", "0.1"), tier(None, "0.1", "0.05")], // ratios decrease
        vec![tier(Some(10), "0.1", "0.05"), tier(None, "0.2", "0.01")], // mmr decreases
        vec![
            tier(Some(10), "0.1", "0.05"),
            tier(Some(10), "0.2", "0.1"),
            tier(None, "0.3", "0.2"),
        ], // not ascending
        vec![tier(Some(0), "0.1", "0.05"), tier(None, "0.2", "0.1")], // zero bound
    ];
    for (i, t) in bad.iter().enumerate() {
        let err = TierTable::new(t).unwrap_err();
        assert!(
            matches!(err, RiskError::InvalidTiers { .. }),
            "case {i}: {err}"
        );
    }
    // the boundary case imr = 1 is allowed
    TierTable::new(&[tier(None, "1", "0.5")]).unwrap();
}

#[test]
fn position_values_round_per_policy() {
    // long 2 @ 100, mark 110, funding index 0 → 1.5: U = 2·10 = 20; A = 2·1.5 = 3; N = 220
    let mut p = pos("2", "100", "110", flat_tiers("0.1", "0.05"));
    p.funding_index = sd("1.5");
    let r = position_values(&p, DEC).unwrap().report().unwrap();
    assert_eq!(r.unrealized_pnl, usdc(20));
    assert_eq!(r.accrued_funding, usdc(3));
    assert_eq!(r.notional, usdc_u(220));
    assert_eq!(r.initial_margin, usdc_u(22));
    assert_eq!(r.maintenance_margin, Uint128::new(11_000_000));
    // a short receives: −3
    let mut s = pos("-2", "100", "110", flat_tiers("0.1", "0.05"));
    s.funding_index = sd("1.5");
    let r = position_values(&s, DEC).unwrap().report().unwrap();
    assert_eq!(r.unrealized_pnl, usdc(-20));
    assert_eq!(r.accrued_funding, usdc(-3));
    // dust: ΔF = 1e-7 on size 1 is 0.1 base unit: owed rounds up to 1, received down to 0
    let mut l = pos("1", "100", "100", flat_tiers("0.1", "0.05"));
    l.funding_index = sd("0.0000001");
    let r = position_values(&l, DEC).unwrap().report().unwrap();
    assert_eq!(r.accrued_funding, Int128::new(1));
    let mut s = pos("-1", "100", "100", flat_tiers("0.1", "0.05"));
    s.funding_index = sd("0.0000001");
    let r = position_values(&s, DEC).unwrap().report().unwrap();
    assert_eq!(r.accrued_funding, Int128::zero());
    // U of a long 1 @ 100.0000003 at mark 100: −0.3 base units → floor −1
    let u = pos("1", "100.0000003", "100", flat_tiers("0.1", "0.05"));
    let r = position_values(&u, DEC).unwrap().report().unwrap();
    assert_eq!(r.unrealized_pnl, Int128::new(-1));
}

#[test]
fn seed_cross_example_both_fall_five_percent() {
    // C = 10,000; long BTC 50,000 notional at 60,000 (s = 0.833333333333333333);
    // short ETH 30,000 notional at 3,000 (s = −10). Both fall 5 %: BTC 57,000, ETH 2,850.
    // U_btc = 0.833333333333333333·(57,000 − 60,000) = −2,499.999999999999999
    // U_eth = −10·(2,850 − 3,000) = +1,500
    // Q = 10,000 − 2,499.999999999999999 + 1,500 = 9,000.000000000000001 → 9,000 (down)
    let b = flat_book(
        usdc(10_000),
        &[
            ("0.833333333333333333", "60000", "57000"),
            ("-10", "3000", "2850"),
        ],
    );
    // ΣN = 47,499.999999999999981 + 28,500 → 76,000 (up); MM = 5 % → 3,800; IM = 7,600
    // Q_im (w = 0) = C + min(X, 0) = 9,000; free = min(10,000, 9,000) − 7,600 = 1,400
    let h = health_is(&b, 9_000, [7_600, 3_800, 1_400, 76_000]);
    assert_eq!(h.equity_for_im, usdc(9_000));
    // margin ratio 3,800/9,000 = 0.4222… (up); leverage 76,000/9,000 = 8.444… (up)
    assert_eq!(h.margin_ratio, Some(d("0.422222222222222223")));
    assert_eq!(h.leverage, Some(d("8.444444444444444445")));
    assert!(!h.liquidatable && !h.bankrupt);
}

#[test]
fn unrealized_profit_counts_only_at_its_weight_and_never_frees_collateral() {
    // C = 1,000; long 1 @ 10,000, mark 11,000: U = +1,000, N = 11,000, IM 10 % = 1,100
    let b = flat_book(usdc(1_000), &[("1", "10000", "11000")]);
    let h = book_health(&b, &params()).unwrap();
    assert_eq!(h.equity, usdc(2_000));
    assert_eq!(h.equity_for_im, usdc(1_000)); // w = 0
    assert_eq!(h.free_collateral, Uint128::zero()); // 1,000 − 1,100 < 0
    let h = book_health(&b, &params_w("0.5")).unwrap();
    assert_eq!(h.equity_for_im, usdc(1_500)); // 1,000 + 0.5·1,000
    assert_eq!(h.free_collateral, Uint128::zero()); // min(C = 1,000, 1,500) − 1,100 < 0
                                                    // with C = 2,000 and w = 1: free = min(2,000, 3,000) − 1,100 = 900 (profit not withdrawable)
    let b = flat_book(usdc(2_000), &[("1", "10000", "11000")]);
    assert_eq!(
        book_health(&b, &params_w("1")).unwrap().free_collateral,
        usdc_u(900)
    );
}

#[test]
fn initial_margin_boundary_is_exact() {
    // C = 1,000, long 1 @ 10,000 at mark 10,000, imr 10 %: IM = 1,000 → passes
    let t = flat_tiers("0.1", "0.05");
    let b = book(usdc(1_000), vec![pos("1", "10000", "10000", t.clone())]);
    check_initial_margin(&b, &params()).unwrap();
    // one base unit less → refused with both numbers
    let b = book(
        Int128::new(999_999_999),
        vec![pos("1", "10000", "10000", t)],
    );
    let err = check_initial_margin(&b, &params()).unwrap_err();
    assert_eq!(
        err,
        RiskError::InsufficientMargin {
            equity: Int128::new(999_999_999),
            required: usdc_u(1_000)
        }
    );
}

#[test]
fn maintenance_boundary_equal_is_healthy() {
    // isolated M, long 1 @ 10,000, mark 9,500: U = −500, MM = 5 %·9,500 = 475
    // M = 975 → Q = 475 = MM → healthy; M = 974.999999 → Q = 474.999999 → liquidatable
    let t = flat_tiers("0.1", "0.05");
    let at = book(usdc(975), vec![pos("1", "10000", "9500", t.clone())]);
    let h = book_health(&at, &params()).unwrap();
    assert_eq!((h.equity, h.maintenance_margin), (usdc(475), usdc_u(475)));
    assert!(!h.liquidatable);
    let below = book(Int128::new(974_999_999), vec![pos("1", "10000", "9500", t)]);
    assert!(book_health(&below, &params()).unwrap().liquidatable);
}

#[test]
fn empty_book_is_liquidatable_only_below_zero() {
    let h = book_health(&book(Int128::new(-1), vec![]), &params()).unwrap();
    assert!(h.liquidatable && h.bankrupt);
    assert_eq!(h.margin_ratio, None);
    assert_eq!(h.leverage, None);
    let h = book_health(&book(Int128::zero(), vec![]), &params()).unwrap();
    assert!(!h.liquidatable && !h.bankrupt);
    assert_eq!(h.free_collateral, Uint128::zero());
    let h = book_health(&book(usdc(5), vec![]), &params()).unwrap();
    assert_eq!(h.free_collateral, usdc_u(5));
}

#[test]
fn stale_price_counts_losses_only() {
    // C = 1,000, long 1 @ 10,000, last price 10,500: live → Q = 1,500; stale → min(0, 500) = 0
    let mut p = pos("1", "10000", "10500", flat_tiers("0.1", "0.05"));
    let b = book(usdc(1_000), vec![p.clone()]);
    assert_eq!(book_health(&b, &params()).unwrap().equity, usdc(1_500));
    p.price_live = false;
    let h = book_health(&book(usdc(1_000), vec![p.clone()]), &params()).unwrap();
    assert_eq!(h.equity, usdc(1_000));
    assert_eq!(h.maintenance_margin, usdc_u(525)); // full MM still counts
                                                   // a loss counts in full: last price 9,000 → Q = 0
    p.mark_price = d("9000");
    assert_eq!(
        book_health(&book(usdc(1_000), vec![p]), &params())
            .unwrap()
            .equity,
        Int128::zero()
    );
}

#[test]
fn remove_margin_uses_losses_but_never_profit() {
    let t = flat_tiers("0.1", "0.05");
    // M = 2,000, long 1 @ 10,000 at 10,000: IM = 1,000 → remove exactly 1,000 passes
    let p = pos("1", "10000", "10000", t.clone());
    // (one more base unit → refused)
    let bound = (usdc_u(1_000), usdc(1_000));
    assert_remove_margin_bound(usdc(2_000), &p, bound, 999_999_999, usdc_u(1_000));
    // pumped +100 %: U = +10,000, IM = 2,000: nothing beyond M + 0 − 2,000 = 0 can leave
    let pumped = pos("1", "10000", "20000", t.clone());
    assert!(check_remove_margin(usdc(2_000), &pumped, Uint128::new(1), DEC).is_err());
    assert_eq!(
        check_remove_margin(usdc(2_000), &pumped, Uint128::zero(), DEC).unwrap(),
        usdc(2_000)
    );
    // a loss counts: mark 9,900 → U = −100, IM = 990: 3,000 − a − 100 ≥ 990 → a ≤ 1,910
    let down = pos("1", "10000", "9900", t);
    check_remove_margin(usdc(3_000), &down, usdc_u(1_910), DEC).unwrap();
    assert!(check_remove_margin(usdc(3_000), &down, Uint128::new(1_910_000_001), DEC).is_err());
    let _ = Decimal256::zero();
}
