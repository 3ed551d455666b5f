//! Properties: round trips never gain, trades move vault equity only by fees, funding is
//! additive over time and sums to zero.

use cosmwasm_std::{Int128, SignedDecimal256, Uint128};
use perps_risk::funding::{
    accrue_funding_index, funding_rate_per_second, funding_settlement, vault_funding,
};
use perps_risk::trade::{apply_fill, fill_price, trade_fee};
use perps_risk::vault::{vault_equity, MarketAggregate, VaultMarket};
use perps_risk::{Position, Quote};
use proptest::prelude::*;

use crate::helpers::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn open_then_close_at_the_same_price_never_gains(
        price_micro in 10_000u128..1_000_000_000_000,
        scale_whole in 0u128..1_000_000,
        skew_pm in -500i128..500,                 // K as a per-mille of the scale
        delta_pm in 1i128..1_000,                 // Δs as a per-mille of the scale (or of 10^6)
        buy in any::<bool>(),
        held_micro in 0i128..1_000_000_000,       // an existing position on the same side
        fee_bps in 0u64..100,
    ) {
        let p = dec_micro(price_micro);
        let ss = dec_micro(scale_whole * 1_000_000);
        let k = sdec_micro(skew_pm * scale_whole as i128 * 1_000);
        let delta_micro = delta_pm * (scale_whole.max(1) as i128) * 1_000;
        let dm = if buy { delta_micro } else { -delta_micro };
        let delta = sdec_micro(dm);
        let held = sdec_micro(if buy { held_micro } else { -held_micro });
        let taker = cosmwasm_std::Decimal256::bps(fee_bps);
        let open = fill_price(p, k, delta, ss, d("1"));
        prop_assume!(open.is_ok());
        let open = open.unwrap();
        let fee1 = trade_fee(delta, open.fill_price, taker, DEC).unwrap();
        let o1 = apply_fill(held, p, delta, open.fill_price, DEC).unwrap();
        let k2 = k.checked_add(delta).unwrap();
        let neg = SignedDecimal256::zero().checked_sub(delta).unwrap();
        let close = fill_price(p, k2, neg, ss, d("1")).unwrap();
        let fee2 = trade_fee(neg, close.fill_price, taker, DEC).unwrap();
        let o2 = apply_fill(o1.new_size, o1.entry_price, neg, close.fill_price, DEC).unwrap();
        prop_assert_eq!(o2.new_size, held);
        // the held part is valued at the oracle price before and after: its U can only have
        // dropped through the averaged entry, and the closed leg realizes ≤ 0
        let u = |s: SignedDecimal256, e| perps_risk::position::pnl_of(s, e, p, DEC, perps_risk::Round::Down).unwrap();
        let before = u(held, p);
        let after = u(o2.new_size, o2.entry_price).checked_add(Quote::from_base_units(o2.realized_pnl)).unwrap();
        prop_assert!(after <= before, "gained: {after:?} > {before:?}");
        if !taker.is_zero() {
            prop_assert!(fee1 >= Uint128::one() && fee2 >= Uint128::one());
        }
    }

    #[test]
    fn a_trade_at_an_unchanged_price_moves_vault_equity_only_by_its_fee(
        price_micro in 10_000u128..1_000_000_000,
        scale_whole in 1u128..1_000_000,
        longs_micro in 0i128..1_000_000_000_000,
        shorts_micro in 0i128..1_000_000_000_000,
        delta_micro in 1i128..1_000_000_000_000,
        buy in any::<bool>(),
    ) {
        let p = dec_micro(price_micro);
        let ss = dec_micro(scale_whole * 1_000_000);
        let mut agg = MarketAggregate::default();
        let l = Position { size: sdec_micro(longs_micro), entry_price: p, funding_index_at_entry: sd("0") };
        let s = Position { size: sdec_micro(-shorts_micro), entry_price: p, funding_index_at_entry: sd("0") };
        if longs_micro > 0 { agg.add(&l).unwrap(); }
        if shorts_micro > 0 { agg.add(&s).unwrap(); }
        let k = agg.skew().unwrap();
        let delta = sdec_micro(if buy { delta_micro } else { -delta_micro });
        let q = fill_price(p, k, delta, ss, d("10"));
        prop_assume!(q.is_ok());
        let q = q.unwrap();
        let market = |a: MarketAggregate| VaultMarket { aggregate: a, mark_price: Some(p), funding_index: sd("0"), skew_scale: ss };
        let v0 = vault_equity(Int128::zero(), &[market(agg)], DEC).unwrap();
        let mut after = agg;
        after.add(&Position { size: delta, entry_price: q.fill_price, funding_index_at_entry: sd("0") }).unwrap();
        let v1 = vault_equity(Int128::zero(), &[market(after)], DEC).unwrap();
        // the impact the trader paid is exactly the premium the vault now owes back
        let diff = v1.checked_sub(v0).unwrap();
        let one = Quote::from_base_units(Int128::one());
        prop_assert!(diff >= Quote::ZERO.checked_sub(one).unwrap() && diff <= one, "{diff:?}");
    }

    #[test]
    fn funding_is_additive_and_sums_to_zero(
        price_micro in 1u128..1_000_000_000_000_000_000,   // up to 10^12
        sizes in prop::collection::vec(-1_000_000_000_000i128..1_000_000_000_000, 1..8),
        scale_whole in 0u128..10_000_000,
        max_rate_bps in 0u64..10_000,
        t1 in 0u64..10_000_000,
        t2 in 0u64..10_000_000,
    ) {
        let p = dec_micro(price_micro);
        let ss = dec_micro(scale_whole * 1_000_000);
        let max_rate = cosmwasm_std::Decimal256::bps(max_rate_bps);
        let k = sizes.iter().fold(SignedDecimal256::zero(), |a, s| a.checked_add(sdec_micro(*s)).unwrap());
        let f0 = sd("0.5");
        let f_split = accrue_funding_index(f0, p, k, ss, max_rate, t1).unwrap();
        let f_split = accrue_funding_index(f_split, p, k, ss, max_rate, t2).unwrap();
        let f_once = accrue_funding_index(f0, p, k, ss, max_rate, t1 + t2).unwrap();
        prop_assert_eq!(f_split, f_once);
        // longs pay when the skew is long
        let r = funding_rate_per_second(k, ss, max_rate).unwrap();
        prop_assert!(r.is_zero() || (r.is_negative() == k.is_negative()));
        // Σ traders' settlements − vault's K·ΔF is the rounding dust: ≥ 0 (to the vault), < n + 1
        let mut paid = Int128::zero();
        for s in &sizes {
            let pos = Position { size: sdec_micro(*s), entry_price: p, funding_index_at_entry: f0 };
            paid = paid.checked_add(funding_settlement(&pos, f_once, DEC).unwrap()).unwrap();
        }
        let delta = f_once.checked_sub(f0).unwrap();
        let vault = vault_funding(k, delta, DEC).unwrap();
        let dust = Quote::from_base_units(paid).checked_sub(vault).unwrap();
        prop_assert!(dust >= Quote::ZERO, "vault short-changed: {dust:?}");
        prop_assert!(dust <= Quote::from_base_units(Int128::new(sizes.len() as i128 + 1)), "{dust:?}");
    }
}
