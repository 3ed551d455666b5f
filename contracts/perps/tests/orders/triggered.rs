//! Triggered conditional orders in the per-market id order (DESIGN 6.11: "within a market, orders
//! execute in `order_id` order whatever ids are passed"; docs/decisions.md "Triggered conditional
//! orders and the per-market id order"). Scenario 58 (`lp_attacks.rs`) is the buy side; these are
//! its variants.

use cosmwasm_std::Addr;
use cw_multi_test::AppResponse;
use perps_api::events::{OrderFailedEvent, OrderPlacedEvent};
use perps_api::perps::{ExecuteMsg, MarketConfig, Trigger};

use super::{deferred_suite, keeper_run, orders_of};
use crate::suite::{d, fee_market, sd, Suite};

/// BTC with fees and skew impact capped at 0.3 % (skew scale 1,000), no funding.
fn suite() -> Suite {
    deferred_suite(MarketConfig {
        max_funding_rate_per_day: cosmwasm_std::Decimal256::zero(),
        ..fee_market("BTC", "1000")
    })
}

/// Places a conditional order; returns its id.
fn place(s: &mut Suite, who: &Addr, size: &str, trigger: &str, above: bool) -> u64 {
    place_with(s, who, size, trigger, above, None)
}

fn place_with(
    s: &mut Suite,
    who: &Addr,
    size: &str,
    trigger: &str,
    above: bool,
    acceptable: Option<&str>,
) -> u64 {
    let res = s
        .exec(who, &super::cond(size, trigger, above, acceptable))
        .unwrap();
    Suite::typed::<OrderPlacedEvent>(&res)[0].order_id
}

/// Places a market order; returns its id.
fn market(s: &mut Suite, who: &Addr, size: &str) -> u64 {
    let res = s.trade(who, "BTC", size);
    Suite::typed::<OrderPlacedEvent>(&res)[0].order_id
}

/// The orders a response filled, failed or cancelled, in the order it handled them.
fn handled(res: &AppResponse) -> Vec<u64> {
    res.events
        .iter()
        .filter(|e| {
            matches!(
                e.ty.as_str(),
                "wasm-order_executed" | "wasm-order_failed" | "wasm-order_cancelled"
            )
        })
        .filter_map(|e| e.attributes.iter().find(|a| a.key == "order_id"))
        .map(|a| a.value.parse().unwrap())
        .collect()
}

/// The sequence of BTC's latest record.
fn latest_sequence(s: &Suite) -> u64 {
    s.price_history("BTC").last().unwrap().sequence
}

fn size_of(s: &Suite, who: &Addr) -> Option<cosmwasm_std::SignedDecimal256> {
    s.account(who).positions.first().map(|p| p.size)
}

/// Scenario 58, sell side: a `below` trigger met by a record, and an attacker's newer sell of the
/// same block that runs its own id first. The victim's older triggered sell still fills first,
/// at 59,800 less the skew impact, and the attacker's sell then fails on the impact cap.
#[test]
fn a_newer_sell_does_not_jump_an_older_triggered_below_order() {
    let mut s = suite();
    let victim = s.trader("victim", 50_000, 50_000);
    let attacker = s.trader("attacker", 50_000, 50_000);
    let v = place(&mut s, &victim, "-2", "59900", false);
    s.set_price("BTC", "59800");
    let a = market(&mut s, &attacker, "-2");
    s.set_price("BTC", "59800");
    let res = keeper_run(&mut s, &attacker, Some(vec![a]));
    assert_eq!(handled(&res), vec![v, a]);
    let failed = Suite::typed::<OrderFailedEvent>(&res);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].order_id, a);
    let p = s.account(&victim).positions;
    assert_eq!((p[0].size, p[0].entry_price), (sd("-2"), d("59740.2")));
    assert_eq!(size_of(&s, &attacker), None);
}

