//! Attacker review 5: today's fixes (docs/decisions.md "Attacker review 5"): pins and the feed's
//! 256 records (scenario 78), the book a settling entry is charged from (81, 91), the settled
//! market's record (88), the LP provide's wait for settling entries (87) and the forced closes
//! that shrink failed closes (89). Each test asserts the safe outcome; the attacks that work
//! today are `#[ignore]` and fail.

use cosmwasm_std::{Addr, Uint128};
use perps_api::perps::{ExecuteMsg, OrderKind};

use super::failure::{failed, wide_impact_btc};
use super::review4::{pending, settlements};
use super::{cond, deferred_suite, keeper_run, orders_of, settled_move};
use crate::suite::{config_update, d, plain_market, Suite, USDC};

/// The refusal of a message whose sender's order `id` (market BTC) must run first and cannot.
fn own_order_first(id: u64) -> String {
    format!(
        "order {id} of market BTC must run before this message and cannot in it (more triggered \
         or older orders of its market first): run execute_orders with order {id} first"
    )
}

/// Scenario 93's world: BTC immediate ([`wide_impact_btc`]), keeper fee 0.5. Ten wallets of the
/// attacker (1,000 each) rest conditional sales of 0.001 BTC above 60,500; then alice (20,000)
/// a conditional cross buy of 1 BTC above 60,500 (at most 60,700). The record at 60,600
/// triggers the eleven; BTC is already falling (54,540 is the next print). `capped`: before any
/// keeper, alice tries to open an isolated 0.001 BTC with 10 of margin — her message's own-first
/// run finds her buy behind a sweep that cannot finish (11 triggered orders, 10 moves per
/// sweep). The keeper then runs the queue at 54,540 and again at the next record. Returns the
/// suite, alice, and the keeper's responses.
fn a_buy_behind_an_unfinished_sweep(capped: bool) -> (Suite, Addr, cw_multi_test::AppResponse) {
    a_buy_behind_ten_triggered(
        "54540",
        |_, _| {},
        |s, alice, id| {
            if capped {
                // refused: her buy must run first and this message cannot reach it (state unchanged)
                let msg = Suite::isolated_msg("BTC", "0.001", 10 * USDC);
                s.rejects_exact(alice, &msg, &[], &own_order_first(id));
            }
        },
    )
}

/// The world of scenarios 93 and 104: `setup` runs for alice before the orders are placed, the
/// record at 60,600 triggers the eleven, BTC falls to `fall`, then `between` runs (alice, her
/// buy's id); the keeper runs the buy three times and the queue at the next record (`fall`
/// again). Returns the suite, alice and the keeper's responses.
pub(super) fn a_buy_behind_ten_triggered(
    fall: &str,
    setup: impl FnOnce(&mut Suite, &Addr),
    between: impl FnOnce(&mut Suite, &Addr, u64),
) -> (Suite, Addr, cw_multi_test::AppResponse) {
    let mut s = Suite::with_btc(wide_impact_btc());
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let alice = s.trader("alice", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    setup(&mut s, &alice);
    for i in 0..10 {
        let w = s.trader(&format!("w{i}"), 1_000, 1_000);
        s.exec(&w, &cond("-0.001", "60500", true, None)).unwrap();
    }
    s.exec(&alice, &cond("1", "60500", true, Some("60700")))
        .unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "60600");
    s.set_price("BTC", fall);
    between(&mut s, &alice, id);
    let run = ExecuteMsg::ExecuteOrders {
        order_ids: Some(vec![id]),
        limit: Some(10),
    };
    let mut all = s.exec(&keeper, &run).unwrap();
    for _ in 0..2 {
        let res = s.exec(&keeper, &run).unwrap();
        all.events.extend(res.events);
    }
    s.set_price("BTC", fall);
    let res = keeper_run(&mut s, &keeper, None);
    all.events.extend(res.events);
    (s, alice, all)
}

