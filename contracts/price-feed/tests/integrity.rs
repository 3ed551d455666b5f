//! SECURITY.md scenarios 42 and 53 on the feed alone: the jump bound is measured from the
//! window's anchor and capped at `max_jump_windows`, a refused price marks the feed unconfirmed
//! (one publisher alone cannot), and the last 16 accepted records stay readable raw.

use cosmwasm_std::{Addr, Decimal256};
use perps_api::price_feed::{
    history_slot, ExecuteMsg, HistoryRecord, InstantiateMsg, PriceFeed, PriceRecord, PriceUpdate,
    PRICES, PRICE_HISTORY,
};

use crate::suite::{attrs, d, upd, Suite};

/// SOL with a 10 % bound per 60 s window (default 3 windows) priced at 100 at `t0`.
fn sol() -> (Suite, u64) {
    let mut suite = Suite::new();
    suite.add_feed("SOL", Some("0.1"));
    let t0 = suite.now();
    suite.push(vec![upd("SOL", "100", t0)]).unwrap();
    (suite, t0)
}

fn raw(suite: &Suite, feed_id: &str) -> PriceRecord {
    PriceFeed(suite.feed.clone())
        .raw_price(&suite.app.wrap(), feed_id)
        .unwrap()
        .expect("a stored price")
}

/// `update_prices` of one feed from `who`.
fn push_from(suite: &mut Suite, who: &Addr, u: PriceUpdate) -> cw_multi_test::AppResponse {
    suite
        .exec(who, &ExecuteMsg::UpdatePrices { prices: vec![u] })
        .unwrap()
}

/// The feed's latest price and its unanswered refused publish time.
fn price_and_refusal(suite: &Suite, feed_id: &str) -> (Decimal256, Option<u64>) {
    let price = suite.price(feed_id).unwrap();
    (price.price, price.refused_publish_time)
}

#[test]
fn s53_five_updates_in_one_block_cannot_walk_the_price_past_one_bound() {
    let (mut suite, t0) = sol();
    // One block, five messages, publish times 1..5 s ahead (max_future_secs 5): each −10 % of
    // the one before would reach 100 · 0.9^5 = 59.049. Only the first is within 10 % of the
    // anchor 100.
    let walk = ["90", "81", "72.9", "65.61", "59.049"];
    let mut skipped = vec![];
    for (i, price) in (1u64..).zip(walk) {
        let res = suite.push(vec![upd("SOL", price, t0 + i)]).unwrap();
        skipped.extend(attrs(&res, "skipped_update"));
        // Publish times ahead of the block prove nothing: no refusal is recorded.
        assert!(attrs(&res, "refused_publish_time").is_empty());
    }
    assert_eq!(skipped, ["SOL:jump"; 4]);
    assert_eq!(suite.stored("SOL"), (d("90"), d("1"), d("90"), t0 + 1));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
    // Even a second apart, block after block, the window's moves add up to one bound.
    suite.advance(2);
    suite.assert_jump_skipped(upd("SOL", "89.99", t0 + 2));
    assert_eq!(suite.stored("SOL").0, d("90"));
}

#[test]
fn s53_after_a_ten_minute_silence_at_most_max_jump_windows_bounds() {
    let (mut suite, t0) = sol();
    suite.advance(600);
    // Ten windows of silence scale the bound by 3, not 10: 0.01 (−99.99 %) and 69.99 refused.
    for price in ["0.01", "69.99"] {
        suite.assert_jump_skipped(upd("SOL", price, t0 + 599));
    }
    assert_eq!(suite.stored("SOL").0, d("100"));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 599));
    // −30 % exactly lands and, published after the refusals, confirms the feed.
    let res = suite.push(vec![upd("SOL", "70", t0 + 600)]).unwrap();
    assert!(attrs(&res, "skipped_update").is_empty());
    assert_eq!(suite.stored("SOL"), (d("70"), d("1"), d("70"), t0 + 600));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);

    // A feed allowed one window only: 10 % after any silence.
    let owner = suite.owner.clone();
    suite
        .exec(
            &owner,
            &ExecuteMsg::AddFeed {
                feed_id: "ONE".into(),
                description: "one window".into(),
                max_price_jump: Some(d("0.1")),
                jump_window_secs: Some(60),
                max_jump_windows: Some(1),
            },
        )
        .unwrap();
    let t1 = suite.now();
    suite.push(vec![upd("ONE", "100", t1)]).unwrap();
    suite.advance(3_600);
    suite.assert_jump_skipped(upd("ONE", "89.99", t1 + 3_600));
    suite.assert_lands(upd("ONE", "90", t1 + 3_600));
}

