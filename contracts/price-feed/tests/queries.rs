use perps_api::price_feed::{PriceFeed, PriceResponse, PricesResponse, QueryMsg};
use price_feed::ContractError;

use crate::suite::{assert_err, d, upd, Suite};

fn prices(suite: &Suite, ids: &[&str]) -> cosmwasm_std::StdResult<PricesResponse> {
    suite.query(&QueryMsg::Prices {
        feed_ids: ids.iter().map(|s| s.to_string()).collect(),
    })
}

fn setup() -> (Suite, u64) {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    suite.add_feed("ETH", None);
    suite.add_feed("NEW", None);
    let t = suite.now();
    let mut btc = upd("BTC", "60000", t);
    btc.ema_price = Some(d("59000"));
    suite.push(vec![btc, upd("ETH", "3000", t - 1)]).unwrap();
    (suite, t)
}

#[test]
fn price_and_prices_return_exact_records_in_order() {
    let (suite, t) = setup();
    let btc = PriceResponse {
        feed_id: "BTC".into(),
        price: d("60000"),
        conf: d("1"),
        ema_price: d("59000"),
        publish_time: t,
        refused_publish_time: None,
    };
    let eth = PriceResponse {
        feed_id: "ETH".into(),
        price: d("3000"),
        conf: d("1"),
        ema_price: d("3000"),
        publish_time: t - 1,
        refused_publish_time: None,
    };
    assert_eq!(suite.price("BTC").unwrap(), btc);
    assert_eq!(
        prices(&suite, &["ETH", "BTC", "ETH"]).unwrap().prices,
        vec![eth.clone(), btc.clone(), eth.clone()]
    );
    assert!(prices(&suite, &[]).unwrap().prices.is_empty());

    // The typed helpers return the same.
    let feed = PriceFeed(suite.feed.clone());
    let querier = suite.app.wrap();
    assert_eq!(feed.price(&querier, "BTC").unwrap(), btc);
    assert_eq!(
        feed.prices(&querier, vec!["BTC".into(), "ETH".into()])
            .unwrap(),
        vec![btc, eth]
    );
}

#[test]
fn unknown_and_unpriced_feeds_are_errors_naming_the_feed() {
    let (suite, _) = setup();
    assert_err(
        suite.price("DOGE"),
        ContractError::FeedNotFound {
            feed_id: "DOGE".into(),
        },
    );
    assert_err(
        suite.price("NEW"),
        ContractError::NoPrice {
            feed_id: "NEW".into(),
        },
    );
    assert_err(
        prices(&suite, &["BTC", "DOGE", "ETH"]),
        ContractError::FeedNotFound {
            feed_id: "DOGE".into(),
        },
    );
    assert_err(
        prices(&suite, &["BTC", "NEW"]),
        ContractError::NoPrice {
            feed_id: "NEW".into(),
        },
    );
}

#[test]
fn prices_takes_at_most_30_ids() {
    let (suite, _) = setup();
    assert_eq!(prices(&suite, &["BTC"; 30]).unwrap().prices.len(), 30);
    assert_err(
        prices(&suite, &["BTC"; 31]),
        ContractError::TooManyFeedIds { count: 31, max: 30 },
    );
}
