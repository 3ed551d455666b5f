//! Pending payouts (DESIGN 6.10, issue 12): the vault pays a realized profit in cash only up to
//! what it holds beyond what other books owe it; the rest is a claim of the account on the vault
//! at face value (a liability in V), paid into `C` as cash comes back — at the account's next
//! message or by anyone's `mark_bad_debt` — and cut by the haircut like any profit while V < 0.
//! Flat accounts can always withdraw everything, all together.

use cosmwasm_std::{Addr, Uint128};
use perps_api::perps::ExecuteMsg;

use super::all_withdraw;
use crate::suite::{plain_market, Suite, USDC};

fn mark(who: &Addr) -> ExecuteMsg {
    ExecuteMsg::MarkBadDebt {
        account: who.to_string(),
    }
}

/// A 100,000 USDC vault; carol short 1 BTC at 60,000 (the vault long 1: 60,000 of exposure), the
/// whale long 30 ETH at 3,000 (90,000); dave and erin bystanders with 50,000 each. BTC 120,000
/// (carol −60,000) and ETH 7,000 (whale +120,000): V = 100,000 + 60,000 − 120,000 = 40,000 ≥ 0.
/// The whale closes (a reduction: no cap): +120,000 realized, of which the vault holds 100,000
/// in cash; the other 20,000 is owed to it only by carol's unrealized loss.
fn a_winner_paid_beyond_the_cash() -> (Suite, [Addr; 5]) {
    let markets = [("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))];
    a_winner_paid_beyond_the_cash_in(Suite::with_vault(|_| {}, &markets, 100_000))
}

/// [`a_winner_paid_beyond_the_cash`] in the suite `s` (BTC and ETH plain, a 100,000 vault;
/// other markets without positions: `orders::review4`'s scenario 90).
pub(crate) fn a_winner_paid_beyond_the_cash_in(mut s: Suite) -> (Suite, [Addr; 5]) {
    let [whale, carol] = s.traders(["whale", "carol"], 100_000, 100_000);
    let [dave, erin] = s.traders(["dave", "erin"], 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&carol, "BTC", "-1");
    s.trade(&whale, "ETH", "30");
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    assert_eq!(s.vault().equity.i128(), 40_000 * USDC as i128);
    // a message in BTC stores its new price (a message values other markets at their stored
    // last price, DESIGN 6.10)
    s.trade(&dave, "BTC", "0.001");
    s.close(&dave, "BTC").unwrap();
    let res = s.close(&whale, "ETH").unwrap();
    // the event reports the profit realized (paid + pending)
    assert_eq!(Suite::attr(&res, "trade", "realized_pnl"), "120000000000");
    let vault = s.vault();
    assert_eq!(vault.cash.i128(), 0);
    assert_eq!(vault.pending_payouts, Some(Uint128::new(20_000 * USDC)));
    // deferring moves no V: the claim is a liability like the profit it was
    assert_eq!(vault.equity.i128(), 40_000 * USDC as i128);
    let w = s.account(&whale);
    assert_eq!(w.collateral.i128(), 200_000 * USDC as i128);
    assert_eq!(w.pending_payout, Some(Uint128::new(20_000 * USDC)));
    (s, [whale, carol, dave, erin, keeper])
}

/// The attack of finding 1 in its plainest form: carol's loss, which the vault's cash was owed,
/// evaporates (BTC back to 60,000) and she closes flat. On main the vault had paid the whale the
/// 20,000 anyway (cash −20,000): the flat accounts together held 20,000 more than the engine.
/// Now the whale's unpaid claim is cut to what the vault holds (nothing: V = −20,000 = −Σ, h =
/// 0) and every flat account withdraws everything.
#[test]
fn a_winner_is_never_paid_out_of_deposits_when_a_losers_receivable_evaporates() {
    let (mut s, [whale, carol, dave, erin, keeper]) = a_winner_paid_beyond_the_cash();
    s.set_price("BTC", "60000");
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), 0);
    assert_eq!(s.vault().equity.i128(), -20_000 * USDC as i128);
    // anyone settles the whale's claim: nothing to pay it with, all forgiven
    let res = s.exec(&keeper, &mark(&whale)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "0");
    assert_eq!(Suite::attr(&res, "wasm", "pending_forgiven"), "20000000000");
    assert_eq!(s.account(&whale).pending_payout, None);
    assert_eq!((s.vault().cash.i128(), s.vault().equity.i128()), (0, 0));
    // once settled, a second call has nothing to do
    s.rejects(&keeper, &mark(&whale), &[], "not bankrupt");
    all_withdraw(&mut s, &[&dave, &erin, &carol, &whale]);
}

