//! Attacker review 2 of the pending payouts, `mark_bad_debt` on a solvent account, the caps
//! and ADL on the skew, LP orders and the wait of scenario 59 (docs/decisions.md, scenarios
//! 61–). Each test asserts the safe outcome with the review's numbers.

use cosmwasm_std::{Addr, Uint128};
use perps_api::perps::ExecuteMsg;

use super::all_withdraw;
use crate::suite::{config_update, d, plain_market, Suite, USDC};

fn mark(who: &Addr) -> ExecuteMsg {
    ExecuteMsg::MarkBadDebt {
        account: who.to_string(),
    }
}

/// Whole USDC as a signed base-unit amount.
fn w(x: i128) -> i128 {
    x * USDC as i128
}

/// Wide exposure caps (20 × V per market and in total; backing 2 %, ADL trigger 1 %) so that
/// only cash bounds the claims of the review.
fn wide_caps() -> Suite {
    let mut btc = plain_market("BTC");
    let mut eth = plain_market("ETH");
    btc.max_skew_to_vault = Some(d("20"));
    eth.max_skew_to_vault = Some(d("20"));
    Suite::with_vault(
        |m| {
            m.vault_min_backing = d("0.02");
            m.adl_trigger_ratio = Some(d("0.01"));
            m.max_total_skew_to_vault = Some(d("20"));
        },
        &[("BTC", btc), ("ETH", eth)],
        100_000,
    )
}

/// An hour later, BTC and ETH still at the highs of [`a_vault_whose_cash_is_partly_owed`].
fn an_hour_at_the_highs(s: &mut Suite) {
    s.advance(3_600);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
}

/// Scenario 61. A 100,000 vault with [`wide_caps`]. Carol short 1 BTC at 60,000 (100,000
/// deposited); mallory (20,000) long 20 ETH at 3,000 and short 1 BTC at 60,000 in her cross
/// book; dave and erin bystanders with 50,000 each. BTC 120,000, ETH 7,000: carol −60,000,
/// mallory −60,000 on BTC and +80,000 on ETH. Mallory closes BTC: −60,000 realized from C =
/// 20,000 leaves C = −40,000 (her ETH profit keeps the book healthy): the vault books 60,000 of
/// cash and holds 20,000 of it. Cash 160,000 (120,000 held), receivables 40,000,
/// V = 160,000 + 60,000 − 80,000 = 140,000.
fn a_vault_whose_cash_is_partly_owed() -> (Suite, [Addr; 4]) {
    let mut s = wide_caps();
    let carol = s.trader("carol", 100_000, 100_000);
    let mallory = s.trader("mallory", 20_000, 20_000);
    let [dave, erin] = s.traders(["dave", "erin"], 50_000, 50_000);
    s.trade(&carol, "BTC", "-1");
    s.trade(&mallory, "ETH", "20");
    s.trade(&mallory, "BTC", "-1");
    an_hour_at_the_highs(&mut s);
    s.close(&mallory, "BTC").unwrap();
    assert_eq!(s.account(&mallory).collateral.i128(), w(-40_000));
    let v = s.vault();
    assert_eq!(v.cash.i128(), w(160_000));
    assert_eq!(v.equity.i128(), w(140_000));
    (s, [carol, mallory, dave, erin])
}

/// Scenario 61 (fixed): an LP claim was bounded by the vault's booked `cash`, which counts what
/// the books owe it (mallory's C = −40,000): the LP requested everything at V = 140,000 and
/// claimed 127,000 an hour later (V less the caps' 13,000), 7,000 more than the 120,000 the vault
/// holds — bystanders' deposits. BTC and ETH back to 60,000 and 3,000 then made mallory bankrupt
/// by 40,000, the vault's cash ended at −7,000 and dave, erin and carol could not all withdraw.
/// Now a claim pays at most the cash the vault holds free of what books owe it and of the
/// pending payouts (`cash − receivables − pending_payouts`): 119,999.999999, the rest stays
/// requested.
#[test]
fn s61_an_lp_claim_never_takes_cash_a_book_owes_the_vault() {
    let (mut s, [carol, mallory, dave, erin]) = a_vault_whose_cash_is_partly_owed();
    let lp = s.lp.clone();
    let shares = s.lp_position(&lp).shares.u128();
    s.request_withdrawal(&lp, shares);
    an_hour_at_the_highs(&mut s);
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    // the largest whole number of shares whose payout fits (rounded down, one unit)
    assert_eq!(Suite::attr(&res, "wasm", "payout"), "119999999999");
    assert_eq!(s.vault().cash.i128(), w(40_000) + 1);
    // the moves reverse: mallory ends bankrupt by 40,000 (C = −40,000, her ETH flat)
    s.set_price("BTC", "60000");
    s.set_price("ETH", "3000");
    let keeper = s.trader("keeper", 0, 0);
    s.liquidate(&keeper, &mallory, None).unwrap();
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), 1);
    all_withdraw(&mut s, &[&dave, &erin, &carol]);
}

