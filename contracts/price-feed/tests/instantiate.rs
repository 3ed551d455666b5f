use cosmwasm_std::coins;
use cw_multi_test::Executor;
use perps_api::price_feed::{ConfigResponse, ExecuteMsg, InstantiateMsg};
use price_feed::{ContractError, CONTRACT_NAME, CONTRACT_VERSION};

use test_support::ChainExt;

use crate::suite::{assert_err, upd, Suite, FUNDED_DENOM};

#[test]
fn defaults_owner_to_sender_and_future_bound_to_5() {
    let suite = Suite::new();
    assert_eq!(
        suite.config(),
        ConfigResponse {
            owner: suite.owner.clone(),
            pending_owner: None,
            publishers: vec![suite.publisher.clone()],
            max_future_secs: 5,
        }
    );
    assert_eq!(
        suite.app.contract_version(&suite.feed),
        (CONTRACT_NAME.to_string(), CONTRACT_VERSION.to_string())
    );
    assert!(suite.all_feeds().is_empty());
}

#[test]
fn explicit_owner_publishers_and_bound() {
    let [gov, p1, p2] = test_support::addrs(["gov", "p1", "p2"]);
    let suite = Suite::with(|m| {
        m.owner = Some(gov.to_string());
        m.publishers = vec![p1.to_string(), p2.to_string()];
        m.max_future_secs = Some(300);
    });
    assert_eq!(
        suite.config(),
        ConfigResponse {
            owner: gov,
            pending_owner: None,
            publishers: vec![p1, p2],
            max_future_secs: 300,
        }
    );
}

#[test]
fn empty_publisher_set_is_allowed_and_nobody_can_push() {
    let mut suite = Suite::with(|m| m.publishers = vec![]);
    assert!(suite.config().publishers.is_empty());
    suite.add_feed("BTC", None);
    let now = suite.now();
    let msg = ExecuteMsg::UpdatePrices {
        prices: vec![upd("BTC", "1", now)],
    };
    suite.rejects_non_publishers([suite.owner.clone(), suite.publisher.clone()], &msg);
}

#[test]
fn rejects_bad_input() {
    let mut suite = Suite::bare();
    let good = InstantiateMsg {
        owner: None,
        publishers: vec![suite.publisher.to_string()],
        max_future_secs: None,
    };

    let mut msg = good.clone();
    msg.owner = Some("not-an-address".into());
    let err = suite.instantiate(&msg).unwrap_err().to_string();
    assert!(err.contains("invalid address \"not-an-address\""), "{err}");

    let mut msg = good.clone();
    msg.publishers.push("Bad".into());
    let err = suite.instantiate(&msg).unwrap_err().to_string();
    assert!(err.contains("invalid address \"Bad\""), "{err}");

    let mut msg = good.clone();
    msg.publishers.push(suite.publisher.to_string());
    assert_err(
        suite.instantiate(&msg),
        ContractError::DuplicatePublisher {
            publisher: suite.publisher.clone(),
        },
    );

    let mut msg = good.clone();
    msg.max_future_secs = Some(301);
    assert_err(
        suite.instantiate(&msg),
        ContractError::InvalidMaxFutureSecs {
            value: 301,
            max: 300,
        },
    );

    let owner = suite.owner.clone();
    let err = suite
        .app
        .instantiate_contract(
            suite.code_id,
            owner,
            &good,
            &coins(5, FUNDED_DENOM),
            "price-feed",
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("this contract accepts no funds"), "{err}");
    // Nothing was created: the funds stayed with the sender.
    let balance = suite
        .app
        .wrap()
        .query_balance(suite.owner.clone(), FUNDED_DENOM)
        .unwrap();
    assert_eq!(balance.amount.to_string(), "1000000");

    // The good message still works afterwards.
    suite.instantiate(&good).unwrap();
}