/// Scenario 93 (fixed, failed on the old main; scenario 81 reopened before the failure): the owner opens the
/// capping isolated position after her order's record, while her own message's first run
/// cannot run the order. In [`a_buy_behind_an_unfinished_sweep`] alice's buy, triggered at
/// 60,600, rests behind ten other triggered orders of her wallets (at most 10 moves per sweep:
/// the sweep of her own-first run stops, her order waits, her message goes on). Seeing BTC fall,
/// she opens 0.001 BTC isolated with 10 of margin. The keeper's run of the buy then joins that
/// position (no mode) and fails on its margin ("isolated margin of market BTC would be
/// -50.690356"); the failure records the book it would have used — the joined isolated
/// position, margin 9.939399 — and the next record (54,540) charges 9.939399 instead of the
/// cross move. Alice ends with 19,928.9 (20,000 − 10 − 60.6 fee − 0.5 keeper fee); the
/// committed fill (no isolated position: the buy fills at 60,600 and is marked at 54,540) leaves
/// her equity at 13,849.176306: **+6,079.723694 from the vault**, for the attacker's ten 0.001-BTC
/// sales (0.0606 of fee and 0.5 of keeper fee each, and they gain on the fall) and the tiny
/// position's 10 of margin. Presumably the same through the own-run limit (10 older ready
/// orders of other accounts: past them the owner's order waits for a keeper and its message
/// goes on; not tested). Fix direction: while an owner's ready order cannot
/// run before its message (a sweep that cannot finish, the own-run limit), the message is
/// refused (as `cancel_order` is: `OrdersBehind`); or the failure's book is the one at the
/// order's record, never a position opened after it.
#[test]
fn s93_a_position_opened_behind_an_unfinished_sweep_does_not_cap_a_failure() {
    let (s, alice, res) = a_buy_behind_an_unfinished_sweep(false);
    let committed = s.account(&alice).equity.i128();
    assert!(Suite::typed::<perps_api::events::OrderFailedEvent>(&res).is_empty());
    assert_eq!(committed, 13_849_176_306);
    // the capping trade is refused (old main: it went through, the buy then failed on the tiny
    // position's margin and paid 9.939399: alice kept 19,928.9): the buy fills as committed
    let (s, alice, res) = a_buy_behind_an_unfinished_sweep(true);
    assert!(Suite::typed::<perps_api::events::OrderFailedEvent>(&res).is_empty());
    assert_eq!(s.account(&alice).equity.i128(), committed);
}

/// Scenario 92's world: plain deferred BTC; alice (20,000) long 1 BTC at 60,000; bob (her second
/// wallet) rests a conditional buy of 0.01 above 70,000 (never met: the market keeps a resting
/// order, so the sweep point stays at its placement). BTC dips to 58,500 and comes back to
/// 60,000 with no engine message; then alice rests a stop (sell 1 below 59,000, reduce-only; the
/// current 60,000 does not meet it). `moved`: bob cancels his buy — the cancel's sweep reads
/// the dip, older than the stop, and moves the stop to the market-order index unpinned (its
/// record is not after its placement). BTC then falls to 57,500 (the stop's first trigger
/// record) and returns to 60,000 for 16 records; no keeper runs. Returns the suite, alice, the
/// stop's id and the trigger record's sequence.
fn a_stop_moved_unpinned(moved: bool) -> (Suite, Addr, u64, u64) {
    let (mut s, alice, _keeper) = super::long_with_a_stop(20_000, "1");
    let tiny = orders_of(&s, &alice)[0].order_id;
    s.exec(&alice, &ExecuteMsg::CancelOrder { order_id: tiny })
        .unwrap();
    let bob = s.trader("bob", 10_000, 10_000);
    s.exec(&bob, &cond("0.01", "70000", true, None)).unwrap();
    let bobs = orders_of(&s, &bob)[0].order_id;
    s.set_price("BTC", "58500");
    s.set_price("BTC", "60000");
    let stop = super::stop_msg("BTC", "59000");
    s.exec(&alice, &stop).unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    if moved {
        s.exec(&bob, &ExecuteMsg::CancelOrder { order_id: bobs })
            .unwrap();
    }
    s.set_price("BTC", "57500");
    let trigger_seq = s.price_history("BTC").last().unwrap().sequence;
    for _ in 0..16 {
        s.set_price("BTC", "60000");
    }
    (s, alice, id, trigger_seq)
}

/// Scenario 92 (control, safe): without bob's cancel the stop rests in the conditional index
/// and alice's cancel, 16 records after the trigger, is refused naming the 57,500 record (the
/// cancel's sweep reads the records the engine missed, up to 256).
#[test]
fn s92_a_resting_stop_is_pinned_by_the_cancels_sweep() {
    let (mut s, alice, id, trigger_seq) = a_stop_moved_unpinned(false);
    s.rejects_exact(
        &alice,
        &ExecuteMsg::CancelOrder { order_id: id },
        &[],
        &format!("order {id} has triggered: record {trigger_seq} at 57500 meets it"),
    );
}

/// Scenario 92 (fixed, failed on the old main; scenario 78 reopened within 16 records): a conditional order
/// a sweep moved to the market-order index unpinned is out of every later sweep. In
/// [`a_stop_moved_unpinned`] bob's cancel sweeps the market's records since its sweep point:
/// the 58,500 dip meets alice's stop but is older than its placement, so the stop is moved
/// unpinned (it "waits there"). While it sits there no sweep compares it with the records; only
/// its own run looks, at the 16 held records. The 57,500 record (its true first trigger) is
/// followed by 16 records at 60,000 with no keeper: alice's cancel finds no pin and no held
/// record meeting the trigger and refunds the stop — she keeps her long, where the vault would
/// have bought at 57,500 (2,500 on 1 BTC, scenario 78's option) — after 16 idle records instead
/// of the 256 the fix promises. The attacker needs a record meeting the trigger before the
/// placement and after the sweep point (a dip, and any other resting order of the market to
/// keep the point back) and one sweep by another wallet. Fix direction: a sweep leaves an order
/// none of whose read records after its placement meets it in the conditional index (it is no
/// candidate of those records), or an unpinned conditional order in the market-order index is
/// still compared by the sweeps (or its run reads back through the 256 records to its
/// placement, as the cancel's sweep does).
#[test]
fn s92_a_stop_moved_unpinned_keeps_its_trigger_within_256_records() {
    let (mut s, alice, id, trigger_seq) = a_stop_moved_unpinned(true);
    // safe: refused as in the control (today the cancel refunds the stop)
    s.rejects_exact(
        &alice,
        &ExecuteMsg::CancelOrder { order_id: id },
        &[],
        &format!("order {id} has triggered: record {trigger_seq} at 57500 meets it"),
    );
}

