//! Market orders: `trade` and `close_position` in a deferred market (DESIGN 6.11).

use cosmwasm_std::{Decimal256, Uint128};
use perps_api::events::{
    OrderCancelledEvent, OrderExecutedEvent, OrderFailedEvent, OrderPlacedEvent, TradeEvent,
};
use perps_api::perps::{
    ExecuteMsg, MarketConfig, MarketStatusUpdate, OrderKind, OrderResponse, PendingOrdersResponse,
    QueryMsg,
};

use super::{deferred_suite, keeper_run, orders_of, settle_at, settled_move};
use crate::suite::{config_update, d, fee_market, plain_market, sd, Suite, USDC};

fn trade_msg(size: &str, acceptable: Option<&str>) -> ExecuteMsg {
    ExecuteMsg::Trade {
        market_id: "BTC".into(),
        size_delta: sd(size),
        acceptable_price: acceptable.map(d),
        mode: None,
    }
}

/// The fee market of the demo without funding (exact numbers).
fn fee_btc() -> MarketConfig {
    MarketConfig {
        max_funding_rate_per_day: Decimal256::zero(),
        ..fee_market("BTC", "1000")
    }
}

#[test]
fn s49_a_market_order_reserves_and_fills_at_the_first_record_of_a_later_block() {
    let mut s = deferred_suite(plain_market("BTC"));
    let (alice, keeper) = (s.trader("alice", 10_000, 10_000), s.trader("keeper", 0, 0));
    let res = s.trade(&alice, "BTC", "1");
    // IM 10 % of 1 BTC at the acceptable 60,600 (1 % slippage) + no fee + keeper fee 0.5.
    let placed = Suite::typed::<OrderPlacedEvent>(&res);
    assert_eq!(
        placed,
        [OrderPlacedEvent {
            order_id: 1,
            account: alice.clone(),
            market_id: "BTC".into(),
            kind: "market".into(),
            size_delta: Some(sd("1")),
            trigger_price: None,
            trigger: None,
            acceptable_price: Some(d("60600")),
            reserved: Uint128::new(6_060_500_000),
            keeper_fee: Uint128::new(500_000),
            placed_sequence: 1,
        }]
    );
    assert!(Suite::typed::<TradeEvent>(&res).is_empty());
    // Invariant 13: what the order reserved is not free.
    let a = s.account(&alice);
    assert_eq!(
        (a.collateral.i128(), a.free_collateral.u128()),
        (10_000 * USDC as i128, 3_939_500_000)
    );
    s.rejects_exact(
        &alice,
        &Suite::withdraw_msg(4_000 * USDC),
        &[],
        "withdrawal 4000000000 exceeds free collateral 3939500000",
    );
    // A record accepted in the placement block is not eligible: nothing is ready.
    let now = s.now();
    s.publish("BTC", "61000", "0", None, now + 1);
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    assert_eq!(orders_of(&s, &alice).len(), 1);
    // The first record of a later block pins the order; later records change nothing.
    s.advance(1);
    s.set_price("BTC", "60500");
    s.set_price("BTC", "61000");
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    let executed = Suite::typed::<OrderExecutedEvent>(&res);
    assert_eq!(
        executed,
        [OrderExecutedEvent {
            order_id: 1,
            account: alice.clone(),
            market_id: "BTC".into(),
            keeper: keeper.clone(),
            sequence: 3,
            price: d("60500"),
            keeper_fee: Uint128::new(500_000),
        }]
    );
    assert_eq!(Suite::typed::<TradeEvent>(&res)[0].fill_price, d("60500"));
    assert_eq!(s.balance(&keeper), 500_000);
    // Paid once: a second run finds nothing and pays nothing.
    let res = keeper_run(&mut s, &keeper, Some(vec![1]));
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    assert_eq!(s.balance(&keeper), 500_000);
    let a = s.account(&alice);
    assert_eq!(a.collateral.i128(), 9_999_500_000);
    assert_eq!(a.positions[0].entry_price, d("60500"));
    assert!(orders_of(&s, &alice).is_empty());
}

