//! Settled positions: valued exactly as their close books them, with no requirement.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};
use perps_risk::book::{book_health, book_values, settled_isolated_return, settled_value};
use perps_risk::funding::funding_settlement;
use perps_risk::liq_price::liquidation_price;
use perps_risk::liquidation::{plan_liquidation, LiquidationConfig};
use perps_risk::trade::apply_fill;
use perps_risk::{Book, BookParams, BookPosition, Quote};
use proptest::prelude::*;

use crate::helpers::*;

/// A position of a market settled at `price`, with funding index `index` (entry index 0).
fn settled(size: &str, entry: &str, price: &str, index: &str) -> BookPosition {
    let mut p = pos(size, entry, price, flat_tiers("0.1", "0.05"));
    p.funding_index = sd(index);
    p.settled = true;
    p
}

/// What the engine's close of a settled position books: realized PnL minus funding paid.
fn close_value(bp: &BookPosition) -> Int128 {
    let minus = SignedDecimal256::zero() - bp.position.size;
    let fill = apply_fill(
        bp.position.size,
        bp.position.entry_price,
        minus,
        bp.mark_price,
        DEC,
    )
    .unwrap();
    let funding = funding_settlement(&bp.position, bp.funding_index, DEC).unwrap();
    fill.realized_pnl - funding
}

/// The same book after every settled position closed into its collateral.
fn closed(book: &Book) -> Book {
    let mut c = book.collateral;
    let mut open = Vec::new();
    for bp in &book.positions {
        if bp.settled {
            c += close_value(bp);
        } else {
            open.push(bp.clone());
        }
    }
    Book {
        collateral: c,
        positions: open,
    }
}

#[test]
fn a_settled_position_adds_its_close_value_and_no_requirement() {
    // long 10 @ 100 settled at 99, funding index 0.1: U = 10·(99 − 100) = −10 USDC,
    // A = 10·0.1 = 1 USDC, value −11 USDC; its N = 990 would need MM 49.5 and IM 99
    let s = settled("10", "100", "99", "0.1");
    assert_eq!(settled_value(&s, DEC).unwrap(), usdc(-11));
    let b = book(usdc(50), vec![s.clone()]);
    // Q = 50 − 11 = 39 ≥ MM = 0: healthy, and all 39 may leave (C' = Q_im = 39, IM = 0)
    let h = health_is(&b, 39, [0, 0, 39, 0]);
    assert_eq!(h.equity_for_im, usdc(39));
    assert!(!h.liquidatable && !h.bankrupt);
    assert_eq!(h, book_health(&closed(&b), &params()).unwrap());
    assert_eq!(liquidation_price(&b, 0, &params()).unwrap(), None);

    // beside a live short 1 @ 100 (N = 100, IM 10, MM 5): Q = 39, free = 39 − 10 = 29
    let live = pos("-1", "100", "100", flat_tiers("0.1", "0.05"));
    let b = book(usdc(50), vec![s, live]);
    let h = health_is(&b, 39, [10, 5, 29, 100]);
    assert!(!h.liquidatable);
    let c = closed(&b);
    assert_eq!(c.collateral, usdc(39));
    assert_eq!(h, book_health(&c, &params()).unwrap());
    // the live short's liquidation price is the closed book's: 39 + (100 − P) = 0.05·P,
    // P = 139/1.05 = 132.380952380952380952 (rounded down for a short)
    let p = liquidation_price(&b, 1, &params()).unwrap();
    assert_eq!(p, liquidation_price(&c, 0, &params()).unwrap());
    assert_eq!(p, Some(d("132.380952380952380952")));
    assert_eq!(liquidation_price(&b, 0, &params()).unwrap(), None);
}

#[test]
fn a_settled_gain_counts_in_full_like_collateral() {
    // long 10 @ 100 settled at 110: +100 USDC. As collateral it counts in full in Q_im and in
    // what may leave, whatever the profit weight (w = 0 here).
    let s = settled("10", "100", "110", "0");
    let live = pos("1", "100", "100", flat_tiers("0.1", "0.05"));
    let b = book(usdc(10), vec![s, live]);
    let v = book_values(&b, &params()).unwrap();
    assert_eq!(v.collateral, Quote::from_base_units(usdc(110)));
    assert_eq!(v.pnl_net, Quote::ZERO);
    let h = book_health(&b, &params()).unwrap();
    assert_eq!(h.equity_for_im, usdc(110));
    assert_eq!(h.free_collateral, usdc_u(100));
    assert_eq!(h, book_health(&closed(&b), &params()).unwrap());
}

