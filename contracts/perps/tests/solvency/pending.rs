//! Pending payouts (DESIGN 6.10, issue 12): the vault pays a realized profit in cash only up to
//! what it holds beyond what other books owe it; the rest is a claim of the account on the vault
//! at face value (a liability in V), paid into `C` as cash comes back — at the account's next
//! message or by anyone's `mark_bad_debt` — and cut by the haircut like any profit while V < 0.
//! Flat accounts can always withdraw everything, all together.

use cosmwasm_std::{Addr, Uint128};
use perps_api::perps::ExecuteMsg;

use crate::suite::Suite;

fn adl(market: &str) -> ExecuteMsg {
    ExecuteMsg::AutoDeleverage {
        market_id: market.to_string(),
        limit: None,
    }
}

fn mark(who: &Addr) -> ExecuteMsg {
    ExecuteMsg::MarkBadDebt {
        account: who.to_string(),
    }
}

/// Alice long 8 BTC at 60,000, bob long 5 at 66,000, carol short 1 at 66,000, dave and erin
/// bystanders with 50,000 each; BTC 200,000 (V < 0) and the ADL path closes alice and bob with
/// the haircut while the vault's cash is owed back by carol's 134,000 of unrealized loss.
fn after_the_adl_path() -> (Suite, [Addr; 6]) {
    let mut s = Suite::new();
    let [alice, bob, carol] = s.traders(["alice", "bob", "carol"], 200_000, 200_000);
    let [dave, erin] = s.traders(["dave", "erin"], 50_000, 50_000);
    let keeper = s.user("keeper", 0);
    s.trade(&alice, "BTC", "8");
    s.set_price("BTC", "66000");
    s.trade(&bob, "BTC", "5");
    s.trade(&carol, "BTC", "-1");
    s.set_price("BTC", "200000");
    assert!(s.vault().equity.i128() < 0);
    s.exec(&keeper, &adl("BTC")).unwrap();
    assert!(s.account(&alice).positions.is_empty());
    assert!(s.account(&bob).positions.is_empty());
    // bob was paid what the cash held; the rest of his claim is pending
    assert_eq!(s.vault().cash.i128(), 1);
    assert_eq!(
        s.account(&bob).pending_payout,
        Some(Uint128::new(196_166_902_405))
    );
    (s, [alice, bob, carol, dave, erin, keeper])
}

/// Every flat account of `who` withdraws its whole collateral, one after the other.
fn all_withdraw(s: &mut Suite, who: &[&Addr]) {
    for w in who {
        let c = s.account(w).collateral.i128();
        assert!(c >= 0, "{c}");
        let before = s.balance(w);
        s.withdraw(w, c as u128).unwrap();
        assert_eq!(s.balance(w), before + c as u128);
    }
}

/// The attack of finding 1 in its plainest form: carol's loss, which the vault's cash was owed,
/// evaporates (BTC returns to her entry). On main the ADL path had paid bob that cash anyway
/// (vault cash −134,000 after carol closed): the flat accounts together held 134,000 more than
/// the engine. Now bob's unpaid claim is cut to what the vault holds (nothing: h = 0) and every
/// flat account withdraws everything.
#[test]
fn a_winner_is_never_paid_out_of_deposits_when_a_losers_receivable_evaporates() {
    let (mut s, [alice, bob, carol, dave, erin, keeper]) = after_the_adl_path();
    s.set_price("BTC", "66000");
    s.close(&carol, "BTC").unwrap();
    let vault = s.vault();
    assert_eq!(vault.cash.i128(), 1);
    // V = cash − bob's claim: h = 1 + V/Σ = 1/196,166,902,405
    assert_eq!(vault.equity.i128(), -196_166_902_404);
    // anyone settles bob's claim: the one base unit there is paid, the rest forgiven
    let res = s.exec(&keeper, &mark(&bob)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "1");
    assert_eq!(
        Suite::attr(&res, "wasm", "pending_forgiven"),
        "196166902404"
    );
    assert_eq!(s.account(&bob).pending_payout, None);
    assert_eq!((s.vault().cash.i128(), s.vault().equity.i128()), (0, 0));
    // once settled, a second call has nothing to do
    s.rejects(&keeper, &mark(&bob), &[], "not bankrupt");
    all_withdraw(&mut s, &[&dave, &erin, &carol, &alice, &bob]);
}

/// The loser's loss comes in as cash: anyone's `mark_bad_debt` pays the pending claim at the
/// haircut of then (the same V/Σ: the first out was not paid at the expense of the last).
#[test]
fn a_pending_payout_is_paid_by_anyone_as_cash_comes_back() {
    let (mut s, [alice, bob, carol, dave, erin, keeper]) = after_the_adl_path();
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), 134_000_000_001);
    let res = s.exec(&keeper, &mark(&bob)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "134000000001");
    assert_eq!(Suite::attr(&res, "wasm", "pending_forgiven"), "62166902404");
    assert_eq!(s.account(&bob).collateral.i128(), 657_671_497_585);
    let vault = s.vault();
    assert_eq!((vault.cash.i128(), vault.equity.i128()), (0, 0));
    all_withdraw(&mut s, &[&dave, &erin, &carol, &alice, &bob]);
}
