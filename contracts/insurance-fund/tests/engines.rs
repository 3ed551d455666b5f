use cosmwasm_std::Addr;
use cw_utils::PaymentError;
use insurance_fund::ContractError;
use perps_api::insurance_fund::{ExecuteMsg, MAX_ENGINES};

use crate::suite::{usdc, Suite, START};

fn add(engine: &Addr) -> ExecuteMsg {
    ExecuteMsg::AddEngine {
        engine: engine.to_string(),
    }
}

fn remove(engine: &Addr) -> ExecuteMsg {
    ExecuteMsg::RemoveEngine {
        engine: engine.to_string(),
    }
}

#[test]
fn owner_adds_and_removes_engines() {
    let mut suite = Suite::funded(1_000);
    let [owner, engine, engine2] = test_support::addrs(["owner", "engine", "engine2"]);

    suite.accepts(
        &owner,
        &add(&engine2),
        &[("action", "add_engine"), ("engine", engine2.as_str())],
    );
    assert_eq!(
        suite.config().engines,
        vec![engine.clone(), engine2.clone()]
    );
    suite.cover(&engine2, 100).unwrap();
    assert_eq!(suite.bank(&engine2), START + 100);

    suite.accepts(
        &owner,
        &remove(&engine),
        &[("action", "remove_engine"), ("engine", engine.as_str())],
    );
    assert_eq!(suite.config().engines, vec![engine2.clone()]);
    // History survives the removal; re-adding works.
    suite.exec(&owner, &remove(&engine2), &[]).unwrap();
    assert!(suite.config().engines.is_empty());
    assert_eq!(suite.all_payouts().len(), 1);
    suite.exec(&owner, &add(&engine), &[]).unwrap();
    assert_eq!(suite.config().engines, vec![engine]);
    assert_eq!(suite.fund_balance(), 900);
}

#[test]
fn rejects_duplicates_unknowns_strangers_funds_and_bad_addresses() {
    let mut suite = Suite::new();
    let [owner, engine, engine2, stranger] =
        test_support::addrs(["owner", "engine", "engine2", "stranger"]);
    suite.rejects(
        &owner,
        &add(&engine),
        &[],
        ContractError::EngineExists {
            engine: engine.clone(),
        },
    );
    suite.rejects(
        &owner,
        &remove(&engine2),
        &[],
        ContractError::EngineNotFound {
            engine: engine2.clone(),
        },
    );
    for msg in [add(&engine2), remove(&engine)] {
        suite.rejects_non_owners([stranger.clone(), engine.clone()], &msg);
        suite.rejects(
            &owner,
            &msg,
            &[usdc(1)],
            ContractError::Payment(PaymentError::NonPayable {}),
        );
    }
    for msg in [
        ExecuteMsg::AddEngine {
            engine: "not-an-address".into(),
        },
        ExecuteMsg::RemoveEngine {
            engine: engine.to_string().to_uppercase(),
        },
    ] {
        suite.rejects(&owner, &msg, &[], "invalid address");
    }
}

#[test]
fn at_most_max_engines() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    for i in 1..MAX_ENGINES {
        let e = suite.addr(&format!("e{i}"));
        suite.exec(&owner, &add(&e), &[]).unwrap();
    }
    assert_eq!(suite.config().engines.len(), MAX_ENGINES);
    let one_more = suite.addr("one-more");
    suite.rejects(
        &owner,
        &add(&one_more),
        &[],
        ContractError::TooManyEngines {
            count: MAX_ENGINES + 1,
            max: MAX_ENGINES,
        },
    );
}
