//! LP orders (DESIGN 6.11): while a market is deferred, `provide_liquidity` (once shares exist)
//! and `claim_liquidity` are orders pinned to the first record of a later block of every market
//! with open skew, at the worse for the LP of the share prices at request and at execution.
//!
//! The setup: the suite's LP holds the 1,000,000 USDC vault (share price 1); BTC (no fees, no
//! impact, no funding: every number is exact) is deferred; a whale holds 10 BTC long at 60,000,
//! so a visible −5 % print (57,000) raises V by 30,000 USDC and a +5 % print (63,000) lowers it by
//! as much. The LP withdrawal delay is 0 here so that the attacker can exit right after the move.

use cosmwasm_std::{Addr, Uint128};
use perps_api::events::{LpOrderExecutedEvent, OrderCancelledEvent, OrderPlacedEvent};
use perps_api::perps::{ExecuteMsg, OrderKind};

use super::{deferred_suite, keeper_run, orders_of};
use crate::suite::{config_update, plain_market, Suite, USDC};

/// Deferred BTC, no LP delay, the whale long 10 BTC at 60,000 (its order executed), and the
/// keeper.
fn setup() -> (Suite, Addr) {
    let mut s = deferred_suite(plain_market("BTC"));
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(lp_withdraw_delay_secs: 0))
        .unwrap();
    let whale = s.trader("whale", 100_000, 100_000);
    s.trade(&whale, "BTC", "10");
    s.set_price("BTC", "60000");
    touch(&mut s, &whale);
    assert_eq!(s.account(&whale).positions.len(), 1);
    let keeper = s.trader("keeper", 0, 0);
    (s, keeper)
}

/// Any message of `who` (a deposit of one fresh base unit): it executes `who`'s ready orders.
fn touch(s: &mut Suite, who: &Addr) -> cw_multi_test::AppResponse {
    s.mint(who, 1);
    s.exec_funds(who, &ExecuteMsg::Deposit {}, 1).unwrap()
}

#[test]
fn s47_an_lp_providing_before_a_visible_rise_of_v_and_exiting_after_it_gains_nothing() {
    let (mut s, _) = setup();
    let attacker = s.trader("attacker", 100_000, 0);
    // Old code: 100,000 USDC mints 100,000e6 shares at 1.00; after the −5 % print V is
    // 1,130,000 for 1,100,000e6 shares: the attacker exits with 102,727.27 (+2,727.27).
    let res = s.provide(&attacker, 100_000 * USDC).unwrap();
    let placed = Suite::typed::<OrderPlacedEvent>(&res);
    assert_eq!(
        (placed[0].kind.as_str(), placed[0].reserved),
        ("provide", Uint128::new(100_000 * USDC))
    );
    assert_eq!(s.lp_position(&attacker).shares, Uint128::zero());
    let orders = orders_of(&s, &attacker);
    assert_eq!(
        (orders[0].kind.clone(), orders[0].market_id.clone()),
        (OrderKind::Provide, None)
    );
    s.set_price("BTC", "57000");
    // Its own next message executes it (no keeper fee), pinned to 57,000: V 1,030,000 for
    // 1,000,000e6 shares, so 100,000 USDC mints 97,087,378,640 shares (price 1.03, not 1.00).
    s.request_withdrawal(&attacker, 97_087_378_640);
    assert_eq!(
        s.lp_position(&attacker).shares,
        Uint128::new(97_087_378_640)
    );
    s.exec(&attacker, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    s.set_price("BTC", "57000");
    let res = touch(&mut s, &attacker);
    let paid = Suite::typed::<LpOrderExecutedEvent>(&res);
    // V 1,130,000 for 1,097,087,378,640 shares: 99,999,999,999 (one base unit of rounding).
    assert_eq!(
        (paid[0].kind.as_str(), paid[0].amount, paid[0].shares),
        (
            "claim",
            Uint128::new(99_999_999_999),
            Uint128::new(97_087_378_640)
        )
    );
    assert_eq!(s.balance(&attacker), 99_999_999_999);
    assert_eq!(s.account(&attacker).collateral.i128(), 1);
}

#[test]
fn s47_an_lp_claiming_before_a_visible_fall_of_v_is_paid_after_it() {
    let (mut s, keeper) = setup();
    let lp = s.lp.clone();
    s.request_withdrawal(&lp, 100_000 * USDC);
    // The LP sees +5 % coming (the whale wins 30,000) and claims first. Old code: 100,000 USDC.
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(Suite::typed::<OrderPlacedEvent>(&res)[0].kind, "claim");
    assert_eq!(s.balance(&lp), 0);
    s.set_price("BTC", "63000");
    // A later, better record changes nothing: the claim is pinned to the first one.
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, None);
    // V 970,000 for 1,000,000e6 shares: 97,000 USDC, the keeper's 0.5 out of it.
    let paid = Suite::typed::<LpOrderExecutedEvent>(&res);
    assert_eq!(
        (paid[0].amount, paid[0].keeper_fee),
        (Uint128::new(96_999_500_000), Uint128::new(500_000))
    );
    assert_eq!(
        (s.balance(&lp), s.balance(&keeper)),
        (96_999_500_000, 500_000)
    );
    assert!(s.lp_position(&lp).pending_withdrawal.is_none());
}