#[test]
fn whoever_executes_and_whenever_the_fill_is_the_pinned_record() {
    // The same order executed by its owner's next message after more records: same fill, and
    // no keeper fee (the owner executes its own order).
    let mut s = deferred_suite(plain_market("BTC"));
    let alice = s.trader("alice", 10_000, 10_000);
    s.trade(&alice, "BTC", "1");
    s.set_price("BTC", "60500");
    s.set_price("BTC", "70000");
    s.advance(30);
    s.set_price("BTC", "50000");
    s.mint(&alice, 1);
    let res = s.exec_funds(&alice, &ExecuteMsg::Deposit {}, 1).unwrap();
    assert_eq!(Suite::typed::<TradeEvent>(&res)[0].fill_price, d("60500"));
    let a = s.account(&alice);
    assert_eq!(a.collateral.i128(), 10_000_000_001);
    assert_eq!(a.positions[0].entry_price, d("60500"));
}

#[test]
fn an_order_failing_at_its_record_pays_the_keeper_and_the_taker_fee() {
    let mut s = deferred_suite(fee_btc());
    let (alice, keeper) = (s.trader("alice", 10_000, 10_000), s.trader("keeper", 0, 0));
    let res = s.exec(&alice, &trade_msg("1", Some("60100"))).unwrap();
    // IM 6,010 + fee 60.1 + keeper 0.5 at the acceptable price.
    assert_eq!(
        Suite::typed::<OrderPlacedEvent>(&res)[0].reserved,
        Uint128::new(6_070_600_000)
    );
    let cash = s.vault().cash;
    s.set_price("BTC", "60500");
    let res = keeper_run(&mut s, &keeper, None);
    // 60,500·(1 + 0.5/1000) = 60,530.25 > 60,100: slippage at execution.
    let failed = Suite::typed::<OrderFailedEvent>(&res);
    assert_eq!(
        failed,
        [OrderFailedEvent {
            order_id: 1,
            account: alice.clone(),
            market_id: "BTC".into(),
            keeper: keeper.clone(),
            reason: "fill price 60530.25 is worse than the acceptable price 60100".into(),
            sequence: 2,
            price: d("60500"),
            keeper_fee: Uint128::new(500_000),
            fee: Uint128::new(60_500_000),
            price_move: Uint128::zero(),
            settles_at_next_record: false,
        }]
    );
    assert_eq!(s.vault().cash.i128() - cash.i128(), 60_500_000);
    assert_eq!(s.balance(&keeper), 500_000);
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(
        (a.collateral.i128(), a.free_collateral.u128()),
        (9_939_000_000, 9_939_000_000)
    );
    assert!(orders_of(&s, &alice).is_empty());
}

#[test]
fn an_order_without_an_eligible_record_in_time_expires_with_a_refund() {
    let mut s = deferred_suite(plain_market("BTC"));
    let (alice, bob, keeper) = (
        s.trader("alice", 10_000, 10_000),
        s.trader("bob", 10_000, 10_000),
        s.trader("keeper", 0, 0),
    );
    s.trade(&alice, "BTC", "1");
    // A record accepted exactly at the deadline (300 s) still fills; one second later does not.
    s.advance(299);
    s.set_price("BTC", "60000");
    s.trade(&bob, "BTC", "1");
    s.advance(300);
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(Suite::typed::<OrderExecutedEvent>(&res)[0].order_id, 1);
    assert_eq!(
        Suite::typed::<OrderCancelledEvent>(&res),
        [OrderCancelledEvent {
            order_id: 2,
            account: bob.clone(),
            market_id: "BTC".into(),
            reason: "expired".into(),
            refund: Uint128::new(6_060_500_000),
        }]
    );
    // Expiry costs nothing and pays no keeper: only alice's fill paid 0.5.
    assert_eq!(s.balance(&keeper), 500_000);
    let b = s.account(&bob);
    assert!(b.positions.is_empty());
    assert_eq!(
        (b.collateral.i128(), b.free_collateral.u128()),
        (10_000 * USDC as i128, 10_000 * USDC)
    );
}

#[test]
fn market_orders_fill_in_id_order_whatever_ids_are_passed() {
    let mut s = deferred_suite(fee_btc());
    let [bob, carol] = s.traders(["bob", "carol"], 10_000, 10_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "1");
    s.trade(&carol, "BTC", "1");
    s.set_price("BTC", "60000");
    // The keeper asks for carol's order only: bob's older order fills first.
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    let ids: Vec<u64> = Suite::typed::<OrderExecutedEvent>(&res)
        .iter()
        .map(|e| e.order_id)
        .collect();
    assert_eq!(ids, [1, 2]);
    let fills: Vec<Decimal256> = Suite::typed::<TradeEvent>(&res)
        .iter()
        .map(|e| e.fill_price)
        .collect();
    // K 0 → 1 → 2 on skew scale 1,000: 60,030 then 60,090.
    assert_eq!(fills, [d("60030"), d("60090")]);
    assert_eq!(s.balance(&keeper), 1_000_000);
}

