//! Properties of the vault's impact liability (`vault::impact_liability`): no trade at an
//! unchanged price lowers vault equity beyond rounding, whatever the skew (far above the cap
//! too); every unwind to flat pays at most the liability and at least the integral of the clamped
//! impact; the liability is reached.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256};
use perps_risk::trade::{fill_price, reduces_skew};
use perps_risk::vault::{
    impact_liability, vault_equity, ImpactParams, MarketAggregate, VaultMarket,
};
use perps_risk::{Position, Quote};
use proptest::prelude::*;

use crate::helpers::*;

/// Base units per whole unit (DEC = 6).
fn per_whole() -> SignedDecimal256 {
    sd("1000000")
}

/// What the vault pays a trade of `delta` from skew `k` at price `p`, in base units (negative:
/// the vault receives): `−Δs·(fill − P)`, with the fill rounded against the trader.
fn paid(
    p: Decimal256,
    k: SignedDecimal256,
    delta: SignedDecimal256,
    im: ImpactParams,
) -> Option<SignedDecimal256> {
    let q = fill_price(p, k, delta, im.skew_scale, im.max_price_impact).ok()?;
    let gap = SignedDecimal256::try_from(p)
        .unwrap()
        .checked_sub(SignedDecimal256::try_from(q.fill_price).unwrap())
        .unwrap();
    Some(
        delta
            .checked_mul(gap)
            .unwrap()
            .checked_mul(per_whole())
            .unwrap(),
    )
}

fn liability(p: Decimal256, k: SignedDecimal256, im: ImpactParams) -> SignedDecimal256 {
    impact_liability(p, k, im, DEC).unwrap().0
}

/// The integral of the clamped impact from `K` to 0: `P·(m²/(2S) + cap·(|K| − m))`, `m =
/// min(|K|, cap·S)`, exact to the atom (rounded down).
fn integral(p: Decimal256, k: SignedDecimal256, im: ImpactParams) -> SignedDecimal256 {
    let abs_k = Decimal256::new(k.atomics().unsigned_abs());
    let m = abs_k.min(im.max_price_impact.checked_mul(im.skew_scale).unwrap());
    let quad = m
        .checked_mul(m)
        .unwrap()
        .checked_div(im.skew_scale.checked_mul(d("2")).unwrap())
        .unwrap();
    let lin = im
        .max_price_impact
        .checked_mul(abs_k.checked_sub(m).unwrap())
        .unwrap();
    let whole = p.checked_mul(quad.checked_add(lin).unwrap()).unwrap();
    SignedDecimal256::try_from(whole)
        .unwrap()
        .checked_mul(per_whole())
        .unwrap()
}

/// A market of skew `k` (one position at `p`) as the vault values it.
fn market(p: Decimal256, agg: MarketAggregate, im: ImpactParams) -> VaultMarket {
    VaultMarket {
        aggregate: agg,
        mark_price: Some(p),
        funding_index: sd("0"),
        skew_scale: im.skew_scale,
        max_price_impact: im.max_price_impact,
    }
}

fn at(size: SignedDecimal256, price: Decimal256) -> Position {
    Position {
        size,
        entry_price: price,
        funding_index_at_entry: sd("0"),
    }
}

