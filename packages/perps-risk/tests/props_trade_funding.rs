//! Properties: round trips never gain, trades move vault equity only by fees, funding is
//! additive over time and sums to zero.

use cosmwasm_std::{Int128, SignedDecimal256, Uint128};
use cosmwasm_std::{Int512, Uint512};
use perps_risk::funding::{
    accrue_funding_index, funding_index_delta, funding_rate_per_second, funding_settlement,
    vault_funding,
};
use perps_risk::trade::{apply_fill, fill_price, reduces_skew, trade_fee};
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
        // only skews a trade may leave (|K|/S ≤ cap): beyond the cap, reached only by a forced
        // skew_scale change, a reduction's impact is clamped and the vault keeps the difference
        prop_assume!(k.abs_diff(SignedDecimal256::zero()) <= ss.checked_mul(d("10")).unwrap());
        let delta = sdec_micro(if buy { delta_micro } else { -delta_micro });
        let cap = d("10");
        let q = fill_price(p, k, delta, ss, cap);
        prop_assume!(q.is_ok());
        let q = q.unwrap();
        let market = |a: MarketAggregate| VaultMarket { aggregate: a, mark_price: Some(p), funding_index: sd("0"), skew_scale: ss, max_price_impact: cap };
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
    fn funding_is_rounded_once_owed_up_and_sums_to_zero(
        price_atoms in 1u128..1_000_000_000_000_000_000_000_000_000_000,   // 1e-18 ..= 10^12
        sizes in prop::collection::vec(-1_000_000_000_000i128..1_000_000_000_000, 1..8),
        scale_whole in 0u128..10_000_000,
        cap_bps in 1u64..10_000,
        max_rate_bps in 0u64..10_000,
        t1 in 0u64..10_000_000,
        t2 in 0u64..10_000_000,
    ) {
        let p = cosmwasm_std::Decimal256::new(cosmwasm_std::Uint256::from(price_atoms));
        let ss = dec_micro(scale_whole * 1_000_000);
        let cap = cosmwasm_std::Decimal256::bps(cap_bps);
        let max_rate = cosmwasm_std::Decimal256::bps(max_rate_bps);
        let k = sizes.iter().fold(SignedDecimal256::zero(), |a, s| a.checked_add(sdec_micro(*s)).unwrap());
        let f0 = sd("0.5");
        let once = funding_index_delta(p, k, ss, cap, max_rate, t1 + t2).unwrap();
        // one rounding, away from zero: |ΔF| ≥ the exact P·rate·clamp(K/(cap·S))·Δt/86400 and
        // less than one atom above it (compared on 512-bit integers, scale 10^54)
        if !ss.is_zero() && !k.is_zero() {
            let kk = Int512::from(k.atomics()).unsigned_abs();
            let m_s = cap.atomics().full_mul(ss.atomics());
            let e18 = Uint512::from(10u128.pow(18));
            // clamp(|K|/(m·S), 0, 1) as num/den
            let (num, den) = if kk * e18 >= m_s { (Uint512::one(), Uint512::one()) } else { (kk * e18, m_s) };
            let exact_num = p.atomics().full_mul(max_rate.atomics()) * num * Uint512::from(t1 + t2);
            let exact_den = den * e18 * Uint512::from(86_400u64);
            let got = Int512::from(once.atomics()).unsigned_abs();
            prop_assert!(got * exact_den >= exact_num, "rounded toward zero");
            prop_assert!(got.is_zero() || (got - Uint512::one()) * exact_den < exact_num, "more than one rounding");
            prop_assert!(once.is_zero() || once.is_negative() == k.is_negative(), "longs pay when the skew is long");
        } else {
            prop_assert!(once.is_zero());
        }
        // two touches round twice: never less, at most one atom more, than one touch
        let split = accrue_funding_index(f0, p, k, ss, cap, max_rate, t1).unwrap();
        let split = accrue_funding_index(split, p, k, ss, cap, max_rate, t2).unwrap();
        let f_once = f0.checked_add(once).unwrap();
        let extra = Int512::from(split.checked_sub(f_once).unwrap().atomics());
        let extra = if k.is_negative() { Int512::zero() - extra } else { extra };
        prop_assert!(extra >= Int512::zero() && extra <= Int512::one(), "split − once = {extra}");
        let r = funding_rate_per_second(k, ss, cap, max_rate).unwrap();
        prop_assert!(r.is_zero() || (r.is_negative() == k.is_negative()));
        // Σ traders' settlements − vault's K·ΔF is the rounding dust: ≥ 0 (to the vault), < n + 1
        let mut paid = Int128::zero();
        for s in &sizes {
            let pos = Position { size: sdec_micro(*s), entry_price: p, funding_index_at_entry: f0 };
            paid = paid.checked_add(funding_settlement(&pos, f_once, DEC).unwrap()).unwrap();
        }
        let vault = vault_funding(k, once, DEC).unwrap();
        let dust = Quote::from_base_units(paid).checked_sub(vault).unwrap();
        prop_assert!(dust >= Quote::ZERO, "vault short-changed: {dust:?}");
        prop_assert!(dust <= Quote::from_base_units(Int128::new(sizes.len() as i128 + 1)), "{dust:?}");
    }

    /// DESIGN 6.5: a trade that reduces |K| is never refused for impact and always fills > 0,
    /// from any skew (far above the cap too) and for any cap in (0, 1).
    #[test]
    fn a_reduction_of_the_skew_is_never_refused_and_fills_positive(
        price_micro in 1u128..1_000_000_000_000_000_000,
        scale_micro in 1u128..1_000_000_000_000,
        skew_micro in 1i128..1_000_000_000_000_000,
        part_pm in 1i128..=1_000,
        short_skew in any::<bool>(),
        cap_bps in 1u64..10_000,
    ) {
        let p = dec_micro(price_micro);
        let ss = dec_micro(scale_micro);
        let cap = cosmwasm_std::Decimal256::bps(cap_bps);
        let k = sdec_micro(if short_skew { -skew_micro } else { skew_micro });
        let part = (skew_micro * part_pm / 1_000).max(1);
        let delta = sdec_micro(if short_skew { part } else { -part });
        prop_assert!(reduces_skew(k, delta));
        let q = fill_price(p, k, delta, ss, cap).unwrap();
        prop_assert!(!q.fill_price.is_zero());
        prop_assert!(q.price_impact.atomics().unsigned_abs() <= cap.atomics());
        // the vault never loses on a reduction at an unchanged price (clamped or not)
        let mut agg = MarketAggregate::default();
        agg.add(&Position { size: k, entry_price: p, funding_index_at_entry: sd("0") }).unwrap();
        let market = |a: MarketAggregate| VaultMarket { aggregate: a, mark_price: Some(p), funding_index: sd("0"), skew_scale: ss, max_price_impact: cap };
        let v0 = vault_equity(Int128::zero(), &[market(agg)], DEC).unwrap();
        let mut after = agg;
        after.add(&Position { size: delta, entry_price: q.fill_price, funding_index_at_entry: sd("0") }).unwrap();
        let v1 = vault_equity(Int128::zero(), &[market(after)], DEC).unwrap();
        let one = Quote::from_base_units(Int128::one());
        prop_assert!(v1.checked_sub(v0).unwrap() >= Quote::ZERO.checked_sub(one).unwrap());
    }

    /// Round trips at an unchanged price cost only fees: a trade the cap accepts, then its exact
    /// reverse, realize at most one base unit of rounding (against the trader), whatever the
    /// skew before and the order of the legs.
    #[test]
    fn a_round_trip_under_the_cap_costs_only_fees(
        price_micro in 10_000u128..1_000_000_000_000,
        scale_whole in 1u128..1_000_000,
        cap_bps in 1u64..2_000,
        skew_pm in -1_000i128..=1_000,   // K as a per-mille of the cap skew
        delta_pm in 1i128..=2_000,        // Δs as a per-mille of the cap skew
        buy in any::<bool>(),
    ) {
        let p = dec_micro(price_micro);
        let ss = dec_micro(scale_whole * 1_000_000);
        let cap = cosmwasm_std::Decimal256::bps(cap_bps);
        // cap skew in micro-units: scale_whole·10^6·cap_bps/10^4
        let cap_micro = (scale_whole * 1_000_000 * cap_bps as u128 / 10_000) as i128;
        prop_assume!(cap_micro > 0);
        let k = sdec_micro(skew_pm * cap_micro / 1_000);
        let dm = (delta_pm * cap_micro / 1_000).max(1);
        let delta = sdec_micro(if buy { dm } else { -dm });
        let open = fill_price(p, k, delta, ss, cap);
        prop_assume!(open.is_ok());
        let open = open.unwrap();
        let o1 = apply_fill(SignedDecimal256::zero(), p, delta, open.fill_price, DEC).unwrap();
        let k2 = k.checked_add(delta).unwrap();
        let back = SignedDecimal256::zero().checked_sub(delta).unwrap();
        // the way back reduces |K| or returns it to where it was: never refused
        let close = fill_price(p, k2, back, ss, cap).unwrap();
        let o2 = apply_fill(o1.new_size, o1.entry_price, back, close.fill_price, DEC).unwrap();
        prop_assert!(o2.new_size.is_zero());
        prop_assert!(o2.realized_pnl <= Int128::zero() && o2.realized_pnl >= Int128::new(-1), "{:?}", o2.realized_pnl);
    }
}