#[test]
fn a_close_order_closes_whatever_the_position_is_and_cannot_be_cancelled() {
    let mut s = deferred_suite(plain_market("BTC"));
    let alice = s.trader("alice", 10_000, 10_000);
    s.trade(&alice, "BTC", "1");
    s.set_price("BTC", "60000");
    let res = s.close(&alice, "BTC").unwrap();
    // The touch filled the opening first, then placed the close (fee 0, keeper 0.5).
    assert_eq!(Suite::typed::<TradeEvent>(&res).len(), 1);
    let placed = Suite::typed::<OrderPlacedEvent>(&res);
    assert_eq!(
        (placed[0].order_id, placed[0].size_delta, placed[0].reserved),
        (2, None, Uint128::new(500_000))
    );
    assert_eq!(
        orders_of(&s, &alice),
        [OrderResponse {
            order_id: 2,
            market_id: Some("BTC".into()),
            kind: OrderKind::Market,
            size_delta: None,
            trigger_price: None,
            trigger: None,
            reduce_only: true,
            acceptable_price: Some(d("59400")),
            placed_at: s.now(),
            keeper_fee: Uint128::new(500_000),
            reserved: Some(Uint128::new(500_000)),
            mode: None,
        }]
    );
    s.rejects_exact(
        &alice,
        &ExecuteMsg::CancelOrder { order_id: 2 },
        &[],
        "order 2 is a market order: market orders cannot be cancelled",
    );
    s.set_price("BTC", "61000");
    let keeper = s.trader("keeper", 0, 0);
    let res = keeper_run(&mut s, &keeper, None);
    let t = &Suite::typed::<TradeEvent>(&res)[0];
    assert_eq!(
        (t.size_before, t.size_after, t.fill_price),
        (sd("1"), sd("0"), d("61000"))
    );
    assert_eq!(s.account(&alice).collateral.i128(), 10_999_500_000);
}

#[test]
fn placement_refusals_change_nothing() {
    let mut s = deferred_suite(plain_market("BTC"));
    let alice = s.trader("alice", 10_000, 10_000);
    for (msg, err) in [
        (
            trade_msg("0", None),
            "size_delta must be non-zero".to_string(),
        ),
        (
            trade_msg("0.0001", None),
            "order size 0.0001 in market BTC is below the minimum 0.001".to_string(),
        ),
        (
            trade_msg("2", None),
            // IM 12,120 + keeper 0.5 against 10,000 free.
            "order reserves 12120500000 but free collateral is 10000000000".to_string(),
        ),
        (
            ExecuteMsg::ClosePosition {
                market_id: "BTC".into(),
                acceptable_price: None,
            },
            "no position in market BTC".to_string(),
        ),
    ] {
        s.rejects_exact(&alice, &msg, &[], &err);
    }
    // The per-account cap counts every pending order.
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(max_orders_per_account: 2))
        .unwrap();
    s.trade(&alice, "BTC", "0.1");
    s.trade(&alice, "BTC", "0.1");
    s.rejects_exact(
        &alice,
        &trade_msg("0.1", None),
        &[],
        "too many pending orders: 2 of max 2",
    );
    // A reduce-only market refuses an opening order; a stale price refuses the default
    // acceptable price, but an explicit one is enough to place.
    s.set_market_status("BTC", MarketStatusUpdate::ReduceOnly);
    let bob = s.trader("bob", 10_000, 10_000);
    s.rejects_exact(
        &bob,
        &trade_msg("1", None),
        &[],
        "market BTC is reduce-only",
    );
    s.set_market_status("BTC", MarketStatusUpdate::Active);
    s.advance(61);
    s.rejects_exact(
        &bob,
        &trade_msg("1", None),
        &[],
        "oracle price of market BTC is stale: age 62s > max 60s",
    );
    s.exec(&bob, &trade_msg("1", Some("61000"))).unwrap();
    assert_eq!(orders_of(&s, &bob).len(), 1);
}