#[test]
fn s49_an_lp_order_is_no_option_it_cannot_be_cancelled_and_a_late_record_expires_it() {
    let (mut s, keeper) = setup();
    let attacker = s.trader("attacker", 100_000, 0);
    s.provide(&attacker, 100_000 * USDC).unwrap();
    let id = orders_of(&s, &attacker)[0].order_id;
    s.rejects_exact(
        &attacker,
        &ExecuteMsg::CancelOrder { order_id: id },
        &[],
        &format!("order {id} is a market order: market orders cannot be cancelled"),
    );
    // The reserved funds cannot be withdrawn either.
    s.rejects_exact(
        &attacker,
        &Suite::withdraw_msg(1),
        &[],
        "withdrawal 1 exceeds free collateral 0",
    );
    // No record for longer than max_order_age_secs (300): the first record comes too late, the
    // order expires with its funds free again, whatever that record says.
    s.advance(301);
    s.set_price("BTC", "57000");
    let res = keeper_run(&mut s, &keeper, None);
    let cancelled = Suite::typed::<OrderCancelledEvent>(&res);
    assert_eq!(
        (cancelled[0].reason.as_str(), cancelled[0].refund),
        ("expired", Uint128::new(100_000 * USDC))
    );
    assert_eq!(s.balance(&keeper), 0);
    assert_eq!(s.lp_position(&attacker).shares, Uint128::zero());
    s.withdraw(&attacker, 100_000 * USDC).unwrap();
    assert_eq!(s.balance(&attacker), 100_000 * USDC);
}

#[test]
fn lp_order_refusals_leave_the_state_unchanged() {
    let (mut s, _) = setup();
    let lp = s.lp.clone();
    let poor = s.trader("poor", 1, 0);
    // The keeper fee (0.5 USDC) must leave something to provide.
    s.rejects_exact(
        &poor,
        &ExecuteMsg::ProvideLiquidity {},
        &cosmwasm_std::coins(500_000, crate::suite::DENOM),
        "invalid parameter funds: 500000 must exceed the keeper fee 500000",
    );
    s.rejects_exact(
        &lp,
        &ExecuteMsg::ClaimLiquidity {},
        &[],
        "no pending withdrawal request",
    );
    // A stale BTC price (the vault has open skew there): every LP action is refused.
    s.request_withdrawal(&lp, USDC);
    s.advance(61);
    s.mint(&lp, 10 * USDC);
    let stale = "oracle price of market BTC is stale: age 61s > max 60s";
    s.rejects_exact(
        &lp,
        &ExecuteMsg::ProvideLiquidity {},
        &cosmwasm_std::coins(10 * USDC, crate::suite::DENOM),
        stale,
    );
    s.rejects_exact(&lp, &ExecuteMsg::ClaimLiquidity {}, &[], stale);
    // The per-account cap counts LP orders.
    let owner = s.owner.clone();
    s.set_price("BTC", "60000");
    s.exec(&owner, &config_update!(max_orders_per_account: 1))
        .unwrap();
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    s.rejects_exact(
        &lp,
        &ExecuteMsg::ProvideLiquidity {},
        &cosmwasm_std::coins(10 * USDC, crate::suite::DENOM),
        "too many pending orders: 1 of max 1",
    );
}

#[test]
fn provide_mints_at_the_request_price_when_v_falls_before_execution() {
    let (mut s, keeper) = setup();
    let lp2 = s.trader("lp2", 100_000, 0);
    s.provide(&lp2, 100_000 * USDC).unwrap();
    // +5 %: V falls to 970,000; the provide still pays the request's 1.00 per share.
    s.set_price("BTC", "63000");
    let res = keeper_run(&mut s, &keeper, None);
    let done = Suite::typed::<LpOrderExecutedEvent>(&res);
    assert_eq!(
        (done[0].amount, done[0].shares, done[0].keeper_fee),
        (
            Uint128::new(99_999_500_000),
            Uint128::new(99_999_500_000),
            Uint128::new(500_000)
        )
    );
    assert_eq!(s.account(&lp2).collateral.i128(), 0);
    assert_eq!(s.balance(&keeper), 500_000);
}

#[test]
fn lp_actions_are_orders_only_while_a_market_is_deferred() {
    let mut s = deferred_suite(plain_market("BTC"));
    let (owner, lp2) = (s.owner.clone(), s.trader("lp2", 2_000, 0));
    // No skew anywhere: V does not depend on any price, so the order is ready at once (its
    // owner's next message runs it, without keeper fee).
    let res = s.provide(&lp2, 1_000 * USDC).unwrap();
    assert_eq!(Suite::typed::<OrderPlacedEvent>(&res)[0].kind, "provide");
    let res = touch(&mut s, &lp2);
    assert_eq!(
        Suite::typed::<LpOrderExecutedEvent>(&res)[0].shares,
        Uint128::new(1_000 * USDC)
    );
    // BTC back to immediate: no market is deferred, the next provide mints at once.
    let immediate = perps_api::perps::MarketConfig {
        execution: Some(perps_api::perps::Execution::Immediate),
        ..plain_market("BTC")
    };
    s.exec(
        &owner,
        &ExecuteMsg::UpdateMarket {
            market_id: "BTC".into(),
            config: immediate,
            force: None,
        },
    )
    .unwrap();
    let res = s.provide(&lp2, 1_000 * USDC).unwrap();
    assert!(Suite::typed::<OrderPlacedEvent>(&res).is_empty());
    assert_eq!(s.lp_position(&lp2).shares, Uint128::new(2_000 * USDC));
}
