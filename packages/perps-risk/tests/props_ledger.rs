//! Properties of the ledger steps: every step, and any sequence of them, conserves money
//! (`total(after) − total(before) = inflow − outflow + shortfall − covered`), and a closed book
//! never keeps a negative balance.

use cosmwasm_std::{Int128, Uint128};
use perps_risk::ledger::{self, Balances, Fill, Flows, Moved, Payout};
use perps_risk::num::Quote;
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
            payout: Payout {
                haircut: (share_pm % 3 == 0).then(|| {
                    (
                        Quote::from_base_units(Int128::new(-(fee as i128) / 2)),
                        Quote::from_base_units(Int128::new(pnl.abs())),
                    )
                }),
                owed_by_others: Uint128::new(fee / 4),
            },
        })
}

/// One step of any kind, chosen by `kind`, on `b`.
fn step(b: Balances, kind: u8, amount: u128, signed: i128, f: &Fill) -> Moved {
    let u = Uint128::new(amount);
    match kind % 13 {
        0 => ledger::deposit(b, u),
        1 => ledger::withdraw(b, u),
        2 => ledger::settle_funding(b, Int128::new(signed)),
        3 => ledger::collateral_to_margin(b, u),
        4 => ledger::margin_to_collateral(b, u),
        5 => ledger::fill(b, f),
        6 => ledger::settle_close(b, Int128::new(signed), u),
        7 => {
            let w = bad_debt_waterfall(u, b.insurance_fees, Uint128::new(amount / 3)).unwrap();
            ledger::cover(b, &w)
        }
        8 => ledger::cover_failed(b, u),
        9 => ledger::provide_liquidity(b, u),
        10 => ledger::write_off(b),
        11 => ledger::net_pending(b, u, Uint128::new(amount / 2), signed < 0),
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
        prop_assert!(ledger::sweep_fees(b, amount.min(b.insurance_fees.u128()).into()).unwrap().conserves(&b).unwrap());
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
        let total = Moved { after: now, flows, closed_margin: None, ..Moved::default() };
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

proptest! {
    /// A profit is settled as paid + forgiven + pending = the claim, the paid part never more
    /// than the vault holds beyond what other books owe it (or the book's own debt), so a payout
    /// never takes the vault's real cash (cash − what books owe it) below zero or lower than it
    /// was; the pending part is a claim, not money (conservation holds without it).
    #[test]
    fn a_profit_is_paid_only_from_cash_the_vault_holds(b in balances(), f in fill()) {
        let m = ledger::fill(b, &f).unwrap();
        prop_assert!(m.conserves(&b).unwrap());
        let p = m.payout;
        if f.realized_pnl.is_negative() {
            prop_assert_eq!(p, Default::default());
        } else {
            let claim = f.realized_pnl.unsigned_abs();
            prop_assert_eq!(p.paid + p.forgiven + p.pending, claim);
            if f.payout.haircut.is_none() {
                prop_assert_eq!(p.forgiven, Uint128::zero());
            }
        }
        // real cash: vault cash less what the other books and this one owe it
        let debt = |x: Int128| if x.is_negative() { x.unsigned_abs() } else { Uint128::zero() };
        let real = |cash: Int128, book: Int128| -> i128 {
            cash.i128() - f.payout.owed_by_others.u128() as i128 - debt(book).u128() as i128
        };
        // the payout alone, with the fee and margin moves the same
        let without = ledger::fill(b, &Fill { realized_pnl: Int128::zero(), ..f }).unwrap();
        let book = |x: &Moved| x.after.margin.or(x.closed_margin).filter(|_| b.margin.is_some() || f.margin_from_collateral > Uint128::zero()).unwrap_or(x.after.collateral);
        let before_pay = real(without.after.vault_cash, book(&without));
        let after_pay = real(m.after.vault_cash, book(&m));
        if !p.paid.is_zero() && !f.position_closed && !f.clear_cross_book {
            prop_assert!(after_pay >= before_pay.min(0), "{} {}", before_pay, after_pay);
        }
    }

    /// A pending payout settled into C: paid + forgiven + left = the claim, paid within what the
    /// vault can pay, and money conserved.
    #[test]
    fn a_pending_payout_is_paid_as_cash_allows(b in balances(), claim in 0..BIG as u128, others in 0..BIG as u128, v in -BIG..0i128, sum in 0..BIG) {
        let terms = Payout { haircut: Some((Quote::from_base_units(Int128::new(v)), Quote::from_base_units(Int128::new(sum)))), owed_by_others: Uint128::new(others) };
        let m = ledger::pay_pending(b, Uint128::new(claim), &terms).unwrap();
        prop_assert!(m.conserves(&b).unwrap());
        let p = m.payout;
        prop_assert_eq!(p.paid + p.forgiven + p.pending, Uint128::new(claim));
        let can = perps_risk::solvency::payable(b.vault_cash, Uint128::new(others), b.collateral).unwrap();
        prop_assert!(p.paid <= can);
        prop_assert_eq!(m.after.margin, b.margin);
    }
}

proptest! {
    /// A loss netted against the account's pending payout (scenario 90): at most the loss and
    /// the claim, at face value (netted + left = the claim), money conserved; a booked shortfall
    /// leaves vault cash by exactly what was netted and is covered by it, anything else moves
    /// no balance.
    #[test]
    fn a_loss_is_netted_against_the_claim_at_face_value(b in balances(), loss in 0..BIG as u128, claim in 0..BIG as u128, booked in any::<bool>()) {
        let m = ledger::net_pending(b, Uint128::new(loss), Uint128::new(claim), booked).unwrap();
        prop_assert!(m.conserves(&b).unwrap());
        let p = m.payout;
        prop_assert_eq!(p.paid, Uint128::new(loss.min(claim)));
        prop_assert_eq!(p.paid + p.pending, Uint128::new(claim));
        prop_assert_eq!(p.forgiven, Uint128::zero());
        let covered = if booked { p.paid } else { Uint128::zero() };
        prop_assert_eq!(m.flows.covered, covered);
        prop_assert_eq!(b.vault_cash - m.after.vault_cash, Int128::try_from(covered).unwrap());
        prop_assert_eq!((m.after.collateral, m.after.margin, m.after.insurance_fees), (b.collateral, b.margin, b.insurance_fees));
    }
}

proptest! {
    /// Funding a book receives: paid + pending = the amount (no haircut), paid within what the
    /// vault can pay, money conserved.
    #[test]
    fn funding_received_is_paid_as_cash_allows(b in balances(), amount in 0..BIG as u128, others in 0..BIG as u128) {
        let m = ledger::receive_funding(b, Uint128::new(amount), Uint128::new(others)).unwrap();
        prop_assert!(m.conserves(&b).unwrap());
        let p = m.payout;
        prop_assert_eq!(p.forgiven, Uint128::zero());
        prop_assert_eq!(p.paid + p.pending, Uint128::new(amount));
        let book = b.margin.unwrap_or(b.collateral);
        let can = perps_risk::solvency::payable(b.vault_cash, Uint128::new(others), book).unwrap();
        prop_assert!(p.paid <= can);
    }
}

proptest! {
    /// A failed order's move closes its fill at the move since the record (`failure_exit`,
    /// scenarios 71–73): nothing at an unchanged price whatever the fill (impact included), and
    /// otherwise at least the exact loss `Δs·fill·(record − live)/record` (rounded up, by less
    /// than two base units).
    #[test]
    fn a_failure_move_is_the_fill_closed_at_the_price_ratio_rounded_up(
        size_micro in -1_000_000_000i128..1_000_000_000,
        fill_micro in 1u128..1_000_000_000_000,
        record_micro in 1u128..1_000_000_000_000,
        live_micro in 1u128..1_000_000_000_000,
    ) {
        prop_assume!(size_micro != 0);
        let (size, fill, record, live) = (
            crate::helpers::sdec_micro(size_micro),
            crate::helpers::dec_micro(fill_micro),
            crate::helpers::dec_micro(record_micro),
            crate::helpers::dec_micro(live_micro),
        );
        let exit = |l| perps_risk::orders::failure_exit(size, fill, (record, l)).unwrap();
        let same = perps_risk::orders::failure_move(size, fill, exit(record), 6).unwrap();
        prop_assert_eq!(same.u128(), 0);
        let m = perps_risk::orders::failure_move(size, fill, exit(live), 6).unwrap().u128();
        // exact loss in base units: N / (record_micro · 10^6), N = −Δs·fill·(live − record) in
        // micro units (|N| < 10^33)
        let diff = live_micro as i128 - record_micro as i128;
        let n = -(size_micro * fill_micro as i128) * diff;
        if n <= 0 {
            prop_assert_eq!(m, 0);
        } else {
            let unit = record_micro * 1_000_000;
            prop_assert!(m * unit >= n as u128);
            prop_assert!(m * unit < n as u128 + 2 * unit);
        }
    }
}