#[test]
fn the_anchor_moves_only_once_a_window_has_passed() {
    let (mut suite, t0) = sol();
    suite.advance(59);
    // 109 at 59 s: within 10 % of 100; the anchor stays at (100, t0).
    suite.push(vec![upd("SOL", "109", t0 + 59)]).unwrap();
    // 119.9 at 60 s would be +10 % of 109 but is +19.9 % of the anchor.
    suite.advance(1);
    suite.assert_jump_skipped(upd("SOL", "119.9", t0 + 60));
    // 110 at 61 s lands and, a full window after the anchor, becomes the anchor.
    suite.push(vec![upd("SOL", "110", t0 + 61)]).unwrap();
    // That accepted update (61 ≥ 60) answers the refusal at 60.
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
    suite.advance(1);
    suite.assert_lands(upd("SOL", "121", t0 + 62));
    suite.assert_jump_skipped(upd("SOL", "121.1", t0 + 63));
}

#[test]
fn s42_a_refused_gap_marks_the_feed_unconfirmed_until_an_accepted_price_answers_it() {
    let (mut suite, t0) = sol();
    suite.advance(60);
    // +15 % after one window: refused, and published at the block time, so recorded.
    let res = suite.push(vec![upd("SOL", "115", t0 + 60)]).unwrap();
    assert_eq!(attrs(&res, "skipped_update"), ["SOL:jump"]);
    assert_eq!(
        attrs(&res, "refused_publish_time"),
        [format!("SOL:{}", t0 + 60)]
    );
    let price = suite.price("SOL").unwrap();
    assert_eq!(price.price, d("100"));
    assert_eq!(price.refused_publish_time, Some(t0 + 60));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 60));
    // An accepted price published before the refusal does not answer it. (105, so that the
    // later +15 % is also within one bound of this latest stored price.)
    suite.assert_lands(upd("SOL", "105", t0 + 59));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 60));
    // A later refusal moves the mark forward.
    suite.advance(20);
    suite.push(vec![upd("SOL", "115", t0 + 80)]).unwrap();
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 80));
    // At 90 s of the anchor +15 % is within the scaled bound: accepted, confirmed.
    suite.advance(10);
    let res = suite.push(vec![upd("SOL", "115", t0 + 90)]).unwrap();
    assert!(attrs(&res, "skipped_update").is_empty());
    assert!(attrs(&res, "refused_publish_time").is_empty());
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("115"), None));
    // The raw record is back to its confirmed encoding.
    let stored = suite
        .app
        .contract_storage(&suite.feed)
        .get(&PRICES.key("SOL"))
        .unwrap();
    assert_eq!(
        String::from_utf8(stored).unwrap(),
        format!(
            r#"{{"price":"115","conf":"1","ema_price":"115","publish_time":{},"sequence":3}}"#,
            t0 + 90
        )
    );
}

#[test]
fn only_the_owners_reset_at_or_after_the_refusal_confirms_a_gap_beyond_the_cap() {
    let (mut suite, t0) = sol();
    suite.advance(3_600);
    // A real −50 % gap: beyond 3 windows of 10 % whatever the time, so only a reset helps.
    suite.push(vec![upd("SOL", "50", t0 + 3_600)]).unwrap();
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 3_600));
    // A reset dated before the refusal stores its price but the feed stays unconfirmed.
    let res = suite.reset("SOL", "50", t0 + 3_599).unwrap();
    assert_eq!(
        attrs(&res, "refused_publish_time"),
        [format!("SOL:{}", t0 + 3_600)]
    );
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 3_600));
    let res = suite.reset("SOL", "50", t0 + 3_600).unwrap();
    assert!(attrs(&res, "refused_publish_time").is_empty());
    assert_eq!(attrs(&res, "sequence"), ["3"]);
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("50"), None));
    // The reset is the new anchor: 10 % of 50 within its window.
    suite.advance(1);
    suite.assert_jump_skipped(upd("SOL", "55.01", t0 + 3_601));
    suite.assert_lands(upd("SOL", "55", t0 + 3_601));
}

