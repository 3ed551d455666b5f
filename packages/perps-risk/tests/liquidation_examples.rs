//! Worked examples: liquidation price and partial liquidation.

use cosmwasm_std::{Decimal256, Int128, Uint128};
use perps_risk::book::{book_health, book_values};
use perps_risk::liq_price::liquidation_price;
use perps_risk::liquidation::{
    apply_plan, plan_liquidation, plan_liquidation_paying, validate_liquidation_rules,
    LiquidationConfig, LiquidationPlan, PositionClose,
};
use perps_risk::{Book, BookParams, BookPosition, RiskError};

use crate::helpers::*;

fn cfg(min_reward: u128) -> LiquidationConfig {
    LiquidationConfig {
        target_ratio: d("1.25"),
        reward_share: d("0.25"),
        min_reward: Uint128::new(min_reward),
    }
}

#[test]
fn isolated_liquidation_prices_flat_tier() {
    let t = flat_tiers("0.1", "0.05");
    // long 1 @ 10,000, M = 1,000: Q = P − 9,000, MM = 0.05·P → 0.95·P = 9,000
    // P = 9,473.684210526315789473… → up: 9,473.684210526315789474
    let b = book(usdc(1_000), vec![pos("1", "10000", "10000", t.clone())]);
    assert_eq!(
        liquidation_price(&b, 0, &params()).unwrap(),
        Some(d("9473.684210526315789474"))
    );
    // short 1 @ 10,000, M = 1,000: Q = 11,000 − P, MM = 0.05·P → P = 11,000/1.05
    // = 10,476.190476190476190476… → down
    let b = book(usdc(1_000), vec![pos("-1", "10000", "10000", t.clone())]);
    assert_eq!(
        liquidation_price(&b, 0, &params()).unwrap(),
        Some(d("10476.190476190476190476"))
    );
    // fully collateralized long (M ≥ entry): Q = P ≥ 0.05·P for every P → none
    let b = book(usdc(10_000), vec![pos("1", "10000", "10000", t.clone())]);
    assert_eq!(liquidation_price(&b, 0, &params()).unwrap(), None);
    // a short with M = −100: Q(0) = −100 + 100 = 0 → liquidatable at every price → 0
    let b = book(usdc(-100), vec![pos("-1", "100", "100", t.clone())]);
    assert_eq!(
        liquidation_price(&b, 0, &params()).unwrap(),
        Some(Decimal256::zero())
    );
    // zero size → none; bad index → error
    let b = book(usdc(1), vec![pos("0", "100", "100", t)]);
    assert_eq!(liquidation_price(&b, 0, &params()).unwrap(), None);
    assert_eq!(
        liquidation_price(&b, 3, &params()).unwrap_err(),
        RiskError::NoSuchPosition { index: 3, len: 1 }
    );
}

#[test]
fn liquidation_price_crosses_tier_brackets() {
    // long 100 @ 10,000 (N = 1M), M = 200,000, 3 tiers: Q = 100·P − 800,000.
    // In bracket 2 (100k < N ≤ 1M): MM = 5,000 + 0.1·(N − 100,000) = 10·P − 5,000.
    // 100·P − 800,000 = 10·P − 5,000 → P = 795,000/90 = 8,833.333… (N = 883,333 ∈ bracket 2)
    let b = book(
        usdc(200_000),
        vec![pos("100", "10000", "10000", three_tiers())],
    );
    let p = liquidation_price(&b, 0, &params()).unwrap().unwrap();
    assert_eq!(p, d("8833.333333333333333334"));
    // at that price the book is at maintenance (within rounding) and one tick lower liquidatable
    let mut at = b.clone();
    at.positions[0].mark_price = p;
    let v = book_values(&at, &params()).unwrap();
    let gap = v.equity.checked_sub(v.maintenance_margin).unwrap();
    assert!(gap >= perps_risk::Quote::ZERO && gap.floor().unwrap() <= Int128::new(1));
    at.positions[0].mark_price = p - tick();
    assert!(book_health(&at, &params()).unwrap().liquidatable);
}

