//! Settled markets and bad debt (DESIGN 6.8, 6.9): an isolated loss beyond its margin at the
//! settlement price goes through the bad-debt waterfall (pending insurance fees, the insurance
//! fund, then vault cash) on `settle_positions` and on every touch; a cross loss stays on `C`
//! and a flat cross book with `C < 0` is booked by `liquidate`. The harness checks conservation
//! and the market aggregates after every message.

use crate::suite::usdc;
use cosmwasm_std::Uint128;
use cosmwasm_std::{Addr, Int128};
use cw_multi_test::AppResponse;
use perps_api::events::{
    BadDebtCoverFailedEvent, BadDebtEvent, LiquidationEvent, SettlePositionEvent, TradeEvent,
};
use perps_api::perps::{ExecuteMsg, Health, LiquidatableAccountsResponse, QueryMsg};

use crate::suite::{d, fee_market, int_usdc, plain_market, Suite, USDC};

fn settle(s: &mut Suite, market: &str, price: &str) {
    s.settle_market(market, Some(d(price)));
}

/// `[shortfall, from_fees, from_fund, socialized]` of each `bad_debt` event, with its account.
fn bad_debts(res: &AppResponse) -> Vec<(String, [u128; 4])> {
    Suite::typed::<BadDebtEvent>(res)
        .into_iter()
        .map(|e| {
            let amounts = [e.shortfall, e.from_fees, e.from_fund, e.socialized];
            (e.account.to_string(), amounts.map(|v| v.u128()))
        })
        .collect()
}

/// `res` booked exactly one bad debt, `who`'s: `[shortfall, from fees, from the fund,
/// socialized]`.
fn assert_bad_debt(res: &AppResponse, who: &Addr, amounts: [u128; 4]) {
    assert_eq!(bad_debts(res), vec![(who.to_string(), amounts)]);
}

/// `who` holds no position and `collateral`.
fn assert_flat(s: &Suite, who: &Addr, collateral: Int128) {
    let a = s.account(who);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, collateral);
}

fn isolated_alice(s: &mut Suite) -> Addr {
    s.isolated_long_btc("alice")
}

/// In `s`, alice's isolated long 1 BTC (margin 1,000) is settled at 52,000: a loss of 1,200, a
/// shortfall of 200. With the vault's cash at the settlement.
fn alice_bankrupt_at_settlement(mut s: Suite) -> (Suite, Addr, Int128) {
    let alice = isolated_alice(&mut s);
    settle(&mut s, "BTC", "52000");
    let cash = s.vault().cash;
    (s, alice, cash)
}

/// The vault's cash grew by `gain` USDC from `cash`, and the fund holds `fund` USDC.
fn assert_vault_gained(s: &Suite, cash: Int128, gain: i128, fund: u128) {
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(gain)).unwrap());
    assert_eq!(s.balance(&s.fund.clone()), fund * USDC);
}

#[test]
fn settle_positions_pays_an_isolated_shortfall_from_the_fund() {
    let (mut s, alice, cash) = alice_bankrupt_at_settlement(Suite::insured(500 * USDC));
    let res = s.settle_positions("BTC");
    let e = &Suite::typed::<SettlePositionEvent>(&res)[0];
    assert_eq!(e.realized_pnl, Int128::new(-1_200i128 * USDC as i128));
    assert_eq!(e.shortfall, Uint128::new(200 * USDC));
    assert_bad_debt(&res, &alice, [200 * USDC, 0, 200 * USDC, 0]);
    // the vault keeps the whole 1,200 loss: 1,000 of margin and 200 from the fund
    assert_vault_gained(&s, cash, 1_200, 300);
    assert_flat(&s, &alice, int_usdc(2_000));
}

#[test]
fn pending_fees_pay_first_then_the_fund_then_vault_cash() {
    let mut s = Suite::with(|_| {}, &[("BTC", fee_market("BTC", "0"))]);
    s.register_engine();
    s.fund_insurance(50 * USDC);
    let carol = s.trader("carol", 100_000, 0);
    // carol's trade: fee 0.1 % of 600,000 = 600, 20 % of it (120) pending for the fund
    s.deposit(&carol, 100_000);
    s.trade(&carol, "BTC", "10");
    assert_eq!(s.pending_fees(), 120 * USDC);
    let alice = isolated_alice(&mut s);
    // alice's fee (9 USDC, 1.8 pending) comes out of her margin: 991 left
    assert_eq!(s.pending_fees(), 121_800_000);
    assert_eq!(s.account(&alice).collateral, int_usdc(2_000));
    assert_eq!(
        s.account(&alice).positions[0].margin,
        Some((991 * USDC).into())
    );
    settle(&mut s, "BTC", "52000");
    let (cash, fees) = (s.vault().cash, s.pending_fees());
    let res = s.settle_positions("BTC");
    // 1,200 − 991 = 209 short: 121.8 from fees, 50 from the fund, 37.2 socialized
    assert_eq!(
        bad_debts(&res),
        vec![(
            alice.to_string(),
            [209 * USDC, 121_800_000, 50 * USDC, 37_200_000]
        )]
    );
    assert_eq!(fees, 121_800_000);
    assert_eq!(s.pending_fees(), 0);
    assert_eq!(s.balance(&s.fund.clone()), 0);
    // the vault keeps 1,200 (alice) + 80,000 (carol's settled loss) − 37.2 socialized
    assert_eq!(
        s.vault().cash,
        cash.checked_add(int_usdc(81_200))
            .unwrap()
            .checked_sub(Int128::new(37_200_000))
            .unwrap()
    );
    assert_eq!(s.account(&alice).collateral, int_usdc(2_000));
}

