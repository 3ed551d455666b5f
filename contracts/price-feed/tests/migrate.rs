use cw_multi_test::Executor;
use perps_api::migrate::MigrateError;
use perps_api::price_feed::MigrateMsg;
use price_feed::{ContractError, CONTRACT_NAME, CONTRACT_VERSION};

use crate::suite::{assert_err, attrs, d, upd, Suite};

fn stored_version(suite: &Suite) -> cw2::ContractVersion {
    cw2::query_contract_info(&suite.app.wrap(), suite.feed.to_string()).unwrap()
}

fn set_version(suite: &mut Suite, name: &str, version: &str) {
    let feed = suite.feed.clone();
    let mut storage = suite.app.contract_storage_mut(&feed);
    cw2::set_contract_version(&mut *storage, name, version).unwrap();
}

fn migrate(suite: &mut Suite) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    let (owner, feed, code_id) = (suite.owner.clone(), suite.feed.clone(), suite.code_id);
    suite
        .app
        .migrate_contract(owner, feed, &MigrateMsg {}, code_id)
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
    set_version(&mut suite, CONTRACT_NAME, "0.0.1");
    let before = suite.snapshot();
    let res = migrate(&mut suite).unwrap();
    assert_eq!(attrs(&res, "from_version"), ["0.0.1"]);
    assert_eq!(attrs(&res, "to_version"), [CONTRACT_VERSION]);
    assert_eq!(stored_version(&suite).version, CONTRACT_VERSION);
    assert_eq!(suite.snapshot(), before);
    assert_eq!(suite.stored("BTC").0, d("100"));
    // Same version again is a no-op, not an error.
    migrate(&mut suite).unwrap();
    assert_eq!(stored_version(&suite).version, CONTRACT_VERSION);
}

#[test]
fn refuses_another_contract() {
    let mut suite = priced();
    set_version(&mut suite, "crates.io:cw20-base", "0.0.1");
    let before = suite.snapshot();
    assert_err(
        migrate(&mut suite),
        ContractError::Migrate(MigrateError::WrongContract {
            expected: CONTRACT_NAME.into(),
            found: "crates.io:cw20-base".into(),
        }),
    );
    assert_eq!(stored_version(&suite).contract, "crates.io:cw20-base");
    assert_eq!(stored_version(&suite).version, "0.0.1");
    assert_eq!(suite.snapshot(), before);
}

#[test]
fn refuses_a_downgrade() {
    let mut suite = priced();
    set_version(&mut suite, CONTRACT_NAME, "99.0.0");
    let before = suite.snapshot();
    let err = migrate(&mut suite).unwrap_err().to_string();
    let expected = format!("cannot migrate from version 99.0.0 to {CONTRACT_VERSION}");
    assert!(err.contains(&expected), "{err}");
    assert_eq!(stored_version(&suite).version, "99.0.0");
    assert_eq!(suite.snapshot(), before);
}

#[test]
fn only_the_admin_can_migrate() {
    let mut suite = priced();
    let (stranger, feed, code_id) = (suite.stranger.clone(), suite.feed.clone(), suite.code_id);
    assert!(suite
        .app
        .migrate_contract(stranger, feed, &MigrateMsg {}, code_id)
        .is_err());
    assert_eq!(stored_version(&suite).version, CONTRACT_VERSION);
}
