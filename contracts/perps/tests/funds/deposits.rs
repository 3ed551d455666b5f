//! Funds handling (SECURITY 1, 2, 5): only the collateral denom, only on messages that take
//! funds; everything else is rejected with nothing changed.

use cosmwasm_std::{coin, coins, Uint128};
use perps_api::perps::{ExecuteMsg, QueryMsg};

use crate::suite::{int_usdc, Suite, DENOM, USDC};

#[test]
fn deposit_takes_exactly_one_coin_of_the_collateral() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 1_000, 0);
    s.app
        .sudo(cw_multi_test::SudoMsg::Bank(
            cw_multi_test::BankSudo::Mint {
                to_address: alice.to_string(),
                amount: coins(1_000, "uatom"),
            },
        ))
        .unwrap();
    let dep = ExecuteMsg::Deposit {};
    s.rejects(&alice, &dep, &[], "No funds sent");
    s.rejects(
        &alice,
        &dep,
        &coins(5, "uatom"),
        "Must send reserve token 'uusdc'",
    );
    s.rejects(
        &alice,
        &dep,
        &[coin(5, "uatom"), coin(5, DENOM)],
        "Sent more than one denomination",
    );
    s.rejects(
        &alice,
        &Suite::trade_msg("BTC", "0.001"),
        &coins(5, "uatom"),
        "Received unsupported denom 'uatom'",
    );
    s.deposit(&alice, 1_000);
    assert_eq!(s.account(&alice).collateral, int_usdc(1_000));
}

#[test]
fn messages_that_take_no_funds_reject_them() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 1_000, 500);
    let msgs = vec![
        Suite::withdraw_msg(1),
        Suite::remove_margin_msg("BTC", 1),
        ExecuteMsg::WithdrawLiquidity {
            shares: Uint128::new(1),
        },
        ExecuteMsg::ClaimLiquidity {},
        ExecuteMsg::CancelWithdrawLiquidity {},
        ExecuteMsg::SweepFees {},
        ExecuteMsg::SettlePositions {
            market_id: "BTC".into(),
            limit: None,
        },
        ExecuteMsg::AcceptOwnership {},
    ];
    for m in msgs {
        s.rejects(
            &alice,
            &m,
            &coins(USDC, DENOM),
            "This message does no accept funds",
        );
    }
    s.rejects(
        &alice,
        &Suite::withdraw_msg(0),
        &[],
        "amount must be positive",
    );
}

#[test]
fn liquidate_takes_no_funds_and_refuses_an_account_without_positions() {
    let mut s = Suite::new();
    let (alice, bob) = (s.trader("alice", 0, 0), s.trader("bob", 5, 0));
    let msg = ExecuteMsg::Liquidate {
        account: alice.to_string(),
        min_reward: None,
    };
    s.rejects(&bob, &msg, &coins(USDC, DENOM), "does no accept funds");
    s.rejects(
        &bob,
        &msg,
        &[],
        &format!("account {alice} is healthy: cross equity 0 ≥ maintenance 0"),
    );
    // no account has collateral: the scan is one empty, last page
    let page: perps_api::perps::LiquidatableAccountsResponse =
        s.query(&QueryMsg::LiquidatableAccounts {
            start_after: None,
            limit: None,
        });
    assert!(page.accounts.is_empty());
    assert_eq!(page.next_start_after, None);
    // malformed addresses are rejected by queries too
    let err = s
        .app
        .wrap()
        .query_wasm_smart::<perps_api::perps::AccountResponse>(
            s.engine.clone(),
            &QueryMsg::Account {
                address: "Not-An-Address".into(),
            },
        )
        .unwrap_err();
    assert!(!err.to_string().is_empty());
}
