//! Property tests of `perps_risk::solvency`: the haircut never pays more than the profit nor
//! lets the first out be paid at the expense of the last; a claim never pays more than either
//! share price, the cash, or what the caps and the backing leave.

use cosmwasm_std::{Decimal256, Int128, Uint128};
use perps_risk::num::Quote;
use perps_risk::solvency::{
    claim, haircut_profit, min_position_notional, required_equity, settle_profit, sweepable,
    validate_min_position_notional, ClaimTerms, MarketExposure,
};
use proptest::prelude::*;

const BIG: i128 = 1_000_000_000_000_000; // 10^9 USDC

fn q(v: i128) -> Quote {
    Quote::from_base_units(Int128::new(v))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// 0 ≤ paid ≤ pnl; no cut while V ≥ 0; losses untouched.
    #[test]
    fn the_haircut_pays_between_zero_and_the_profit(
        pnl in -BIG..BIG, v in -BIG..BIG, profits in 0..BIG,
    ) {
        let paid = haircut_profit(Int128::new(pnl), q(v), q(profits)).unwrap();
        if pnl <= 0 || v >= 0 {
            prop_assert_eq!(paid, Int128::new(pnl));
        } else {
            prop_assert!(paid >= Int128::zero() && paid <= Int128::new(pnl));
        }
    }

    /// Winners closing one after the other with V < 0 and Σ profits = their sum: each is paid
    /// at most what the first was paid per unit of profit plus rounding, and the vault never
    /// ends below zero when they are all out (V + Σ profits ≥ 0), nor pays more than it had.
    #[test]
    fn winners_in_any_order_share_the_haircut(
        profits in prop::collection::vec(1i128..BIG / 16, 1..8),
        deficit in 1i128..BIG,
    ) {
        let total: i128 = profits.iter().sum();
        let mut v = -deficit;
        let mut left = total;
        let mut first_ratio: Option<(i128, i128)> = None;
        for p in &profits {
            let paid = haircut_profit(Int128::new(*p), q(v), q(left)).unwrap().i128();
            // each later winner gets at least the first one's rate (up to one base unit)
            if let Some((fp, fpaid)) = first_ratio {
                prop_assert!((paid + 1) * fp >= fpaid * p);
            } else {
                first_ratio = Some((*p, paid));
            }
            // V after: the unpaid part of the profit stays with the vault
            v += p - paid;
            left -= p;
        }
        if total >= deficit {
            prop_assert!(v >= 0, "V {v} after every winner left");
        }
    }

    /// A claim never pays more than shares × either price, the cash, or V − required; the
    /// shares burned and left add up, and the value left is never more than before.
    #[test]
    fn a_claim_pays_within_every_bound(
        shares in 1u128..BIG as u128,
        extra_shares in 0u128..BIG as u128,
        value in 0u128..BIG as u128,
        v in -BIG..BIG,
        cash in -BIG..BIG,
        required in 0i128..BIG,
    ) {
        let total = shares + extra_shares;
        let t = ClaimTerms {
            shares: Uint128::new(shares),
            value_at_request: Uint128::new(value),
            total_shares: Uint128::new(total),
            equity: q(v),
            cash: Int128::new(cash),
            required: q(required),
        };
        let out = claim(&t).unwrap();
        let paid = out.payout.u128() as i128;
        prop_assert_eq!(out.shares + out.shares_left, Uint128::new(shares));
        prop_assert!(out.value_left.u128() <= value);
        if v <= 0 {
            prop_assert_eq!(paid, 0);
        }
        prop_assert!(paid <= cash.max(0));
        prop_assert!(paid <= (v - required).max(0));
        // per share at most the request price and the current price
        let burned = out.shares.u128();
        prop_assert!(out.payout.u128() * shares <= value * burned);
        if v > 0 {
            prop_assert!((paid as u128) * total <= (v as u128) * burned);
        }
    }

    /// The equity a payout must leave covers the backing and every cap.
    #[test]
    fn required_equity_covers_every_cap(
        exposures in prop::collection::vec((0i128..BIG, 1u64..300), 0..6),
        total_ratio in 1u64..400,
        backing in 0u64..100,
    ) {
        let markets: Vec<MarketExposure> = exposures
            .iter()
            .map(|(e, r)| MarketExposure { exposure: q(*e), max_skew_to_vault: Decimal256::percent(*r) })
            .collect();
        let need = required_equity(&markets, Decimal256::percent(total_ratio), Decimal256::percent(backing)).unwrap();
        let sum: i128 = exposures.iter().map(|(e, _)| e).sum();
        for m in &markets {
            prop_assert!(m.exposure <= need.mul_ratio(m.max_skew_to_vault, perps_risk::Round::Up).unwrap());
        }
        prop_assert!(q(sum) <= need.mul_ratio(Decimal256::percent(total_ratio), perps_risk::Round::Up).unwrap());
        prop_assert!(q(sum).mul_ratio(Decimal256::percent(backing), perps_risk::Round::Down).unwrap() <= need);
    }

    /// The default floor satisfies the validation rule; an explicit value is kept as is.
    #[test]
    fn the_default_floor_passes_its_own_rule(reward in 0u128..1_000_000_000, mmr_bp in 1u64..10_000) {
        let mmr = Decimal256::from_ratio(mmr_bp, 10_000u64);
        let floor = min_position_notional(Uint128::zero(), Uint128::new(reward), mmr).unwrap();
        prop_assert!(validate_min_position_notional(floor, Uint128::new(reward), mmr, "M").is_ok());
        if floor.u128() > 1 {
            let below = Uint128::new(floor.u128() - 1);
            prop_assert!(validate_min_position_notional(below, Uint128::new(reward), mmr, "M").is_err());
        }
        prop_assert_eq!(min_position_notional(Uint128::new(7), Uint128::new(reward), mmr).unwrap(), Uint128::new(7));
    }
}

