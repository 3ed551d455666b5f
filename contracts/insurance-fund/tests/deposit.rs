use cosmwasm_std::{coin, Uint128};
use cw_utils::PaymentError;
use insurance_fund::ContractError;
use perps_api::insurance_fund::{BalanceResponse, ExecuteMsg};

use crate::suite::{assert_event, usdc, Suite, DENOM, OTHER, START};

#[test]
fn anyone_deposits_one_coin_of_the_denom() {
    let mut suite = Suite::new();
    let (alice, stranger) = (suite.alice.clone(), suite.stranger.clone());
    let res = suite.deposit(&alice, 1_500_000).unwrap();
    assert_event(
        &res,
        "wasm",
        &[
            ("action", "deposit"),
            ("depositor", alice.as_str()),
            ("amount", "1500000"),
            ("denom", DENOM),
        ],
    );
    suite.deposit(&stranger, 250).unwrap();
    assert_eq!(
        suite.balance(),
        BalanceResponse {
            denom: DENOM.to_string(),
            amount: Uint128::new(1_500_250),
        }
    );
    assert_eq!(suite.bank(&suite.fund), 1_500_250);
    assert_eq!(suite.bank(&alice), START - 1_500_000);
    assert_eq!(suite.bank(&stranger), START - 250);
    // Deposits are not payouts.
    assert!(suite.all_payouts().is_empty());
}

#[test]
fn donation_counts_in_the_balance() {
    let mut suite = Suite::funded(1_000);
    let stranger = suite.stranger.clone();
    suite.donate(&stranger, 777);
    assert_eq!(suite.fund_balance(), 1_777);
    // ... and can be paid out like any deposit.
    let engine = suite.engine.clone();
    suite.cover(&engine, 1_777).unwrap();
    assert_eq!(suite.fund_balance(), 0);
    assert_eq!(suite.bank(&engine), START + 1_777);
}

#[test]
fn rejects_wrong_missing_or_several_coins() {
    let mut suite = Suite::funded(1_000);
    let alice = suite.alice.clone();
    let deposit = ExecuteMsg::Deposit {};
    suite.rejects(
        &alice,
        &deposit,
        &[],
        ContractError::Payment(PaymentError::NoFunds {}),
    );
    suite.rejects(
        &alice,
        &deposit,
        &[coin(100, OTHER)],
        ContractError::Payment(PaymentError::MissingDenom(DENOM.to_string())),
    );
    suite.rejects(
        &alice,
        &deposit,
        &[coin(100, OTHER), usdc(100)],
        ContractError::Payment(PaymentError::MultipleDenoms {}),
    );
    // A zero coin next to a real one still makes two coins in the message.
    suite.rejects(
        &alice,
        &deposit,
        &[coin(0, OTHER), usdc(100)],
        ContractError::Payment(PaymentError::MultipleDenoms {}),
    );
    assert_eq!(suite.fund_balance(), 1_000);
    assert_eq!(suite.bank(&alice), START - 1_000);
}
