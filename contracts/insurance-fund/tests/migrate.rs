use cosmwasm_std::StdError;
use cw_multi_test::Executor;
use insurance_fund::{ContractError, CONTRACT_NAME, CONTRACT_VERSION};
use perps_api::insurance_fund::MigrateMsg;
use perps_api::migrate::MigrateError;

use test_support::ChainExt;

use crate::suite::{assert_err, assert_event, Suite};

/// A fund with history: a deposit, a payout, a second engine.
fn with_history() -> Suite {
    let mut suite = Suite::funded(1_000);
    let engine = suite.engine.clone();
    suite.cover(&engine, 400).unwrap();
    suite
}

fn migrate(suite: &mut Suite) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    let (owner, fund, code_id) = (suite.owner.clone(), suite.fund.clone(), suite.code_id);
    suite
        .app
        .migrate_contract(owner, fund, &MigrateMsg {}, code_id)
}

/// Over the cw2 record `name`/`version`, the migration is refused with `expected` and changes
/// nothing: neither what the queries and the bank see nor the record.
fn refused(suite: &mut Suite, (name, version): (&str, &str), expected: ContractError) {
    suite.app.set_contract_version(&suite.fund, name, version);
    let before = suite.snapshot();
    assert_err(migrate(suite), expected);
    assert_eq!(suite.snapshot(), before);
    assert_eq!(
        suite.app.contract_version(&suite.fund),
        (name.to_string(), version.to_string())
    );
}

#[test]
fn upgrades_from_an_older_version_and_keeps_state() {
    let mut suite = with_history();
    suite
        .app
        .set_contract_version(&suite.fund, CONTRACT_NAME, "0.0.1");
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
        suite.app.contract_version(&suite.fund),
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
    refused(
        &mut suite,
        ("crates.io:price-feed", "0.0.1"),
        ContractError::Migrate(MigrateError::WrongContract {
            expected: CONTRACT_NAME.to_string(),
            found: "crates.io:price-feed".to_string(),
        }),
    );
}

#[test]
fn refuses_a_downgrade_or_a_garbled_version() {
    let mut suite = with_history();
    let before = suite.snapshot();
    refused(
        &mut suite,
        (CONTRACT_NAME, "99.0.0"),
        ContractError::Migrate(MigrateError::CannotMigrate {
            from: "99.0.0".to_string(),
            to: CONTRACT_VERSION.to_string(),
            source: StdError::msg(format!(
                "Cannot migrate from newer version (99.0.0) to older ({CONTRACT_VERSION})"
            )),
        }),
    );

    suite
        .app
        .set_contract_version(&suite.fund, CONTRACT_NAME, "not-semver");
    let err = migrate(&mut suite).unwrap_err();
    let text = format!("{err:?} {err}");
    assert!(
        text.contains("cannot migrate from version not-semver to"),
        "{text}"
    );
    assert_eq!(suite.snapshot(), before);
}