/// The loser's loss comes in as cash: the whale's next message is paid first, in full (V ≥ 0).
#[test]
fn a_pending_payout_is_paid_at_the_next_message_as_cash_comes_back() {
    let (mut s, [whale, carol, dave, erin, keeper]) = a_winner_paid_beyond_the_cash();
    // no cash yet: a keeper's call settles nothing and is refused, nothing changes
    s.rejects(&keeper, &mark(&whale), &[], "not bankrupt");
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), 60_000 * USDC as i128);
    s.withdraw(&whale, 1).unwrap();
    let w = s.account(&whale);
    assert_eq!(w.collateral.i128(), 220_000 * USDC as i128 - 1);
    assert_eq!(w.pending_payout, None);
    let vault = s.vault();
    assert_eq!(vault.cash.i128(), 40_000 * USDC as i128);
    assert_eq!(vault.equity.i128(), 40_000 * USDC as i128);
    assert_eq!(vault.pending_payouts, Some(Uint128::zero()));
    all_withdraw(&mut s, &[&dave, &erin, &carol, &whale]);
}

/// While V < 0 a pending claim is paid at the haircut of then, by anyone's `mark_bad_debt`.
#[test]
fn a_pending_payout_shares_the_haircut_while_v_is_negative() {
    let (mut s, [whale, carol, dave, erin, keeper]) = a_winner_paid_beyond_the_cash();
    // BTC 66,000: carol closes for −6,000, the vault's cash; V = 6,000 − 20,000 = −14,000 and
    // Σ = the claim 20,000: h = 0.3, the claim pays 6,000 (all the cash) and 14,000 is forgiven
    s.set_price("BTC", "66000");
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().equity.i128(), -14_000 * USDC as i128);
    let res = s.exec(&keeper, &mark(&whale)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "6000000000");
    assert_eq!(Suite::attr(&res, "wasm", "pending_forgiven"), "14000000000");
    assert_eq!(Suite::attr(&res, "wasm", "pending_left"), "0");
    assert_eq!((s.vault().cash.i128(), s.vault().equity.i128()), (0, 0));
    all_withdraw(&mut s, &[&dave, &erin, &carol, &whale]);
}

/// `simulate_trade` pays the account's pending payout first, as the message does (issue 12):
/// its account shows the collateral and the claim left that the trade would leave. The whale
/// buys 0.1 BTC (against carol's short skew: no cap).
#[test]
fn simulate_trade_pays_a_pending_payout_first_like_the_message() {
    use perps_api::perps::{QueryMsg, SimulateTradeResponse};
    let (mut s, [whale, carol, ..]) = a_winner_paid_beyond_the_cash();
    let simulate = |s: &Suite| -> SimulateTradeResponse {
        s.query(&QueryMsg::SimulateTrade {
            address: whale.to_string(),
            market_id: "BTC".to_string(),
            size_delta: crate::suite::sd("0.1"),
            mode: None,
        })
    };
    // no cash: nothing is paid, the claim stays whole
    let sim = simulate(&s).account;
    assert_eq!(sim.collateral.i128(), 200_000 * USDC as i128);
    assert_eq!(sim.pending_payout, Some(Uint128::new(20_000 * USDC)));
    // carol buys back 0.1 BTC at 120,000: −6,000 realized, the vault's cash is 6,000; the
    // trade would first pay 6,000 of the claim (V = 40,000 ≥ 0: no haircut), 14,000 left
    s.trade(&carol, "BTC", "0.1");
    assert_eq!(s.vault().cash.i128(), 6_000 * USDC as i128);
    let sim = simulate(&s).account;
    assert_eq!(sim.collateral.i128(), 206_000 * USDC as i128);
    assert_eq!(sim.pending_payout, Some(Uint128::new(14_000 * USDC)));
    // nothing was stored by the query; the message does what it showed
    assert_eq!(s.account(&whale).collateral.i128(), 200_000 * USDC as i128);
    s.trade(&whale, "BTC", "0.1");
    let w = s.account(&whale);
    assert_eq!(w.collateral, sim.collateral);
    assert_eq!(w.pending_payout, sim.pending_payout);
    assert_eq!(w.positions, sim.positions);
    // carol closes (−54,000 more): the next simulation pays the rest in full
    s.close(&carol, "BTC").unwrap();
    let sim = simulate(&s).account;
    assert_eq!(sim.collateral.i128(), 220_000 * USDC as i128);
    assert_eq!(sim.pending_payout, None);
}
