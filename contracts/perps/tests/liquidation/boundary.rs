//! Liquidation (DESIGN 6.8, SECURITY 19-26, 41): exact amounts, events, and the invariants
//! after every step (the harness checks them after each message).

use crate::suite::d;
use crate::suite::sd;
use cosmwasm_std::Uint128;
use cosmwasm_std::{Addr, Int128};
use cw_multi_test::AppResponse;
use perps_api::events::{BadDebtEvent, LiquidationEvent};
use perps_api::perps::Health;
use perps_api::perps::PositionMode;

use crate::suite::{int_usdc, usdc, Suite, USDC};

/// alice: short 1 BTC at 60,000 with C = 6,150 USDC; at 63,000 her equity is exactly her
/// maintenance requirement (3,150). bob: the same with one base unit less.
fn at_the_boundary() -> (Suite, Addr, Addr, Addr) {
    let mut s = Suite::new();
    let [alice, bob] = [s.trader("alice", 10_000, 6_150), s.trader("bob", 10_000, 0)];
    let keeper = s.trader("keeper", 0, 0);
    s.deposit_units(&bob, 6_150 * USDC - 1);
    s.trade(&alice, "BTC", "-1");
    s.trade(&bob, "BTC", "-1");
    s.set_price("BTC", "63000");
    (s, alice, bob, keeper)
}

#[test]
fn healthy_and_exactly_at_maintenance_are_refused_one_unit_below_is_liquidated() {
    let (mut s, alice, bob, keeper) = at_the_boundary();
    let a = s.account(&alice);
    assert_eq!(a.equity, int_usdc(3_150));
    assert_eq!(a.maintenance_margin.u128(), 3_150 * USDC);
    assert_eq!(a.health, Health::Healthy);
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&alice, None),
        &[],
        &format!("account {alice} is healthy: cross equity 3150000000 ≥ maintenance 3150000000"),
    );
    let b = s.account(&bob);
    assert_eq!(b.equity, Int128::new(3_150 * USDC as i128 - 1));
    assert_eq!(b.health, Health::Liquidatable);
    let vault_cash = s.vault().cash;
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    let e = &ev[0];
    assert_eq!(e.account, bob);
    assert_eq!(e.liquidator, keeper);
    assert_eq!(e.market_id, "BTC");
    assert_eq!(e.mode, PositionMode::Cross);
    assert_eq!(e.mark_price, d("63000"));
    // closes 0.2380952399 of 1 BTC: penalty 1 % of 63,000·x, half to the keeper
    assert_eq!(e.size_closed, sd("-0.238095239909297053"));
    assert_eq!(e.size_after, sd("-0.761904760090702947"));
    assert_eq!(e.realized_pnl, Int128::new(-714285720));
    assert_eq!(e.funding_paid, Int128::new(0));
    assert_eq!(e.penalty, Uint128::new(150000002));
    assert_eq!(e.liquidator_reward, Uint128::new(75000001));
    assert_eq!(e.insurance_share, Uint128::new(75000001));
    assert_eq!(e.equity_before, Int128::new(3149999999));
    assert_eq!(e.maintenance_before, Uint128::new(3150000000));
    assert_eq!(e.equity_after, Int128::new(2999999996));
    assert_eq!(e.maintenance_after, Uint128::new(2399999995));
    assert!(Suite::typed::<BadDebtEvent>(&res).is_empty());
    // lands on the target: 2,999.999996 ≥ ceil(1.25 · 2,399.999995) = 2,999.999994
    let b = s.account(&bob);
    assert_eq!(b.equity, Int128::new(2_999_999_996));
    assert_eq!(b.maintenance_margin.u128(), 2_399_999_995);
    assert_eq!(
        b.collateral,
        Int128::new(6_150 * USDC as i128 - 1 - 714_285_720 - 150_000_002)
    );
    assert_eq!(b.health, Health::Healthy);
    assert_eq!(s.balance(&keeper), 75_000_001);
    assert_eq!(s.pending_fees(), 75_000_001);
    // the vault paid nothing: it took the realized loss in cash
    assert_eq!(
        s.vault().cash,
        vault_cash.checked_add(Int128::new(714_285_720)).unwrap()
    );
    // aggregates follow the position (the harness recomputes them after every step)
    assert_eq!(
        s.market("BTC").state.short_oi.to_string(),
        "1.761904760090702947"
    );
}

