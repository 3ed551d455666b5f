//! A failure's move settled at the next record (scenario 77, docs/decisions.md "A failure
//! settles its move at the next record"): the settling entry cannot be cancelled, blocks an
//! execution switch, holds its reservation until the charge, is run first by the owner's next
//! message and, when its first record has left the history, charges at the least favourable
//! held one.

use cosmwasm_std::Addr;
use perps_api::events::OrderSettledEvent;
use perps_api::perps::{ExecuteMsg, OrderKind};

use super::failure::{failed, wide_impact_btc};
use super::{deferred_suite, keeper_run, orders_of};
use crate::suite::{d, sd, Suite};

/// Bob's 5 BTC, then alice's (10,000) buy of 1 at most 60,100, both pinned at 60,000; BTC at
/// 59,000; a keeper fills bob's and alice's fails on her bound (60,330): she pays 60 + 0.5 and
/// her order stays as a settling entry (fill 60,100). Returns the suite, alice, the keeper and
/// the order's id.
fn a_failure_waiting_for_its_record() -> (Suite, Addr, Addr, u64) {
    a_failure_waiting_for_its_record_with(10_000, None)
}

/// [`a_failure_waiting_for_its_record`] with alice holding `c` and, when `eth` is given, that
/// size of ETH (immediate, plain: no fee) bought first.
fn a_failure_waiting_for_its_record_with(c: u128, eth: Option<&str>) -> (Suite, Addr, Addr, u64) {
    let mut s = deferred_suite(wide_impact_btc());
    let b = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", c, c);
    let keeper = s.trader("keeper", 0, 0);
    if let Some(size) = eth {
        s.trade(&alice, "ETH", size);
    }
    s.trade(&b, "BTC", "5");
    let order = ExecuteMsg::Trade {
        market_id: "BTC".into(),
        size_delta: sd("1"),
        acceptable_price: Some(d("60100")),
        mode: None,
    };
    s.exec(&alice, &order).unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "60000");
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    assert!(failed(&res).settles_at_next_record);
    let fees = 60_500_000;
    assert_eq!(
        s.account(&alice).collateral.i128(),
        c as i128 * 1_000_000 - fees
    );
    let pending = orders_of(&s, &alice);
    assert_eq!(
        (pending[0].order_id, &pending[0].kind, pending[0].size_delta),
        (id, &OrderKind::Settlement, Some(sd("1")))
    );
    (s, alice, keeper, id)
}

#[test]
fn a_settling_entry_cannot_be_cancelled_nor_switch_its_markets_execution() {
    let (mut s, alice, _, id) = a_failure_waiting_for_its_record();
    let cancel = ExecuteMsg::CancelOrder { order_id: id };
    let expected = format!("order {id} is a market order: market orders cannot be cancelled");
    s.rejects_exact(&alice, &cancel, &[], &expected);
    super::switch_to_immediate_refused(&mut s, wide_impact_btc());
}

#[test]
fn the_owners_next_message_settles_first_and_the_reservation_holds_until_then() {
    let (mut s, alice, _, _) = a_failure_waiting_for_its_record();
    // before the record: the reservation left after the fees is not free
    let a = s.account(&alice);
    assert!(a.free_collateral.u128() < a.collateral.i128() as u128);
    assert!(s.withdraw(&alice, a.collateral.i128() as u128).is_err());
    // BTC 58,000: her next message charges 60,100 − 60,100 × 58,000/60,000 = 2,003.333334
    // (rounded up) first, then withdraws what is left.
    s.set_price("BTC", "58000");
    let res = s.withdraw(&alice, 7_936_166_666).unwrap();
    let settled = Suite::typed::<OrderSettledEvent>(&res);
    assert_eq!(
        (settled[0].price, settled[0].price_move.u128()),
        (d("58000"), 2_003_333_334)
    );
    let a = s.account(&alice);
    assert_eq!(a.collateral.i128(), 0);
    assert!(orders_of(&s, &alice).is_empty());
}

#[test]
fn a_settlement_whose_record_left_the_history_charges_the_least_favourable_held_one() {
    let (mut s, alice, keeper, _) = a_failure_waiting_for_its_record();
    // The first record after the failure (61,000: no move) and then 16 more, one at 57,000:
    // the first has left the 16-record history, the lowest held one counts for the buy.
    s.set_price("BTC", "61000");
    for i in 0..16 {
        s.set_price("BTC", if i == 5 { "57000" } else { "59500" });
    }
    let res = keeper_run(&mut s, &keeper, None);
    let settled = Suite::typed::<OrderSettledEvent>(&res);
    // 60,100 − 60,100 × 57,000/60,000 = 3,005
    assert_eq!(
        (settled[0].price, settled[0].price_move.u128()),
        (d("57000"), 3_005_000_000)
    );
    assert_eq!(s.account(&alice).collateral.i128(), 6_934_500_000);
}

/// A liquidation of the owner's cross book leaves its settling entry (the move is owed whatever
/// happens to the book): alice (20,000) also holds 10 ETH (immediate); her BTC buy fails and
/// settles later; ETH falls to 1,050 and her cross book is partly liquidated; the liquidation
/// cancels nothing and the next BTC record (59,000 again) still charges the move.
#[test]
fn a_liquidation_keeps_the_settling_entry() {
    let (mut s, alice, keeper, _) = a_failure_waiting_for_its_record_with(20_000, Some("10"));
    s.set_price("ETH", "1050");
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    assert!(Suite::typed::<perps_api::events::OrderCancelledEvent>(&res).is_empty());
    assert_eq!(orders_of(&s, &alice)[0].kind, OrderKind::Settlement);
    // a partial liquidation: ETH reduced, C 12,230.867168
    assert_eq!(s.account(&alice).collateral.i128(), 12_230_867_168);
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    let settled = Suite::typed::<OrderSettledEvent>(&res);
    // 60,100 − 60,100 × 59,000/60,000 = 1,001.666667 (rounded up)
    assert_eq!(settled[0].price_move.u128(), 1_001_666_667);
    assert_eq!(s.account(&alice).collateral.i128(), 11_229_200_501);
    assert!(orders_of(&s, &alice).is_empty());
}

/// A market settled before the record its settling entry waits for charges the move at the
/// settlement price: BTC settled at 57,000 (bob's 5 BTC close there on their next touch); the
/// keeper's run charges alice 60,100 − 60,100 × 57,000/60,000 = 3,005 (sequence 0: no record).
#[test]
fn a_settled_market_charges_the_move_at_its_settlement_price() {
    let (mut s, alice, keeper, id) = a_failure_waiting_for_its_record();
    let owner = s.owner.clone();
    let settle = ExecuteMsg::SettleMarket {
        market_id: "BTC".into(),
        price: Some(d("57000")),
    };
    s.exec(&owner, &settle).unwrap();
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    let settled = Suite::typed::<OrderSettledEvent>(&res);
    assert_eq!(
        (
            settled[0].sequence,
            settled[0].price,
            settled[0].price_move.u128()
        ),
        (0, d("57000"), 3_005_000_000)
    );
    assert_eq!(s.account(&alice).collateral.i128(), 6_934_500_000);
}