/// SOL priced at 100 by a feed with three publishers.
fn three_publishers() -> (Suite, [Addr; 3], u64) {
    let api = cosmwasm_std::testing::MockApi::default();
    let publishers = [
        api.addr_make("p1"),
        api.addr_make("p2"),
        api.addr_make("p3"),
    ];
    let list = publishers.iter().map(Addr::to_string).collect();
    let mut suite = Suite::with(|m: &mut InstantiateMsg| m.publishers = list);
    suite.add_feed("SOL", Some("0.1"));
    let t0 = suite.now();
    push_from(&mut suite, &publishers[0], upd("SOL", "100", t0));
    (suite, publishers, t0)
}

#[test]
fn one_publisher_alone_cannot_freeze_a_market() {
    let (mut suite, [p1, p2, p3], t0) = three_publishers();
    // p1 pushes absurd prices every 10 s for ten minutes: refused, never unconfirmed.
    for i in 1..=60u64 {
        suite.advance(10);
        let res = push_from(&mut suite, &p1, upd("SOL", "0.01", t0 + 10 * i));
        assert_eq!(attrs(&res, "skipped_update"), ["SOL:jump"]);
        assert!(attrs(&res, "refused_publish_time").is_empty());
    }
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
    // The honest publishers keep the market going meanwhile.
    push_from(&mut suite, &p2, upd("SOL", "101", t0 + 600));
    assert_eq!(suite.stored("SOL").0, d("101"));
    // A second publisher refused more than a window after p1's latest refusal: still nothing.
    suite.advance(60);
    push_from(&mut suite, &p3, upd("SOL", "0.02", t0 + 660));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
}

#[test]
fn two_distinct_publishers_refused_within_a_window_mark_the_feed_unconfirmed() {
    let (mut suite, [p1, p2, p3], t0) = three_publishers();
    suite.advance(60);
    push_from(&mut suite, &p1, upd("SOL", "115", t0 + 60));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
    // p2 a block later (59 s apart in publish time, within one window), publishing an older
    // observation time than p1: the later of the two is recorded.
    suite.advance(59);
    let res = push_from(&mut suite, &p2, upd("SOL", "116", t0 + 70));
    assert_eq!(
        attrs(&res, "refused_publish_time"),
        [format!("SOL:{}", t0 + 70)]
    );
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 70));
    // p3's accepted 115 at 90 s of the anchor is stored but alone answers nothing; p1's 115 a
    // second later (a second publisher within one window) answers both refusals.
    push_from(&mut suite, &p3, upd("SOL", "115", t0 + 90));
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("115"), Some(t0 + 70)));
    push_from(&mut suite, &p1, upd("SOL", "115", t0 + 91));
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("115"), None));
    // Answered refusals no longer count: p1 alone again records nothing.
    suite.advance(1);
    push_from(&mut suite, &p1, upd("SOL", "150", t0 + 120));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
}

#[test]
fn s53_ten_backdated_updates_in_one_block_after_a_silence_cannot_walk_past_the_cap() {
    let (mut suite, t0) = sol();
    suite.advance(600);
    // One block, ten updates a window apart in publish time, each −10 % of the one before:
    // 100 · 0.9^10 ≈ 34.87 if each earned its own window. Block time allows one window after
    // the anchor (100 at t0, accepted at t0), so the anchor moves once (to 90) and the walk
    // stops one bound further, at 81: within max_jump_windows (3) bounds of 100.
    let walk = [
        "90",
        "81",
        "72.9",
        "65.61",
        "59.049",
        "53.1441",
        "47.82969",
        "43.046721",
        "38.7420489",
        "34.86784401",
    ];
    let mut skipped = vec![];
    for (i, price) in (1u64..).zip(walk) {
        let res = suite.push(vec![upd("SOL", price, t0 + 60 * i)]).unwrap();
        skipped.extend(attrs(&res, "skipped_update"));
    }
    assert_eq!(skipped, ["SOL:jump"; 8]);
    assert_eq!(suite.stored("SOL"), (d("81"), d("1"), d("81"), t0 + 120));
    // The refused prices were published at or before the block: a sole publisher's refusal
    // marks the feed unconfirmed from the latest of them.
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 600));
}