/// Scenario 94's world (review 4's scenario 89 with a partial close): BTC deferred
/// ([`wide_impact_btc`]), ETH immediate and plain; alice (`c`) long 10 ETH and 2 BTC (filled at
/// 60,060 and 60,000), then a sale of 1 BTC (at least 59,900), pinned at 60,000. `griefed`:
/// bob's sale of 5 BTC fills first and hers fails (59,730 < 59,900: a settling entry selling 1
/// at 59,900). ETH then crashes to `eth` and w2 liquidates what is liquidatable; BTC's next
/// record is 60,600. Returns the suite, alice, her BTC after the liquidation and the settled
/// move.
fn a_failed_partial_close_then_a_liquidation(
    c: u128,
    eth: &str,
    griefed: bool,
) -> (Suite, Addr, String, u128) {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", c, c);
    let (w2, keeper) = (s.trader("w2", 0, 0), s.trader("keeper", 0, 0));
    s.trade(&alice, "ETH", "10");
    s.trade(&alice, "BTC", "2");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    if griefed {
        s.trade(&bob, "BTC", "-5");
    }
    s.exec(&alice, &super::review3::buy("-1", Some("59900")))
        .unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(
        pending(&s, &alice, OrderKind::Settlement).len(),
        usize::from(griefed)
    );
    s.set_price("ETH", eth);
    let _ = s.liquidate(&w2, &alice, None);
    let btc = s
        .account(&alice)
        .positions
        .iter()
        .find(|p| p.market_id == "BTC")
        .map_or("0".to_string(), |p| p.size.to_string());
    s.set_price("BTC", "60600");
    let res = keeper_run(&mut s, &keeper, None);
    (s, alice, btc, settled_move(&res))
}

/// Scenario 95 (fixed, failed on the old main; scenario 87 reopened where no market is deferred): an LP
/// provide is an LP order that waits for the settling entries only while some market is
/// deferred; with every market immediate `provide_liquidity` mints at once, whatever entry is
/// pending — and settling entries exist on immediate markets (a triggered conditional order
/// failed by someone's trade: scenario 81's immediate world). BTC immediate
/// ([`wide_impact_btc`]), the only market; alice's conditional buy of 1 BTC (at most 60,700),
/// triggered at 60,600, is failed by bob's 5 BTC with BTC already at 54,540: a settling entry of
/// 6,070 that `V` does not count (share price 1.030679356). The sniper provides 1,000,000 at once
/// (970,233.850303 shares); the next record settles 6,070 into the vault; after the 3,600 s lock
/// and the 3,600 s delay (BTC unchanged) it claims 1,002,989.14744: **+2,989.14744 (49 % of the
/// charge) taken from the LPs who held the vault at the failure.** Fix direction: an immediate
/// provide is refused (or runs as an LP order) while a settling entry is pending, or the
/// settlement's wait is the same whatever the markets' execution (`SETTLING` checked in
/// `provide_liquidity`).
#[test]
fn s95_an_immediate_provide_cannot_capture_a_known_settlement_charge() {
    let mut s = Suite::with_btc(wide_impact_btc());
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    let sniper = s.trader("sniper", 1_000_000, 0);
    s.exec(&alice, &cond("1", "60500", true, Some("60700")))
        .unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "60600");
    s.trade(&bob, "BTC", "5");
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    assert!(failed(&res).settles_at_next_record);
    assert_eq!(s.vault().share_price, d("1.030679356"));
    // refused while the entry is pending, nothing changed (old main: 970,233.850303 shares)
    let funds = cosmwasm_std::coins(1_000_000 * USDC, crate::suite::DENOM);
    s.rejects_exact(
        &sniper,
        &ExecuteMsg::ProvideLiquidity {},
        &funds,
        "1 failed orders' moves are charged at their markets' next records: provide_liquidity after them",
    );
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(settled_move(&res), 6_070 * USDC);
    let provided = s.provide(&sniper, 1_000_000 * USDC).unwrap();
    let shares: u128 = Suite::attr(&provided, "wasm", "shares").parse().unwrap();
    assert_eq!(shares, 964_553_287_844);
    s.advance(3_600);
    s.set_price("BTC", "54540");
    s.request_withdrawal(&sniper, shares);
    s.advance(3_600);
    s.set_price("BTC", "54540");
    s.exec(&sniper, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    let paid = s.balance(&sniper);
    // safe: at most what it provided (old main: 1,002,989.14744); one base unit of rounding
    assert_eq!(paid, 999_999_999_999);
}