/// Several conditional orders triggered at different prices (two `above`, one `below`, by two
/// records) run in id order — not in trigger-price order — before the newer market order a keeper
/// names alone; with `limit: 1` only the oldest runs and the market order waits.
#[test]
fn several_triggered_orders_run_in_id_order_before_a_newer_market_order() {
    let mut s = suite();
    let w = ["w1", "w2", "w3", "w4"].map(|n| s.trader(n, 50_000, 50_000));
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    let a = place(&mut s, &w[0], "0.1", "60200", true);
    let b = place(&mut s, &w[1], "0.1", "60100", true);
    let c = place(&mut s, &w[2], "-0.1", "59900", false);
    s.set_price("BTC", "60250");
    s.set_price("BTC", "59850");
    let m = market(&mut s, &w[3], "0.1");
    s.set_price("BTC", "60000");
    let res = s
        .exec(
            &keeper,
            &ExecuteMsg::ExecuteOrders {
                order_ids: Some(vec![m]),
                limit: Some(1),
            },
        )
        .unwrap();
    assert_eq!(handled(&res), vec![a]);
    assert_eq!(orders_of(&s, &w[3]).len(), 1, "the market order waits");
    let res = keeper_run(&mut s, &keeper, Some(vec![m]));
    assert_eq!(handled(&res), vec![b, c, m]);
    assert_eq!(size_of(&s, &w[0]), Some(sd("0.1")));
    assert_eq!(size_of(&s, &w[1]), Some(sd("0.1")));
    assert_eq!(size_of(&s, &w[2]), Some(sd("-0.1")));
    assert_eq!(size_of(&s, &w[3]), Some(sd("0.1")));
}

/// A conditional order placed after a market order is newer: the market order runs alone (the
/// sweep moves the triggered conditional order to the id order, where the next keeper run
/// without ids finds it); its owner can no longer cancel it.
#[test]
fn a_conditional_order_placed_after_the_market_order_does_not_run_first() {
    let mut s = suite();
    let trader = s.trader("trader", 50_000, 50_000);
    let other = s.trader("other", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    let m = market(&mut s, &trader, "0.1");
    let c = place(&mut s, &other, "0.1", "60100", true);
    s.set_price("BTC", "60200");
    let res = keeper_run(&mut s, &keeper, Some(vec![m]));
    assert_eq!(handled(&res), vec![m]);
    let seq = latest_sequence(&s);
    s.rejects_exact(
        &other,
        &ExecuteMsg::CancelOrder { order_id: c },
        &[],
        &format!("order {c} has triggered: record {seq} at 60200 meets it"),
    );
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(handled(&res), vec![c]);
    assert_eq!(size_of(&s, &other), Some(sd("0.1")));
}

/// An older triggered conditional order that fails (its acceptable price) is removed, charged,
/// and does not stop the newer market order behind it.
#[test]
fn a_failing_triggered_order_does_not_block_the_newer_one() {
    let mut s = suite();
    let victim = s.trader("victim", 50_000, 50_000);
    let trader = s.trader("trader", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    let c = place_with(&mut s, &victim, "0.1", "60100", true, Some("60150"));
    s.set_price("BTC", "60200");
    let m = market(&mut s, &trader, "0.1");
    s.set_price("BTC", "60200");
    let res = keeper_run(&mut s, &keeper, Some(vec![m]));
    assert_eq!(handled(&res), vec![c, m]);
    let failed = Suite::typed::<OrderFailedEvent>(&res);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].order_id, c);
    assert_eq!(size_of(&s, &victim), None);
    assert_eq!(size_of(&s, &trader), Some(sd("0.1")));
}