#[test]
fn s53_a_future_dated_update_cannot_capture_the_anchor() {
    let (mut suite, [h1, h2, m], t0) = three_publishers();
    // True price 100. At block t0 + 55, M pushes 110 dated t0 + 60 (5 s ahead, allowed): +10 %
    // of the anchor, accepted, but the window of block time has not passed: no new anchor.
    suite.advance(55);
    let res = push_from(&mut suite, &m, upd("SOL", "110", t0 + 60));
    assert!(attrs(&res, "skipped_update").is_empty());
    // At t0 + 61 H1 pushes the true 100: within one bound of the stored 110 and of the anchor.
    suite.advance(6);
    let res = push_from(&mut suite, &h1, upd("SOL", "100", t0 + 61));
    assert!(attrs(&res, "skipped_update").is_empty());
    assert_eq!(suite.stored("SOL").0, d("100"));
    // A window later M pushes 121 dated t0 + 120: +21 % of the anchor (H1's 100), refused.
    suite.advance(54);
    let res = push_from(&mut suite, &m, upd("SOL", "121", t0 + 120));
    assert_eq!(attrs(&res, "skipped_update"), ["SOL:jump"]);
    assert!(attrs(&res, "refused_publish_time").is_empty());
    // The honest publishers' 100 lands and the feed stays confirmed.
    for (who, t) in [(&h1, t0 + 114), (&h2, t0 + 115)] {
        let res = push_from(&mut suite, who, upd("SOL", "100", t));
        assert!(attrs(&res, "skipped_update").is_empty());
        assert!(attrs(&res, "refused_publish_time").is_empty());
    }
    assert_eq!(suite.stored("SOL"), (d("100"), d("1"), d("100"), t0 + 115));
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("100"), None));
}

#[test]
fn the_last_sixteen_accepted_records_stay_readable_raw_and_by_query_and_older_ones_raw() {
    let (mut suite, t0) = sol();
    let h0 = suite.app.block_info().height;
    // 19 more updates, one per block and second, and an owner reset: 21 records in all.
    for i in 1..=19u64 {
        suite.advance(1);
        suite
            .push(vec![upd("SOL", &format!("{}", 100 + i % 3), t0 + i)])
            .unwrap();
    }
    suite.advance(1);
    suite.reset("SOL", "99", t0 + 20).unwrap();
    let history = suite.history("SOL");
    let expected: Vec<HistoryRecord> = (6..=21u64)
        .map(|seq| {
            let i = seq - 1;
            let price = if seq == 21 {
                d("99")
            } else {
                d(&format!("{}", 100 + i % 3))
            };
            HistoryRecord {
                sequence: seq,
                price,
                conf: d("1"),
                ema_price: price,
                publish_time: t0 + i,
                accepted_height: h0 + i,
                accepted_time: t0 + i,
            }
        })
        .collect();
    assert_eq!(history, expected);
    assert_eq!(raw(&suite, "SOL").sequence, Some(21));
    // Raw reads agree with the query record by record; the five records older than the history
    // stay raw-readable (256 slots), future ones do not exist.
    {
        let feed = PriceFeed(suite.feed.clone());
        let querier = suite.app.wrap();
        for record in &history {
            let got = feed.raw_history(&querier, "SOL", record.sequence).unwrap();
            assert_eq!(got.as_ref(), Some(record));
        }
        for older in 1..=5u64 {
            let got = feed.raw_history(&querier, "SOL", older).unwrap().unwrap();
            assert_eq!((got.sequence, got.publish_time), (older, t0 + older - 1));
        }
        for gone in [0, 22, 37, 257] {
            assert_eq!(feed.raw_history(&querier, "SOL", gone).unwrap(), None);
        }
        assert_eq!(feed.price_history(&querier, "SOL").unwrap(), history);
    }
    // A refused update adds nothing to the history.
    suite.advance(1);
    suite.push(vec![upd("SOL", "200", t0 + 21)]).unwrap();
    assert_eq!(suite.history("SOL"), history);
}