/// Scenario 94 (fixed, failed on the old main; low: an undercharge by scenario 89's own rule, the owner does
/// not choose the liquidation): a forced close shrinks a failed *partial* close by everything it
/// closed, also the part the entry would never have sold. In
/// [`a_failed_partial_close_then_a_liquidation`] (25,000; ETH at 1,100) alice's failed sale of
/// 1 of her 2 BTC is a settling entry; the liquidation sells 1.27621538717948718 BTC and leaves
/// 0.72378461282051282; `shrink_reducing` takes min(1, 1.276…) = 1 off the entry: gone, and the
/// rise to 60,600 charges nothing. By the fix's rule ("charged only for the position it would
/// still have closed") the entry keeps min(1, 0.72378461282051282): 599 × that = 433.546983…
/// charged (the vault's, lost today). Without the failure (the committed sale) there is no
/// liquidation at all (equity 6,388.79 against 3,835.963069: the failure still costs her far
/// more than the fill, so no lever). Fix direction: the entry shrinks by what the forced close
/// took beyond the position the entry leaves (`closed − (|position| − |entry|)`, at least 0),
/// i.e. it keeps `min(|entry|, |position after|)`.
#[test]
fn s94_a_forced_close_keeps_the_part_of_a_failed_partial_close_still_held() {
    let (s, alice, btc, moved) = a_failed_partial_close_then_a_liquidation(25_000, "1100", false);
    assert_eq!((btc.as_str(), moved), ("1", 0));
    assert_eq!(s.account(&alice).equity.i128(), 6_388_790_000);
    let (s, alice, btc, moved) = a_failed_partial_close_then_a_liquidation(25_000, "1100", true);
    assert_eq!(btc, "0.72378461282051282");
    // the charge comes out of the equity the liquidation left
    assert_eq!(
        s.account(&alice).equity.i128() + moved as i128,
        3_835_963_069
    );
    // safe: 599 × 0.72378461282051282 charged (old main: 0)
    assert_eq!(moved, 433_546_984);
}

