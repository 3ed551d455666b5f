//! Attacker review 2 of the pending payouts, `mark_bad_debt` on a solvent account, the caps
//! and ADL on the skew, LP orders and the wait of scenario 59 (docs/decisions.md, scenarios
//! 61–). Each test asserts the safe outcome with the review's numbers.

use cosmwasm_std::{Addr, Uint128};
use perps_api::perps::{ExecuteMsg, LpPositionResponse, QueryMsg};

use crate::suite::{d, plain_market, Suite, USDC};

fn lp_position(s: &Suite, who: &Addr) -> LpPositionResponse {
    s.query(&QueryMsg::LpPosition {
        address: who.to_string(),
    })
}

fn mark(who: &Addr) -> ExecuteMsg {
    ExecuteMsg::MarkBadDebt {
        account: who.to_string(),
    }
}

/// Whole USDC as a signed base-unit amount.
fn w(x: i128) -> i128 {
    x * USDC as i128
}

/// Every account of `who` withdraws its whole collateral, one after the other.
fn all_withdraw(s: &mut Suite, who: &[&Addr]) {
    for a in who {
        let c = s.account(a).collateral.i128();
        assert!(c >= 0, "{c}");
        let before = s.balance(a);
        s.withdraw(a, c as u128).unwrap();
        assert_eq!(s.balance(a), before + c as u128);
    }
}

/// Wide exposure caps (20 × V per market and in total; backing 2 %, ADL trigger 1 %) so that
/// only cash bounds the claims of the review.
fn wide_caps() -> Suite {
    let mut btc = plain_market("BTC");
    let mut eth = plain_market("ETH");
    btc.max_skew_to_vault = Some(d("20"));
    eth.max_skew_to_vault = Some(d("20"));
    Suite::with_vault(
        |m| {
            m.vault_min_backing = d("0.02");
            m.adl_trigger_ratio = Some(d("0.01"));
            m.max_total_skew_to_vault = Some(d("20"));
        },
        &[("BTC", btc), ("ETH", eth)],
        100_000,
    )
}

/// Scenario 61. A 100,000 vault with [`wide_caps`]. Carol short 1 BTC at 60,000 (100,000
/// deposited); mallory (20,000) long 20 ETH at 3,000 and short 1 BTC at 60,000 in her cross
/// book; dave and erin bystanders with 50,000 each. BTC 120,000, ETH 7,000: carol −60,000,
/// mallory −60,000 on BTC and +80,000 on ETH. Mallory closes BTC: −60,000 realized from C =
/// 20,000 leaves C = −40,000 (her ETH profit keeps the book healthy): the vault books 60,000 of
/// cash and holds 20,000 of it. Cash 160,000 (120,000 held), receivables 40,000,
/// V = 160,000 + 60,000 − 80,000 = 140,000.
fn a_vault_whose_cash_is_partly_owed() -> (Suite, [Addr; 4]) {
    let mut s = wide_caps();
    let carol = s.trader("carol", 100_000, 100_000);
    let mallory = s.trader("mallory", 20_000, 20_000);
    let [dave, erin] = s.traders(["dave", "erin"], 50_000, 50_000);
    s.trade(&carol, "BTC", "-1");
    s.trade(&mallory, "ETH", "20");
    s.trade(&mallory, "BTC", "-1");
    s.advance(3_600);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    s.close(&mallory, "BTC").unwrap();
    assert_eq!(s.account(&mallory).collateral.i128(), w(-40_000));
    let v = s.vault();
    assert_eq!(v.cash.i128(), w(160_000));
    assert_eq!(v.equity.i128(), w(140_000));
    (s, [carol, mallory, dave, erin])
}

/// Scenario 61 (fixed): an LP claim was bounded by the vault's booked `cash`, which counts what
/// the books owe it (mallory's C = −40,000): the LP requested everything at V = 140,000 and
/// claimed 127,000 an hour later (V less the caps' 13,000), 7,000 more than the 120,000 the vault
/// holds — bystanders' deposits. BTC and ETH back to 60,000 and 3,000 then made mallory bankrupt
/// by 40,000, the vault's cash ended at −7,000 and dave, erin and carol could not all withdraw.
/// Now a claim pays at most the cash the vault holds free of what books owe it and of the
/// pending payouts (`cash − receivables − pending_payouts`): 119,999.999999, the rest stays
/// requested.
#[test]
fn s61_an_lp_claim_never_takes_cash_a_book_owes_the_vault() {
    let (mut s, [carol, mallory, dave, erin]) = a_vault_whose_cash_is_partly_owed();
    let lp = s.lp.clone();
    let shares = lp_position(&s, &lp).shares.u128();
    s.request_withdrawal(&lp, shares);
    s.advance(3_600);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    // the largest whole number of shares whose payout fits (rounded down, one unit)
    assert_eq!(Suite::attr(&res, "wasm", "payout"), "119999999999");
    assert_eq!(s.vault().cash.i128(), w(40_000) + 1);
    // the moves reverse: mallory ends bankrupt by 40,000 (C = −40,000, her ETH flat)
    s.set_price("BTC", "60000");
    s.set_price("ETH", "3000");
    let keeper = s.trader("keeper", 0, 0);
    s.liquidate(&keeper, &mallory, None).unwrap();
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), 1);
    all_withdraw(&mut s, &[&dave, &erin, &carol]);
}