#[test]
fn pending_orders_pages_every_account_by_id() {
    let mut s = deferred_suite(plain_market("BTC"));
    let [bob, carol] = s.traders(["bob", "carol"], 10_000, 10_000);
    s.trade(&bob, "BTC", "0.1");
    s.trade(&carol, "BTC", "-0.1");
    s.trade(&bob, "BTC", "0.2");
    let page: PendingOrdersResponse = s.query(&QueryMsg::PendingOrders {
        start_after: None,
        limit: Some(2),
    });
    let who: Vec<_> = page
        .orders
        .iter()
        .map(|o| (o.address.clone(), o.order_id))
        .collect();
    assert_eq!(who, [(bob.clone(), 1), (carol.clone(), 2)]);
    assert_eq!(page.next_start_after, Some(2));
    let page: PendingOrdersResponse = s.query(&QueryMsg::PendingOrders {
        start_after: Some(2),
        limit: Some(2),
    });
    assert_eq!(page.orders.len(), 1);
    assert_eq!(
        (page.orders[0].order_id, page.orders[0].size_delta),
        (3, Some(sd("0.2")))
    );
    assert_eq!(page.next_start_after, None);
    assert_eq!(
        orders_of(&s, &bob)
            .iter()
            .map(|o| o.order_id)
            .collect::<Vec<_>>(),
        [1, 3]
    );
}

/// An order is checked against what the other pending orders still reserve, and a failed
/// order's settlement (scenario 77: its move is charged at the next record) still reserves
/// what is left of its reservation after the fees.
#[test]
fn an_order_fills_against_what_the_other_pending_orders_still_reserve() {
    let mut s = deferred_suite(plain_market("BTC"));
    let (alice, keeper) = (s.trader("alice", 10_000, 10_000), s.trader("keeper", 0, 0));
    // 10 ETH (immediate) holds 3,000 of initial margin; then two BTC orders reserve 3,030.5 and
    // 3,636.5 (IM at 60,600 + keeper fee) of the 7,000 left.
    s.trade(&alice, "ETH", "10");
    s.trade(&alice, "BTC", "0.5");
    s.trade(&alice, "BTC", "0.6");
    assert_eq!(s.account(&alice).free_collateral.u128(), 333_000_000);
    // ETH loses 1,000; BTC's next record is 60,000.
    s.set_price("ETH", "2900");
    s.set_price("BTC", "60000");
    let mut res = keeper_run(&mut s, &keeper, None);
    // Order 1 needs 2,900 + 3,000 against 9,000 − 3,636.5 still reserved by order 2: it fails.
    // Its settlement still holds 3,030 (3,030.5 less the keeper fee paid): order 2 needs
    // 2,900 + 3,600 against 9,000 − 0.5 − 3,030 and fails too.
    let failed = Suite::typed::<OrderFailedEvent>(&res);
    let reasons: Vec<_> = failed
        .iter()
        .map(|f| (f.order_id, f.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                1,
                "insufficient margin: equity 5363500000 < initial requirement 5900000000"
            ),
            (
                2,
                "insufficient margin: equity 5969500000 < initial requirement 6500000000"
            )
        ]
    );
    assert!(failed.iter().all(|f| f.settles_at_next_record));
    assert!(Suite::typed::<OrderExecutedEvent>(&res).is_empty());
    // The next record (60,000 again) settles both without a move: their reservations go.
    settle_at(&mut s, &keeper, "BTC", "60000", &mut res);
    assert_eq!(settled_move(&res), 0);
    assert!(orders_of(&s, &alice).is_empty());
    let a = s.account(&alice);
    assert_eq!((a.collateral.i128(), a.positions.len()), (9_999_000_000, 1));
}

#[test]
fn funds_attached_to_a_deferred_trade_are_deposited_at_once() {
    let mut s = deferred_suite(plain_market("BTC"));
    let bob = s.trader("bob", 10_000, 0);
    let res = s
        .exec_funds(&bob, &trade_msg("1", None), 10_000 * USDC)
        .unwrap();
    assert_eq!(
        Suite::typed::<OrderPlacedEvent>(&res)[0].reserved,
        Uint128::new(6_060_500_000)
    );
    let b = s.account(&bob);
    assert_eq!(
        (b.collateral.i128(), b.free_collateral.u128()),
        (10_000 * USDC as i128, 3_939_500_000)
    );
    assert!(b.positions.is_empty());
    // Refused with funds: nothing is deposited either.
    s.mint(&bob, 1_000 * USDC);
    s.rejects(
        &bob,
        &trade_msg("1", None),
        &cosmwasm_std::coins(1_000 * USDC, crate::suite::DENOM),
        "order reserves 6060500000 but free collateral is 4939500000",
    );
}