#[test]
fn removing_a_feed_clears_its_history_and_a_new_one_starts_at_sequence_one() {
    let (mut suite, t0) = sol();
    suite.advance(1);
    suite.push(vec![upd("SOL", "101", t0 + 1)]).unwrap();
    let owner = suite.owner.clone();
    suite
        .exec(
            &owner,
            &ExecuteMsg::RemoveFeed {
                feed_id: "SOL".into(),
            },
        )
        .unwrap();
    let feed = PriceFeed(suite.feed.clone());
    for seq in [1, 2] {
        assert_eq!(
            feed.raw_history(&suite.app.wrap(), "SOL", seq).unwrap(),
            None
        );
    }
    let err = suite
        .query::<perps_api::price_feed::PriceHistoryResponse>(
            &perps_api::price_feed::QueryMsg::PriceHistory {
                feed_id: "SOL".into(),
            },
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("feed SOL not found"), "{err}");
    // Added again: empty history, then sequence 1 and a fresh anchor (no jump rule at first).
    suite.add_feed("SOL", Some("0.1"));
    assert!(suite.history("SOL").is_empty());
    suite.push(vec![upd("SOL", "500", t0 + 2)]).unwrap();
    let history = suite.history("SOL");
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].sequence, history[0].price), (1, d("500")));
}

#[test]
fn a_price_stored_before_the_history_existed_is_read_and_continued() {
    let (mut suite, t0) = sol();
    // The feed as an earlier version stored it: a record without sequence, no history, no
    // jump state.
    let feed = suite.feed.clone();
    let old = format!(r#"{{"price":"100","conf":"1","ema_price":"100","publish_time":{t0}}}"#);
    {
        let mut storage = suite.app.contract_storage_mut(&feed);
        storage.set(&PRICES.key("SOL"), old.as_bytes());
        storage.remove(&PRICE_HISTORY.key(("SOL", history_slot(1))));
        storage.remove(b"\x00\x05jumpsSOL");
    }
    let record = raw(&suite, "SOL");
    assert_eq!((record.sequence, record.refused_publish_time), (None, None));
    assert_eq!(suite.price("SOL").unwrap().price, d("100"));
    assert!(suite.history("SOL").is_empty());
    // The next update is judged from the stored price and numbered from 1.
    suite.advance(1);
    suite.assert_jump_skipped(upd("SOL", "110.01", t0 + 1));
    suite.push(vec![upd("SOL", "110", t0 + 1)]).unwrap();
    let record = raw(&suite, "SOL");
    assert_eq!(
        (record.sequence, record.refused_publish_time),
        (Some(1), None)
    );
    assert_eq!(suite.history("SOL")[0].price, d("110"));
}

#[test]
fn s53_one_block_after_a_long_silence_moves_at_most_max_jump_windows_bounds() {
    let (mut suite, t0) = sol();
    suite.advance(600);
    // Ten windows of silence: the first update of the block may move 3 bounds (−30 %) and,
    // published a window after the anchor in a block a window later, becomes the new anchor.
    let res = suite.push(vec![upd("SOL", "70", t0 + 600)]).unwrap();
    assert!(attrs(&res, "skipped_update").is_empty());
    // Later updates of the same block stay within 3 bounds of the anchor the block started
    // from (100): 63 (one bound from the new anchor, 37 % from 100) and one atom below 70 are
    // refused.
    for price in ["63", "69.999999999999999999"] {
        suite.assert_jump_skipped(upd("SOL", price, t0 + 601));
    }
    assert_eq!(suite.stored("SOL"), (d("70"), d("1"), d("70"), t0 + 600));
    // Within both bounds: 77 (+10 % of the new anchor, −23 % of the old one) lands.
    suite.assert_lands(upd("SOL", "77", t0 + 602));
    suite.push(vec![upd("SOL", "70", t0 + 603)]).unwrap();
    // The next block is measured from the new anchor alone, as after any window boundary: one
    // bound, 63.
    suite.advance(1);
    suite.assert_jump_skipped(upd("SOL", "62.99", t0 + 604));
    suite.assert_lands(upd("SOL", "63", t0 + 605));
}

#[test]
fn s53_several_publishers_in_one_block_after_a_silence_stay_within_max_jump_windows_bounds() {
    let (mut suite, [p1, p2, p3], t0) = three_publishers();
    suite.advance(600);
    // p1 moves the price (and the anchor) 3 bounds; p2 and p3 try one more bound in the same
    // block: refused, and two refusals published ahead of the block record nothing.
    push_from(&mut suite, &p1, upd("SOL", "70", t0 + 600));
    for (who, t) in [(&p2, t0 + 601), (&p3, t0 + 602)] {
        let res = push_from(&mut suite, who, upd("SOL", "63", t));
        assert_eq!(attrs(&res, "skipped_update"), ["SOL:jump"]);
        assert!(attrs(&res, "refused_publish_time").is_empty());
    }
    // The same walk as three messages of one publisher each, in the other direction: 130, then
    // 143 refused (+43 % of 100), 130 kept.
    let (mut suite, [p1, p2, _], t0) = three_publishers();
    suite.advance(600);
    push_from(&mut suite, &p1, upd("SOL", "130", t0 + 600));
    let res = push_from(&mut suite, &p2, upd("SOL", "143", t0 + 601));
    assert_eq!(attrs(&res, "skipped_update"), ["SOL:jump"]);
    let res = push_from(
        &mut suite,
        &p1,
        upd("SOL", "130.000000000000000001", t0 + 602),
    );
    assert_eq!(attrs(&res, "skipped_update"), ["SOL:jump"]);
    assert_eq!(suite.stored("SOL"), (d("130"), d("1"), d("130"), t0 + 600));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
}

/// SOL gapped from 100 to 85 at `t0 + 60`: both honest publishers (p1, p2) were refused within
/// one window, so the feed is marked unconfirmed at `t0 + 60`; p3 is the attacker.
fn marked_by_two_honest_publishers() -> (Suite, [Addr; 3], u64) {
    let (mut suite, publishers, t0) = three_publishers();
    suite.advance(60);
    for who in &publishers[..2] {
        push_from(&mut suite, who, upd("SOL", "85", t0 + 60));
    }
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("100"), Some(t0 + 60)));
    (suite, publishers, t0)
}

