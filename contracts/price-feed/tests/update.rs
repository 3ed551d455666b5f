use cosmwasm_std::coins;
use cw_multi_test::Executor;
use perps_api::price_feed::{ExecuteMsg, PriceUpdate};
use price_feed::ContractError;

use crate::suite::{assert_err, attrs, d, upd, Suite, FUNDED_DENOM};

/// BTC (10 % jump bound) and ETH (no bound), both priced at `now`.
#[test]
fn stores_exact_values_and_defaults_ema_to_price() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", Some("0.1"));
    suite.add_feed("ETH", None);
    let t = suite.now();
    let res = suite
        .push(vec![
            PriceUpdate {
                feed_id: "BTC".into(),
                price: d("60000.5"),
                conf: d("12.25"),
                ema_price: Some(d("59990.125")),
                publish_time: t - 3,
            },
            PriceUpdate {
                feed_id: "ETH".into(),
                price: d("3000.000000000000000001"),
                conf: d("0"),
                ema_price: None,
                publish_time: t,
            },
        ])
        .unwrap();
    assert_eq!(attrs(&res, "action"), ["update_prices"]);
    assert_eq!(attrs(&res, "updated"), ["2"]);
    assert_eq!(attrs(&res, "skipped"), ["0"]);
    assert!(attrs(&res, "skipped_update").is_empty());
    assert_eq!(
        suite.stored("BTC"),
        (d("60000.5"), d("12.25"), d("59990.125"), t - 3)
    );
    assert_eq!(
        suite.stored("ETH"),
        (
            d("3000.000000000000000001"),
            d("0"),
            d("3000.000000000000000001"),
            t
        )
    );
}

#[test]
fn only_publishers_may_push() {
    let (mut suite, t) = Suite::priced();
    let msg = ExecuteMsg::UpdatePrices {
        prices: vec![upd("BTC", "101", t + 1)],
    };
    suite.rejects_non_publishers([suite.owner.clone(), suite.stranger.clone()], &msg);
}

#[test]
fn empty_batch_is_an_error() {
    let (mut suite, _) = Suite::priced();
    let publisher = suite.publisher.clone();
    suite.rejects(
        &publisher,
        &ExecuteMsg::UpdatePrices { prices: vec![] },
        ContractError::EmptyUpdate {},
    );
}

#[test]
fn two_updates_of_one_feed_are_an_error() {
    let (mut suite, t) = Suite::priced();
    let publisher = suite.publisher.clone();
    suite.advance(10);
    suite.rejects(
        &publisher,
        &ExecuteMsg::UpdatePrices {
            prices: vec![
                upd("ETH", "2001", t + 1),
                upd("BTC", "101", t + 1),
                upd("BTC", "102", t + 2),
            ],
        },
        ContractError::DuplicateFeedUpdate {
            feed_id: "BTC".into(),
        },
    );
}

#[test]
fn funds_are_refused() {
    let (mut suite, t) = Suite::priced();
    let before = suite.snapshot();
    let err = suite
        .app
        .execute_contract(
            suite.publisher.clone(),
            suite.feed.clone(),
            &ExecuteMsg::UpdatePrices {
                prices: vec![upd("BTC", "101", t + 1)],
            },
            &coins(1, FUNDED_DENOM),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("this contract accepts no funds"), "{err}");
    assert_eq!(suite.snapshot(), before);
}

/// Pushes `bad` together with a valid ETH update: `bad` is skipped with `rule`, ETH lands, and
/// BTC keeps its price.
fn assert_skipped(suite: &mut Suite, bad: PriceUpdate, rule: &str) {
    let btc_before = suite.price("BTC").ok();
    let eth_time = suite.price("ETH").unwrap().publish_time + 1;
    let feed_id = bad.feed_id.clone();
    let res = suite.push(vec![bad, upd("ETH", "2100", eth_time)]).unwrap();
    assert_eq!(attrs(&res, "updated"), ["1"]);
    assert_eq!(attrs(&res, "skipped"), ["1"]);
    assert_eq!(attrs(&res, "skipped_update"), [format!("{feed_id}:{rule}")]);
    assert_eq!(suite.price("BTC").ok(), btc_before);
    assert_eq!(
        suite.stored("ETH"),
        (d("2100"), d("1"), d("2100"), eth_time)
    );
}

#[test]
fn unknown_feed_is_skipped() {
    let (mut suite, t) = Suite::priced();
    assert_skipped(&mut suite, upd("DOGE", "1", t + 1), "unknown_feed");
}