#[test]
fn self_liquidation_and_a_second_call_in_the_same_block_are_refused() {
    let (mut s, _alice, bob, keeper) = at_the_boundary();
    s.rejects(
        &bob,
        &Suite::liquidate_msg(&bob, None),
        &[],
        &format!("account {bob} cannot liquidate itself"),
    );
    s.liquidate(&keeper, &bob, None).unwrap();
    let other = s.trader("other", 0, 0);
    s.rejects(
        &other,
        &Suite::liquidate_msg(&bob, None),
        &[],
        &format!("account {bob} is healthy: cross equity 2999999996 ≥ maintenance 2399999995"),
    );
}

#[test]
fn min_reward_is_honoured() {
    let (mut s, _alice, bob, keeper) = at_the_boundary();
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&bob, Some(75_000_002)),
        &[],
        "liquidator reward 75000001 is below min_reward 75000002",
    );
    let res = s.liquidate(&keeper, &bob, Some(75_000_001)).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "75000001");
    assert_eq!(s.balance(&keeper), 75_000_001);
}

/// alice: C = 1,000, long 0.15 BTC at 60,000; at 52,000 her equity is −200.
fn bankrupt_cross(edit: impl FnOnce(&mut perps_api::perps::InstantiateMsg)) -> (Suite, Addr, Addr) {
    let mut s = Suite::plain(edit, &["BTC", "ETH"]);
    let (alice, keeper) = (s.trader("alice", 1_000, 1_000), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", "0.15");
    s.set_price("BTC", "52000");
    assert_eq!(s.account(&alice).equity, int_usdc(-200));
    (s, alice, keeper)
}

/// The one `bad_debt` event: shortfall, from fees, from the fund, socialized.
fn bad_debt(res: &cw_multi_test::AppResponse) -> [u128; 4] {
    let ev = Suite::typed::<BadDebtEvent>(res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    let e = &ev[0];
    [e.shortfall, e.from_fees, e.from_fund, e.socialized].map(|v| v.u128())
}

/// [`bankrupt_cross`] with the engine registered with the fund, the fund holding `fund` base
/// units (none when 0), and the keeper's liquidation. Returns the suite, alice, the keeper, the
/// vault's cash before the liquidation and its response.
fn liquidate_bankrupt_cross_insured(fund: u128) -> (Suite, Addr, Addr, Int128, AppResponse) {
    let (mut s, alice, keeper) = bankrupt_cross(|_| {});
    s.register_engine();
    if fund > 0 {
        s.fund_insurance(fund);
    }
    let cash = s.vault().cash;
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    (s, alice, keeper, cash, res)
}

fn strs(v: [u128; 4]) -> [u128; 4] {
    v
}

#[test]
fn cross_bankruptcy_fully_covered_by_the_fund() {
    let (s, alice, keeper, cash, res) = liquidate_bankrupt_cross_insured(500 * USDC);
    assert_eq!(bad_debt(&res), strs([200 * USDC, 0, 200 * USDC, 0]));
    let e = &Suite::typed::<LiquidationEvent>(&res)[0];
    assert_eq!(e.size_closed, sd("0.15"));
    assert_eq!(e.realized_pnl, Int128::new(-1200000000));
    // nothing left to pay a penalty or a reward with
    assert_eq!(
        (e.penalty, e.liquidator_reward),
        (Uint128::zero(), Uint128::zero())
    );
    assert_eq!(e.equity_after, Int128::new(-200000000));
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, Int128::zero());
    assert_eq!(s.balance(&s.fund.clone()), 300 * USDC);
    assert_eq!(s.balance(&keeper), 0);
    // the vault took the whole 1,200 loss: 1,000 from alice and 200 from the fund
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(1_200)).unwrap());
}

