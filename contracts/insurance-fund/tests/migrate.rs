use cosmwasm_std::StdError;
use cw_multi_test::Executor;
use insurance_fund::{ContractError, CONTRACT_NAME, CONTRACT_VERSION};
use perps_api::insurance_fund::MigrateMsg;
use perps_api::migrate::MigrateError;

use crate::suite::{assert_err, assert_event, Suite};

/// A fund with history: a deposit, a payout, a second engine.
fn with_history() -> Suite {
    let mut suite = Suite::funded(1_000);
    let engine = suite.engine.clone();
    suite.cover(&engine, 400).unwrap();
    suite
}

fn set_version(suite: &mut Suite, name: &str, version: &str) {
    let fund = suite.fund.clone();
    let mut storage = suite.app.contract_storage_mut(&fund);
    cw2::set_contract_version(storage.as_mut(), name, version).unwrap();
}

fn migrate(suite: &mut Suite) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    let (owner, fund, code_id) = (suite.owner.clone(), suite.fund.clone(), suite.code_id);
    suite
        .app
        .migrate_contract(owner, fund, &MigrateMsg {}, code_id)
}

fn version(suite: &Suite) -> (String, String) {
    let v = cw2::query_contract_info(&suite.app.wrap(), suite.fund.to_string()).unwrap();
    (v.contract, v.version)
}

#[test]
fn upgrades_from_an_older_version_and_keeps_state() {
    let mut suite = with_history();
    set_version(&mut suite, CONTRACT_NAME, "0.0.1");
    let before = suite.snapshot();
    let res = migrate(&mut suite).unwrap();
    assert_event(
        &res,
        "wasm",
        &[
            ("action", "migrate"),
            ("from_version", "0.0.1"),
            ("to_version", CONTRACT_VERSION),
        ],
    );
    assert_eq!(
        version(&suite),
        (CONTRACT_NAME.to_string(), CONTRACT_VERSION.to_string())
    );
    assert_eq!(suite.snapshot(), before);
    assert_eq!(suite.all_payouts().len(), 1);
    assert_eq!(suite.fund_balance(), 600);
    // The same version again is a no-op that succeeds.
    migrate(&mut suite).unwrap();
    assert_eq!(suite.snapshot(), before);
}

#[test]
fn refuses_another_contract() {
    let mut suite = with_history();
    set_version(&mut suite, "crates.io:price-feed", "0.0.1");
    let before = suite.snapshot();
    assert_err(
        migrate(&mut suite),
        ContractError::Migrate(MigrateError::WrongContract {
            expected: CONTRACT_NAME.to_string(),
            found: "crates.io:price-feed".to_string(),
        }),
    );
    assert_eq!(suite.snapshot(), before);
    assert_eq!(
        version(&suite),
        ("crates.io:price-feed".to_string(), "0.0.1".to_string())
    );
}

#[test]
fn refuses_a_downgrade_or_a_garbled_version() {
    let mut suite = with_history();
    set_version(&mut suite, CONTRACT_NAME, "99.0.0");
    let before = suite.snapshot();
    assert_err(
        migrate(&mut suite),
        ContractError::Migrate(MigrateError::CannotMigrate {
            from: "99.0.0".to_string(),
            to: CONTRACT_VERSION.to_string(),
            source: StdError::msg(format!(
                "Cannot migrate from newer version (99.0.0) to older ({CONTRACT_VERSION})"
            )),
        }),
    );
    assert_eq!(suite.snapshot(), before);
    assert_eq!(
        version(&suite),
        (CONTRACT_NAME.to_string(), "99.0.0".to_string())
    );

    set_version(&mut suite, CONTRACT_NAME, "not-semver");
    let err = migrate(&mut suite).unwrap_err();
    let text = format!("{err:?} {err}");
    assert!(
        text.contains("cannot migrate from version not-semver to"),
        "{text}"
    );
    assert_eq!(suite.snapshot(), before);
}