#[test]
fn the_close_value_rounds_as_the_close_does() {
    // long 3 @ 100 settled at 100.0000003, index 0.0000001: U = 3·0.0000003·10^6 = 0.9 base
    // units, realized floor → 0; A = 0.3 base units, paid ceil → 1; value −1 (U − A = +0.6
    // would have floored to 0)
    let s = settled("3", "100", "100.0000003", "0.0000001");
    assert_eq!(close_value(&s), Int128::new(-1));
    assert_eq!(settled_value(&s, DEC).unwrap(), Int128::new(-1));
    let b = book(Int128::new(10), vec![s]);
    let h = book_health(&b, &params()).unwrap();
    assert_eq!(h.equity, Int128::new(9));
    assert_eq!(h.free_collateral, Uint128::new(9));
}

#[test]
fn an_isolated_settled_book_is_liquidatable_only_when_bankrupt() {
    // value −11 USDC: margin 12 leaves 1 (healthy although 1 < the old MM 49.5); margin 11
    // leaves 0 (healthy, equal); margin 10 leaves −1 (bankrupt, liquidatable)
    for (m, equity, liq) in [(12, 1, false), (11, 0, false), (10, -1, true)] {
        let b = book(usdc(m), vec![settled("10", "100", "99", "0.1")]);
        let h = book_health(&b, &params()).unwrap();
        assert_eq!(h.equity, usdc(equity));
        assert_eq!(h.liquidatable, liq, "margin {m}");
        assert_eq!(h.bankrupt, liq);
    }
}

#[test]
fn remove_margin_on_a_settled_position_keeps_its_loss() {
    // M = 20, value −11: 9 may leave (20 − 9 − 11 = 0 ≥ IM 0), one base unit more may not
    let s = settled("10", "100", "99", "0.1");
    assert_remove_margin_bound(usdc(20), &s, (usdc_u(9), usdc(11)), -1, Uint128::zero());
}

#[test]
fn liquidation_never_closes_a_settled_position() {
    // settled value −11; live long 10 @ 100 marked 95 (U = −50, N = 950, MM 47.5);
    // C = 100: Q = 100 − 11 − 50 = 39 < 47.5
    let s = settled("10", "100", "99", "0.1");
    let live = pos("10", "100", "95", flat_tiers("0.1", "0.05"));
    let b = book(usdc(100), vec![s, live]);
    let cfg = LiquidationConfig {
        target_ratio: d("1.25"),
        reward_share: d("0.25"),
        min_reward: Uint128::zero(),
    };
    let plan = plan_liquidation(&b, &params(), &cfg).unwrap().unwrap();
    assert_eq!(plan.equity_before, usdc(39));
    assert_eq!(plan.maintenance_before, Uint128::new(47_500_000));
    assert!(!plan.closes.is_empty());
    assert!(plan.closes.iter().all(|c| c.index == 1));
    // the same closes as on the closed book (index shifted by one)
    let other = plan_liquidation(&closed(&b), &params(), &cfg)
        .unwrap()
        .unwrap();
    assert_eq!(plan.closes.len(), other.closes.len());
    for (a, o) in plan.closes.iter().zip(&other.closes) {
        assert_eq!((a.size_closed, a.penalty), (o.size_closed, o.penalty));
    }
    assert_eq!(plan.equity_after, other.equity_after);
    assert_eq!(plan.maintenance_after, other.maintenance_after);
}