#[test]
fn cross_liquidation_price_holds_other_marks() {
    // C = 10,000, long 1 BTC @ 60,000 and short 10 ETH @ 3,000 (ETH fixed at 3,000):
    // Q = 10,000 + (P − 60,000) = P − 50,000; MM = 0.05·P + 0.05·30,000
    // → 0.95·P = 51,500 → P = 54,210.526315789473684210… → up
    let b = flat_book(
        usdc(10_000),
        &[("1", "60000", "60000"), ("-10", "3000", "3000")],
    );
    assert_eq!(
        liquidation_price(&b, 0, &params()).unwrap(),
        Some(d("54210.526315789473684211"))
    );
    // ETH, BTC fixed at 60,000: Q = 10,000 − 10·(P − 3,000) = 40,000 − 10·P;
    // MM = 3,000 + 0.5·P → 10.5·P = 37,000 → P = 3,523.809523809523809523… → down
    assert_eq!(
        liquidation_price(&b, 1, &params()).unwrap(),
        Some(d("3523.809523809523809523"))
    );
}

#[test]
fn healthy_book_has_no_plan() {
    let b = flat_book(usdc(1_000), &[("1", "10000", "10000")]);
    assert_eq!(plan_liquidation(&b, &params(), &cfg(0)).unwrap(), None);
}

#[test]
fn partial_liquidation_stops_at_the_target() {
    // C = 14,000, long 10 @ 10,000, mark 9,000: Q = 14,000 − 10,000 = 4,000; MM = 5 %·90,000
    // = 4,500 → liquidatable. Close x: 4,000 − 1 %·9,000·x ≥ 1.25·5 %·9,000·(10 − x)
    // → 4,000 − 90·x ≥ 5,625 − 562.5·x → x ≥ 1,625/472.5 = 3.439153439…
    // realized −1,000·x ≈ −3,439.15; penalty 90·x ≈ 309.52; equity after ≈ 3,690.48
    // MM after = 450·(10 − x) ≈ 2,952.38; target 1.25·2,952.38 ≈ 3,690.48
    let b = flat_book(usdc(14_000), &[("10", "10000", "9000")]);
    let plan = planned(&b, 0);
    let c = only_close(&plan);
    assert_eq!(
        (plan.equity_before, plan.maintenance_before),
        (usdc(4_000), usdc_u(4_500))
    );
    let x = c.size_closed;
    assert!(x > sd("3.439153439") && x < sd("3.439153540"), "{x}");
    assert!(c.penalty > Uint128::new(309_523_800) && c.penalty < Uint128::new(309_524_000));
    assert!(c.realized_pnl < usdc(-3_439) && c.realized_pnl > usdc(-3_440));
    // reward 25 % of the penalty (down), the rest to insurance; nothing unpaid, no bad debt
    assert_eq!(
        plan.liquidator_reward,
        c.penalty.multiply_ratio(1u128, 4u128)
    );
    assert_eq!(plan.insurance_share, c.penalty - plan.liquidator_reward);
    assert_eq!(plan.bad_debt, Uint128::zero());
    // after: at the target, by at most a few base units more than needed
    let after = apply_plan(&b, &plan);
    let h = book_health(&after, &params()).unwrap();
    assert_eq!(h.equity, plan.equity_after);
    let target = Int128::try_from(h.maintenance_margin).unwrap().i128() * 5 / 4;
    assert!(
        h.equity.i128() >= target && h.equity.i128() <= target + 20,
        "{h:?}"
    );
    // the collateral moved by realized PnL and penalty only (no funding here)
    assert_eq!(
        plan.collateral_after,
        usdc(14_000) + c.realized_pnl - Int128::try_from(c.penalty).unwrap()
    );
}

#[test]
fn largest_maintenance_first_and_stale_markets_untouched() {
    // C = 1,600; BTC long 1 @ 10,000 mark 9,000 (MM 450), ETH long 10 @ 100 mark 90 (MM 45),
    // SOL stale long 10 @ 10 last 9 (counts its loss −10 and its MM 4.5).
    // Q = 1,600 − 1,000 − 100 − 10 = 490 < MM = 450 + 45 + 4.5 = 499.5
    let t = flat_tiers("0.1", "0.05");
    let mut sol = pos("10", "10", "9", t.clone());
    sol.price_live = false;
    let b = book(
        usdc(1_600),
        vec![
            pos("10", "100", "90", t.clone()),
            pos("1", "10000", "9000", t),
            sol,
        ],
    );
    let plan = planned(&b, 0);
    assert_eq!(plan.closes[0].index, 1, "BTC has the largest MM");
    assert!(
        plan.closes.iter().all(|c| c.index != 2),
        "stale SOL is never closed"
    );
    let after = apply_plan(&b, &plan);
    assert_eq!(after.positions[2].position.size, sd("10"));
    assert!(!book_health(&after, &params()).unwrap().liquidatable);
}

