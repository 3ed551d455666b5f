use perps_api::ownership::OwnershipError;
use perps_api::price_feed::{ConfigResponse, ExecuteMsg};
use price_feed::ContractError;

use crate::suite::{attrs, Suite};

#[test]
fn two_step_transfer() {
    let mut suite = Suite::new();
    let [owner, publisher, next] = test_support::addrs(["owner", "publisher", "next"]);
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::TransferOwnership {
                new_owner: next.to_string(),
            },
        )
        .unwrap();
    assert_eq!(attrs(&res, "pending_owner"), [next.to_string()]);
    assert_eq!(
        suite.config(),
        ConfigResponse {
            owner: owner.clone(),
            pending_owner: Some(next.clone()),
            publishers: vec![publisher.clone()],
            max_future_secs: 5,
        }
    );
    // Still the old owner until accepted; nobody else can accept.
    suite.add_feed("BTC", None);
    suite.rejects(
        &publisher,
        &ExecuteMsg::AcceptOwnership {},
        ContractError::Ownership(OwnershipError::NotPendingOwner {
            sender: publisher.clone(),
        }),
    );

    suite.exec(&next, &ExecuteMsg::AcceptOwnership {}).unwrap();
    assert_eq!(
        suite.config(),
        ConfigResponse {
            owner: next.clone(),
            pending_owner: None,
            publishers: vec![publisher],
            max_future_secs: 5,
        }
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::RemoveFeed {
            feed_id: "BTC".into(),
        },
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: owner.clone(),
            owner: next.clone(),
        }),
    );
    suite
        .exec(
            &next,
            &ExecuteMsg::RemoveFeed {
                feed_id: "BTC".into(),
            },
        )
        .unwrap();
    // A second accept has nothing pending.
    suite.rejects(
        &next,
        &ExecuteMsg::AcceptOwnership {},
        ContractError::Ownership(OwnershipError::NotPendingOwner {
            sender: next.clone(),
        }),
    );
}

#[test]
fn transfer_rejections_change_nothing() {
    let mut suite = Suite::new();
    let (owner, stranger) = (suite.owner.clone(), suite.stranger.clone());
    suite.rejects(
        &stranger,
        &ExecuteMsg::TransferOwnership {
            new_owner: stranger.to_string(),
        },
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: stranger.clone(),
            owner: owner.clone(),
        }),
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::TransferOwnership {
            new_owner: "nobody".into(),
        },
        "invalid address \"nobody\"",
    );
}