/// Scenario 96 (open, `#[ignore]`; an owner's feed maintenance, not an attacker's lever): a feed
/// removed and added again under the same id starts its sequences afresh (`remove_feed`: "a feed
/// added again under the same id starts afresh"), while the engine keeps the old feed's
/// sequences: each order's `placed_sequence` and the market's sweep point. Plain deferred BTC;
/// alice (20,000) long 1 BTC, 30 records at 60,000, then her stop (sell 1 below 58,000,
/// reduce-only) placed at sequence 32. The owner removes the BTC feed and adds it again (the
/// market is untouched: same feed id); the new feed's records 1–3 are 57,500 then 60,000: the
/// stop's trigger is met, yet the keeper's run finds no record after sequence 32 (it waits) and
/// alice's cancel refunds it — every resting stop of the market is dead until the new feed
/// passes the old sequence (millions of records on a live chain), and an owner can cancel a
/// triggered one. Fix direction: the engine compares records by (height, sequence) with the
/// sequence rebased when the feed's latest sequence goes backwards (or `remove_feed` refuses a
/// feed a market uses; or the market's orders are cancelled with their refunds when its feed
/// restarts: the engine sees a latest sequence below its sweep point).
#[test]
#[ignore = "scenario 96: a feed added again restarts its sequences and the market's stops never trigger"]
fn s96_a_restarted_feed_still_triggers_the_resting_stops() {
    let mut s = deferred_suite(plain_market("BTC"));
    let (alice, keeper) = (s.trader("alice", 20_000, 20_000), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", "1");
    for _ in 0..30 {
        s.set_price("BTC", "60000");
    }
    keeper_run(&mut s, &keeper, None);
    let stop = super::stop_msg("BTC", "58000");
    s.exec(&alice, &stop).unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    let (feed, owner) = (s.feed.clone(), s.owner.clone());
    let remove = perps_api::price_feed::ExecuteMsg::RemoveFeed {
        feed_id: "BTC".into(),
    };
    s.exec_at(&feed, &owner, &remove, &[]).unwrap();
    s.add_feed("BTC");
    s.set_price("BTC", "57500");
    assert_eq!(s.price_history("BTC").last().unwrap().sequence, 1);
    s.set_price("BTC", "60000");
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    // safe: the stop fills at the new feed's 57,500 record (today it waits, and the cancel
    // below refunds it)
    assert_eq!(Suite::attr(&res, "order_executed", "price"), "57500");
    assert!(s.account(&alice).positions.is_empty());
}

/// How many settling entries the engine counts (`orders::SETTLING`, key `os`, 4 bytes
/// big-endian; 0 when absent).
fn settling_count(s: &Suite) -> u32 {
    s.app
        .wrap()
        .query_wasm_raw(s.engine.to_string(), b"os".to_vec())
        .unwrap()
        .map_or(0, |v| u32::from_be_bytes(v.try_into().unwrap()))
}

/// Scenario 97 (safe): the settling count follows the entries through a forced close. In
/// [`a_failed_partial_close_then_a_liquidation`] (20,000; ETH at 1,300) alice's failed sale of 1
/// BTC counts 1; the liquidation sells all her BTC and shrinks the entry to nothing (an
/// `order_cancelled` with reason `liquidation`): the count is back to 0, no entry is left, and an
/// LP provide placed next executes at the next keeper run (it does not wait forever).
#[test]
fn s97_the_settling_count_follows_an_entry_a_liquidation_removed() {
    let (mut s, alice, btc, moved) =
        a_failed_partial_close_then_a_liquidation(20_000, "1300", true);
    assert_eq!((btc.as_str(), moved), ("0", 0));
    assert!(pending(&s, &alice, OrderKind::Settlement).is_empty());
    assert_eq!(settling_count(&s), 0);
    let (lp, keeper) = (s.trader("lp2", 1_000, 0), s.trader("keeper2", 0, 0));
    s.provide(&lp, 1_000 * USDC).unwrap();
    s.set_price("BTC", "60600");
    s.set_price("ETH", "1300");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(
        Suite::typed::<perps_api::events::LpOrderExecutedEvent>(&res).len(),
        1
    );
}

/// Scenario 97 (safe): a failure counts its entry and the settlement counts it out. Review 4's
/// failed buy (bob's 5 BTC first): the count is 1 while the entry waits for its record, 0 once
/// the record at 59,000 settled it (1,001.666667).
#[test]
fn s97_the_settling_count_follows_a_failure_and_its_settlement() {
    let (mut s, [alice, keeper], _) =
        super::review4::buys_after_bob(10_000, None, true, &["1"], &["60000"]);
    assert_eq!(pending(&s, &alice, OrderKind::Settlement).len(), 1);
    assert_eq!(settling_count(&s), 1);
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(settled_move(&res), 1_001_666_667);
    assert_eq!(settling_count(&s), 0);
}

/// Scenario 98 (safe, a bounded grief): eleven conditional orders placed after a dip keep a
/// cancel refused. Plain deferred BTC; alice (20,000) long 1 BTC with a stop far below (sell
/// below 50,000); BTC dips to 58,000 and returns to 60,000 with no engine message; then the
/// griefer's eleven wallets each rest a buy of 0.001 BTC below 59,000 (not met by 60,000; each
/// reserves 6.4, refundable). Alice's cancel sweeps the records since the sweep point: the dip
/// makes the eleven candidates (older than their placement: none is pinned), more than one sweep
/// moves (10), and the cancel is refused naming the sweep point (state unchanged). One
/// `execute_orders` naming her stop keeps the ten moves made (the stop waits), and the cancel
/// then goes through with her refund: one extra transaction per ten griefing orders, for
/// reservations returned whole. (The griefers' orders go back to resting when they run; the
/// dip leaves the window once a finished sweep read 4 records.)
#[test]
fn s98_eleven_orders_after_a_dip_cost_a_cancel_one_extra_call() {
    let (mut s, alice, _keeper) = super::long_with_a_stop(20_000, "50000");
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "58000");
    s.set_price("BTC", "60000");
    for i in 0..11 {
        let w = s.trader(&format!("g{i}"), 100, 100);
        s.exec(&w, &cond("0.001", "59000", false, None)).unwrap();
        assert_eq!(orders_of(&s, &w)[0].reserved, Some(Uint128::new(6_400_000)));
    }
    let latest = s.price_history("BTC").last().unwrap().sequence;
    let cancel = ExecuteMsg::CancelOrder { order_id: id };
    s.rejects_exact(
        &alice,
        &cancel,
        &[],
        &format!(
            "the conditional orders of market BTC are compared with its price records up to {} \
             of {latest}: run execute_orders with order {id} first",
            latest - 2
        ),
    );
    let run = ExecuteMsg::ExecuteOrders {
        order_ids: Some(vec![id]),
        limit: None,
    };
    let res = s.exec(&alice, &run).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    let res = s.exec(&alice, &cancel).unwrap();
    assert_eq!(Suite::attr(&res, "order_cancelled", "refund"), "500000");
}

/// Scenario 99: a settled market's entry with no record before the settlement. Review 4's
/// failed buy (fill 60,100, record 60,000); the owner settles BTC at the oracle price (60,000)
/// before any record after the failure's block; the feed goes on publishing, BTC at 48,000.
/// Returns the settled move and alice's collateral after the keeper's run.
fn an_entry_across_a_settlement() -> (u128, i128) {
    let (mut s, [alice, keeper], _) =
        super::review4::buys_after_bob(10_000, None, true, &["1"], &["60000"]);
    s.settle_market("BTC", None);
    s.set_price("BTC", "48000");
    let res = keeper_run(&mut s, &keeper, None);
    (settled_move(&res), s.account(&alice).collateral.i128())
}