#[test]
fn zero_price_or_zero_ema_is_skipped() {
    let (mut suite, t) = Suite::priced();
    assert_skipped(&mut suite, upd("BTC", "0", t + 1), "zero_price");
    let mut zero_ema = upd("BTC", "100", t + 1);
    zero_ema.ema_price = Some(d("0"));
    assert_skipped(&mut suite, zero_ema, "zero_price");
}

#[test]
fn same_or_older_publish_time_is_skipped() {
    let (mut suite, t) = Suite::priced();
    assert_skipped(&mut suite, upd("BTC", "101", t), "not_newer");
    assert_skipped(&mut suite, upd("BTC", "101", t - 1), "not_newer");
}

#[test]
fn future_bound_is_inclusive() {
    let (mut suite, _) = Suite::priced();
    let now = suite.now();
    assert_skipped(&mut suite, upd("BTC", "101", now + 6), "future");
    let res = suite.push(vec![upd("BTC", "101", now + 5)]).unwrap();
    assert_eq!(attrs(&res, "updated"), ["1"]);
    assert_eq!(suite.stored("BTC"), (d("101"), d("1"), d("101"), now + 5));
}

#[test]
fn future_bound_applies_to_a_first_price() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    suite.add_feed("ETH", None);
    let now = suite.now();
    suite.push(vec![upd("ETH", "1", now)]).unwrap();
    assert_skipped(&mut suite, upd("BTC", "1", now + 6), "future");
}

#[test]
fn jump_bound_is_inclusive_to_the_last_digit() {
    let (mut suite, t) = Suite::priced();
    for over in ["110.000000000000000001", "89.999999999999999999"] {
        assert_skipped(&mut suite, upd("BTC", over, t + 1), "jump");
    }
    let res = suite.push(vec![upd("BTC", "110", t + 1)]).unwrap();
    assert_eq!(attrs(&res, "updated"), ["1"]);
    assert_eq!(suite.stored("BTC"), (d("110"), d("1"), d("110"), t + 1));
    // Within the window every move is measured from its anchor, 100, and from the stored 110:
    // 110.000000000000000001 is within 10 % of 110 but not of the anchor; 99 is exactly −10 %
    // of 110 and lands, one atomic unit less does not (though within 10 % of the anchor).
    for over in ["110.000000000000000001", "98.999999999999999999"] {
        assert_skipped(&mut suite, upd("BTC", over, t + 2), "jump");
    }
    suite.assert_lands(upd("BTC", "99", t + 2));
}

#[test]
fn unbounded_feed_accepts_any_move_and_first_price_is_free() {
    let (mut suite, t) = Suite::priced();
    suite.assert_lands(upd("ETH", "1", t + 1));
    suite.add_feed("SOL", Some("0.01"));
    suite.assert_lands(upd("SOL", "123456", t + 1));
}

#[test]
fn several_skips_are_each_reported() {
    let (mut suite, t) = Suite::priced();
    suite.add_feed("SOL", None);
    let res = suite
        .push(vec![
            upd("NOPE", "1", t + 1),
            upd("BTC", "200", t + 1),
            upd("ETH", "2000", t),
            upd("SOL", "150", t + 1),
        ])
        .unwrap();
    assert_eq!(attrs(&res, "updated"), ["1"]);
    assert_eq!(attrs(&res, "skipped"), ["3"]);
    assert_eq!(
        attrs(&res, "skipped_update"),
        ["NOPE:unknown_feed", "BTC:jump", "ETH:not_newer"]
    );
    assert_eq!(suite.stored("SOL"), (d("150"), d("1"), d("150"), t + 1));
    assert_eq!(suite.stored("BTC"), (d("100"), d("1"), d("100"), t));
}

#[test]
fn a_batch_where_everything_is_skipped_still_succeeds() {
    let (mut suite, t) = Suite::priced();
    let before = suite.snapshot();
    let res = suite.push(vec![upd("BTC", "0", t + 1)]).unwrap();
    assert_eq!(attrs(&res, "updated"), ["0"]);
    assert_eq!(attrs(&res, "skipped_update"), ["BTC:zero_price"]);
    assert_eq!(suite.snapshot(), before);
    // A removed publisher is refused even with a well-formed batch.
    let publisher = suite.publisher.clone();
    let owner = suite.owner.clone();
    suite
        .exec(&owner, &ExecuteMsg::SetPublishers { publishers: vec![] })
        .unwrap();
    assert_err(
        suite.push(vec![upd("BTC", "100", t + 1)]),
        ContractError::NotPublisher { sender: publisher },
    );
}