#[test]
fn two_accounts_in_one_batch_share_the_fund_without_overasking() {
    let mut s = Suite::insured(250 * USDC);
    let alice = isolated_alice(&mut s);
    let bob = s.isolated_long_btc("bob");
    settle(&mut s, "BTC", "52000");
    let cash = s.vault().cash;
    let res = s.settle_positions("BTC");
    let mut got = bad_debts(&res);
    got.sort();
    let mut want = vec![
        (alice.to_string(), [200 * USDC, 0, 200 * USDC, 0]),
        (bob.to_string(), [200 * USDC, 0, 50 * USDC, 150 * USDC]),
    ];
    // holders are visited in address order: the first gets the fund's 200, the second its 50
    if bob < alice {
        want[0].1 = [200 * USDC, 0, 50 * USDC, 150 * USDC];
        want[1].1 = [200 * USDC, 0, 200 * USDC, 0];
    }
    want.sort();
    assert_eq!(got, want);
    // both fund calls are paid in full and nothing fails
    assert!(Suite::typed::<BadDebtCoverFailedEvent>(&res).is_empty());
    assert_eq!(Suite::events(&res, "cover_bad_debt").len(), 2);
    assert_vault_gained(&s, cash, 2_400 - 150, 0);
    assert_eq!(s.account(&alice).collateral, int_usdc(2_000));
    assert_eq!(s.account(&bob).collateral, int_usdc(2_000));
}

#[test]
fn a_failing_fund_call_on_settlement_is_socialized_in_the_reply() {
    let mut s = Suite::new();
    // the fund holds money but does not know the engine
    s.fund_insurance(500 * USDC);
    let (mut s, alice, cash) = alice_bankrupt_at_settlement(s);
    let res = s.settle_positions("BTC");
    assert_bad_debt(&res, &alice, [200 * USDC, 0, 200 * USDC, 0]);
    let cash_after = cash.checked_add(int_usdc(1_000)).unwrap();
    s.assert_cover_failed(&res, 200 * USDC, 500 * USDC, cash_after);
}

#[test]
fn a_deposit_pays_the_settled_shortfall_through_the_waterfall() {
    let (mut s, alice, cash) = alice_bankrupt_at_settlement(Suite::insured(500 * USDC));
    s.mint(&alice, 10 * USDC);
    let res = s
        .exec_funds(&alice, &ExecuteMsg::Deposit {}, 10 * USDC)
        .unwrap();
    assert_bad_debt(&res, &alice, [200 * USDC, 0, 200 * USDC, 0]);
    // the shortfall never reaches C: 2,000 + 10
    assert_eq!(
        Suite::attr(&res, "wasm", "collateral_after"),
        (2_010 * USDC).to_string()
    );
    assert_eq!(s.account(&alice).collateral, int_usdc(2_010));
    assert_vault_gained(&s, cash, 1_200, 300);
}

#[test]
fn a_trade_elsewhere_joins_the_settled_shortfall_to_its_own_in_one_waterfall() {
    let mut s = Suite::insured(500 * USDC);
    let alice = isolated_alice(&mut s);
    // a second bankrupt isolated book in ETH: long 1 at 3,000 (plain market price), margin 300
    s.try_isolated(&alice, "ETH", "1", 300 * USDC).unwrap();
    settle(&mut s, "BTC", "52000");
    s.set_price("ETH", "2650");
    let cash = s.vault().cash;
    let res = s.close(&alice, "ETH").unwrap();
    // 200 (BTC settled) + 50 (ETH closed at −350 on 300 of margin) in one event
    assert_eq!(
        Suite::typed::<TradeEvent>(&res)[0].shortfall,
        Some(usdc(50))
    );
    assert_bad_debt(&res, &alice, [250 * USDC, 0, 250 * USDC, 0]);
    assert_vault_gained(&s, cash, 1_550, 250);
    assert_flat(&s, &alice, int_usdc(1_700));
}