/// Scenario 99 (fixed, failed on the old main; honest users overcharged, scenario 88's fix the other way): a
/// settled market charges a settling entry at a record accepted after the settlement. In
/// [`an_entry_across_a_settlement`] the market ends at 60,000 with the entry's record not yet
/// published; the feed's next record (48,000, after the market has ended) is "the first record
/// after the failure's block", and `settlement_price` takes it before the settlement price: the
/// entry owes 12,020 (60,100 closed at 48,080) and is charged all of alice's C, 9,939.5 (C 0),
/// where every position of the market closed at 60,000 (move 0: 60,100 closed at 60,100; her
/// committed fill would have lost 30 and its fee). Whoever runs it later (a week of records)
/// charges what the asset did after its market ended; the vault, whose positions all closed at
/// 60,000, gains a move it never bore. Fix direction: on a settled market only records accepted
/// before the settlement (`accepted_time` ≤ the settlement's time) pin an entry; else the
/// settlement price.
#[test]
fn s99_a_settled_market_never_charges_a_record_after_its_settlement() {
    let (moved, c) = an_entry_across_a_settlement();
    // today (9,939.5, 0)
    // safe: the settlement price, 60,000: no move; alice keeps 10,000 − 60 fee − 0.5
    assert_eq!((moved, c), (0, 9_939_500_000));
}

/// Scenario 100's world: BTC immediate ([`wide_impact_btc`]), keeper fee 0.5. Alice (30,000)
/// holds 1 BTC isolated (15,000 of margin, opened at 60,000) and rests a conditional buy of 1 BTC
/// above 60,500 (at most 60,700, no mode: it joins that position). The record at 60,600
/// triggers it; BTC falls to 54,540 before a keeper runs it. `griefed`: bob (her second wallet,
/// 100,000) buys 5 BTC first and her buy fails on its bound (a settling entry of the joined
/// position); else it fills. Alice then closes BTC at 54,540 and bob closes his 5; the next
/// record (54,540) settles the entry. Returns the pair's money (alice's C + bob's C) and the
/// settled move.
fn a_joined_failure_then_a_close(griefed: bool) -> (i128, u128) {
    let mut s = Suite::with_btc(wide_impact_btc());
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 30_000, 30_000);
    let keeper = s.trader("keeper", 0, 0);
    s.try_isolated(&alice, "BTC", "1", 15_000 * USDC).unwrap();
    s.exec(&alice, &cond("1", "60500", true, Some("60700")))
        .unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "60600");
    s.set_price("BTC", "54540");
    if griefed {
        s.trade(&bob, "BTC", "5");
    }
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    if griefed {
        assert!(failed(&res).settles_at_next_record);
        s.close(&bob, "BTC").unwrap();
    } else {
        assert_eq!(Suite::attr(&res, "order_executed", "price"), "60600");
    }
    s.close(&alice, "BTC").unwrap();
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, None);
    let pair = s.account(&alice).collateral.i128() + s.account(&bob).collateral.i128();
    (pair, settled_move(&res))
}

/// Scenario 100 (fixed, failed on the old main; scenario 62 reopened for a failure that joins an isolated
/// position): "nothing once that position is gone" lets the owner close the position at a known
/// price before the entry's record. Scenario 91's fix reasons that an owner's close before the
/// record "closed at a price with no move" — not so when the keeper ran the failure after later
/// records: in [`a_joined_failure_then_a_close`] the failure happens with BTC already at 54,540
/// (its record 60,600). Alice closes her isolated BTC at 54,540 (immediate; the entry is not
/// ready, her message does not settle it first); at the next record the entry finds no position
/// and charges 0 instead of its 6,070 (60,700 closed at 54,630). Her pair with bob ends at
/// 123,814.26383 against 118,237.77002 when the buy fills and she closes the same way: **+5,576.49381
/// for the pair** (6,070 less bob's round trip of 5 BTC), from the vault. Fix direction: only a
/// liquidation (or an ADL close) of that position drops the charge; after an owner's close (or
/// any change of the position that is not forced) the entry is charged from `C`, up to the
/// margin recorded at the failure.
#[test]
fn s100_a_close_before_the_record_does_not_drop_a_joined_failures_move() {
    let (committed, moved) = a_joined_failure_then_a_close(false);
    assert_eq!((committed, moved), (118_237_770_020, 0));
    let (pair, moved) = a_joined_failure_then_a_close(true);
    // today (123,814.26383, 0)
    // safe: the move, 6,070, and the pair no richer than with the fill
    assert_eq!(moved, 6_070 * USDC);
    assert!(pair <= committed, "{pair}");
}