prop_compose! {
    /// Price, skew scale, cap, and the cap skew `cap·S` in micro-units (exact).
    fn params()(
        price_micro in 1_000u128..100_000_000_000,
        scale_whole in 1u128..100_000,
        cap_bps in 1u64..5_000,
    ) -> (Decimal256, ImpactParams, i128) {
        let im = ImpactParams { skew_scale: dec_micro(scale_whole * 1_000_000), max_price_impact: Decimal256::bps(cap_bps) };
        (dec_micro(price_micro), im, (scale_whole * 1_000_000 * cap_bps as u128 / 10_000) as i128)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariant 9 with the clamp: from any skew (up to 20 times the cap skew, as a forced
    /// parameter change can leave it) a trade `fill_price` accepts — a reduction, a trade
    /// crossing zero, an increase — never lowers `V` by more than one base unit.
    #[test]
    fn no_accepted_trade_lowers_vault_equity(
        (p, im, cap_micro) in params(),
        skew_pm in -20_000i128..=20_000,  // K as a per-mille of the cap skew
        reduce in any::<bool>(),
        part_pm in 0i128..=1_000,         // a reduction leaves this per-mille of K
        left_pm in -1_000i128..=1_000,    // else the skew left, per-mille of the cap skew
    ) {
        let k = sdec_micro(skew_pm * cap_micro / 1_000);
        let target = if reduce {
            sdec_micro(skew_pm * cap_micro / 1_000 * part_pm / 1_000)
        } else {
            sdec_micro(left_pm * cap_micro / 1_000)
        };
        let delta = target.checked_sub(k).unwrap();
        prop_assume!(!delta.is_zero());
        // every such trade is accepted: a reduction always, anything else leaves ≤ the cap
        let q = fill_price(p, k, delta, im.skew_scale, im.max_price_impact);
        prop_assert!(q.is_ok(), "{q:?}");
        let mut agg = MarketAggregate::default();
        if !k.is_zero() { agg.add(&at(k, p)).unwrap(); }
        let v0 = vault_equity(Int128::zero(), &[market(p, agg, im)], DEC).unwrap();
        agg.add(&at(delta, q.unwrap().fill_price)).unwrap();
        let v1 = vault_equity(Int128::zero(), &[market(p, agg, im)], DEC).unwrap();
        let one = Quote::from_base_units(Int128::one());
        prop_assert!(v1.checked_sub(v0).unwrap() >= Quote::ZERO.checked_sub(one).unwrap(), "V fell: {v0:?} -> {v1:?}");
    }

    /// Any sequence of accepted trades that ends flat pays at most the liability (one base unit
    /// of rounding per trade at most); a sequence of reductions alone pays at least the integral
    /// of the clamped impact (rounding aside), the least any unwind pays.
    #[test]
    fn every_unwind_to_flat_pays_between_the_integral_and_the_liability(
        (p, im, cap_micro) in params(),
        skew_pm in 1i128..=20_000,
        short in any::<bool>(),
        // each step: the skew it leaves, as a per-mille of the cap skew (negative: across zero)
        steps in prop::collection::vec(-1_000i128..=20_000, 0..6),
    ) {
        let sign = if short { -1 } else { 1 };
        let k0 = sdec_micro(sign * skew_pm * cap_micro / 1_000);
        prop_assume!(!k0.is_zero());
        let (mut k, mut total, mut trades, mut crossed) = (k0, SignedDecimal256::zero(), 0i128, false);
        for s in steps.iter().chain(std::iter::once(&0)) {
            let target = sdec_micro(sign * s * cap_micro / 1_000);
            let delta = target.checked_sub(k).unwrap();
            if delta.is_zero() { continue; }
            // a step the cap refuses (an increase past it) is skipped
            let Some(x) = paid(p, k, delta, im) else { prop_assert!(!reduces_skew(k, delta)); continue };
            crossed |= !reduces_skew(k, delta);
            total = total.checked_add(x).unwrap();
            trades += 1;
            k = target;
        }
        prop_assert!(k.is_zero());
        let l = liability(p, k0, im);
        let slack = SignedDecimal256::from_atomics(trades, 0).unwrap();
        prop_assert!(total <= l.checked_add(slack).unwrap(), "paid {total} > L {l}");
        if !crossed {
            let low = integral(p, k0, im);
            prop_assert!(total.checked_add(slack).unwrap() >= low, "paid {total} < integral {low}");
        }
    }

    /// The liability is reached: from `|K| ≤ cap·S` by one close; beyond, by one trade to
    /// `∓cap·S` (across zero, at the clamped impact) and its close.
    #[test]
    fn the_liability_is_reached(
        (p, im, cap_micro) in params(),
        skew_pm in 1i128..=20_000,
        short in any::<bool>(),
    ) {
        prop_assume!(cap_micro > 0);
        let sign = if short { -1 } else { 1 };
        let k0 = sdec_micro(sign * skew_pm * cap_micro / 1_000);
        prop_assume!(!k0.is_zero());
        let neg = |x: SignedDecimal256| SignedDecimal256::zero().checked_sub(x).unwrap();
        let total = if skew_pm <= 1_000 {
            paid(p, k0, neg(k0), im).unwrap()
        } else {
            let far = sdec_micro(-sign * cap_micro);
            let first = paid(p, k0, far.checked_sub(k0).unwrap(), im).unwrap();
            first.checked_add(paid(p, far, neg(far), im).unwrap()).unwrap()
        };
        let l = liability(p, k0, im);
        let two = sd("2");
        prop_assert!(total <= l.checked_add(two).unwrap() && total.checked_add(two).unwrap() >= l, "paid {total}, L {l}");
        // within 3·cap·S it is the unclamped P·K²/(2S); never above it
        let abs = Decimal256::new(k0.atomics().unsigned_abs());
        let unclamped = SignedDecimal256::try_from(p.checked_mul(abs).unwrap().checked_mul(abs).unwrap().checked_div(im.skew_scale.checked_mul(d("2")).unwrap()).unwrap()).unwrap().checked_mul(per_whole()).unwrap();
        prop_assert!(l <= unclamped.checked_add(two).unwrap());
        if skew_pm <= 3_000 { prop_assert!(l.checked_add(two).unwrap() >= unclamped); }
    }
}
