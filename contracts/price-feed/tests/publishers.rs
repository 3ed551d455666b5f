use perps_api::ownership::OwnershipError;
use perps_api::price_feed::ExecuteMsg;
use price_feed::ContractError;

use crate::suite::{assert_err, attrs, d, upd, Suite};

#[test]
fn set_publishers_replaces_the_whole_set() {
    let mut suite = Suite::new();
    suite.add_feed("BTC", None);
    let [owner, old, p1, p2] = test_support::addrs(["owner", "publisher", "p1", "p2"]);
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::SetPublishers {
                publishers: vec![p1.to_string(), p2.to_string()],
            },
        )
        .unwrap();
    assert_eq!(attrs(&res, "publishers"), ["2"]);
    assert_eq!(suite.config().publishers, vec![p1.clone(), p2.clone()]);

    let t = suite.now();
    let push = |prices| ExecuteMsg::UpdatePrices { prices };
    assert_err(
        suite.exec(&old, &push(vec![upd("BTC", "1", t)])),
        ContractError::NotPublisher { sender: old },
    );
    suite.exec(&p2, &push(vec![upd("BTC", "2", t)])).unwrap();
    assert_eq!(suite.stored("BTC").0, d("2"));

    // Emptying the set pauses every push.
    suite
        .exec(&owner, &ExecuteMsg::SetPublishers { publishers: vec![] })
        .unwrap();
    assert!(suite.config().publishers.is_empty());
    suite.rejects(
        &p1,
        &push(vec![upd("BTC", "3", t + 1)]),
        ContractError::NotPublisher { sender: p1.clone() },
    );
}

#[test]
fn set_publishers_rejections_change_nothing() {
    let mut suite = Suite::new();
    let [owner, publisher, p1] = test_support::addrs(["owner", "publisher", "p1"]);
    suite.rejects(
        &publisher,
        &ExecuteMsg::SetPublishers {
            publishers: vec![publisher.to_string()],
        },
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: publisher.clone(),
            owner: owner.clone(),
        }),
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::SetPublishers {
            publishers: vec![p1.to_string(), p1.to_string()],
        },
        ContractError::DuplicatePublisher {
            publisher: p1.clone(),
        },
    );
    for bad in ["", "cosmwasm1xyz", &p1.to_string().to_uppercase()] {
        suite.rejects(
            &owner,
            &ExecuteMsg::SetPublishers {
                publishers: vec![p1.to_string(), bad.to_string()],
            },
            format!("invalid address {bad:?}"),
        );
    }
}