#[test]
fn withdraw_and_add_margin_are_touches_too() {
    let mut s = Suite::insured(500 * USDC);
    let alice = isolated_alice(&mut s);
    let bob = s.isolated_long_btc("bob");
    s.try_isolated(&bob, "ETH", "1", 500 * USDC).unwrap();
    settle(&mut s, "BTC", "52000");
    // withdraw: the fund's payment comes first, then the bank send of 2,000
    let res = s.withdraw(&alice, 2_000 * USDC).unwrap();
    assert_bad_debt(&res, &alice, [200 * USDC, 0, 200 * USDC, 0]);
    assert_eq!(s.balance(&alice), 2_000 * USDC);
    assert_eq!(s.account(&alice).collateral, Int128::zero());
    // add_margin on the ETH book
    let res = s
        .exec(&bob, &Suite::add_margin_msg("ETH", 100 * USDC))
        .unwrap();
    assert_bad_debt(&res, &bob, [200 * USDC, 0, 200 * USDC, 0]);
    let b = s.account(&bob);
    assert_eq!(b.collateral, int_usdc(1_400));
    assert_eq!(b.positions[0].margin, Some((600 * USDC).into()));
    assert_eq!(s.balance(&s.fund.clone()), 100 * USDC);
}

#[test]
fn liquidate_joins_a_settled_shortfall_to_the_books_it_liquidates() {
    let mut s = Suite::insured(1_000 * USDC);
    let (alice, keeper) = (isolated_alice(&mut s), s.trader("keeper", 0, 0));
    // a bankrupt cross book beside it: C = 2,000, long 1 ETH at 3,000 falling to 900
    s.trade(&alice, "ETH", "1");
    settle(&mut s, "BTC", "52000");
    s.set_price("ETH", "900");
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    // settled BTC short 200, the cross book −100 (and its 0.5 % reward floor of 0 pays nothing)
    assert_eq!(Suite::typed::<SettlePositionEvent>(&res).len(), 1);
    assert_eq!(Suite::typed::<LiquidationEvent>(&res).len(), 1);
    assert_bad_debt(&res, &alice, [300 * USDC, 0, 300 * USDC, 0]);
    assert_eq!(s.balance(&s.fund.clone()), 700 * USDC);
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, Int128::zero());
}

#[test]
fn a_settled_cross_loss_that_leaves_the_account_flat_is_written_off_at_once() {
    let mut s = Suite::with(|_| {}, &[("BTC", plain_market("BTC"))]);
    s.register_engine();
    s.fund_insurance(500 * USDC);
    let (alice, keeper) = (s.trader("alice", 1_000, 1_000), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", "0.15");
    settle(&mut s, "BTC", "52000");
    // settlement leaves C = 1,000 − 1,200 = −200 on a flat account: written off in the same
    // transaction through the waterfall (DESIGN 6.10), the fund pays the 200
    let cash = s.vault().cash;
    let res = s.settle_positions("BTC");
    assert_bad_debt(&res, &alice, [200 * USDC, 0, 200 * USDC, 0]);
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, Int128::zero());
    assert_eq!(a.health, Health::Healthy);
    // nothing left to liquidate
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&alice, None),
        &[],
        &format!("account {alice} is healthy"),
    );
    assert_eq!(s.balance(&s.fund.clone()), 300 * USDC);
    // the vault got the realized 1,200 and the fund's 200 arrived: alice's 1,000 + 200
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(1_200)).unwrap());
}

#[test]
fn the_scan_lists_a_bankrupt_settled_isolated_position_and_liquidate_books_it() {
    let mut s = Suite::insured(500 * USDC);
    let (alice, bob, keeper) = (
        isolated_alice(&mut s),
        s.isolated_long_btc("bob"),
        s.trader("keeper", 0, 0),
    );
    // bob adds margin: at 52,000 his book keeps 1,300 − 1,200 = 100 (below maintenance 390,
    // but settlement closes it without loss, so there is nothing to liquidate)
    s.exec(&bob, &Suite::add_margin_msg("BTC", 300 * USDC))
        .unwrap();
    settle(&mut s, "BTC", "52000");
    let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: None,
    });
    let listed: Vec<_> = page.accounts.iter().map(|a| a.address.clone()).collect();
    assert_eq!(listed, vec![alice.clone()]);
    assert_eq!(page.accounts[0].positions[0].market_id, "BTC");
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&bob, None),
        &[],
        &format!("account {bob} is healthy"),
    );
    // nothing is closed by liquidation, so there is no reward: a bot asking for one is refused
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&alice, Some(1)),
        &[],
        "liquidator reward 0 is below min_reward 1",
    );
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    assert!(Suite::typed::<LiquidationEvent>(&res).is_empty());
    assert_eq!(Suite::typed::<SettlePositionEvent>(&res).len(), 1);
    assert_bad_debt(&res, &alice, [200 * USDC, 0, 200 * USDC, 0]);
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "0");
    assert_eq!(s.balance(&keeper), 0);
    let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: None,
    });
    assert!(page.accounts.is_empty());
    assert_eq!(s.account(&alice).collateral, int_usdc(2_000));
}