/// Long 0.0015 @ 10,000 marked 9,000, one 10 % / 5 % tier, minimum order `min_order_size`.
fn long_0_0015_marked_9_000(min_order_size: Decimal256) -> BookPosition {
    let mut p = pos("0.0015", "10000", "9000", flat_tiers("0.1", "0.05"));
    p.market.min_order_size = min_order_size;
    p
}

/// The liquidation plan of a cross book of 2 USDC holding `p`.
fn plan_on_2_usdc(p: &BookPosition) -> LiquidationPlan {
    planned(&book(usdc(2), vec![p.clone()]), 0)
}

/// The plan of a book that must be liquidated, with a minimum reward of `min_reward` (µUSDC).
fn planned(b: &Book, min_reward: u128) -> LiquidationPlan {
    plan_liquidation(b, &params(), &cfg(min_reward))
        .unwrap()
        .unwrap()
}

/// The plan's one close (a plan of one close is asserted).
fn only_close(plan: &LiquidationPlan) -> PositionClose {
    assert_eq!(plan.closes.len(), 1, "{plan:?}");
    plan.closes[0]
}

#[test]
fn a_dust_remainder_closes_too() {
    // long 0.0015 @ 10,000, mark 9,000, C = 2: Q = 2 − 1.5 = 0.5 < MM = 5 %·13.5 = 0.675.
    // Partial: 0.5 − 90·x ≥ 562.5·(0.0015 − x) → x ≥ 0.34375/472.5 = 0.000727513…
    // → keeps 0.000772486… less the 5-base-unit rounding slack (5·10^-6/472.5 ≈ 1.06·10^-8):
    // 0.000772476…; kept with a minimum order of 0.0005, dust under 0.001 (all closes)
    let mut p = long_0_0015_marked_9_000(d("0.0005"));
    let plan = plan_on_2_usdc(&p);
    let kept = plan.closes.last().unwrap().new_size;
    assert!(
        kept > sd("0.000772476") && kept < sd("0.000772477"),
        "{kept}"
    );
    p.market.min_order_size = d("0.001");
    let plan = plan_on_2_usdc(&p);
    assert_eq!(plan.closes.len(), 1);
    assert_eq!(plan.closes[0].new_size, sd("0"));
}

#[test]
fn bankrupt_book_books_the_shortfall_and_the_min_reward() {
    // M = 1,000, long 1 @ 10,000, mark 8,000: Q = −1,000 → everything closes; realized
    // −2,000 → M = −1,000; penalty capped at 0; min reward 5 USDC unpaid → bad debt 1,005
    let plan = planned(
        &flat_book(usdc(1_000), &[("1", "10000", "8000")]),
        5_000_000,
    );
    // one close only: the position is gone, so the still-short (flat, Q < 0) book adds no
    // empty close of the same position
    let c = only_close(&plan);
    assert_eq!(
        (c.new_size, c.realized_pnl, c.penalty),
        (sd("0"), usdc(-2_000), Uint128::zero())
    );
    // a bankrupt book holds nothing: the caller gets nothing (the fund never pays a reward)
    assert_eq!(plan.liquidator_reward, Uint128::zero());
    assert_eq!(
        (plan.charged, plan.insurance_share),
        (Uint128::zero(), Uint128::zero())
    );
    assert_eq!(plan.bad_debt, usdc_u(1_000));
    assert_eq!(
        (plan.collateral_after, plan.equity_after),
        (Int128::zero(), Int128::zero())
    );
}

