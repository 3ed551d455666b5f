use cw_multi_test::Executor;
use perps_api::migrate::MigrateError;
use perps_api::price_feed::MigrateMsg;
use price_feed::{ContractError, CONTRACT_NAME, CONTRACT_VERSION};

use test_support::ChainExt;

use crate::suite::{attrs, d, upd, Suite};

fn migrate(suite: &mut Suite) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    let (owner, feed, code_id) = (suite.owner.clone(), suite.feed.clone(), suite.code_id);
    suite
        .app
        .migrate_contract(owner, feed, &MigrateMsg {}, code_id)
}

/// Over the cw2 record `name`/`version`, the migration is refused with an error whose text holds
/// `expected`, and changes nothing: neither what the queries see nor the record.
fn refused(suite: &mut Suite, (name, version): (&str, &str), expected: impl std::fmt::Display) {
    suite.app.set_contract_version(&suite.feed, name, version);
    let before = suite.snapshot();
    let err = migrate(suite).unwrap_err();
    let text = format!("{err:?} {err}");
    assert!(text.contains(&expected.to_string()), "{text}");
    assert_eq!(suite.snapshot(), before);
    assert_eq!(
        suite.app.contract_version(&suite.feed),
        (name.to_string(), version.to_string())
    );
}

fn priced() -> Suite {
    let mut suite = Suite::new();
    suite.add_feed("BTC", Some("0.1"));
    let t = suite.now();
    suite.push(vec![upd("BTC", "100", t)]).unwrap();
    suite
}

#[test]
fn upgrades_from_an_older_version_and_keeps_state() {
    let mut suite = priced();
    suite
        .app
        .set_contract_version(&suite.feed, CONTRACT_NAME, "0.0.1");
    let before = suite.snapshot();
    let res = migrate(&mut suite).unwrap();
    assert_eq!(attrs(&res, "from_version"), ["0.0.1"]);
    assert_eq!(attrs(&res, "to_version"), [CONTRACT_VERSION]);
    assert_eq!(suite.app.contract_version(&suite.feed).1, CONTRACT_VERSION);
    assert_eq!(suite.snapshot(), before);
    assert_eq!(suite.stored("BTC").0, d("100"));
    // Same version again is a no-op, not an error.
    migrate(&mut suite).unwrap();
    assert_eq!(suite.app.contract_version(&suite.feed).1, CONTRACT_VERSION);
}

#[test]
fn refuses_another_contract() {
    let mut suite = priced();
    refused(
        &mut suite,
        ("crates.io:cw20-base", "0.0.1"),
        ContractError::Migrate(MigrateError::WrongContract {
            expected: CONTRACT_NAME.into(),
            found: "crates.io:cw20-base".into(),
        }),
    );
}

#[test]
fn refuses_a_downgrade() {
    let mut suite = priced();
    refused(
        &mut suite,
        (CONTRACT_NAME, "99.0.0"),
        format!("cannot migrate from version 99.0.0 to {CONTRACT_VERSION}"),
    );
}

#[test]
fn only_the_admin_can_migrate() {
    let mut suite = priced();
    let (stranger, feed, code_id) = (suite.stranger.clone(), suite.feed.clone(), suite.code_id);
    assert!(suite
        .app
        .migrate_contract(stranger, feed, &MigrateMsg {}, code_id)
        .is_err());
    assert_eq!(suite.app.contract_version(&suite.feed).1, CONTRACT_VERSION);
}