#[test]
fn one_publisher_alone_cannot_lift_an_unconfirmed_mark() {
    let (mut suite, [h1, h2, m], t0) = marked_by_two_honest_publishers();
    // M re-publishes the stale 100 after the refusals: within the bound, accepted and stored,
    // but one publisher's word does not answer two others' refusals.
    for t in [t0 + 61, t0 + 62] {
        let res = push_from(&mut suite, &m, upd("SOL", "100", t));
        assert!(attrs(&res, "skipped_update").is_empty());
    }
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("100"), Some(t0 + 60)));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 60));
    // Two windows later the honest 85 is within the scaled bound: h1's print alone leaves the
    // feed unconfirmed, h2's within one window confirms it.
    suite.advance(120);
    push_from(&mut suite, &h1, upd("SOL", "85", t0 + 180));
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("85"), Some(t0 + 60)));
    push_from(&mut suite, &h2, upd("SOL", "85", t0 + 181));
    assert_eq!(price_and_refusal(&suite, "SOL"), (d("85"), None));
}

#[test]
fn two_confirmations_more_than_a_window_apart_do_not_lift_the_mark() {
    let (mut suite, [h1, _, m], t0) = marked_by_two_honest_publishers();
    suite.advance(120);
    push_from(&mut suite, &h1, upd("SOL", "85", t0 + 180));
    // M agrees a full window later: not within one window of h1's confirmation.
    suite.advance(60);
    push_from(&mut suite, &m, upd("SOL", "85", t0 + 240));
    assert_eq!(raw(&suite, "SOL").refused_publish_time, Some(t0 + 60));
    // The owner's reset still confirms alone.
    suite.reset("SOL", "85", t0 + 240).unwrap();
    assert_eq!(raw(&suite, "SOL").refused_publish_time, None);
}

#[test]
fn the_feed_keeps_its_last_256_records_raw_readable_and_a_newer_one_overwrites_the_oldest() {
    let (mut suite, t0) = sol();
    for i in 1..=256u64 {
        suite.advance(1);
        suite
            .push(vec![upd("SOL", &format!("{}", 100 + i % 3), t0 + i)])
            .unwrap();
    }
    // 257 records: the first was overwritten by the 257th (slot 1), the 2nd is the oldest kept.
    let feed = PriceFeed(suite.feed.clone());
    let querier = suite.app.wrap();
    assert_eq!(feed.raw_history(&querier, "SOL", 1).unwrap(), None);
    let oldest = feed.raw_history(&querier, "SOL", 2).unwrap().unwrap();
    assert_eq!(
        (oldest.sequence, oldest.price, oldest.publish_time),
        (2, d("101"), t0 + 1)
    );
    let newest = feed.raw_history(&querier, "SOL", 257).unwrap().unwrap();
    assert_eq!((newest.price, newest.publish_time), (d("101"), t0 + 256));
    let history = feed.price_history(&querier, "SOL").unwrap();
    let seqs: Vec<u64> = history.iter().map(|r| r.sequence).collect();
    assert_eq!(seqs, (242..=257).collect::<Vec<_>>());
}