#[test]
fn cross_bankruptcy_partly_covered_by_the_fund_rest_socialized() {
    let (s, alice, _, cash, res) = liquidate_bankrupt_cross_insured(50 * USDC);
    assert_eq!(bad_debt(&res), strs([200 * USDC, 0, 50 * USDC, 150 * USDC]));
    assert_eq!(s.balance(&s.fund.clone()), 0);
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(1_050)).unwrap());
    assert_eq!(s.account(&alice).collateral, Int128::zero());
}

#[test]
fn cross_bankruptcy_with_an_empty_fund_is_socialized() {
    let (s, _, _, cash, res) = liquidate_bankrupt_cross_insured(0);
    assert_eq!(bad_debt(&res), strs([200 * USDC, 0, 0, 200 * USDC]));
    // no cover_bad_debt call at all
    assert!(Suite::events(&res, "cover_bad_debt").is_empty());
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(1_000)).unwrap());
}

#[test]
fn a_failing_fund_call_is_booked_as_socialized_in_the_reply() {
    // the fund holds money but does not know the engine: cover_bad_debt fails
    let (mut s, alice, keeper) = bankrupt_cross(|_| {});
    s.fund_insurance(500 * USDC);
    let cash = s.vault().cash;
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    assert_eq!(bad_debt(&res), strs([200 * USDC, 0, 200 * USDC, 0]));
    let cash_after = cash.checked_add(int_usdc(1_000)).unwrap();
    s.assert_cover_failed(&res, 200 * USDC, 500 * USDC, cash_after);
}

#[test]
fn min_liquidation_reward_is_never_paid_beyond_what_the_book_holds() {
    let (mut s, alice, keeper) =
        bankrupt_cross(|m| m.min_liquidation_reward = Some(cosmwasm_std::Uint128::new(5 * USDC)));
    s.register_engine();
    s.fund_insurance(500 * USDC);
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    // the bankrupt book holds nothing: no reward (the fund never pays one), only its 200 of
    // negative equity is bad debt
    assert_eq!(bad_debt(&res), strs([200 * USDC, 0, 200 * USDC, 0]));
    let e = &Suite::typed::<LiquidationEvent>(&res)[0];
    assert_eq!(e.liquidator_reward, Uint128::new(0));
    assert_eq!(e.insurance_share, Uint128::new(0));
    assert_eq!(s.balance(&keeper), 0);
    assert_eq!(s.balance(&s.fund.clone()), 300 * USDC);
}

#[test]
fn pending_insurance_fees_pay_first() {
    let mut s = Suite::with(|_| {}, &[("BTC", crate::suite::fee_market("BTC", "0"))]);
    s.register_engine();
    s.fund_insurance(500 * USDC);
    let [alice, keeper] = [s.trader("alice", 1_000, 0), s.trader("keeper", 0, 0)];
    // carol's trades accrue insurance fees: 0.1 % of 60,000·10 = 600, 20 % of it = 120
    let carol = s.trader("carol", 100_000, 100_000);
    s.trade(&carol, "BTC", "10");
    assert_eq!(s.pending_fees(), 120 * USDC);
    s.deposit(&alice, 1_000);
    s.trade(&alice, "BTC", "0.15");
    // fee 0.1 % of 9,000 = 9: C = 991, fees pending 120 + 1.8
    assert_eq!(s.pending_fees(), 121_800_000);
    s.set_price("BTC", "52000");
    assert_eq!(s.account(&alice).equity, int_usdc(-209));
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    assert_eq!(
        bad_debt(&res),
        strs([209 * USDC, 121_800_000, 87_200_000, 0])
    );
    assert_eq!(s.pending_fees(), 0);
    assert_eq!(s.balance(&s.fund.clone()), 412_800_000);
}

#[test]
fn isolated_bankruptcy_leaves_the_cross_balance_untouched() {
    let mut s = Suite::insured(500 * USDC);
    let alice = s.isolated_long_btc("alice");
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&alice, "ETH", "1");
    s.set_price("BTC", "52000");
    let before = s.account(&alice);
    assert_eq!(before.collateral, int_usdc(2_000));
    assert_eq!(before.positions[0].equity, Some(int_usdc(-200)));
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    assert_eq!(bad_debt(&res), strs([200 * USDC, 0, 200 * USDC, 0]));
    let e = &Suite::typed::<LiquidationEvent>(&res)[0];
    assert_eq!(
        (e.market_id.as_str(), &e.mode),
        ("BTC", &PositionMode::Isolated)
    );
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(2_000));
    assert_eq!(a.positions.len(), 1);
    assert_eq!(a.positions[0].market_id, "ETH");
}

