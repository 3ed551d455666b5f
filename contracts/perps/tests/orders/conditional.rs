//! Conditional orders: `place_order` and `cancel_order` (DESIGN 6.11).

use cosmwasm_std::{coins, Addr, Uint128};
use perps_api::events::{OrderCancelledEvent, OrderExecutedEvent, OrderPlacedEvent, TradeEvent};
use perps_api::perps::{ExecuteMsg, Trigger};

use super::{deferred_suite, keeper_run, orders_of};
use crate::suite::{d, plain_market, sd, Suite, DENOM, USDC};

fn order(
    size: &str,
    trigger_price: &str,
    trigger: Trigger,
    reduce_only: bool,
    acceptable: Option<&str>,
) -> ExecuteMsg {
    ExecuteMsg::PlaceOrder {
        market_id: "BTC".into(),
        size_delta: sd(size),
        trigger_price: d(trigger_price),
        trigger,
        reduce_only: Some(reduce_only),
        acceptable_price: acceptable.map(d),
        mode: None,
    }
}

/// The plain deferred BTC market at 60,000 and alice (20,000 USDC) long `size` BTC entered at
/// 60,000.
fn alice_long(size: &str) -> (Suite, Addr, Addr) {
    let mut s = deferred_suite(plain_market("BTC"));
    let (alice, keeper) = (s.trader("alice", 20_000, 20_000), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", size);
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(s.account(&alice).positions[0].size, sd(size));
    (s, alice, keeper)
}

#[test]
fn a_stop_loss_fills_at_the_first_record_meeting_it_not_at_the_trigger() {
    let (mut s, alice, keeper) = alice_long("1");
    let res = s
        .exec(&alice, &order("-1", "58000", Trigger::Below, true, None))
        .unwrap();
    let placed = &Suite::typed::<OrderPlacedEvent>(&res)[0];
    // Reduce-only: no margin, no fee (0 %), the keeper fee.
    assert_eq!(
        (placed.order_id, placed.kind.as_str(), placed.reserved),
        (2, "conditional", Uint128::new(500_000))
    );
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    // The price gaps through the trigger: the fill is that record's price.
    s.set_price("BTC", "57500");
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    let e = &Suite::typed::<OrderExecutedEvent>(&res)[0];
    assert_eq!((e.order_id, e.price), (2, d("57500")));
    let t = &Suite::typed::<TradeEvent>(&res)[0];
    assert_eq!((t.fill_price, t.size_after), (d("57500"), sd("0")));
    // −2,500 realized, keepers 0.5 (opening) + 0.5 (stop).
    assert_eq!(s.account(&alice).collateral.i128(), 17_499_000_000);
    assert_eq!(s.balance(&keeper), USDC);
}

#[test]
fn triggers_cross_up_and_down_and_an_opening_order_reserves_its_margin() {
    let (mut s, alice, keeper) = alice_long("1");
    let carol = s.trader("carol", 10_000, 10_000);
    // Alice takes profit above 62,000; carol buys a breakout above 61,000, at most 61,500.
    s.exec(&alice, &order("-1", "62000", Trigger::Above, true, None))
        .unwrap();
    let res = s
        .exec(
            &carol,
            &order("1", "61000", Trigger::Above, false, Some("61500")),
        )
        .unwrap();
    // IM 10 % at 61,500 + keeper 0.5.
    assert_eq!(
        Suite::typed::<OrderPlacedEvent>(&res)[0].reserved,
        Uint128::new(6_150_500_000)
    );
    assert_eq!(s.account(&carol).free_collateral.u128(), 3_849_500_000);
    s.set_price("BTC", "61200");
    let res = keeper_run(&mut s, &keeper, Some(vec![2, 3]));
    let done: Vec<(u64, _)> = Suite::typed::<OrderExecutedEvent>(&res)
        .iter()
        .map(|e| (e.order_id, e.price))
        .collect();
    assert_eq!(done, [(3, d("61200"))]);
    s.set_price("BTC", "62500");
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    assert_eq!(Suite::typed::<TradeEvent>(&res)[0].fill_price, d("62500"));
    assert_eq!(s.account(&alice).collateral.i128(), 22_499_000_000);
    assert_eq!(s.account(&carol).positions[0].entry_price, d("61200"));
}

#[test]
fn placement_refuses_a_met_trigger_a_reduce_only_without_position_and_funds() {
    let (mut s, alice, _) = alice_long("1");
    let bob = s.trader("bob", 10_000, 10_000);
    for (who, msg, err) in [
        (
            &alice,
            order("-1", "61000", Trigger::Below, true, None),
            "trigger below 61000 is already met by the price 60000 of market BTC",
        ),
        (
            &alice,
            order("1", "59000", Trigger::Above, false, None),
            "trigger above 59000 is already met by the price 60000 of market BTC",
        ),
        (
            &alice,
            order("1", "61000", Trigger::Above, true, None),
            "reduce-only order in market BTC does not reduce the position (size 1, order 1)",
        ),
        (
            &bob,
            order("-1", "58000", Trigger::Below, true, None),
            "reduce-only order in market BTC does not reduce the position (size 0, order -1)",
        ),
        (
            &bob,
            order("1", "0", Trigger::Above, false, None),
            "invalid parameter trigger_price: must be > 0",
        ),
    ] {
        s.rejects_exact(who, &msg, &[], err);
    }
    s.mint(&bob, USDC);
    s.rejects(
        &bob,
        &order("1", "61000", Trigger::Above, false, None),
        &coins(USDC, DENOM),
        "does no accept funds",
    );
}

#[test]
fn a_conditional_order_is_cancelled_with_a_refund_until_a_record_meets_it() {
    let (mut s, alice, keeper) = alice_long("1");
    s.exec(&alice, &order("-1", "58000", Trigger::Below, true, None))
        .unwrap();
    s.exec(&alice, &order("-1", "57000", Trigger::Below, true, None))
        .unwrap();
    assert_eq!(orders_of(&s, &alice).len(), 2);
    s.rejects_exact(
        &keeper,
        &ExecuteMsg::CancelOrder { order_id: 2 },
        &[],
        &format!("order 2 belongs to {alice}"),
    );
    let res = s
        .exec(&alice, &ExecuteMsg::CancelOrder { order_id: 2 })
        .unwrap();
    assert_eq!(
        Suite::typed::<OrderCancelledEvent>(&res),
        [OrderCancelledEvent {
            order_id: 2,
            account: alice.clone(),
            market_id: "BTC".into(),
            reason: "cancelled".into(),
            refund: Uint128::new(500_000),
        }]
    );
    // Once a record meets order 3's trigger it is a market order pinned to that record.
    s.set_price("BTC", "56000");
    s.set_price("BTC", "60000");
    s.rejects_exact(
        &alice,
        &ExecuteMsg::CancelOrder { order_id: 3 },
        &[],
        "order 3 has triggered: record 3 at 56000 meets it",
    );
    s.rejects_exact(
        &alice,
        &ExecuteMsg::CancelOrder { order_id: 2 },
        &[],
        "no pending order 2",
    );
}

#[test]
fn reduce_only_orders_are_clamped_to_the_position_and_dropped_when_it_is_gone() {
    let (mut s, alice, keeper) = alice_long("2");
    s.exec(&alice, &order("-2", "58000", Trigger::Below, true, None))
        .unwrap();
    // The position shrinks to 1 before the stop triggers: the stop sells 1, not 2.
    s.trade(&alice, "BTC", "-1");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(s.account(&alice).positions[0].size, sd("1"));
    s.set_price("BTC", "57000");
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    let t = &Suite::typed::<TradeEvent>(&res)[0];
    assert_eq!(
        (t.size_before, t.size_after, t.fill_price),
        (sd("1"), sd("0"), d("57000"))
    );
    assert!(s.account(&alice).positions.is_empty());

    // A stop left behind a flip (long 1 → short 1) is dropped with its refund, never flips back.
    let (mut s, alice, keeper) = alice_long("1");
    s.exec(&alice, &order("-1", "58000", Trigger::Below, true, None))
        .unwrap();
    s.trade(&alice, "BTC", "-2");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(s.account(&alice).positions[0].size, sd("-1"));
    s.set_price("BTC", "57000");
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    let c = &Suite::typed::<OrderCancelledEvent>(&res)[0];
    assert_eq!(
        (c.order_id, c.reason.as_str(), c.refund),
        (2, "position_closed", Uint128::new(500_000))
    );
    assert!(Suite::typed::<TradeEvent>(&res).is_empty());
    assert_eq!(s.account(&alice).positions[0].size, sd("-1"));
}