#[test]
fn min_reward_top_up_comes_from_a_flat_book_first() {
    // M = 600, long 1 @ 10,000, mark 9,450: Q = 50 < MM 472.5; unreachable target → all
    // closes: realized −550 → M = 50; penalty 1 %·9,450 = 94.5 capped at 50.
    // min reward 60 > 25 %·50 = 12.5: the book has nothing left → the caller gets the 50 the
    // book paid, nothing more, and nothing is bad debt
    let b = flat_book(usdc(600), &[("1", "10000", "9450")]);
    let plan = planned(&b, 60_000_000);
    assert_eq!(plan.closes[0].penalty, usdc_u(50));
    assert_eq!(
        (plan.charged, plan.liquidator_reward),
        (usdc_u(50), usdc_u(50))
    );
    assert_eq!(
        (plan.bad_debt, plan.insurance_share),
        (Uint128::zero(), Uint128::zero())
    );
    // M = 700: Q = 150 → partial: 150 − 94.5·x ≥ 1.25·472.5·(1 − x) → x = 440.625/496.125
    // = 0.888133…; penalty 94.5·x ≈ 83.93 ≥ reward max(25 %·83.93, 60) = 60 → insurance ≈ 23.93
    let b = flat_book(usdc(700), &[("1", "10000", "9450")]);
    let plan = planned(&b, 60_000_000);
    assert!(plan.charged > Uint128::new(83_928_000) && plan.charged < Uint128::new(83_929_000));
    assert_eq!(plan.liquidator_reward, usdc_u(60));
    assert_eq!(plan.insurance_share, plan.charged - usdc_u(60));
    assert_eq!(plan.bad_debt, Uint128::zero());
}

#[test]
fn market_liquidation_rules() {
    // fee 2 %, share 25 %: 1.5 % ≥ 0.1 % + 1 % ✓; 2 % < 1.25·5 % = 6.25 % ✓
    validate_liquidation_rules(
        d("0.02"),
        d("0.25"),
        d("0.001"),
        d("0.01"),
        d("1.25"),
        d("0.05"),
    )
    .unwrap();
    // fee 1 %, share 50 %: 0.5 % < 1.1 % → refused
    let err = validate_liquidation_rules(
        d("0.01"),
        d("0.5"),
        d("0.001"),
        d("0.01"),
        d("1.25"),
        d("0.05"),
    );
    assert!(matches!(
        err,
        Err(RiskError::InvalidParameter {
            name: "liquidation_fee",
            ..
        })
    ));
    // fee 6.25 % = target·mmr_1 → refused (must be strictly below)
    let err = validate_liquidation_rules(d("0.0625"), d("0"), d("0"), d("0"), d("1.25"), d("0.05"));
    assert!(matches!(
        err,
        Err(RiskError::InvalidParameter {
            name: "liquidation_fee",
            ..
        })
    ));
    // the equality in the first rule is allowed: 2 %·(1 − 0.5) = 1 % = 0.5 % + 0.5 %
    validate_liquidation_rules(
        d("0.02"),
        d("0.5"),
        d("0.005"),
        d("0.005"),
        d("1.25"),
        d("0.05"),
    )
    .unwrap();
    // share > 1 refused
    assert!(
        validate_liquidation_rules(d("0.02"), d("1.5"), d("0"), d("0"), d("1.25"), d("0.05"))
            .is_err()
    );
}

/// The one close planned for a cross book of `collateral` whole USDC holding long 100 @ 10,000
/// marked 9,000 in three tiers.
fn long_100_in_three_tiers_at_9_000(collateral: i128) -> PositionClose {
    let b = book(
        usdc(collateral),
        vec![pos("100", "10000", "9000", three_tiers())],
    );
    only_close(&planned(&b, 0))
}

#[test]
fn partial_liquidation_solves_inside_the_right_bracket() {
    // C = 180,000, long 100 @ 10,000, mark 9,000, 3 tiers: Q = 180,000 − 100,000 = 80,000;
    // N = 900,000 (bracket 2): MM = 5,000 + 10 %·800,000 = 85,000 → liquidatable.
    // Keep notional m: 80,000 − 1 %·(900,000 − m) ≥ 1.25·MM(m).
    // Bracket 1 (m ≤ 100k): 71,000 + 0.01·m ≥ 0.0625·m holds at m = 100k (65,750 > 0), so the
    // root is in bracket 2: MM = 0.1·m − 5,000 → 77,250 − 0.115·m = 0 → m = 671,739.13…
    // keep = m/9,000 = 74.637681159…, close x = 25.362318840…
    let close = long_100_in_three_tiers_at_9_000(180_000);
    let x = close.size_closed;
    assert!(x > sd("25.3623188") && x < sd("25.3623189"), "{x}");
    // penalty 1 %·9,000·x ≈ 2,282.61
    assert!(close.penalty > usdc_u(2_282) && close.penalty < usdc_u(2_283));
}