#[test]
fn one_call_liquidates_the_cross_book_and_every_isolated_position() {
    let mut s = Suite::new();
    let (alice, keeper) = (s.trader("alice", 10_000, 6_500), s.trader("keeper", 0, 0));
    s.try_isolated(&alice, "ETH", "1", 300 * USDC).unwrap();
    s.trade(&alice, "BTC", "-1");
    s.set_price("BTC", "63100");
    s.set_price("ETH", "2800");
    // cross: Q = 6,200 − 3,100 = 3,100 < 3,155; isolated ETH: Q = 300 − 200 = 100 < 140
    let a = s.account(&alice);
    assert_eq!(
        (a.equity, a.maintenance_margin),
        (int_usdc(3_100), usdc(3_155))
    );
    assert_eq!(a.positions[1].equity, Some(int_usdc(100)));
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 2, "{ev:?}");
    // isolated books first, then the cross book
    assert_eq!(
        (ev[0].market_id.as_str(), &ev[0].mode),
        ("ETH", &PositionMode::Isolated)
    );
    assert_eq!(
        (ev[1].market_id.as_str(), &ev[1].mode),
        ("BTC", &PositionMode::Cross)
    );
    assert_eq!(ev[0].size_closed, sd("0.510204115646258504"));
    assert_eq!(ev[1].size_closed, sd("-0.254697760169043846"));
    let rewards: u128 = ev.iter().map(|e| e.liquidator_reward.u128()).sum();
    assert_eq!(s.balance(&keeper), rewards);
    // the isolated position stays open on its own margin: 300 + realized PnL − penalty
    let realized = ev[0].realized_pnl.i128();
    let penalty = ev[0].penalty.u128() as i128;
    let a = s.account(&alice);
    let eth = a.positions.iter().find(|p| p.market_id == "ETH").unwrap();
    assert_eq!(
        eth.margin.unwrap().u128() as i128,
        300 * USDC as i128 + realized - penalty
    );
    assert_eq!(eth.equity.unwrap(), ev[0].equity_after);
    assert_books_healthy(&s, &alice);
}

/// DESIGN 8.4: after a liquidation each book is healthy or empty.
fn assert_books_healthy(s: &Suite, who: &Addr) {
    let a = s.account(who);
    assert_eq!(a.health, Health::Healthy, "{a:?}");
    for p in &a.positions {
        if let (Some(eq), Some(_)) = (p.equity, p.margin) {
            let mm = p.notional.multiply_ratio(5u128, 100u128);
            assert!(eq.i128() >= mm.u128() as i128, "isolated {p:?}");
        }
    }
}

#[test]
fn funding_is_settled_and_aggregates_follow_as_a_normal_close() {
    let mut s = Suite::with(|_| {}, &[("BTC", crate::suite::fee_market("BTC", "1000"))]);
    let (bob, keeper) = (s.trader("bob", 10_000, 6_400), s.trader("keeper", 0, 0));
    s.trade(&bob, "BTC", "-1");
    // a day of funding paid by the short side (K < 0), then the price rises
    s.advance(86_400);
    s.set_price("BTC", "63200");
    let before = s.account(&bob);
    let owed = before.positions[0].accrued_funding;
    assert!(owed.i128() > 0, "{before:?}");
    assert_eq!(before.health, Health::Liquidatable);
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let e = &Suite::typed::<LiquidationEvent>(&res)[0];
    // the whole position's funding is settled, exactly what the account query showed as owed
    assert_eq!(e.funding_paid, owed);
    // (the index moves by P·r·Δt rounded once: the size differs from the rate-rounded one at 1e-12)
    assert_eq!(e.size_closed, sd("-0.255060300828254415"));
    let after = s.account(&bob);
    assert_eq!(after.positions[0].accrued_funding, Int128::zero());
    assert_books_healthy(&s, &bob);
}

