use perps_api::ownership::OwnershipError;
use perps_api::price_feed::{ExecuteMsg, FeedInfo, PriceRecord};
use price_feed::ContractError;

use crate::suite::{attrs, d, upd, Suite};

fn add(feed_id: &str, jump: Option<&str>, window: Option<u64>) -> ExecuteMsg {
    ExecuteMsg::AddFeed {
        feed_id: feed_id.into(),
        description: "desc".into(),
        max_price_jump: jump.map(d),
        jump_window_secs: window,
        max_jump_windows: None,
    }
}

#[test]
fn add_feed_stores_metadata_without_a_price() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let res = suite
        .exec(&owner, &add("BTC/USD", Some("0.1"), None))
        .unwrap();
    assert_eq!(attrs(&res, "action"), ["add_feed"]);
    assert_eq!(attrs(&res, "max_price_jump"), ["0.1"]);
    assert_eq!(attrs(&res, "jump_window_secs"), ["60"]);
    assert_eq!(attrs(&res, "max_jump_windows"), ["3"]);
    // Above 100 % is legitimate for a ratio feed.
    suite
        .exec(&owner, &add("X-Y.r_1", Some("2.5"), Some(30)))
        .unwrap();
    suite.exec(&owner, &add("ETH", None, Some(1))).unwrap();
    assert_eq!(
        suite.all_feeds(),
        vec![
            FeedInfo {
                feed_id: "BTC/USD".into(),
                description: "desc".into(),
                max_price_jump: Some(d("0.1")),
                jump_window_secs: 60,
                max_jump_windows: Some(3),
                price: None,
            },
            FeedInfo {
                feed_id: "ETH".into(),
                description: "desc".into(),
                max_price_jump: None,
                jump_window_secs: 1,
                max_jump_windows: Some(3),
                price: None,
            },
            FeedInfo {
                feed_id: "X-Y.r_1".into(),
                description: "desc".into(),
                max_price_jump: Some(d("2.5")),
                jump_window_secs: 30,
                max_jump_windows: Some(3),
                price: None,
            },
        ]
    );
    let err = suite.price("ETH").unwrap_err().to_string();
    assert!(err.contains("feed ETH has no price yet"), "{err}");
}

#[test]
fn add_feed_rejections_change_nothing() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    let owner = suite.owner.clone();
    let publisher = suite.publisher.clone();
    suite.rejects(
        &publisher,
        &add("ETH", None, None),
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: publisher.clone(),
            owner: owner.clone(),
        }),
    );
    suite.rejects(
        &owner,
        &add("BTC", None, None),
        ContractError::FeedExists {
            feed_id: "BTC".into(),
        },
    );
    let long = "x".repeat(33);
    for bad in ["", long.as_str(), "BTC USD", "BTC:USD", "ÉTH", "a*b"] {
        suite.rejects(
            &owner,
            &add(bad, None, None),
            ContractError::InvalidFeedId {
                feed_id: bad.into(),
                max_len: 32,
            },
        );
    }
    suite.rejects(
        &owner,
        &add("ETH", Some("0"), None),
        ContractError::InvalidMaxPriceJump { value: d("0") },
    );
    suite.rejects(
        &owner,
        &add("ETH", None, Some(0)),
        ContractError::InvalidJumpWindow { value: 0 },
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::AddFeed {
            feed_id: "ETH".into(),
            description: "d".into(),
            max_price_jump: Some(d("0.1")),
            jump_window_secs: None,
            max_jump_windows: Some(0),
        },
        ContractError::InvalidMaxJumpWindows { value: 0 },
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::AddFeed {
            feed_id: "ETH".into(),
            description: "d".repeat(257),
            max_price_jump: None,
            jump_window_secs: None,
            max_jump_windows: None,
        },
        ContractError::DescriptionTooLong {
            len: 257,
            max_len: 256,
        },
    );
    // 32 characters is the longest accepted id.
    suite
        .exec(&owner, &add(&"x".repeat(32), None, None))
        .unwrap();
}

#[test]
fn remove_feed_drops_metadata_and_price() {
    let (mut suite, t) = Suite::priced();
    let owner = suite.owner.clone();
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::RemoveFeed {
                feed_id: "BTC".into(),
            },
        )
        .unwrap();
    assert_eq!(attrs(&res, "action"), ["remove_feed"]);
    let err = suite.price("BTC").unwrap_err().to_string();
    assert!(err.contains("feed BTC not found"), "{err}");
    let feeds = suite.all_feeds();
    assert_eq!(feeds.len(), 1);
    assert_eq!(
        feeds[0].price,
        Some(PriceRecord {
            price: d("2000"),
            conf: d("1"),
            ema_price: d("2000"),
            publish_time: t,
            sequence: Some(1),
            refused_publish_time: None,
        })
    );
    // Updates to it are now skipped as unknown.
    let res = suite.push(vec![upd("BTC", "100", t + 1)]).unwrap();
    assert_eq!(attrs(&res, "skipped_update"), ["BTC:unknown_feed"]);
    // Re-added, it starts fresh: no stored price, so no jump bound and no monotonic bound.
    suite.add_feed("BTC", Some("0.1"));
    suite.push(vec![upd("BTC", "500", t - 100)]).unwrap();
    assert_eq!(suite.stored("BTC"), (d("500"), d("1"), d("500"), t - 100));
}

#[test]
fn remove_feed_rejections_change_nothing() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    let owner = suite.owner.clone();
    let stranger = suite.stranger.clone();
    suite.rejects(
        &stranger,
        &ExecuteMsg::RemoveFeed {
            feed_id: "BTC".into(),
        },
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: stranger.clone(),
            owner: owner.clone(),
        }),
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::RemoveFeed {
            feed_id: "ETH".into(),
        },
        ContractError::FeedNotFound {
            feed_id: "ETH".into(),
        },
    );
}

#[test]
fn pagination_covers_every_feed_exactly_once() {
    let mut suite = Suite::new();
    let mut ids: Vec<String> = (0..35).map(|i| format!("F{i:02}")).collect();
    // Added out of order; listed in byte order.
    for id in ids.iter().rev() {
        suite.add_feed(id, None);
    }
    ids.sort();
    let t = suite.now();
    suite.push(vec![upd("F03", "3", t)]).unwrap();

    let default_page = suite.feeds_page(None, None);
    assert_eq!(default_page.len(), 10);
    assert_eq!(default_page[0].feed_id, "F00");
    assert_eq!(default_page[3].price.as_ref().unwrap().price, d("3"));
    assert_eq!(suite.feeds_page(None, Some(u32::MAX)).len(), 30);
    assert_eq!(suite.feeds_page(None, Some(0)).len(), 0);

    let mut walked: Vec<String> = vec![];
    loop {
        let page = suite.feeds_page(walked.last().map(String::as_str), Some(7));
        assert!(page.len() <= 7);
        if page.is_empty() {
            break;
        }
        walked.extend(page.into_iter().map(|f| f.feed_id));
    }
    assert_eq!(walked, ids);

    // start_after is exclusive and need not exist.
    let after_f09: Vec<String> = suite
        .feeds_page(Some("F09"), Some(2))
        .into_iter()
        .map(|f| f.feed_id)
        .collect();
    assert_eq!(after_f09, ["F10", "F11"]);
    let after_gap: Vec<String> = suite
        .feeds_page(Some("F09a"), Some(1))
        .into_iter()
        .map(|f| f.feed_id)
        .collect();
    assert_eq!(after_gap, ["F10"]);
    assert!(suite.feeds_page(Some("F34"), None).is_empty());
}