#[test]
fn a_settled_isolated_position_returns_its_margin_plus_value_or_nothing() {
    // long 10 @ 100 settled at 99, funding index 0.1: value −11 USDC
    let s = settled("10", "100", "99", "0.1");
    // M = 50: 50 − 11 = 39 returns to C
    assert_eq!(
        settled_isolated_return(usdc(50), &s, DEC).unwrap(),
        usdc(39)
    );
    // M = 11: exactly nothing left
    assert_eq!(
        settled_isolated_return(usdc(11), &s, DEC).unwrap(),
        Int128::zero()
    );
    // M = 10: 1 USDC short, for the waterfall; C gets nothing (not −1)
    assert_eq!(
        settled_isolated_return(usdc(10), &s, DEC).unwrap(),
        Int128::zero()
    );
    // a gain: short 10 @ 100 settled at 99, index 0.1 (shorts receive 1): value +11
    let g = settled("-10", "100", "99", "0.1");
    assert_eq!(settled_isolated_return(usdc(5), &g, DEC).unwrap(), usdc(16));
    // one base unit of rounding each way: long 1 @ 1 settled at 1.0000005 (U = 0.5 unit,
    // floor 0), index 0.0000005 (A = 0.5 unit, ceil 1): M = 7 units returns 6
    let r = settled("1", "1", "1.0000005", "0.0000005");
    assert_eq!(
        settled_isolated_return(Int128::new(7), &r, DEC).unwrap(),
        Int128::new(6)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any book with settled positions has exactly the health (and, for the open positions,
    /// the liquidation prices) of the same book after its settled positions closed.
    #[test]
    fn a_book_is_valued_as_after_its_settled_positions_close(
        spec in prop::collection::vec((1u128..2_000_000, 1u32..2_000, 1u32..3_000), 1..4),
        settled_specs in prop::collection::vec((any::<bool>(), 1i128..1_000_000_000, 1_000_000u128..10_000_000_000, 800u128..1_200, -1_000_000i128..1_000_000), 0..3),
        open_specs in prop::collection::vec((any::<bool>(), 1i128..1_000_000_000, 1_000_000u128..10_000_000_000, 800u128..1_200, -1_000_000i128..1_000_000, any::<bool>()), 0..3),
        collateral in -1_000_000_000_000i128..1_000_000_000_000,
        w_pct in 0u64..=100,
    ) {
        let t = tiers_from(&spec);
        let mut positions = Vec::new();
        for (long, s, e, move_pm, f) in &settled_specs {
            let mut p = pos("1", "1", "1", t.clone());
            p.position.size = sdec_micro(if *long { *s } else { -s });
            p.position.entry_price = dec_micro(*e);
            p.mark_price = dec_micro(e * move_pm / 1000 + 1);
            p.funding_index = sdec_micro(*f);
            p.settled = true;
            positions.push(p);
        }
        for (long, s, e, move_pm, f, live) in &open_specs {
            let mut p = pos("1", "1", "1", t.clone());
            p.position.size = sdec_micro(if *long { *s } else { -s });
            p.position.entry_price = dec_micro(*e);
            p.mark_price = dec_micro(e * move_pm / 1000 + 1);
            p.funding_index = sdec_micro(*f);
            p.price_live = *live;
            positions.push(p);
        }
        let b = book(Int128::new(collateral), positions);
        let params = BookParams { collateral_decimals: DEC, unrealized_profit_weight: Decimal256::percent(w_pct) };
        let c = closed(&b);
        prop_assert_eq!(book_health(&b, &params).unwrap(), book_health(&c, &params).unwrap());
        let n = settled_specs.len();
        for i in 0..b.positions.len() {
            let p = liquidation_price(&b, i, &params).unwrap();
            if i < n {
                prop_assert_eq!(p, None);
                prop_assert_eq!(settled_value(&b.positions[i], DEC).unwrap(), close_value(&b.positions[i]));
            } else {
                prop_assert_eq!(p, liquidation_price(&c, i - n, &params).unwrap());
            }
        }
        for bp in &b.positions[..n] {
            // what an isolated book of this position returns to C is exactly what its close
            // leaves of the margin, never below 0
            let m = Int128::new(collateral.rem_euclid(1_000_000_000));
            let left = m + close_value(bp);
            prop_assert_eq!(settled_isolated_return(m, bp, DEC).unwrap(), left.max(Int128::zero()));
        }
        let cfg = LiquidationConfig { target_ratio: d("1.25"), reward_share: d("0.25"), min_reward: Uint128::new(1) };
        if let Some(plan) = plan_liquidation(&b, &params, &cfg).unwrap() {
            prop_assert!(plan.closes.iter().all(|cl| cl.index >= n));
        }
    }
}