#[test]
fn a_remainder_exactly_at_the_minimum_is_kept() {
    let mut p = long_0_0015_marked_9_000(d("0.0005"));
    let plan = plan_on_2_usdc(&p);
    let kept = plan.closes[0].new_size;
    // the same book with min_order_size = exactly that remainder keeps it
    p.market.min_order_size = perps_risk::num::unsigned_abs(kept);
    let plan = plan_on_2_usdc(&p);
    assert_eq!(plan.closes[0].new_size, kept);
    // one atom more and it is dust
    p.market.min_order_size = perps_risk::num::unsigned_abs(kept) + tick();
    let plan = plan_on_2_usdc(&p);
    assert_eq!(plan.closes[0].new_size, sd("0"));
}

#[test]
fn a_full_reward_share_is_allowed() {
    // share 100 %: fee·0 = 0 ≥ taker 0 + impact 0 ✓
    validate_liquidation_rules(d("0.02"), d("1"), d("0"), d("0"), d("1.25"), d("0.05")).unwrap();
}

#[test]
fn partial_liquidation_can_land_in_a_lower_bracket() {
    // C = 112,000, long 100 @ 10,000, mark 9,000: Q = 12,000 < MM 85,000 (N = 900k, bracket 2).
    // Keeping m ≤ 100k (bracket 1): 12,000 − 1 %·(900,000 − m) ≥ 1.25·5 %·m
    // → 3,000 − 0.0525·m ≥ 0 → m = 57,142.857… (at m = 100k: −2,250 < 0, so bracket 1)
    // keep = m/9,000 = 6.349206349…, close x = 93.650793650…
    let x = long_100_in_three_tiers_at_9_000(112_000).size_closed;
    assert!(x > sd("93.6507936") && x < sd("93.6507937"), "{x}");
}

#[test]
fn the_target_reached_exactly_at_a_bracket_edge_keeps_the_edge() {
    // t = 1.111111111111111111, 3 tiers (5 % to 100k, 10 % to 1M), fee 1 %.
    // long 1,000 @ E = 1,009.444444439444444445, mark 1,000: N = 10^12 base units (1M USDC),
    // U = 1,000·(1,000 − E)·10^6 = −9,444,444,439.444444445; C = 24,000 USDC
    // → Q = 14,555,555,560.555555555 < MM = 5,000 + 10 %·900,000 = 95,000 USDC: liquidatable.
    // Solver (base units): K0 = Q − 5 − 1 %·N = 4,555,555,555.555555555.
    // At the edge hi = 10^11: H(hi) = K0 + 1 %·hi − t·5·10^9
    //   = 4,555,555,555.555555555 + 10^9 − 5,555,555,555.555555555 = 0 exactly,
    // so the root is taken in bracket 2 with t·mmr_2 = 0.111111111111111112 (up):
    //   (K0 − t·MM(hi) + hi·0.111111111111111112) / (0.111111111111111112 − 0.01)
    //   = 10,111,111,111.1111112 / 0.101111111111111112 = 10^11 = the edge exactly.
    // (Bracket 1's line, with t·mmr_1 = 0.055555555555555556 rounded up, would give a hair
    // under 10^11 and keep 99.99999999999999989…)
    // keep 10^11/(1,000·10^6) = 100, close 900.
    let cfg = LiquidationConfig {
        target_ratio: d("1.111111111111111111"),
        reward_share: d("0.25"),
        min_reward: Uint128::zero(),
    };
    let b = book(
        usdc(24_000),
        vec![pos(
            "1000",
            "1009.444444439444444445",
            "1000",
            three_tiers(),
        )],
    );
    let plan = plan_liquidation(&b, &params(), &cfg).unwrap().unwrap();
    assert_eq!(
        (plan.equity_before, plan.maintenance_before),
        (Int128::new(14_555_555_560), usdc_u(95_000))
    );
    let c = only_close(&plan);
    assert_eq!((c.size_closed, c.new_size), (sd("900"), sd("100")));
    // realized 900·(1,000 − E)·10^6 = −8,499,999,995.5000000005 → down; penalty 1 %·900,000
    assert_eq!(
        (c.realized_pnl, c.penalty),
        (Int128::new(-8_499_999_996), usdc_u(9_000))
    );
    // C' = 24,000,000,000 − 8,499,999,996 − 9,000,000,000 = 6,500,000,004;
    // Q' = C' + 100·(1,000 − E)·10^6 = 6,500,000,004 − 944,444,443.9444444445 → 5,555,555,560
    // ≥ ceil(t·MM') = ceil(t·5·10^9) = 5,555,555,556: met by 4 base units, nothing more closes
    assert_eq!(plan.collateral_after, Int128::new(6_500_000_004));
    assert_eq!(
        (plan.equity_after, plan.maintenance_after),
        (Int128::new(5_555_555_560), usdc_u(5_000))
    );
    // reward 25 % of 9,000 = 2,250, the rest to insurance
    assert_eq!(
        (plan.liquidator_reward, plan.insurance_share, plan.charged),
        (usdc_u(2_250), usdc_u(6_750), usdc_u(9_000))
    );
    assert_eq!(plan.bad_debt, Uint128::zero());
}