/// BTC deferred (0.1 % taker fee, impact on a 1,000 skew scale, no funding), ETH and SOL plain
/// and immediate (SOL: `max_skew_to_vault` 2), a 100,000 vault, keeper fee 0.5. The attacker
/// (20,000) holds 1 ETH in its cross book and places a 1-BTC buy; the record after its block
/// pins it at 60,000. ETH's feed then stops for 61 s while BTC's goes on to 54,000: the order
/// waits (scenario 59's rule), nobody can fill it. Returns the suite and `[attacker, w2, keeper]`.
fn an_order_pinned_while_eth_is_stale() -> (Suite, [Addr; 3]) {
    use perps_api::perps::{Execution, MarketConfig};
    let btc = MarketConfig {
        max_funding_rate_per_day: cosmwasm_std::Decimal256::zero(),
        execution: Some(Execution::Deferred),
        ..crate::suite::fee_market("BTC", "1000")
    };
    let mut sol = plain_market("SOL");
    sol.max_skew_to_vault = Some(d("2"));
    let markets = [("BTC", btc), ("ETH", plain_market("ETH")), ("SOL", sol)];
    let mut s = Suite::with_vault(|_| {}, &markets, 100_000);
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    s.set_price("SOL", "100");
    let attacker = s.trader("attacker", 20_000, 20_000);
    let w2 = s.trader("w2", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&attacker, "ETH", "1");
    s.trade(&attacker, "BTC", "1");
    s.set_price("BTC", "60000");
    s.advance(61);
    s.set_price("BTC", "54000");
    s.set_price("SOL", "100");
    let res = crate::orders::keeper_run(&mut s, &keeper, None);
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    // the attacker's own messages are refused while ETH is stale (its book needs the price)
    assert!(s.try_isolated(&attacker, "SOL", "10", 100 * USDC).is_err());
    (s, [attacker, w2, keeper])
}

/// Scenario 62 (fixed): the scenario-59 wait was a free option through the caps. While the
/// attacker's BTC buy waits (pinned at 60,000, BTC now 54,000: filling it is a loss of 6,030 at
/// the 60,030 fill), a second wallet with no ETH opens 1,600 SOL (160,000, within SOL's 2 × V;
/// Σ|K|·P = 163,000 ≤ 2 × V). When ETH's feed is back the keeper executes the order: at its fill
/// Σ|K|·P = 217,000 > 2 × 106,051.024 and it fails on the total exposure cap. Old code: it
/// charged only the taker fee (60) and the keeper fee (0.5), w2 closed its SOL for nothing, and
/// the pair held 39,939.5 instead of 33,909.47 (equity 13,909.47 + 20,000 with the fill). Now a
/// failure also pays the loss of its fill closed at the move since the record (`price_move`,
/// docs/decisions.md "Attacker review 3": 60,030 closed at 60,030 × 54,000/60,000 = 54,027, as
/// a close at that skew would: 6,003) to the vault: the attacker keeps 20,000 − 60 − 0.5 −
/// 6,003 = 13,936.5 — a fill followed by a close at 54,027 less that close's fee (54.03, the
/// residual of scenario 75). The move is charged at the first BTC record after the failure's
/// block (scenario 77: the failure pays the fees and stays pending as a settlement), here
/// published at 54,000 again.
#[test]
fn s62_a_waiting_order_cannot_be_dropped_through_the_caps() {
    use perps_api::events::OrderFailedEvent;
    let (mut s, [attacker, w2, keeper]) = an_order_pinned_while_eth_is_stale();
    s.trade(&w2, "SOL", "1600");
    assert_eq!(s.vault().exposure.u128(), 163_000 * USDC);
    s.set_price("ETH", "3000");
    let cash = s.vault().cash.i128();
    let res = crate::orders::keeper_run(&mut s, &keeper, None);
    let failed = &Suite::typed::<OrderFailedEvent>(&res)[0];
    assert!(failed.reason.contains("exposure"), "{}", failed.reason);
    assert_eq!(
        (
            failed.fee.u128(),
            failed.price_move.u128(),
            failed.keeper_fee.u128()
        ),
        (60 * USDC, 0, 500_000)
    );
    assert!(failed.settles_at_next_record);
    assert_eq!(s.vault().cash.i128() - cash, w(60));
    s.close(&w2, "SOL").unwrap();
    s.set_price("BTC", "54000");
    let res = crate::orders::keeper_run(&mut s, &keeper, None);
    let settled = Suite::typed::<perps_api::events::OrderSettledEvent>(&res);
    assert_eq!(settled[0].price_move.u128(), 6_003 * USDC);
    assert_eq!(s.vault().cash.i128() - cash, w(6_063));
    let a = s.account(&attacker);
    assert!(a.positions.iter().all(|p| p.market_id != "BTC"));
    assert_eq!(a.collateral.i128(), w(13_936) + 500_000);
    assert_eq!(s.account(&w2).collateral.i128(), w(20_000));
}

