use cosmwasm_std::{coin, Uint128, Uint256};
use cw_multi_test::Executor;
use cw_utils::PaymentError;
use insurance_fund::ContractError;
use perps_api::insurance_fund::ExecuteMsg;

use crate::suite::{usdc, Suite, DENOM, OTHER, START};

#[test]
fn owner_withdraws_to_a_recipient() {
    let mut suite = Suite::funded(10_000);
    let (owner, recipient) = (suite.owner.clone(), suite.recipient.clone());
    let msg = suite.withdraw_msg(3_000, &recipient);
    let res = suite.accepts(
        &owner,
        &msg,
        &[
            ("action", "withdraw"),
            ("recipient", recipient.as_str()),
            ("amount", "3000"),
            ("denom", DENOM),
        ],
    );
    suite.assert_paid(&res, &recipient, "3000uusdc");
    assert_eq!(suite.fund_balance(), 7_000);
    assert_eq!(suite.bank(&recipient), 3_000);
    assert_eq!(suite.bank(&owner), START);
    assert_eq!(suite.bank(&suite.engine), START);
    // A withdrawal is not a payout.
    assert!(suite.all_payouts().is_empty());

    // The whole balance, to the owner itself; donations included.
    let stranger = suite.stranger.clone();
    suite.donate(&stranger, 500);
    let msg = suite.withdraw_msg(7_500, &owner);
    suite.exec(&owner, &msg, &[]).unwrap();
    assert_eq!(suite.fund_balance(), 0);
    assert_eq!(suite.bank(&owner), START + 7_500);
}

#[test]
fn never_above_the_balance() {
    let mut suite = Suite::funded(1_000);
    let (owner, recipient) = (suite.owner.clone(), suite.recipient.clone());
    let msg = suite.withdraw_msg(1_001, &recipient);
    let expected = ContractError::InsufficientBalance {
        amount: Uint128::new(1_001),
        balance: Uint256::from(1_000u128),
        denom: DENOM.to_string(),
    };
    assert_eq!(
        expected.to_string(),
        "withdraw of 1001uusdc exceeds the fund's balance of 1000uusdc"
    );
    suite.rejects(&owner, &msg, &[], expected);
    // Another denom held by the fund does not count.
    let alice = suite.alice.clone();
    suite
        .app
        .send_tokens(alice, suite.fund.clone(), &[coin(5_000, OTHER)])
        .unwrap();
    suite.rejects(
        &owner,
        &msg,
        &[],
        ContractError::InsufficientBalance {
            amount: Uint128::new(1_001),
            balance: Uint256::from(1_000u128),
            denom: DENOM.to_string(),
        },
    );
}

#[test]
fn rejects_non_owner_zero_bad_recipient_and_funds() {
    let mut suite = Suite::funded(1_000);
    let (owner, recipient) = (suite.owner.clone(), suite.recipient.clone());
    let msg = suite.withdraw_msg(10, &recipient);
    let non_owners = [
        suite.engine.clone(),
        suite.stranger.clone(),
        recipient.clone(),
    ];
    suite.rejects_non_owners(non_owners, &msg);
    suite.rejects(
        &owner,
        &suite.withdraw_msg(0, &recipient),
        &[],
        ContractError::ZeroAmount {
            amount: Uint128::zero(),
        },
    );
    for bad in ["not-an-address", &recipient.to_string().to_uppercase(), ""] {
        let msg = ExecuteMsg::Withdraw {
            amount: Uint128::new(10),
            recipient: bad.to_string(),
        };
        suite.rejects(&owner, &msg, &[], format!("invalid address {bad:?}"));
    }
    suite.rejects(
        &owner,
        &msg,
        &[usdc(10)],
        ContractError::Payment(PaymentError::NonPayable {}),
    );
    assert_eq!(suite.fund_balance(), 1_000);
}
