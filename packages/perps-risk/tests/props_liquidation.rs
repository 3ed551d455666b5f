//! Properties: partial liquidation ends at the target or flat, never worse, and its money adds up.

use cosmwasm_std::{Decimal256, Int128, Uint128};
use perps_risk::book::{book_health, book_values};
use perps_risk::ledger::{self, Balances};
use perps_risk::liquidation::{
    apply_plan, plan_liquidation, plan_liquidation_paying, LiquidationConfig, LiquidationPlan,
};
use perps_risk::Quote;
use proptest::prelude::*;

use crate::helpers::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn liquidation_ends_at_target_or_flat(
        spec in prop::collection::vec((1u128..2_000_000, 100u32..2_000, 1u32..3_000), 1..4),
        positions in prop::collection::vec(
            (any::<bool>(), 1_000i128..100_000_000_000, 1_000_000u128..100_000_000_000, 700u128..1300, any::<bool>()),
            1..6),
        margin_pm in 0u128..300,             // collateral as a per-mille of Σ notional at entry
        target_pm in 1_000u128..2_000,       // target 1.0 … 2.0
        fee_frac_pm in 0u128..950,           // fee as a fraction of target·mmr_1
        share_pm in 0u128..1_000,
        min_reward in 0u128..5_000_000,
        min_order_micro in 0u128..100_000,
    ) {
        let t = tiers_from(&spec);
        let target = Decimal256::permille(target_pm as u64);
        let fee = target
            .checked_mul(t.first_mmr()).unwrap()
            .checked_mul(Decimal256::permille(fee_frac_pm as u64)).unwrap();
        let mut gross = 0u128;
        let mut b = book(Int128::zero(), vec![]);
        for (long, s, e, move_pm, live) in positions {
            let mut p = pos("1", "1", "1", t.clone());
            p.position.size = sdec_micro(if long { s } else { -s });
            p.position.entry_price = dec_micro(e);
            p.mark_price = dec_micro(e * move_pm / 1000);
            p.funding_index = sdec_micro((move_pm as i128 - 1000) * 1_000);
            p.market.liquidation_fee = fee;
            p.market.min_order_size = dec_micro(min_order_micro);
            p.price_live = live;
            gross += e * (s as u128) / 1_000_000;
            b.positions.push(p);
        }
        b.collateral = Int128::new((gross * margin_pm / 1000) as i128);
        let params = params();
        let cfg = LiquidationConfig {
            target_ratio: target,
            reward_share: Decimal256::permille(share_pm as u64),
            min_reward: Uint128::new(min_reward),
        };
        let before = book_health(&b, &params).unwrap();
        let plan = plan_liquidation(&b, &params, &cfg).unwrap();
        let Some(plan) = plan else {
            prop_assert!(!before.liquidatable);
            return Ok(());
        };
        prop_assert!(before.liquidatable);
        let after = apply_plan(&b, &plan);
        let h = book_health(&after, &params).unwrap();
        let live_open = after.positions.iter().any(|p| p.price_live && !p.position.size.is_zero());
        if live_open {
            // stopped early: at the target (rounded values), so healthy
            let req = book_values(&after, &params).unwrap().maintenance_margin
                .mul_ratio(target, perps_risk::Round::Up).unwrap();
            prop_assert!(Quote::from_base_units(h.equity) >= req.ceil().unwrap().into_quote(), "{h:?}");
            prop_assert!(!h.liquidatable);
            // and the close was the smallest one: a partial last close lands within the
            // rounding slack (5 base units) plus rounding of the target
            if plan.closes.last().is_some_and(|c| !c.new_size.is_zero()) {
                let over = Quote::from_base_units(h.equity).checked_sub(req).unwrap();
                prop_assert!(over <= Quote::from_base_units(Int128::new(10)), "over target by {over:?}");
            }
        }
        // no remainder below the minimum order
        for c in &plan.closes {
            let left = perps_risk::num::unsigned_abs(c.new_size);
            prop_assert!(left.is_zero() || left >= dec_micro(min_order_micro));
        }
        // stale positions untouched
        for (i, p) in b.positions.iter().enumerate() {
            if !p.price_live {
                prop_assert_eq!(after.positions[i].position.size, p.position.size);
            }
        }
        // money: what the book paid = reward + insurance share; the reward is paid by the book
        // alone (never more than it paid, so never by the fund or the vault)
        prop_assert_eq!(
            plan.charged,
            plan.liquidator_reward + plan.insurance_share
        );
        prop_assert!(plan.liquidator_reward <= plan.charged);
        if plan.closes.is_empty() {
            prop_assert_eq!(plan.liquidator_reward, Uint128::zero());
        } else {
            prop_assert!(plan.liquidator_reward >= Uint128::new(min_reward).min(plan.charged));
        }
        let all_flat = after.positions.iter().all(|p| p.position.size.is_zero());
        if all_flat {
            prop_assert!(plan.collateral_after >= Int128::zero());
        } else {
            prop_assert_eq!(plan.bad_debt, Uint128::zero());
        }
        // the ledger step applying the plan conserves money, for a cross book and for an
        // isolated one (whose margin returns to C when the plan closes it)
        let cash = Balances { collateral: Int128::new(5), margin: None, vault_cash: Int128::new(1_000_000), insurance_fees: Uint128::new(7) };
        let cross = Balances { collateral: b.collateral, ..cash };
        let moved = ledger::liquidation(cross, &plan, false).unwrap();
        prop_assert!(moved.conserves(&cross).unwrap());
        prop_assert_eq!(moved.after.collateral, plan.collateral_after);
        prop_assert_eq!(moved.flows.outflow, plan.liquidator_reward);
        prop_assert_eq!(moved.flows.shortfall, plan.bad_debt);
        let isolated = Balances { margin: Some(b.collateral), ..cash };
        let moved = ledger::liquidation(isolated, &plan, all_flat).unwrap();
        prop_assert!(moved.conserves(&isolated).unwrap());
        if all_flat {
            prop_assert_eq!(moved.after.margin, None);
            prop_assert_eq!(moved.after.collateral, cash.collateral + plan.collateral_after);
        }
        // the book never pays more than its equity
        prop_assert!(Int128::try_from(plan.charged).unwrap() <= before.equity.max(Int128::zero()) + Int128::new(plan.closes.len() as i128 * 2));
    }
}