/// Untriggered conditional orders, at the price the next record reaches exactly or beyond it,
/// rest: a market order runs alone and they stay cancellable.
#[test]
fn untriggered_conditional_orders_stay_resting() {
    let mut s = suite();
    let trader = s.trader("trader", 50_000, 50_000);
    let other = s.trader("other", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    let up = place(&mut s, &other, "0.1", "60300", true);
    let down = place(&mut s, &other, "-0.1", "59700", false);
    let m = market(&mut s, &trader, "0.1");
    s.set_price("BTC", "60299");
    let res = keeper_run(&mut s, &keeper, Some(vec![m]));
    assert_eq!(handled(&res), vec![m]);
    for id in [up, down] {
        s.exec(&other, &ExecuteMsg::CancelOrder { order_id: id })
            .unwrap();
    }
    assert!(orders_of(&s, &other).is_empty());
}

/// An order placed after the record that meets its trigger is not triggered by it: the sweep
/// moves it with the triggered ones (so a crowd of such orders cannot stall a sweep), its run
/// finds it waiting and moves it back; it stays cancellable and the newer market order runs.
#[test]
fn an_order_placed_after_the_record_meeting_it_goes_back_to_rest() {
    let mut s = suite();
    let victim = s.trader("victim", 50_000, 50_000);
    let late = s.trader("late", 50_000, 50_000);
    let trader = s.trader("trader", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    let v = place(&mut s, &victim, "0.1", "60100", true);
    s.set_price("BTC", "60300");
    s.set_price("BTC", "60000");
    let j = place(&mut s, &late, "0.1", "60200", true);
    let m = market(&mut s, &trader, "0.1");
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, Some(vec![m]));
    assert_eq!(handled(&res), vec![v, m]);
    assert_eq!(size_of(&s, &victim), Some(sd("0.1")));
    s.exec(&late, &ExecuteMsg::CancelOrder { order_id: j })
        .unwrap();
    assert!(orders_of(&s, &late).is_empty());
}

/// Twelve orders triggered by one record: a sweep moves ten and the newer market order waits
/// (nothing else of the market runs in that call), the next call moves the last two and runs ten
/// in id order, the third runs the rest and then the market order.
#[test]
fn a_sweep_moves_at_most_ten_orders_and_the_newer_order_waits_for_the_rest() {
    let mut s = suite();
    let crowd = s.trader("crowd", 100_000, 100_000);
    let trader = s.trader("trader", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    let ids: Vec<u64> = (0..12)
        .map(|i| place(&mut s, &crowd, "0.01", &format!("{}", 60_111 - i), true))
        .collect();
    s.set_price("BTC", "60200");
    let m = market(&mut s, &trader, "0.1");
    s.set_price("BTC", "60200");
    let mut ran = Vec::new();
    for expected in [0, 10, 3] {
        let res = s
            .exec(
                &keeper,
                &ExecuteMsg::ExecuteOrders {
                    order_ids: Some(vec![m]),
                    limit: Some(10),
                },
            )
            .unwrap();
        let done = handled(&res);
        assert_eq!(done.len(), expected);
        ran.extend(done);
    }
    let mut all = ids;
    all.push(m);
    assert_eq!(ran, all);
    assert_eq!(size_of(&s, &crowd), Some(sd("0.12")));
}

/// A reduce-only stop triggered by the record that also pins the owner's newer close: the stop
/// runs first (in id order) and closes the long at the record, and the close finds nothing left
/// to close (cancelled, refunded, no charge).
#[test]
fn a_triggered_reduce_only_stop_runs_before_the_owners_newer_close() {
    let mut s = suite();
    let trader = s.trader("trader", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("BTC", "60000");
    market(&mut s, &trader, "0.1");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(size_of(&s, &trader), Some(sd("0.1")));
    let res = s
        .exec(
            &trader,
            &ExecuteMsg::PlaceOrder {
                market_id: "BTC".into(),
                size_delta: sd("-0.1"),
                trigger_price: d("59900"),
                trigger: Trigger::Below,
                reduce_only: Some(true),
                acceptable_price: None,
                mode: None,
            },
        )
        .unwrap();
    let stop = Suite::typed::<OrderPlacedEvent>(&res)[0].order_id;
    let res = s
        .exec(
            &trader,
            &ExecuteMsg::ClosePosition {
                market_id: "BTC".into(),
                acceptable_price: Some(d("1")),
            },
        )
        .unwrap();
    let close = Suite::typed::<OrderPlacedEvent>(&res)[0].order_id;
    s.set_price("BTC", "59800");
    let res = keeper_run(&mut s, &keeper, Some(vec![close]));
    assert_eq!(handled(&res), vec![stop, close]);
    let cancelled = Suite::typed::<perps_api::events::OrderCancelledEvent>(&res);
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        (cancelled[0].order_id, cancelled[0].reason.as_str()),
        (close, "position_closed")
    );
    assert_eq!(size_of(&s, &trader), None);
    assert!(orders_of(&s, &trader).is_empty());
}
