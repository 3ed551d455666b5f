use perps_api::ownership::OwnershipError;
use perps_api::price_feed::ExecuteMsg;
use price_feed::ContractError;

use crate::suite::{attrs, d, upd, Suite};

fn priced() -> (Suite, u64) {
    let mut suite = Suite::new();
    suite.add_feed("BTC", Some("0.1"));
    let t = suite.now();
    let mut first = upd("BTC", "100", t);
    first.ema_price = Some(d("98"));
    suite.push(vec![first]).unwrap();
    (suite, t)
}

fn reset_msg(feed_id: &str, price: &str, publish_time: u64) -> ExecuteMsg {
    ExecuteMsg::ResetPrice {
        feed_id: feed_id.into(),
        price: d(price),
        conf: d("2.5"),
        publish_time,
    }
}

#[test]
fn bypasses_jump_and_monotonic_rules_and_restarts_the_ema() {
    let (mut suite, t) = priced();
    let owner = suite.owner.clone();
    // 300 % up and older than the stored price: both would be skipped in update_prices.
    let res = suite
        .exec(&owner, &reset_msg("BTC", "400", t - 10))
        .unwrap();
    assert_eq!(attrs(&res, "action"), ["reset_price"]);
    assert_eq!(attrs(&res, "feed_id"), ["BTC"]);
    assert_eq!(suite.stored("BTC"), (d("400"), d("2.5"), d("400"), t - 10));
    // Publishers continue from the reset price.
    suite.assert_lands(upd("BTC", "440", t - 9));
}

#[test]
fn can_set_a_first_price_and_reach_the_future_bound() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    let now = suite.now();
    let owner = suite.owner.clone();
    suite.exec(&owner, &reset_msg("BTC", "7", now + 5)).unwrap();
    assert_eq!(suite.stored("BTC"), (d("7"), d("2.5"), d("7"), now + 5));
}

#[test]
fn rejections_change_nothing() {
    let (mut suite, t) = priced();
    let owner = suite.owner.clone();
    let publisher = suite.publisher.clone();
    let now = suite.now();
    suite.rejects(
        &publisher,
        &reset_msg("BTC", "1", t + 1),
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: publisher.clone(),
            owner: owner.clone(),
        }),
    );
    suite.rejects(
        &owner,
        &reset_msg("DOGE", "1", t + 1),
        ContractError::FeedNotFound {
            feed_id: "DOGE".into(),
        },
    );
    suite.rejects(
        &owner,
        &reset_msg("BTC", "0", t + 1),
        ContractError::ZeroPrice {
            feed_id: "BTC".into(),
            price: d("0"),
        },
    );
    suite.rejects(
        &owner,
        &reset_msg("BTC", "1", now + 6),
        ContractError::FuturePublishTime {
            feed_id: "BTC".into(),
            publish_time: now + 6,
            latest_allowed: now + 5,
        },
    );
    assert_eq!(suite.stored("BTC"), (d("100"), d("1"), d("98"), t));
}