/// Scenario 101's world: plain deferred BTC; alice (20,000) long 1 BTC at 60,000 with a stop
/// (sell 1 below 58,000, reduce-only). For 20 records bob's small market orders run (each fill
/// stores the market's sweep point: the stop's placement leaves the 16-record history while the
/// sweep point stays current). Then two records meet the stop, 57,500 and 55,000, before a keeper
/// (an LP's wallet) runs the stop alone. Returns the fill's price.
/// `alone`: the keeper names the stop only; else it names a market order bob placed before the
/// two records (its sweep pins the stop, which runs first as the older order).
fn a_stop_run_after_two_trigger_records(alone: bool) -> String {
    let (mut s, alice, keeper) = super::long_with_a_stop(20_000, "58000");
    let id = orders_of(&s, &alice)[0].order_id;
    let bob = s.trader("bob", 10_000, 10_000);
    for _ in 0..20 {
        s.trade(&bob, "BTC", "0.001");
        s.set_price("BTC", "60000");
        keeper_run(&mut s, &keeper, None);
    }
    s.trade(&bob, "BTC", "0.001");
    let bobs = orders_of(&s, &bob)[0].order_id;
    s.set_price("BTC", "57500");
    s.set_price("BTC", "55000");
    let res = keeper_run(&mut s, &keeper, Some(vec![if alone { id } else { bobs }]));
    let fills = Suite::typed::<perps_api::events::OrderExecutedEvent>(&res);
    assert_eq!(fills[0].order_id, id);
    fills[0].price.to_string()
}

/// Scenario 101 (fixed, failed on the old main; honest stops overcharged, older than today but now fixable):
/// a stop run by its own id is left to its run by the sweep ("the running order was met and left
/// to its run"), and the run cannot tell its first trigger record from the later ones when the
/// stop was placed more than 16 records ago: `find_pin` takes the least favourable held record
/// that meets it. In [`a_stop_run_alone_after_two_trigger_records`] the sweep read both records
/// (its point was current: nothing before them met the stop), yet the stop sells at 55,000, not
/// at its first trigger record, 57,500: **2,500 taken from alice**, to the vault (an LP running
/// the keeper chooses to run a stop alone one record late). Run with an older order of the
/// market first, the same stop is pinned by that order's sweep to 57,500. Fix direction: the
/// sweep pins the running order too when it read the record (`sweep_pin` over its records: the
/// window from the sweep point is complete), instead of leaving it to `find_pin`.
#[test]
fn s101_a_stop_swept_by_another_order_fills_at_its_first_trigger_record() {
    assert_eq!(a_stop_run_after_two_trigger_records(false), "57500");
}

#[test]
fn s101_a_stop_run_alone_fills_at_its_first_trigger_record() {
    assert_eq!(a_stop_run_after_two_trigger_records(true), "57500");
}

/// Scenario 102 (safe): one failure per record does not lock out the LP provides. BTC deferred
/// ([`wide_impact_btc`]); the griefer (1,000) holds 0.001 BTC isolated with 7 of margin and, once
/// per record, places a buy of 0.001 BTC without a mode: it joins that position and fails on its
/// margin ("insufficient margin: equity 6.879878 < initial requirement 12") — a settling entry,
/// for 0.06 of fee and 0.5 of keeper fee. An LP provides 100,000 while one such entry is pending.
/// At the next keeper run the ids go in order: the older entry settles first (0, BTC unchanged),
/// then the provide executes (nothing pending), then the griefer's new order fails — an order
/// placed after the provide has a younger id and runs after it. To hold a provide back a griefer
/// needs an entry with an older id pending at every run (conditional orders placed before the
/// provide, one failing per record: not in its control), or a market whose feed is silent (the
/// lead's accepted cost in "Scenario 87 fixed").
#[test]
fn s102_a_failure_per_record_does_not_lock_out_lp_provides() {
    let mut s = deferred_suite(wide_impact_btc());
    let g = s.trader("griefer", 1_000, 1_000);
    let (lp, keeper) = (s.trader("lp2", 100_000, 0), s.trader("keeper", 0, 0));
    s.exec(&g, &Suite::isolated_msg("BTC", "0.001", 7 * USDC))
        .unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &g, None);
    let fail_one = |s: &mut Suite| {
        s.exec(&g, &super::review3::buy("0.001", None)).unwrap();
        s.set_price("BTC", "60000");
        let res = keeper_run(s, &keeper, None);
        let f = failed(&res);
        assert!(f.reason.starts_with("insufficient margin") && f.settles_at_next_record);
        assert_eq!((f.fee.u128(), f.keeper_fee.u128()), (60_000, 500_000));
        res
    };
    let first = fail_one(&mut s);
    let entry = failed(&first).order_id;
    s.provide(&lp, 100_000 * USDC).unwrap();
    let res = fail_one(&mut s);
    assert_eq!(settlements(&res), vec![(entry, 0)]);
    assert_eq!(
        Suite::typed::<perps_api::events::LpOrderExecutedEvent>(&res).len(),
        1
    );
}

