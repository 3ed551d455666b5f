use cosmwasm_std::{coin, Addr};
use cw_utils::PaymentError;
use insurance_fund::{ContractError, CONTRACT_NAME, CONTRACT_VERSION};
use perps_api::insurance_fund::{ConfigResponse, InstantiateMsg, MAX_ENGINES};

use test_support::ChainExt;

use crate::suite::{assert_err, Suite, DENOM, OTHER, START};

#[test]
fn defaults_owner_to_sender_with_an_empty_fund() {
    let suite = Suite::new();
    assert_eq!(
        suite.config(),
        ConfigResponse {
            owner: suite.owner.clone(),
            pending_owner: None,
            denom: DENOM.to_string(),
            engines: vec![suite.engine.clone()],
        }
    );
    assert_eq!(suite.fund_balance(), 0);
    assert!(suite.all_payouts().is_empty());
    assert_eq!(
        suite.app.contract_version(&suite.fund),
        (CONTRACT_NAME.to_string(), CONTRACT_VERSION.to_string())
    );
    assert_eq!(CONTRACT_NAME, "crates.io:insurance-fund");
}

#[test]
fn explicit_owner_several_engines_or_none() {
    let [gov, e1, e2] = test_support::addrs(["gov", "e1", "e2"]);
    let suite = Suite::with(|m| {
        m.owner = Some(gov.to_string());
        m.denom = "ibc/27394FB092D2ECCD56123C74F36E4C1F".to_string();
        m.engines = vec![e1.to_string(), e2.to_string()];
    });
    assert_eq!(
        suite.config(),
        ConfigResponse {
            owner: gov,
            pending_owner: None,
            denom: "ibc/27394FB092D2ECCD56123C74F36E4C1F".to_string(),
            engines: vec![e1, e2],
        }
    );
    let suite = Suite::with(|m| m.engines = vec![]);
    assert!(suite.config().engines.is_empty());
}

#[test]
fn accepts_up_to_max_engines() {
    let names: Vec<Addr> = {
        let s = Suite::bare();
        (0..MAX_ENGINES).map(|i| s.addr(&format!("e{i}"))).collect()
    };
    let suite = Suite::with(|m| m.engines = names.iter().map(Addr::to_string).collect());
    assert_eq!(suite.config().engines, names);
}

fn rejected(
    suite: &mut Suite,
    msg: &InstantiateMsg,
    funds: &[cosmwasm_std::Coin],
    expected: ContractError,
) {
    let owner_before = suite.snapshot_bank();
    assert_err(suite.instantiate(msg, funds), expected);
    assert_eq!(suite.snapshot_bank(), owner_before);
}

#[test]
fn rejects_bad_input() {
    let mut suite = Suite::bare();
    let good = suite.default_msg();

    let mut msg = good.clone();
    msg.owner = Some("not-an-address".into());
    let err = suite.instantiate(&msg, &[]).unwrap_err().to_string();
    assert!(err.contains("invalid address \"not-an-address\""), "{err}");

    // Upper-case bech32 is not the normalized form.
    let mut msg = good.clone();
    msg.engines = vec![suite.engine.to_string().to_uppercase()];
    let err = suite.instantiate(&msg, &[]).unwrap_err().to_string();
    assert!(err.contains("invalid address"), "{err}");

    for denom in ["", "ab", "1usdc", "u usdc", "uusdc!"] {
        let mut msg = good.clone();
        msg.denom = denom.to_string();
        let expected = ContractError::InvalidDenom {
            denom: denom.to_string(),
        };
        rejected(&mut suite, &msg, &[], expected);
    }

    let mut msg = good.clone();
    msg.engines = vec![
        suite.engine.to_string(),
        suite.engine2.to_string(),
        suite.engine.to_string(),
    ];
    let expected = ContractError::DuplicateEngine {
        engine: suite.engine.clone(),
    };
    rejected(&mut suite, &msg, &[], expected);

    let mut msg = good.clone();
    msg.engines = (0..=MAX_ENGINES)
        .map(|i| suite.addr(&format!("e{i}")).to_string())
        .collect();
    rejected(
        &mut suite,
        &msg,
        &[],
        ContractError::TooManyEngines {
            count: MAX_ENGINES + 1,
            max: MAX_ENGINES,
        },
    );

    // Funds at instantiate, even in the fund's denom, are refused: deposits go through `deposit`.
    for funds in [vec![coin(5, DENOM)], vec![coin(5, OTHER)]] {
        rejected(
            &mut suite,
            &good,
            &funds,
            ContractError::Payment(PaymentError::NonPayable {}),
        );
    }
    assert_eq!(suite.bank(&suite.owner.clone()), START);
}