#[test]
fn closing_a_whole_position_that_lands_exactly_on_the_target_closes_it_all() {
    // t = 1.25, fee 1 %, 5 % flat. BTC long 1 @ 10,000 mark 9,000 (N 9,000, MM 450),
    // ETH long 10 @ 100 mark 100 (N 1,000, MM 50); C = 1,152.500005 → Q = 152.500005 < MM 500.
    // BTC first (larger MM). Solver: K0 = Q − 5 base units − 1 %·9,000 − 1.25·50
    // = 152.500005 − 0.000005 − 90 − 62.5 = 0 exactly, so even keeping nothing of BTC only
    // just meets the target (with the slack): the root is at m = 0, BTC closes entirely.
    let b = flat_book(
        Int128::new(1_152_500_005),
        &[("10", "100", "100"), ("1", "10000", "9000")],
    );
    let plan = planned(&b, 0);
    assert_eq!(
        (plan.equity_before, plan.maintenance_before),
        (Int128::new(152_500_005), usdc_u(500))
    );
    let c = only_close(&plan);
    assert_eq!((c.index, c.size_closed, c.new_size), (1, sd("1"), sd("0")));
    assert_eq!((c.realized_pnl, c.penalty), (usdc(-1_000), usdc_u(90)));
    // C' = 1,152,500,005 − 1,000,000,000 − 90,000,000 = 62,500,005 ≥ ceil(1.25·50 USDC)
    // = 62,500,000: met by the 5 base units of slack; ETH stays whole
    assert_eq!(
        (
            plan.collateral_after,
            plan.equity_after,
            plan.maintenance_after
        ),
        (Int128::new(62_500_005), Int128::new(62_500_005), usdc_u(50))
    );
    // reward 25 % of 90 = 22.5, insurance 67.5
    assert_eq!(
        (plan.liquidator_reward, plan.insurance_share, plan.charged),
        (
            Uint128::new(22_500_000),
            Uint128::new(67_500_000),
            usdc_u(90)
        )
    );
    assert_eq!(plan.bad_debt, Uint128::zero());
}

/// The engine's attack (issue 12, `solvency::liquidation_payout`): C = −2,000, long 1 BTC @ 60,000
/// marked 78,000 (whole coins only) and short 3 ETH @ 3,000 marked 7,000: Q = 4,000 < MM 4,950.
fn btc_profit_eth_loss_on_a_debt() -> Book {
    let t = flat_tiers("0.1", "0.05");
    let mut btc = pos("1", "60000", "78000", t.clone());
    btc.market.min_order_size = d("1");
    book(usdc(-2_000), vec![btc, pos("-3", "3000", "7000", t)])
}

