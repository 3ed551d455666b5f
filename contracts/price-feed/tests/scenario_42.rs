//! SECURITY.md scenario 42: a real 15 % gap beyond a 10 % `max_price_jump` is skipped (not an
//! error) and reported; after `jump_window_secs` scaled by elapsed time the move is accepted;
//! `reset_price` by the owner recovers at once; two updates of one feed in one message are refused.

use perps_api::price_feed::ExecuteMsg;
use price_feed::ContractError;

use crate::suite::{attrs, d, upd, Suite};

/// BTC with a 10 % bound per 60 s window priced at 100, ETH unbounded at 2000, both at `t0`.
#[test]
fn gap_is_skipped_and_reported_while_the_batch_lands() {
    let (mut suite, t0) = Suite::priced();
    suite.advance(1);
    let res = suite
        .push(vec![upd("BTC", "115", t0 + 1), upd("ETH", "2010", t0 + 1)])
        .unwrap();
    assert_eq!(attrs(&res, "skipped_update"), ["BTC:jump"]);
    assert_eq!(attrs(&res, "updated"), ["1"]);
    assert_eq!(attrs(&res, "skipped"), ["1"]);
    assert_eq!(suite.stored("BTC"), (d("100"), d("1"), d("100"), t0));
    assert_eq!(suite.stored("ETH"), (d("2010"), d("1"), d("2010"), t0 + 1));
}

#[test]
fn gap_is_accepted_once_enough_time_has_elapsed() {
    let (mut suite, t0) = Suite::priced();
    // 15 % needs 0.1 · Δt/60 ≥ 0.15, i.e. Δt ≥ 90 s of publish time.
    suite.advance(120);
    suite.assert_jump_skipped(upd("BTC", "115", t0 + 89));
    assert_eq!(suite.stored("BTC"), (d("100"), d("1"), d("100"), t0));
    let res = suite.push(vec![upd("BTC", "115", t0 + 90)]).unwrap();
    assert!(attrs(&res, "skipped_update").is_empty());
    assert_eq!(suite.stored("BTC"), (d("115"), d("1"), d("115"), t0 + 90));
    // Downwards the same way: −15 % of 115 needs 90 s again, of publish time and of block time
    // since 115 became the anchor (accepted at t0 + 120).
    suite.advance(89);
    suite.assert_jump_skipped(upd("BTC", "97.75", t0 + 180));
    suite.advance(1);
    suite.assert_jump_skipped(upd("BTC", "97.75", t0 + 179));
    suite.assert_lands(upd("BTC", "97.75", t0 + 180));
}

#[test]
fn owner_reset_recovers_at_once() {
    let (mut suite, t0) = Suite::priced();
    suite.advance(1);
    suite.push(vec![upd("BTC", "115", t0 + 1)]).unwrap();
    assert_eq!(suite.stored("BTC").0, d("100"));
    suite.reset("BTC", "115", t0 + 1).unwrap();
    assert_eq!(suite.stored("BTC"), (d("115"), d("1"), d("115"), t0 + 1));
    // The publisher's next price is judged against the reset one.
    let res = suite.push(vec![upd("BTC", "116", t0 + 2)]).unwrap();
    assert!(attrs(&res, "skipped_update").is_empty());
    assert_eq!(suite.stored("BTC").0, d("116"));
}

#[test]
fn two_updates_of_one_feed_in_one_message_are_refused() {
    let (mut suite, t0) = Suite::priced();
    suite.advance(100);
    let publisher = suite.publisher.clone();
    // Even a pair that would walk past the bound in two legal-looking steps.
    suite.rejects(
        &publisher,
        &ExecuteMsg::UpdatePrices {
            prices: vec![upd("BTC", "110", t0 + 1), upd("BTC", "121", t0 + 2)],
        },
        ContractError::DuplicateFeedUpdate {
            feed_id: "BTC".into(),
        },
    );
    assert_eq!(suite.stored("BTC"), (d("100"), d("1"), d("100"), t0));
}
