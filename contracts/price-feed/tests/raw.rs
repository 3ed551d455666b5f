//! The raw-storage interface: what the engine reads without a smart query.

use cosmwasm_std::to_json_vec;
use perps_api::price_feed::{PriceFeed, PriceRecord, PriceResponse, PRICES};

use crate::suite::{d, upd, Suite};

#[test]
fn raw_read_agrees_with_the_smart_query() {
    let mut suite = Suite::new();
    for id in ["BTC", "ETH/USD", "x.y-z_0"] {
        suite.add_feed(id, None);
    }
    suite.add_feed("UNPRICED", None);
    let t = suite.now();
    let mut btc = upd("BTC", "60000.123456789012345678", t);
    btc.ema_price = Some(d("59999.5"));
    btc.conf = d("0.000000000000000001");
    suite
        .push(vec![
            btc,
            upd("ETH/USD", "3000", t - 2),
            upd("x.y-z_0", "1", t),
        ])
        .unwrap();
    suite.advance(3);
    suite.reset("BTC", "61000", t + 1).unwrap();

    let feed = PriceFeed(suite.feed.clone());
    let querier = suite.app.wrap();
    for id in ["BTC", "ETH/USD", "x.y-z_0"] {
        let raw = feed.raw_price(&querier, id).unwrap().expect("raw price");
        let smart = feed.price(&querier, id).unwrap();
        assert_eq!(smart, PriceResponse::new(id, raw), "{id}");
    }
    assert_eq!(
        feed.raw_price(&querier, "BTC").unwrap(),
        Some(PriceRecord {
            price: d("61000"),
            conf: d("1"),
            ema_price: d("61000"),
            publish_time: t + 1,
            sequence: Some(2),
            refused_publish_time: None,
        })
    );
    // No key for an unknown feed or a feed without a price.
    assert_eq!(feed.raw_price(&querier, "DOGE").unwrap(), None);
    assert_eq!(feed.raw_price(&querier, "UNPRICED").unwrap(), None);
}

#[test]
fn raw_key_and_value_follow_the_documented_layout() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    let t = suite.now();
    let mut btc = upd("BTC", "60000.5", t);
    btc.conf = d("12");
    btc.ema_price = Some(d("59990"));
    suite.push(vec![btc]).unwrap();

    // 2-byte big-endian namespace length, namespace "p", then the feed id bytes.
    let key = [0x00u8, 0x01, b'p', b'B', b'T', b'C'];
    assert_eq!(PRICES.key("BTC").to_vec(), key);
    let stored = suite
        .app
        .contract_storage(&suite.feed)
        .get(&key)
        .expect("value under the documented key");
    let expected = format!(
        r#"{{"price":"60000.5","conf":"12","ema_price":"59990","publish_time":{t},"sequence":1}}"#
    );
    assert_eq!(String::from_utf8(stored.clone()).unwrap(), expected);
    let record = PriceRecord {
        price: d("60000.5"),
        conf: d("12"),
        ema_price: d("59990"),
        publish_time: t,
        sequence: Some(1),
        refused_publish_time: None,
    };
    assert_eq!(stored, to_json_vec(&record).unwrap());

    // What a raw query sends is exactly that key.
    let raw = suite
        .app
        .wrap()
        .query_wasm_raw(suite.feed.to_string(), key.to_vec())
        .unwrap();
    assert_eq!(raw, Some(stored));
}

#[test]
fn removing_a_feed_removes_its_raw_price() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    let t = suite.now();
    suite.push(vec![upd("BTC", "1", t)]).unwrap();
    let owner = suite.owner.clone();
    suite
        .exec(
            &owner,
            &perps_api::price_feed::ExecuteMsg::RemoveFeed {
                feed_id: "BTC".into(),
            },
        )
        .unwrap();
    let feed = PriceFeed(suite.feed.clone());
    assert_eq!(feed.raw_price(&suite.app.wrap(), "BTC").unwrap(), None);
}