/// Scenario 62's world without the second wallet (passing): the order waits while ETH is stale
/// and fills at its record once ETH is back — entry 60,030, equity 13,909.47.
#[test]
fn s62_the_waiting_order_fills_at_its_record() {
    let (mut s, [attacker, _, keeper]) = an_order_pinned_while_eth_is_stale();
    s.set_price("ETH", "3000");
    crate::orders::keeper_run(&mut s, &keeper, None);
    let a = s.account(&attacker);
    assert_eq!(a.equity.i128(), w(13_909) + 470_000);
    let btc = a.positions.iter().find(|p| p.market_id == "BTC").unwrap();
    assert_eq!(btc.entry_price, d("60030"));
}

/// A 100,000 vault; carol short 1 BTC at 60,000, the whale long 30 ETH at 3,000, a loser short
/// 2.5 ETH, dave a bystander (50,000), a griefer (1,000). BTC 120,000, ETH 7,000: V = 100,000 +
/// 60,000 (carol) + 10,000 (loser) − 120,000 = 50,000. The whale closes: 100,000 paid (all the
/// cash), 20,000 pending; the loser closes: 10,000 of cash comes in.
fn a_pending_payout_and_cash() -> (Suite, [Addr; 5]) {
    let markets = [("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))];
    a_pending_payout_and_cash_in(Suite::with_vault(|_| {}, &markets, 100_000))
}

/// [`a_pending_payout_and_cash`] in the suite `s`.
fn a_pending_payout_and_cash_in(mut s: Suite) -> (Suite, [Addr; 5]) {
    let [whale, carol] = s.traders(["whale", "carol"], 100_000, 100_000);
    let loser = s.trader("loser", 20_000, 20_000);
    let dave = s.trader("dave", 50_000, 50_000);
    let griefer = s.trader("griefer", 1_000, 1_000);
    s.trade(&carol, "BTC", "-1");
    s.trade(&whale, "ETH", "30");
    s.trade(&loser, "ETH", "-2.5");
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    s.trade(&dave, "BTC", "0.001");
    s.close(&dave, "BTC").unwrap();
    s.close(&whale, "ETH").unwrap();
    assert_eq!(
        s.account(&whale).pending_payout,
        Some(Uint128::new(20_000 * USDC))
    );
    s.close(&loser, "ETH").unwrap();
    assert_eq!(s.vault().cash.i128(), w(10_000));
    (s, [whale, carol, loser, dave, griefer])
}

/// Scenario 63 (fixed): a haircut forced at a price the market no longer has. BTC dips to
/// 61,000 for one record; the griefer stores it (a 0.001 BTC long) and BTC is back
/// at 120,000 a minute later, but nobody touches BTC. The griefer's `mark_bad_debt {whale}` then
/// valued V at BTC's stored 61,000: V = 10,000 + 1,000 − 20,000 = −9,000, h = 0.55; it paid
/// 9,999.999999, forgave 8,181.818182 of the whale's claim (to the LPs) and left 1,818.181819.
/// At the live 120,000, V = 50,000 ≥ 0: no haircut. Now a pending payout is settled only with
/// every market that has skew at its live price (V and Σ profits there); the call pays the
/// 10,000 the cash holds in full, forgives nothing, and the whale ends with all 120,000.
#[test]
fn s63_a_pending_payout_is_never_haircut_at_a_stale_stored_price() {
    let (mut s, [whale, carol, loser, dave, griefer]) = a_pending_payout_and_cash();
    assert_eq!(s.vault().equity.i128(), w(50_000));
    s.advance(60);
    s.set_price("BTC", "61000");
    s.set_price("ETH", "7000");
    // (closing it at 61,000 would grow |K| while V < 0: the griefer keeps 0.001 BTC)
    s.trade(&griefer, "BTC", "0.001");
    s.advance(60);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    let res = s.exec(&griefer, &mark(&whale)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "10000000000");
    assert_eq!(Suite::attr(&res, "wasm", "pending_forgiven"), "0");
    assert_eq!(Suite::attr(&res, "wasm", "pending_left"), "10000000000");
    s.close(&carol, "BTC").unwrap();
    s.withdraw(&whale, 1).unwrap();
    assert_eq!(s.account(&whale).collateral.i128(), w(220_000) - 1);
    assert_eq!(s.account(&whale).pending_payout, None);
    s.close(&griefer, "BTC").unwrap();
    all_withdraw(&mut s, &[&dave, &carol, &loser, &griefer, &whale]);
}

/// Scenario 61, second part (fixed with it): an LP claim comes after the pending payouts. In
/// [`a_pending_payout_and_cash`] with [`wide_caps`] (the whale owed 20,000, 10,000 of cash,
/// V = 10,000 + 60,000 − 20,000 = 50,000) the LP requests everything. Old code: its claim took
/// the 10,000 of cash the whale's older claim was waiting for (the LP is the vault's equity, the
/// whale its creditor). Now it pays nothing while the cash does not cover the pending payouts
/// (`cash − pending_payouts` = −10,000); once carol's loss comes in (cash 70,000) it pays
/// 49,999.5 (its shares at the request's 0.5), and the whale is paid all 20,000 after it.
#[test]
fn s61_an_lp_claim_comes_after_the_pending_payouts() {
    let (mut s, [whale, carol, loser, dave, griefer]) = a_pending_payout_and_cash_in(wide_caps());
    let lp = s.lp.clone();
    let shares = s.lp_position(&lp).shares.u128();
    an_hour_at_the_highs(&mut s);
    s.request_withdrawal(&lp, shares);
    an_hour_at_the_highs(&mut s);
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "payout"), "0");
    assert_eq!(s.vault().cash.i128(), w(10_000));
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), w(70_000));
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "payout"), "49999500000");
    s.withdraw(&whale, 1).unwrap();
    assert_eq!(s.account(&whale).collateral.i128(), w(220_000) - 1);
    assert_eq!(s.account(&whale).pending_payout, None);
    all_withdraw(&mut s, &[&dave, &carol, &loser, &griefer, &whale]);
}