/// `Σ (realized PnL − funding)` over the plan's closes.
fn net_gain(plan: &LiquidationPlan) -> i128 {
    plan.closes
        .iter()
        .map(|c| c.realized_pnl.i128() - c.funding_paid.i128())
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Issue 12: a liquidation pays the book's net gain only up to `payable`; the rest is the
    /// plan's pending payout, netted against later losses, never in the equity a penalty or a
    /// reward is paid from; a plan whose gain never exceeds `payable` is the unlimited one.
    #[test]
    fn a_liquidation_pays_its_net_gain_only_up_to_payable(
        positions in prop::collection::vec(
            (any::<bool>(), 1_000i128..100_000_000_000, 1_000_000u128..100_000_000_000, 500u128..1500),
            1..5),
        collateral_pm in -300i128..300,      // C as a per-mille of Σ notional at entry
        payable_pm in 0u128..400,            // payable as a per-mille of Σ notional at entry
        share_pm in 0u128..1_000,
        min_reward in 0u128..5_000_000,
    ) {
        let t = tiers_from(&[(1_000_000, 1_000, 500)]);
        let mut gross = 0i128;
        let mut b = book(Int128::zero(), vec![]);
        for (long, s, e, move_pm) in positions {
            let mut p = pos("1", "1", "1", t.clone());
            p.position.size = sdec_micro(if long { s } else { -s });
            p.position.entry_price = dec_micro(e);
            p.mark_price = dec_micro(e * move_pm / 1000);
            p.funding_index = sdec_micro((move_pm as i128 - 1000) * 1_000);
            p.market.liquidation_fee = Decimal256::permille(5);
            gross += (e * (s as u128) / 1_000_000) as i128;
            b.positions.push(p);
        }
        b.collateral = Int128::new(gross * collateral_pm / 1000);
        // `solvency::payable` is never below the book's own debt
        let debt = (-b.collateral.i128()).max(0) as u128;
        let payable = Uint128::new((gross as u128 * payable_pm / 1000).max(debt));
        let params = params();
        let cfg = LiquidationConfig {
            target_ratio: Decimal256::permille(1_250),
            reward_share: Decimal256::permille(share_pm as u64),
            min_reward: Uint128::new(min_reward),
        };
        let full = plan_liquidation(&b, &params, &cfg).unwrap();
        let plan = plan_liquidation_paying(&b, &params, &cfg, Some(payable)).unwrap();
        let (Some(full), Some(plan)) = (full, plan) else {
            prop_assert!(!book_health(&b, &params).unwrap().liquidatable);
            return Ok(());
        };
        let net = net_gain(&plan);
        // the claim is the net gain beyond payable (less the book's own debt it paid at the
        // end); the vault pays the rest
        let over = (net - payable.u128() as i128).max(0);
        let pending = plan.pending_payout.u128() as i128;
        prop_assert!(pending <= over);
        if pending < over {
            // only a debt of the book (penalties taken while its gains were open) is netted
            prop_assert_eq!(plan.collateral_after, Int128::zero());
        }
        // the book's collateral takes exactly what was paid, less what it paid out
        prop_assert_eq!(
            plan.collateral_after.i128(),
            b.collateral.i128() + net - plan.pending_payout.u128() as i128 - plan.charged.u128() as i128
                + plan.bad_debt.u128() as i128
        );
        prop_assert_eq!(plan.charged, plan.liquidator_reward + plan.insurance_share);
        let after = apply_plan(&b, &plan);
        let flat = after.positions.iter().all(|p| p.position.size.is_zero());
        if flat {
            prop_assert!(plan.collateral_after >= Int128::zero());
        } else {
            // stopped early: at the target with the claim left out of the equity
            prop_assert!(!book_health(&after, &params).unwrap().liquidatable);
            prop_assert_eq!(plan.bad_debt, Uint128::zero());
        }
        if !plan.pending_payout.is_zero() {
            // a book holding a claim is never bankrupt nor in debt
            prop_assert_eq!(plan.bad_debt, Uint128::zero());
            prop_assert!(plan.collateral_after >= Int128::zero());
        }
        // payable covers every gain the book could realize: nothing changes
        let gains: i128 = b.positions.iter().map(|p| {
            let one = book(Int128::zero(), vec![p.clone()]);
            book_values(&one, &params).unwrap().equity.ceil().unwrap().i128().max(0)
        }).sum();
        if gains <= payable.u128() as i128 {
            prop_assert_eq!(&plan, &full);
        }
        // the ledger: conserved, the vault pays min(net, payable), the claim is the step's payout
        let cash = Balances { collateral: b.collateral, margin: None, vault_cash: Int128::new(1_000_000), insurance_fees: Uint128::new(7) };
        let moved = ledger::liquidation(cash, &plan, false).unwrap();
        prop_assert!(moved.conserves(&cash).unwrap());
        prop_assert_eq!(moved.payout.pending, plan.pending_payout);
        let paid = cash.vault_cash.i128() - moved.after.vault_cash.i128();
        prop_assert_eq!(paid, net - pending);
    }
}

trait IntoQuote {
    fn into_quote(self) -> Quote;
}

impl IntoQuote for Int128 {
    fn into_quote(self) -> Quote {
        Quote::from_base_units(self)
    }
}