/// Every private record as earlier versions wrote it (the JSON of `Feed` before
/// `max_jump_windows`, of `JumpState` before `anchor_accepted_time`, `previous_anchor` and
/// `confirmations`, a price before `sequence`) and as this version writes it: read after the
/// migration by the handlers and queries (the records are read through one field struct,
/// `state::Stored`; docs/size.md), and written back in the documented layout.
#[test]
fn records_written_by_earlier_versions_are_read_after_the_migration() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", Some("0.1"));
    suite.add_feed("ETH", Some("0.2"));
    let t = suite.now();
    let (feed, publisher, owner) = (
        suite.feed.clone(),
        suite.publisher.clone(),
        suite.owner.clone(),
    );
    {
        let mut storage = suite.app.contract_storage_mut(&feed);
        let records = [
            (
                b"ownership".to_vec(),
                format!(r#"{{"owner":"{owner}","pending_owner":null}}"#),
            ),
            (
                b"config".to_vec(),
                format!(r#"{{"publishers":["{publisher}"],"max_future_secs":5}}"#),
            ),
            (
                b"\x00\x05feedsBTC".to_vec(),
                r#"{"description":"old","max_price_jump":"0.1","jump_window_secs":60}"#.into(),
            ),
            (
                b"\x00\x01pBTC".to_vec(),
                format!(r#"{{"price":"100","conf":"1","ema_price":"100","publish_time":{t}}}"#),
            ),
            (
                b"\x00\x05jumpsBTC".to_vec(),
                format!(
                    r#"{{"anchor_price":"100","anchor_time":{t},"refusals":[{{"publisher":"{publisher}","publish_time":{t}}}]}}"#
                ),
            ),
            (
                b"\x00\x01pETH".to_vec(),
                format!(
                    r#"{{"price":"10","conf":"0","ema_price":"10","publish_time":{t},"sequence":4,"refused_publish_time":{t}}}"#
                ),
            ),
            (
                b"\x00\x05jumpsETH".to_vec(),
                format!(
                    r#"{{"anchor_price":"10","anchor_time":{t},"anchor_accepted_time":{t},"refusals":[],"previous_anchor":{{"price":"9","publish_time":1,"accepted_time":2}},"confirmations":[{{"publisher":"{publisher}","publish_time":{t}}}]}}"#
                ),
            ),
        ];
        for (key, value) in records {
            storage.set(&key, value.as_bytes());
        }
    }
    suite
        .app
        .set_contract_version(&suite.feed, CONTRACT_NAME, "0.0.1");
    migrate(&mut suite).unwrap();
    let config = suite.config();
    assert_eq!((config.owner, config.publishers), (owner, vec![publisher]));
    assert_eq!(config.max_future_secs, 5);
    let feeds = suite.all_feeds();
    assert_eq!(feeds[0].description, "old");
    assert_eq!(feeds[0].max_jump_windows, Some(3));
    assert_eq!(suite.price("BTC").unwrap().price, d("100"));
    assert_eq!(suite.price("ETH").unwrap().refused_publish_time, Some(t));
    // BTC's old jump state still bounds the move (10 % of the anchor at 100); the accepted update
    // writes the jump state in the current layout (the old record had no acceptance time: its
    // publish time is read).
    suite.advance(1);
    let res = suite.push(vec![upd("BTC", "111", t + 1)]).unwrap();
    assert_eq!(attrs(&res, "skipped_update"), ["BTC:jump"]);
    suite.push(vec![upd("BTC", "105", t + 1)]).unwrap();
    let stored = |suite: &Suite, key: &[u8]| {
        let value = suite.app.contract_storage(&suite.feed).get(key).unwrap();
        String::from_utf8(value).unwrap()
    };
    assert_eq!(
        stored(&suite, b"\x00\x01pBTC"),
        format!(
            r#"{{"price":"105","conf":"1","ema_price":"105","publish_time":{},"sequence":1}}"#,
            t + 1
        )
    );
    // (the accepted record answers the refusals published at or before it)
    assert_eq!(
        stored(&suite, b"\x00\x05jumpsBTC"),
        format!(
            r#"{{"anchor_price":"100","anchor_time":{t},"anchor_accepted_time":{t},"refusals":[]}}"#
        )
    );
    // ETH's jump state with every field reads back whole: an accepted update of the same window
    // confirms the mark and keeps the anchor and the previous one.
    suite.push(vec![upd("ETH", "10.5", t + 1)]).unwrap();
    assert_eq!(suite.price("ETH").unwrap().refused_publish_time, None);
    assert_eq!(
        stored(&suite, b"\x00\x05jumpsETH"),
        format!(
            r#"{{"anchor_price":"10","anchor_time":{t},"anchor_accepted_time":{t},"refusals":[],"previous_anchor":{{"price":"9","publish_time":1,"accepted_time":2}}}}"#
        )
    );
}

/// A history stored by a version with 16 slots (record `s` in slot `s % 16`) is moved to its
/// slots of 256 by the migration: the engine's raw reads and the query find every record again.
#[test]
fn the_migration_moves_a_history_of_16_slots_to_its_256_slots() {
    use perps_api::price_feed::{PriceFeed, PRICE_HISTORY};
    let mut suite = priced();
    let t = suite.now();
    for i in 1..=20u64 {
        suite.app.update_block(|b| {
            b.height += 1;
            b.time = b.time.plus_seconds(1);
        });
        suite
            .push(vec![upd("BTC", &format!("{}", 100 + i % 3), t + i)])
            .unwrap();
    }
    // 21 records: lay the last 16 (6..=21) out as the old version did.
    let feed = suite.feed.clone();
    let records = PriceFeed(feed.clone())
        .price_history(&suite.app.wrap(), "BTC")
        .unwrap();
    assert_eq!(records.len(), 16);
    {
        let mut storage = suite.app.contract_storage_mut(&feed);
        for slot in 0..=255u8 {
            storage.remove(&PRICE_HISTORY.key(("BTC", slot)));
        }
        for r in &records {
            let old_slot = (r.sequence % 16) as u8;
            storage.set(
                &PRICE_HISTORY.key(("BTC", old_slot)),
                &cosmwasm_std::to_json_vec(r).unwrap(),
            );
        }
    }
    let querier = suite.app.wrap();
    assert_eq!(
        PriceFeed(feed.clone())
            .raw_history(&querier, "BTC", 20)
            .unwrap(),
        None
    );
    suite
        .app
        .set_contract_version(&suite.feed, CONTRACT_NAME, "0.0.1");
    migrate(&mut suite).unwrap();
    let pf = PriceFeed(feed);
    let querier = suite.app.wrap();
    for r in &records {
        assert_eq!(
            pf.raw_history(&querier, "BTC", r.sequence)
                .unwrap()
                .as_ref(),
            Some(r)
        );
    }
    assert_eq!(pf.price_history(&querier, "BTC").unwrap(), records);
    // a second migration changes nothing
    let before = suite.snapshot();
    migrate(&mut suite).unwrap();
    assert_eq!(suite.snapshot(), before);
}
