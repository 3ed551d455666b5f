//! Properties: tiers, liquidation price, no panics at the supported maxima.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};
use perps_risk::book::{book_health, book_values, check_remove_margin};
use perps_risk::liq_price::liquidation_price;
use perps_risk::liquidation::{plan_liquidation, LiquidationConfig};
use perps_risk::{BookParams, Quote};
use proptest::prelude::*;

use crate::helpers::*;

fn tier_spec() -> impl Strategy<Value = Vec<(u128, u32, u32)>> {
    prop::collection::vec((1u128..2_000_000, 1u32..2_000, 1u32..3_000), 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn tiers_are_continuous_and_non_decreasing(spec in tier_spec(), a in 0u128..10_000_000_000_000, b in 0u128..10_000_000_000_000) {
        let t = tiers_from(&spec);
        let (lo, hi) = (a.min(b), a.max(b));
        let q = |v: u128| Quote::from_base_units_u(Uint128::new(v));
        let (im_lo, im_hi) = (t.initial(q(lo)).unwrap(), t.initial(q(hi)).unwrap());
        let (mm_lo, mm_hi) = (t.maintenance(q(lo)).unwrap(), t.maintenance(q(hi)).unwrap());
        prop_assert!(im_lo <= im_hi && mm_lo <= mm_hi);
        prop_assert!(mm_lo < im_lo || lo == 0);
        // across every bracket bound, one base unit of notional moves a requirement by at
        // most one base unit (ratios ≤ 1): no jump
        let one = Quote::from_base_units(Int128::one());
        for seg in t.segments() {
            let Some(h) = seg.hi else { continue };
            let below = h.checked_sub(one).unwrap();
            let above = h.checked_add(one).unwrap();
            for f in [perps_risk::tiers::Requirement::Initial, perps_risk::tiers::Requirement::Maintenance] {
                let (x, y, z) = (t.requirement(f, below).unwrap(), t.requirement(f, h).unwrap(), t.requirement(f, above).unwrap());
                prop_assert!(x <= y && y <= z);
                prop_assert!(y.checked_sub(x).unwrap() <= one && z.checked_sub(y).unwrap() <= one);
            }
        }
    }

    #[test]
    fn at_the_liquidation_price_the_book_is_at_maintenance(
        spec in tier_spec(),
        long in any::<bool>(),
        size_micro in 1_000i128..1_000_000_000_000,   // 0.001 … 1,000,000
        entry_micro in 1_000_000u128..100_000_000_000, // 1 … 100,000
        lev_x10 in 10u128..500,                          // leverage 1 … 50
        others in prop::collection::vec((any::<bool>(), 1_000i128..1_000_000_000, 1_000_000u128..10_000_000_000, 900u128..1100), 0..3),
        funding_micro in -1_000_000i128..1_000_000,
        cross_bonus in 0u128..1_000_000_000_000,
    ) {
        let t = tiers_from(&spec);
        let entry = dec_micro(entry_micro);
        let size = if long { sdec_micro(size_micro) } else { sdec_micro(-size_micro) };
        let notional = entry_micro * (size_micro as u128) / 1_000_000; // base units (6 dec)
        let margin = (notional * 10 / lev_x10) as i128;
        let mut first = pos("1", "1", "1", t.clone());
        first.position.size = size;
        first.position.entry_price = entry;
        first.mark_price = entry;
        first.funding_index = sdec_micro(funding_micro);
        let mut b = book(Int128::new(margin + cross_bonus as i128), vec![first]);
        for (l, s, e, move_pm) in others {
            let mut p = pos("1", "1", "1", t.clone());
            p.position.size = if l { sdec_micro(s) } else { sdec_micro(-s) };
            p.position.entry_price = dec_micro(e);
            p.mark_price = dec_micro(e * move_pm / 1000);
            b.positions.push(p);
        }
        let params = params();
        let Some(p) = liquidation_price(&b, 0, &params).unwrap() else {
            // no price liquidates: a long whose book is healthy even at a zero price
            prop_assert!(long);
            let mut at = b.clone();
            at.positions[0].mark_price = atoms(1);
            prop_assert!(!book_health(&at, &params).unwrap().liquidatable);
            return Ok(());
        };
        prop_assume!(p > atoms(1_000));
        let mut at = b.clone();
        at.positions[0].mark_price = p;
        let v = book_values(&at, &params).unwrap();
        let gap = v.equity.checked_sub(v.maintenance_margin).unwrap();
        let one = Quote::from_base_units(Int128::one());
        prop_assert!(gap >= Quote::ZERO.checked_sub(one).unwrap() && gap <= one, "gap {gap:?} at {p}");
        // one tick worse is liquidatable
        at.positions[0].mark_price = if long { p - tick() } else { p + tick() };
        prop_assert!(book_health(&at, &params).unwrap().liquidatable, "not liquidatable one tick past {p}");
    }

    #[test]
    fn nothing_panics_at_the_supported_maxima(
        price_atoms in 1u128..=1_000_000_000_000u128 * 1_000_000_000_000_000_000,
        size_whole in 0u128..=1_000_000_000_000,
        long in any::<bool>(),
        collateral in any::<i128>(),
        n in 1usize..=16,
        decimals in 0u8..=18,
        fee_bps in 0u64..=10_000,
    ) {
        // price ≤ 10^12, |size| ≤ 10^12, 16 positions, any collateral and decimals: every
        // function returns (Ok or a typed error) and never panics
        let price = atoms(price_atoms);
        let size = SignedDecimal256::from_atomics(if long { size_whole as i128 } else { -(size_whole as i128) }, 0).unwrap();
        let mut p = pos("1", "1", "1", three_tiers());
        p.position.size = size;
        p.position.entry_price = price;
        p.mark_price = Decimal256::from_ratio(price_atoms / 2 + 1, 1_000_000_000_000_000_000u128);
        p.funding_index = SignedDecimal256::from_atomics(1_000_000i128, 0).unwrap();
        p.market.liquidation_fee = Decimal256::bps(fee_bps.min(300));
        let b = book(Int128::new(collateral), vec![p.clone(); n]);
        let params = BookParams { collateral_decimals: decimals, unrealized_profit_weight: Decimal256::percent(50) };
        let h = book_health(&b, &params);
        let _ = liquidation_price(&b, 0, &params);
        let _ = check_remove_margin(Int128::new(collateral), &p, Uint128::new(collateral.unsigned_abs()), decimals);
        let cfg = LiquidationConfig { target_ratio: Decimal256::percent(125), reward_share: Decimal256::percent(25), min_reward: Uint128::new(1) };
        let plan = plan_liquidation(&b, &params, &cfg);
        // within the documented maxima (notional ≤ 10^24 base units per position, 6 decimals,
        // collateral ≤ 10^30) the math succeeds
        let notional_whole = price_atoms / 1_000_000_000_000_000_000 * size_whole;
        if decimals == 6 && notional_whole <= 1_000_000_000_000_000_000 && collateral.unsigned_abs() <= 10u128.pow(30) {
            prop_assert!(h.is_ok(), "{h:?}");
            prop_assert!(liquidation_price(&b, 0, &params).is_ok());
            prop_assert!(plan.is_ok(), "{plan:?}");
        }
    }
}
