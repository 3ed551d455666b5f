//! Properties of the ledger steps: every step, and any sequence of them, conserves money
//! (`total(after) − total(before) = inflow − outflow + shortfall − covered`), and a closed book
//! never keeps a negative balance.

use cosmwasm_std::{Int128, Uint128};
use perps_risk::ledger::{self, Balances, Fill, Flows, Moved};
use perps_risk::waterfall::bad_debt_waterfall;
use proptest::prelude::*;

const BIG: i128 = 1_000_000_000_000_000;

fn balances() -> impl Strategy<Value = Balances> {
    (
        -BIG..BIG,
        prop::option::of(-BIG..BIG),
        -BIG..BIG,
        0..BIG as u128,
    )
        .prop_map(|(c, m, v, i)| Balances {
            collateral: Int128::new(c),
            margin: m.map(Int128::new),
            vault_cash: Int128::new(v),
            insurance_fees: Uint128::new(i),
        })
}

fn fill() -> impl Strategy<Value = Fill> {
    (
        0..BIG as u128,
        -BIG..BIG,
        0..BIG as u128,
        0u128..=1000,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(margin, pnl, fee, share_pm, closed, clear)| Fill {
            margin_from_collateral: Uint128::new(margin),
            realized_pnl: Int128::new(pnl),
            fee: Uint128::new(fee),
            insurance_fee: Uint128::new(fee * share_pm / 1000),
            position_closed: closed,
            clear_cross_book: clear,
        })
}

/// One step of any kind, chosen by `kind`, on `b`.
fn step(b: Balances, kind: u8, amount: u128, signed: i128, f: &Fill) -> Moved {
    let u = Uint128::new(amount);
    match kind % 12 {
        0 => ledger::deposit(b, u),
        1 => ledger::withdraw(b, u),
        2 => ledger::settle_funding(b, Int128::new(signed)),
        3 => ledger::collateral_to_margin(b, u),
        4 => ledger::margin_to_collateral(b, u),
        5 => ledger::fill(b, f),
        6 => ledger::settle_close(b, Int128::new(signed)),
        7 => {
            let w = bad_debt_waterfall(u, b.insurance_fees, Uint128::new(amount / 3)).unwrap();
            ledger::cover(b, &w)
        }
        8 => ledger::cover_failed(b, u),
        9 => ledger::provide_liquidity(b, u),
        10 => ledger::write_off(b),
        _ => ledger::claim_liquidity(b, u),
    }
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_step_conserves_money(
        b in balances(),
        kind in any::<u8>(),
        amount in 0..BIG as u128,
        signed in -BIG..BIG,
        f in fill(),
    ) {
        let m = step(b, kind, amount, signed, &f);
        prop_assert!(m.conserves(&b).unwrap(), "{b:?} → {m:?}");
        prop_assert!(ledger::sweep_fees(b).unwrap().conserves(&b).unwrap());
    }

    #[test]
    fn a_sequence_conserves_money_in_sum(
        b in balances(),
        steps in prop::collection::vec((any::<u8>(), 0..BIG as u128 / 64, -BIG / 64..BIG / 64, fill()), 1..12),
    ) {
        let mut now = b;
        let mut flows = Flows::default();
        for (kind, amount, signed, f) in &steps {
            let m = step(now, *kind, *amount, *signed, f);
            flows = flows.then(&m.flows).unwrap();
            now = m.after;
        }
        let total = Moved { after: now, flows, closed_margin: None };
        prop_assert!(total.conserves(&b).unwrap());
    }

    #[test]
    fn a_fill_closing_an_isolated_position_returns_its_margin_or_books_the_shortfall(
        b in balances(),
        f in fill(),
    ) {
        let b = Balances { margin: Some(b.margin.unwrap_or_default()), ..b };
        let f = Fill { position_closed: true, ..f };
        let m = ledger::fill(b, &f).unwrap();
        prop_assert_eq!(m.after.margin, None);
        let left = m.closed_margin.unwrap();
        if left.is_negative() {
            prop_assert_eq!(m.flows.shortfall, left.unsigned_abs());
            prop_assert_eq!(m.after.collateral, b.collateral - Int128::try_from(f.margin_from_collateral).unwrap());
        } else {
            prop_assert_eq!(m.flows.shortfall, Uint128::zero());
        }
    }

    #[test]
    fn a_write_off_leaves_c_at_zero_or_above_with_the_debt_as_shortfall(b in balances()) {
        let m = ledger::write_off(b).unwrap();
        prop_assert!(!m.after.collateral.is_negative());
        let debt = if b.collateral.is_negative() { b.collateral.unsigned_abs() } else { Uint128::zero() };
        prop_assert_eq!(m.flows.shortfall, debt);
        prop_assert_eq!(m.after.vault_cash, b.vault_cash);
    }

    #[test]
    fn a_cleared_cross_book_ends_at_zero_or_above(b in balances(), f in fill()) {
        let b = Balances { margin: None, ..b };
        let f = Fill { clear_cross_book: true, margin_from_collateral: Uint128::zero(), ..f };
        let m = ledger::fill(b, &f).unwrap();
        prop_assert!(!m.after.collateral.is_negative());
        prop_assert!(m.conserves(&b).unwrap());
    }
}

proptest! {
    /// An order's charge conserves money and never takes `C` below zero (or lower than it was).
    #[test]
    fn an_order_charge_conserves_and_never_overdraws(
        b in balances(),
        keeper in 0..BIG as u128,
        fee in 0..BIG as u128,
    ) {
        let (m, c) = perps_risk::orders::order_charge(b, Uint128::new(keeper), Uint128::new(fee)).unwrap();
        prop_assert!(m.conserves(&b).unwrap());
        prop_assert!(m.after.collateral >= b.collateral.min(Int128::zero()));
        prop_assert!(c.keeper_fee.u128() <= keeper && c.vault_fee.u128() <= fee);
        prop_assert_eq!(m.flows.outflow, c.keeper_fee);
    }
}
