use cw_multi_test::Executor;
use cw_utils::PaymentError;
use insurance_fund::ContractError;
use perps_api::insurance_fund::ExecuteMsg;
use perps_api::ownership::OwnershipError;

use crate::suite::{usdc, Suite, START};

#[test]
fn ownership_moves_only_when_the_proposed_owner_accepts() {
    let mut suite = Suite::funded(1_000);
    let [owner, stranger, recipient] = test_support::addrs(["owner", "stranger", "recipient"]);
    let gov = suite.addr("gov");
    // Funded, so that its attempt with funds attached reaches the contract.
    suite
        .app
        .send_tokens(suite.alice.clone(), gov.clone(), &[usdc(10)])
        .unwrap();
    let transfer = ExecuteMsg::TransferOwnership {
        new_owner: gov.to_string(),
    };
    suite.rejects(
        &stranger,
        &transfer,
        &[],
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: stranger.clone(),
            owner: owner.clone(),
        }),
    );
    suite.accepts(
        &owner,
        &transfer,
        &[
            ("action", "transfer_ownership"),
            ("pending_owner", gov.as_str()),
        ],
    );
    let config = suite.config();
    assert_eq!(
        (config.owner, config.pending_owner),
        (owner.clone(), Some(gov.clone()))
    );

    // Until accepted, the old owner keeps its rights and the proposed one has none.
    let withdraw = suite.withdraw_msg(100, &recipient);
    suite.rejects(
        &gov,
        &withdraw,
        &[],
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: gov.clone(),
            owner: owner.clone(),
        }),
    );
    suite.exec(&owner, &withdraw, &[]).unwrap();
    assert_eq!(suite.bank(&recipient), 100);

    // Only the proposed address can accept.
    let accept = ExecuteMsg::AcceptOwnership {};
    for sender in [stranger.clone(), owner.clone()] {
        suite.rejects(
            &sender,
            &accept,
            &[],
            ContractError::Ownership(OwnershipError::NotPendingOwner {
                sender: sender.clone(),
            }),
        );
    }
    suite.rejects(
        &gov,
        &accept,
        &[usdc(1)],
        ContractError::Payment(PaymentError::NonPayable {}),
    );
    suite.accepts(
        &gov,
        &accept,
        &[("action", "accept_ownership"), ("owner", gov.as_str())],
    );
    let config = suite.config();
    assert_eq!((config.owner, config.pending_owner), (gov.clone(), None));

    // The old owner lost every right; the new one has them.
    let engine2 = suite.engine2.clone();
    let old_owner_err = || {
        ContractError::Ownership(OwnershipError::NotOwner {
            sender: owner.clone(),
            owner: gov.clone(),
        })
    };
    suite.rejects(&owner, &withdraw, &[], old_owner_err());
    suite.rejects(
        &owner,
        &ExecuteMsg::AddEngine {
            engine: engine2.to_string(),
        },
        &[],
        old_owner_err(),
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::RemoveEngine {
            engine: suite.engine.to_string(),
        },
        &[],
        old_owner_err(),
    );
    suite.rejects(&owner, &transfer, &[], old_owner_err());
    suite.exec(&gov, &withdraw, &[]).unwrap();
    assert_eq!(suite.bank(&recipient), 200);
    assert_eq!(suite.fund_balance(), 800);
    assert_eq!(suite.bank(&owner), START);
    // Accepting twice does nothing more.
    suite.rejects(
        &gov,
        &accept,
        &[],
        ContractError::Ownership(OwnershipError::NotPendingOwner {
            sender: gov.clone(),
        }),
    );
}

#[test]
fn a_later_proposal_replaces_an_earlier_one_and_bad_addresses_are_refused() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let (first, second) = (suite.addr("first"), suite.addr("second"));
    for who in [&first, &second] {
        suite
            .exec(
                &owner,
                &ExecuteMsg::TransferOwnership {
                    new_owner: who.to_string(),
                },
                &[],
            )
            .unwrap();
    }
    assert_eq!(suite.config().pending_owner, Some(second.clone()));
    suite.rejects(
        &first,
        &ExecuteMsg::AcceptOwnership {},
        &[],
        ContractError::Ownership(OwnershipError::NotPendingOwner {
            sender: first.clone(),
        }),
    );
    suite.rejects(
        &owner,
        &ExecuteMsg::TransferOwnership {
            new_owner: "nope".into(),
        },
        &[],
        "invalid address \"nope\"",
    );
}