/// Scenario 64 (safe, regression; no queue among traders' claims, by design). A 100,000 vault;
/// carol short 1 BTC at 60,000, the whale long 30 ETH and bob long 2.5 ETH at 3,000, a loser
/// short 0.25 BTC. BTC 120,000, ETH 7,000: V = 100,000 + 60,000 + 15,000 − 120,000 − 10,000 =
/// 45,000. The whale closes: 100,000 paid, 20,000 pending. The loser closes: 15,000 of cash comes
/// in. Bob closes before the whale's next message: his 10,000 is paid from that cash although
/// the whale's claim is older. Claims are settled as cash comes in, first come; each at the
/// haircut of its time, which leaves every other claim's `h` unchanged (a claim paid in parts
/// gets what it would at once), so the order moves time, not value, between claims. The whale's
/// claim stays whole at face value (V counts it) and is paid in full once carol's loss comes
/// in; every flat account withdraws everything.
#[test]
fn s64_a_newer_profit_paid_before_an_older_claim_takes_nothing_from_it() {
    let markets = [("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))];
    let mut s = Suite::with_vault(|_| {}, &markets, 100_000);
    let [whale, carol] = s.traders(["whale", "carol"], 100_000, 100_000);
    let [bob, loser] = s.traders(["bob", "loser"], 20_000, 20_000);
    s.trade(&carol, "BTC", "-1");
    s.trade(&whale, "ETH", "30");
    s.trade(&bob, "ETH", "2.5");
    s.trade(&loser, "BTC", "-0.25");
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    // a message in BTC stores its new price
    let dave = s.trader("dave", 50_000, 50_000);
    s.trade(&dave, "BTC", "0.001");
    s.close(&dave, "BTC").unwrap();
    assert_eq!(s.vault().equity.i128(), w(45_000));
    s.close(&whale, "ETH").unwrap();
    let owed = Some(Uint128::new(20_000 * USDC));
    assert_eq!(s.account(&whale).pending_payout, owed);
    s.close(&loser, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), w(15_000));
    s.close(&bob, "ETH").unwrap();
    assert_eq!(s.account(&bob).collateral.i128(), w(30_000));
    assert_eq!(s.account(&bob).pending_payout, None);
    assert_eq!(s.vault().cash.i128(), w(5_000));
    // the whale's claim is intact, at face value, and V still counts it
    assert_eq!(s.account(&whale).pending_payout, owed);
    assert_eq!(s.vault().equity.i128(), w(45_000));
    s.close(&carol, "BTC").unwrap();
    s.withdraw(&whale, 1).unwrap();
    assert_eq!(s.account(&whale).collateral.i128(), w(220_000) - 1);
    all_withdraw(&mut s, &[&dave, &carol, &loser, &whale, &bob]);
}

/// Scenario 65 (safe, regression): receivables follow a book's debt exactly through many small
/// repayments. In [`a_vault_whose_cash_is_partly_owed`] (mallory C = −40,000) mallory deposits
/// 1 base unit five times and 0.999995 USDC (the direct deposit path: each takes its part out of
/// `receivables`, which the suite checks against Σ max(0, −C) after every message), then closes
/// her ETH (+80,000): the profit pays her remaining 39,999 of debt first (no real money moves,
/// whatever the cash) and the rest from cash; every flat account withdraws everything.
#[test]
fn s65_receivables_follow_small_repayments_exactly() {
    let (mut s, [carol, mallory, dave, erin]) = a_vault_whose_cash_is_partly_owed();
    s.mint(&mallory, USDC);
    for _ in 0..5 {
        s.deposit_units(&mallory, 1);
    }
    s.deposit_units(&mallory, 999_995);
    assert_eq!(s.account(&mallory).collateral.i128(), w(-39_999));
    s.close(&mallory, "ETH").unwrap();
    assert_eq!(s.account(&mallory).collateral.i128(), w(40_001));
    assert_eq!(s.account(&mallory).pending_payout, None);
    s.close(&carol, "BTC").unwrap();
    all_withdraw(&mut s, &[&dave, &erin, &carol, &mallory]);
    let keeper = s.trader("keeper", 0, 0);
    s.rejects(&keeper, &mark(&mallory), &[], "not bankrupt");
}

/// Scenario 66 (fixed): auto-deleveraging forced at a price the market no longer has. A 100,000
/// vault; bob long 1 BTC at 60,000 (20,000), the whale long 30 ETH at 3,000 (100,000). ETH
/// spikes to 7,000 for one record and the griefer stores it (a 0.001 ETH short: it lowers |K|,
/// so no cap judges it); ETH is back at 3,000 a minute later and BTC at 66,000, but nobody
/// touches ETH. Old code: `auto_deleverage {BTC}` valued ETH at its stored 7,000 (V = 100,000 −
/// 120,000 − 6,000 = −26,000 < 0) and closed bob's whole long at 66,000 with the haircut of that
/// V: bob was paid 4,761.904761 of his 6,000. At the live 3,000, V = 93,996 is far above the
/// trigger (5 % of 156,000). Now ADL and its haircut value every other market that has skew at
/// its live price (the stored price only for one without a price under the strict rules): the
/// call is refused (`AdlNotNeeded`) and bob keeps his position.
#[test]
fn s66_adl_is_never_triggered_by_a_stale_stored_price() {
    let markets = [("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))];
    let mut s = Suite::with_vault(|_| {}, &markets, 100_000);
    let bob = s.trader("bob", 20_000, 20_000);
    let whale = s.trader("whale", 100_000, 100_000);
    let griefer = s.trader("griefer", 1_000, 1_000);
    s.trade(&bob, "BTC", "1");
    s.trade(&whale, "ETH", "30");
    s.advance(60);
    s.set_price("ETH", "7000");
    s.trade(&griefer, "ETH", "-0.001");
    s.advance(60);
    s.set_price("ETH", "3000");
    s.set_price("BTC", "66000");
    let res = s.exec(&griefer, &Suite::adl_msg("BTC"));
    let err = res.map(|r| r.events).unwrap_err().to_string();
    assert!(
        err.contains("auto-deleveraging not needed") || err.contains("not needed"),
        "{err}"
    );
    let b = s.account(&bob);
    assert_eq!(b.positions.len(), 1);
    assert_eq!(b.positions[0].size, crate::suite::sd("1"));
}

/// Scenario 67 (safe by design, regression): a haircut forced at a live dip. As in scenario 63,
/// but the griefer calls `mark_bad_debt {whale}` while BTC is still at 61,000 on the oracle: V =
/// 10,000 + 1,000 − 20,000 = −9,000 at live prices, h = 0.55. The claim is settled in the part
/// the 10,000 of cash pays at h: 9,999.999999 paid, 8,181.818182 forgiven, 1,818.181819 left at
/// face value. This is the pending-payout twin of auto-deleveraging while V < 0 (anyone may close
/// a winner at h then): settling a part at h leaves every other claim's h unchanged, and the
/// vault keeps what was forgiven if the market recovers, as it keeps what ADL cut. The whale ends
/// with 100,000 + 9,999.999999 + 1,818.181819 of his 120,000 once carol's loss comes in.
#[test]
fn s67_a_pending_payout_shares_the_haircut_of_a_live_dip() {
    let (mut s, [whale, carol, loser, dave, griefer]) = a_pending_payout_and_cash();
    s.advance(60);
    s.set_price("BTC", "61000");
    s.set_price("ETH", "7000");
    s.trade(&griefer, "BTC", "0.001");
    let res = s.exec(&griefer, &mark(&whale)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "9999999999");
    assert_eq!(Suite::attr(&res, "wasm", "pending_forgiven"), "8181818182");
    assert_eq!(Suite::attr(&res, "wasm", "pending_left"), "1818181819");
    s.advance(60);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    s.close(&carol, "BTC").unwrap();
    s.withdraw(&whale, 1).unwrap();
    let whole = w(200_000) + 9_999_999_999 + 1_818_181_819;
    assert_eq!(s.account(&whale).collateral.i128(), whole - 1);
    s.close(&griefer, "BTC").unwrap();
    all_withdraw(&mut s, &[&dave, &carol, &loser, &griefer, &whale]);
}

/// Scenario 68 (safe, regression): a settlement leaves a book that owes the vault flat. In
/// [`a_vault_whose_cash_is_partly_owed`] the owner settles ETH at 3,000: mallory's ETH gain is
/// gone, her cross book is flat with C = −40,000 and is written off (no insurance fees, an empty
/// fund: the vault's booked cash takes the 40,000 it never held). Cash 120,000 = what it holds,
/// receivables 0; carol's 60,000 loss comes in and every flat account withdraws everything.
#[test]
fn s68_a_settled_market_writes_off_a_negative_book_once() {
    let (mut s, [carol, mallory, dave, erin]) = a_vault_whose_cash_is_partly_owed();
    s.settle_market("ETH", Some(d("3000")));
    s.settle_positions("ETH");
    assert_eq!(s.account(&mallory).collateral.i128(), 0);
    assert!(s.account(&mallory).positions.is_empty());
    assert_eq!(s.vault().cash.i128(), w(120_000));
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), w(180_000));
    all_withdraw(&mut s, &[&dave, &erin, &carol]);
}

/// The world of scenarios 69 and 70: a 100,000 vault, bob long 1 BTC at 60,000 (BTC deferred
/// when `deferred`: a keeper fills the order), the whale long 30 ETH at 3,000; ETH moves to
/// `stored` a minute later and a griefer's 0.001 ETH short stores it (it lowers |K|: no cap
/// judges it); a minute later ETH is at `live` and BTC at 66,000, nobody touching ETH.
/// Returns the suite, bob and the keeper.
fn eth_stored_then_live(deferred: bool, stored: &str, live: &str) -> (Suite, Addr, Addr) {
    use perps_api::perps::{Execution, MarketConfig};
    let btc = MarketConfig {
        execution: Some(match deferred {
            true => Execution::Deferred,
            false => Execution::Immediate,
        }),
        ..plain_market("BTC")
    };
    let markets = [("BTC", btc), ("ETH", plain_market("ETH"))];
    let mut s = Suite::with_vault(|_| {}, &markets, 100_000);
    let bob = s.trader("bob", 20_000, 20_000);
    let whale = s.trader("whale", 100_000, 100_000);
    let griefer = s.trader("griefer", 1_000, 1_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "1");
    if deferred {
        s.set_price("BTC", "60000");
        crate::orders::keeper_run(&mut s, &keeper, None);
    }
    assert_eq!(s.account(&bob).positions[0].entry_price, d("60000"));
    s.trade(&whale, "ETH", "30");
    s.advance(60);
    s.set_price("ETH", stored);
    s.trade(&griefer, "ETH", "-0.001");
    s.advance(60);
    s.set_price("ETH", live);
    s.set_price("BTC", "66000");
    (s, bob, keeper)
}

/// Scenario 69: a winner's own close haircut at another market's stale stored price. The world
/// of scenario 66 (ETH spike to 7,000 stored by the griefer's 0.001 short, ETH back at 3,000,
/// BTC 66,000); bob closes his 1 BTC himself. Old code: the close valued ETH at its stored
/// 7,000 (V = −26,000) and paid bob 4,761.904761 of his 6,000, the rest forgiven to the vault.
/// Now, when the stored prices say V < 0, the haircut is taken again with every market that has
/// skew at its live price: V = 93,996 ≥ 0, no haircut, bob is paid 6,000.
#[test]
fn s69_a_close_is_never_haircut_at_another_markets_stale_stored_price() {
    let (mut s, bob, _) = eth_stored_then_live(false, "7000", "3000");
    let res = s.close(&bob, "BTC").unwrap();
    assert_eq!(Suite::attr(&res, "trade", "realized_pnl"), "6000000000");
    assert_eq!(s.account(&bob).collateral.i128(), w(26_000));
}

/// Scenario 70 (open, `#[ignore]`): the reverse of scenario 69, a winner paid in full at a stale
/// stored price that makes V look positive. A 100,000 vault; bob long 1 BTC at 60,000, the whale
/// long 30 ETH at 3,000. ETH dips to 1,000 for one record and bob's second wallet stores it (a
/// 0.001 ETH short: it lowers |K|, no cap judges it; bob's own book must not hold ETH, or his
/// close would read it live); ETH then runs to 7,000 and BTC to 66,000, nobody touching ETH.
/// Live, V = 100,000 − 120,000 + 6 − 6,000 = −25,994 and Σ profits = 119,994 + 6,000: h =
/// 100,000/125,994, bob's due is 4,762.131530. At the stored 1,000, V = 154,000 − 6 ≥ 0. Bob
/// closes his BTC: today he is paid the full 6,000 from cash (the cheap check sees V ≥ 0 and reads
/// no other market), 1,237.868470 more than the haircut of the moment pays, and the whale, the
/// last out, is cut by it. Fix direction: a realized profit reads every market with skew at its
/// live price (one oracle read per skewed market on every profitable close:
/// `haircut_terms_live` without its cheap path), or a permissionless `poke {market_id}` lets
/// keepers keep stored prices current (narrows the window, does not close it). Safe outcome
/// asserted: bob is paid 4,762.131530.
#[test]
#[ignore = "scenario 70: a profit is paid in full at a stale stored price that hides V < 0"]
fn s70_a_close_is_never_paid_in_full_at_a_stale_price_that_hides_a_deficit() {
    let (mut s, bob, _) = eth_stored_then_live(false, "1000", "7000");
    let res = s.close(&bob, "BTC").unwrap();
    assert_eq!(Suite::attr(&res, "trade", "realized_pnl"), "4762131530");
}

/// Scenario 69 in a deferred market: bob's close is an order a keeper fills at its record
/// (BTC 66,000) while ETH's stored price is still the griefer's spike (7,000; live 3,000). The
/// fill confirms the haircut at live prices as the immediate close does: V = 93,996 ≥ 0, no
/// haircut, bob is paid 6,000 (before: 4,761.904761, the fill valued ETH at 7,000).
#[test]
fn s69_a_deferred_close_is_never_haircut_at_another_markets_stale_stored_price() {
    let (mut s, bob, keeper) = eth_stored_then_live(true, "7000", "3000");
    s.close(&bob, "BTC").unwrap();
    s.set_price("BTC", "66000");
    let res = crate::orders::keeper_run(&mut s, &keeper, None);
    assert_eq!(Suite::attr(&res, "trade", "realized_pnl"), "6000000000");
    let fees = s.balance(&keeper) as i128;
    assert_eq!(s.account(&bob).collateral.i128(), w(26_000) - fees);
}
