//! Funds handling (SECURITY 1, 2, 5): only the collateral denom, only on messages that take
//! funds; everything else is rejected with nothing changed.

use cosmwasm_std::coins;
use perps_api::perps::{ExecuteMsg, QueryMsg};

use crate::suite::{Suite, DENOM, USDC};

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