/// The plan of `b` when the vault can pay `payable` whole USDC of its net gain.
fn paying(b: &Book, p: &BookParams, payable: u128) -> LiquidationPlan {
    plan_liquidation_paying(b, p, &cfg(0), Some(usdc_u(payable)))
        .unwrap()
        .unwrap()
}

/// (market index, size left, realized PnL, penalty) of each close.
fn closes_of(
    plan: &LiquidationPlan,
) -> Vec<(usize, cosmwasm_std::SignedDecimal256, Int128, Uint128)> {
    plan.closes
        .iter()
        .map(|c| (c.index, c.new_size, c.realized_pnl, c.penalty))
        .collect()
}

#[test]
fn a_liquidations_net_gain_is_paid_only_up_to_payable() {
    let b = btc_profit_eth_loss_on_a_debt();
    let p = params();
    // the vault pays in full (or `payable` covers the gain): BTC closes whole (a part would
    // leave less than one coin), +18,000; penalty 780 (1 % of 78,000), C = 15,220, equity 3,220
    // ≥ 1.25 × MM(ETH) 1,050: ETH stays open
    let full = plan_liquidation(&b, &p, &cfg(0)).unwrap().unwrap();
    assert_eq!(closes_of(&full), [(0, sd("0"), usdc(18_000), usdc_u(780))]);
    assert_eq!(
        (full.collateral_after, full.pending_payout),
        (usdc(15_220), Uint128::zero())
    );
    assert_eq!(
        plan_liquidation_paying(&b, &p, &cfg(0), Some(usdc_u(18_000))).unwrap(),
        Some(full)
    );
    // the vault holds nothing beyond the book's own debt (payable 2,000): of the +18,000,
    // 16,000 is pending; the book's equity in cash is −12,000 (the ETH loss): no penalty, the
    // target is out of reach, ETH closes too and its −12,000 is netted against the claim:
    // flat, C = 0, a claim of 4,000 (its equity before); nothing to pay a reward with
    let none = paying(&b, &p, 2_000);
    assert_eq!(
        closes_of(&none),
        [
            (0, sd("0"), usdc(18_000), Uint128::zero()),
            (1, sd("0"), usdc(-12_000), Uint128::zero())
        ]
    );
    assert_eq!(
        (
            none.collateral_after,
            none.pending_payout,
            none.charged,
            none.bad_debt
        ),
        (
            Int128::zero(),
            usdc_u(4_000),
            Uint128::zero(),
            Uint128::zero()
        )
    );
    // payable 10,000: 8,000 pending after BTC (C = 8,000, equity −4,000: no penalty); the ETH
    // loss takes the claim to 0 and C to 4,000; ETH's penalty 210 (1 % of 21,000) from it:
    // C = 3,790, the caller gets 25 % (52.5), nothing pending — the plan netted 6,000 ≤ 10,000
    let part = paying(&b, &p, 10_000);
    assert_eq!(
        closes_of(&part),
        [
            (0, sd("0"), usdc(18_000), Uint128::zero()),
            (1, sd("0"), usdc(-12_000), usdc_u(210))
        ]
    );
    assert_eq!(
        (
            part.collateral_after,
            part.pending_payout,
            part.liquidator_reward
        ),
        (usdc(3_790), Uint128::zero(), Uint128::new(52_500_000))
    );
    // the ledger: the vault pays the net gain less the claim (2,000 and 6,000), the claim is
    // the step's pending payout, money is conserved
    let cash = perps_risk::ledger::Balances {
        collateral: usdc(-2_000),
        margin: None,
        vault_cash: usdc(2_000),
        insurance_fees: Uint128::zero(),
    };
    let moved = perps_risk::ledger::liquidation(cash, &none, false).unwrap();
    assert_eq!(
        (
            moved.after.vault_cash,
            moved.after.collateral,
            moved.payout.pending
        ),
        (Int128::zero(), Int128::zero(), usdc_u(4_000))
    );
    assert!(moved.conserves(&cash).unwrap());
    let cash = perps_risk::ledger::Balances {
        vault_cash: usdc(12_000),
        ..cash
    };
    let moved = perps_risk::ledger::liquidation(cash, &part, false).unwrap();
    assert_eq!(moved.after.vault_cash, usdc(6_000));
    assert!(moved.conserves(&cash).unwrap());
}