/// Scenario 103 (fixed, failed on the old main; scenario 78's option through scenario 93's gap): a triggered
/// stop escaped by a close while its owner's first run cannot reach it. Plain immediate BTC;
/// the attacker's ten wallets (1,000 each) rest buys of 0.001 BTC below 58,000; alice (20,000)
/// long 1 BTC at 60,000 rests a stop (sell 1 below 58,000, reduce-only). The record at 57,500
/// triggers the eleven; BTC is back at 60,000 at the next record before any keeper ran. Alice
/// closes her long: her message's own-first run finds the stop behind a sweep that cannot finish
/// (11 candidates, 10 moves), the stop waits and the close sells at 60,000; the stop then goes
/// as `position_closed`. Alice ends at 20,000 (a plain market: no fees) instead of 17,500 (the
/// stop run first by her own message at its record, 57,500): **+2,500**, the vault's (it would
/// have bought at 57,500); the ten wallets' buys fill at 57,500 too (each +2.5 at 60,000, less
/// their keeper fees). Fix direction: as scenario 93 — an owner's message is refused while one of
/// its ready orders cannot run first.
#[test]
fn s103_a_close_cannot_escape_a_triggered_stop_behind_an_unfinished_sweep() {
    let (mut s, alice) = a_long_with_a_stop(|s| {
        for i in 0..10 {
            let w = s.trader(&format!("w{i}"), 1_000, 1_000);
            s.exec(&w, &cond("0.001", "58000", false, None)).unwrap();
        }
    });
    s.set_price("BTC", "57500");
    s.set_price("BTC", "60000");
    // the close is refused while the stop cannot run first (old main: it sold at 60,000, the
    // stop went as `position_closed`, C 20,000)
    close_refused_then_stopped(&mut s, &alice);
}

/// Scenario 103's world: plain immediate BTC, keeper fee 0.5; alice (20,000) long 1 BTC with a
/// stop (sell 1 below 58,000, reduce-only); `before` runs before the stop is placed.
fn a_long_with_a_stop(before: impl FnOnce(&mut Suite)) -> (Suite, Addr) {
    let mut s = Suite::with_btc(plain_market("BTC"));
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let alice = s.trader("alice", 20_000, 20_000);
    s.trade(&alice, "BTC", "1");
    before(&mut s);
    let stop = super::stop_msg("BTC", "58000");
    s.exec(&alice, &stop).unwrap();
    (s, alice)
}

/// Alice's close is refused while her stop cannot run first; keepers then fill the stop at its
/// record ([`stopped_at_its_record`]).
fn close_refused_then_stopped(s: &mut Suite, alice: &Addr) {
    let id = orders_of(s, alice)[0].order_id;
    let close = ExecuteMsg::ClosePosition {
        market_id: "BTC".into(),
        acceptable_price: None,
    };
    s.rejects_exact(alice, &close, &[], &own_order_first(id));
    stopped_at_its_record(s, alice, id);
}

/// Keepers run stop `id` (the sweeps move at most 10 orders each, a call runs at most 5, the
/// older triggered orders first): it sells alice's 1 BTC at
/// 57,500, its record, whatever came after; alice keeps 17,500 less the keeper fee.
fn stopped_at_its_record(s: &mut Suite, alice: &Addr, id: u64) {
    let keeper = s.trader("keeper", 0, 0);
    let mut price = None;
    for _ in 0..5 {
        let res = keeper_run(s, &keeper, Some(vec![id]));
        for e in Suite::typed::<perps_api::events::OrderExecutedEvent>(&res) {
            if e.order_id == id {
                price = Some(e.price);
            }
        }
    }
    assert_eq!(price, Some(d("57500")));
    let a = s.account(alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral.i128(), 17_499_500_000);
}

/// Scenario 103 for free (fixed, failed on the old main): the ten candidates need not fill. Alice's stop
/// (sell 1 below 58,000) is triggered at 57,500 and BTC is back at 60,000; only then do the
/// attacker's ten wallets rest buys of 0.001 below 59,000 (60,000 does not meet them; the 57,500
/// record, older than them, does: candidates of the next sweep that can never be pinned to it).
/// Alice's close: her first run's sweep has 11 candidates, stops, the stop waits, the close
/// sells at 60,000 (C 20,000 instead of 17,500). The ten orders never fill (no later record
/// meets them) and each is cancelled with its whole reservation (6.4) back: the escape costs
/// nothing but transactions.
#[test]
fn s103_ten_orders_placed_after_the_trigger_cost_nothing_and_still_free_the_close() {
    let (mut s, alice) = a_long_with_a_stop(|_| {});
    s.set_price("BTC", "57500");
    s.set_price("BTC", "60000");
    let ws: Vec<Addr> = (0..10)
        .map(|i| s.trader(&format!("w{i}"), 100, 100))
        .collect();
    for w in &ws {
        s.exec(w, &cond("0.001", "59000", false, None)).unwrap();
    }
    close_refused_then_stopped(&mut s, &alice);
    // the ten orders never met a record after their placement: refunded whole
    for w in &ws {
        let id = orders_of(&s, w)[0].order_id;
        let res = s
            .exec(w, &ExecuteMsg::CancelOrder { order_id: id })
            .unwrap();
        assert_eq!(Suite::attr(&res, "order_cancelled", "refund"), "6400000");
        assert_eq!(s.account(w).collateral.i128(), 100 * USDC as i128);
    }
}