#[test]
fn the_reviews_whale_is_paid_with_the_exact_haircut() {
    // V = −80,000 USDC on 1,080,000 of profit: half the position (540,000) gets 500,000
    let usdc = 1_000_000i128;
    let paid = haircut_profit(
        Int128::new(540_000 * usdc),
        q(-80_000 * usdc),
        q(1_080_000 * usdc),
    )
    .unwrap();
    assert_eq!(paid, Int128::new(500_000 * usdc));
}

#[test]
fn a_claim_after_a_gap_pays_the_request_price() {
    // 1M shares of 2M requested at V = 2M; V now 2.09M: pays 1M (the lower price)
    let usdc = 1_000_000u128;
    let with_cash = |cash: u128| ClaimTerms {
        shares: Uint128::new(1_000_000 * usdc),
        value_at_request: Uint128::new(1_000_000 * usdc),
        total_shares: Uint128::new(2_000_000 * usdc),
        equity: q(2_090_000 * usdc as i128),
        cash: Int128::new((cash * usdc) as i128),
        required: q(51_000 * usdc as i128),
    };
    let out = claim(&with_cash(2_000_000)).unwrap();
    assert_eq!(out.payout, Uint128::new(1_000_000 * usdc));
    assert_eq!(out.shares_left, Uint128::zero());
    // cash 400,000 only: 400,000 of the 1M shares redeemed, the rest stays requested
    let out = claim(&with_cash(400_000)).unwrap();
    assert_eq!(
        (out.shares, out.payout, out.shares_left, out.value_left),
        (
            Uint128::new(400_000 * usdc),
            Uint128::new(400_000 * usdc),
            Uint128::new(600_000 * usdc),
            Uint128::new(600_000 * usdc)
        )
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// paid + forgiven + pending = claim; paid ≤ payable; paid ≤ claim·h (never more than the
    /// haircut pays at once); no cut while V ≥ 0; with cash for all of it, nothing pending.
    #[test]
    fn a_settled_profit_conserves_the_claim(
        claim in 0..BIG as u128, v in -BIG..BIG, profits in 0..BIG, payable in 0..BIG as u128,
    ) {
        let terms = Some((q(v), q(profits)));
        let s = settle_profit(Uint128::new(claim), terms, Uint128::new(payable)).unwrap();
        prop_assert_eq!(s.paid + s.forgiven + s.pending, Uint128::new(claim));
        prop_assert!(s.paid.u128() <= payable);
        let at_once = haircut_profit(Int128::new(claim as i128), q(v), q(profits)).unwrap();
        prop_assert!(s.paid.u128() as i128 <= at_once.i128());
        if v >= 0 {
            prop_assert_eq!(s.forgiven, Uint128::zero());
        }
        if at_once.i128() <= payable as i128 {
            prop_assert_eq!(s.pending, Uint128::zero());
            prop_assert_eq!(s.paid.u128() as i128, at_once.i128());
        }
    }

    /// Settling part of a claim at h and the rest later at the h of then (nothing else moving)
    /// pays no more in total than settling it all at once, and at most one base unit less per
    /// settlement: the first out is not paid at the expense of the last.
    #[test]
    fn a_claim_settled_in_parts_is_paid_like_one_settled_at_once(
        claim in 1..BIG as u128, v in -BIG..0i128, others in 0..BIG as u128, payable in 0..BIG as u128,
    ) {
        let sum = claim + others;
        let once = settle_profit(Uint128::new(claim), Some((q(v), q(sum as i128))), Uint128::MAX).unwrap();
        let first = settle_profit(Uint128::new(claim), Some((q(v), q(sum as i128))), Uint128::new(payable)).unwrap();
        // V rises by what was forgiven; Σ falls by what was settled
        let v2 = v + first.forgiven.u128() as i128;
        let sum2 = sum - (first.paid + first.forgiven).u128();
        let second = settle_profit(first.pending, Some((q(v2), q(sum2 as i128))), Uint128::MAX).unwrap();
        let total = first.paid + second.paid;
        prop_assert!(total <= once.paid + Uint128::new(1), "{total} > {}", once.paid);
        prop_assert!(total + Uint128::new(2) >= once.paid, "{total} << {}", once.paid);
    }
}

/// The sweep of `tests/solvency/sweep.rs`: cash 40,018.000001, fees 4, receivables 40,020 (base
/// units ×10⁶): 2.000001 held, then nothing; fees fully held; a vault in deficit sweeps nothing.
#[test]
fn a_sweep_takes_only_the_fees_the_vault_holds() {
    let s = |fees: u128, cash: i128, recv: u128| {
        sweepable(Uint128::new(fees), Int128::new(cash), Uint128::new(recv))
            .unwrap()
            .u128()
    };
    assert_eq!(s(4_000_000, 40_018_000_001, 40_020_000_000), 2_000_001);
    assert_eq!(s(1_999_999, 40_018_000_001, 40_020_000_000), 0);
    assert_eq!(s(4_000_000, 1, 0), 4_000_000);
    assert_eq!(s(4_000_000, -4_000_000, 0), 0);
    assert_eq!(s(4_000_000, -3_999_999, 0), 1);
    assert_eq!(s(0, 5, 0), 0);
    // fees beyond i128 and sums beyond it are errors, never a wrapped amount
    assert!(sweepable(Uint128::MAX, Int128::zero(), Uint128::zero()).is_err());
    assert!(sweepable(Uint128::MAX, Int128::MAX, Uint128::zero()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The sweep is `min(fees, max(0, cash + fees − receivables))`: never more than the fees,
    /// never a unit of what the books owe, and what it leaves (`cash + fees' − receivables`)
    /// is never below zero unless it was before; a second sweep right after takes nothing.
    #[test]
    fn a_sweep_never_sends_money_the_vault_does_not_hold(
        fees in 0..BIG as u128, cash in -BIG..BIG, recv in 0..BIG as u128,
    ) {
        let x = sweepable(Uint128::new(fees), Int128::new(cash), Uint128::new(recv)).unwrap().u128();
        let held = cash + fees as i128 - recv as i128;
        prop_assert_eq!(x as i128, held.clamp(0, fees as i128));
        let left = fees - x;
        let after = cash + left as i128 - recv as i128;
        prop_assert!(after >= 0 || after == held);
        let again = sweepable(Uint128::new(left), Int128::new(cash), Uint128::new(recv)).unwrap();
        prop_assert!(again.is_zero());
    }
}