#[test]
fn min_liquidation_reward_above_the_share_is_topped_up_by_the_book_as_far_as_it_can() {
    let mut s = Suite::with(
        |m| m.min_liquidation_reward = Some(cosmwasm_std::Uint128::new(200 * USDC)),
        &[("BTC", crate::suite::plain_market("BTC"))],
    );
    s.register_engine();
    s.fund_insurance(1_000 * USDC);
    let (bob, keeper) = (s.bob_below_maintenance(), s.trader("keeper", 0, 0));
    s.set_price("BTC", "63000");
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let e = &Suite::typed::<LiquidationEvent>(&res)[0];
    // the 150.000002 penalty pays 150.000002 of the 200 floor; the book stays open and can spare
    // only 3 units above its target (2,999.999996 − 1.25·2,399.999995 rounded up): the keeper
    // gets what the book paid, 150.000005, and nothing is bad debt (the fund never pays a reward)
    assert_eq!(e.liquidator_reward, Uint128::new(150_000_005));
    assert_eq!(e.insurance_share, Uint128::new(0));
    assert_eq!(s.balance(&keeper), 150_000_005);
    assert_eq!(e.penalty, Uint128::new(150000002));
    assert_eq!(e.equity_after, Int128::new(2999999996));
    assert!(Suite::typed::<perps_api::events::BadDebtEvent>(&res).is_empty());
    assert_eq!(s.account(&bob).equity, Int128::new(2_999_999_993));
    assert_eq!(s.balance(&s.fund.clone()), 1_000 * USDC);
    assert_books_healthy(&s, &bob);
}

#[test]
fn a_second_wallet_gains_nothing_over_closing_normally() {
    let (mut s, _alice, bob, _keeper) = at_the_boundary();
    let bob2 = s.trader("bob-second-wallet", 0, 0);
    // a normal close of the same 0.238095239909297053 BTC at 63,000 (no fee, no impact here)
    // would keep bob's equity at 3,149.999999; liquidating himself through a second wallet
    // leaves 2,999.999996 + the 75.000001 reward: the other half of the penalty is lost
    s.liquidate(&bob2, &bob, None).unwrap();
    let wealth = s.account(&bob).equity.i128() + s.balance(&bob2) as i128;
    assert_eq!(wealth, 3_074_999_997);
    assert!(wealth < 3_149_999_999);
}

#[test]
fn margin_returned_by_a_closed_isolated_position_reduces_the_cross_shortfall() {
    let eth = perps_api::perps::MarketConfig {
        min_order_size: crate::suite::d("1"),
        ..crate::suite::plain_market("ETH")
    };
    let mut s = Suite::with(
        |_| {},
        &[("BTC", crate::suite::plain_market("BTC")), ("ETH", eth)],
    );
    s.register_engine();
    let (alice, keeper) = (s.trader("alice", 1_300, 1_300), s.trader("keeper", 0, 0));
    s.try_isolated(&alice, "ETH", "1", 300 * USDC).unwrap();
    s.trade(&alice, "BTC", "0.15");
    s.set_price("BTC", "52000");
    s.set_price("ETH", "2800");
    // ETH: Q = 100 < MM 140 and any partial close would leave less than the 1 ETH minimum;
    // cross: Q = 1,000 − 1,200 = −200
    assert_eq!(s.account(&alice).equity, int_usdc(-200));
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(ev[0].market_id, "ETH");
    assert_eq!(ev[0].size_closed, sd("1"));
    assert_eq!(ev[0].realized_pnl, Int128::new(-200000000));
    // penalty 1 % of 2,800, half to the keeper; M = 300 − 200 − 28 = 72 goes back to C
    assert_eq!(ev[0].penalty, Uint128::new(28000000));
    assert_eq!(ev[0].liquidator_reward, Uint128::new(14000000));
    assert_eq!(ev[1].market_id, "BTC");
    assert_eq!(ev[1].equity_before, Int128::new(-128000000));
    // the 72 returned by ETH pays part of the cross loss: 128 of bad debt, not 200
    assert_eq!(bad_debt(&res), strs([128 * USDC, 14 * USDC, 0, 114 * USDC]));
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, Int128::zero());
    assert_eq!(s.balance(&keeper), 14 * USDC);
    assert_eq!(s.pending_fees(), 0);
}
