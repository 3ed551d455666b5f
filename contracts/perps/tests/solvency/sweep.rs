//! The insurance fee sweep sends only fees the vault holds (docs/decisions.md "The fee sweep
//! sends only fees the vault holds"): a fee debited from a book whose `C` is below zero is booked
//! in `insurance_fees` without the money arriving, and a sweep of it would pay the fund out of
//! other traders' deposits.

use cosmwasm_std::Addr;
use perps_api::perps::{ExecuteMsg, MarketConfig};

use super::all_withdraw;
use crate::suite::{d, plain_market, Suite, USDC};

/// Whole USDC as a signed base-unit amount.
fn w(x: i128) -> i128 {
    x * USDC as i128
}

/// Scenario 61's vault (`review2::a_vault_whose_cash_is_partly_owed`: BTC and ETH plain with
/// wide caps, a 100,000 vault; carol short 1 BTC, mallory long 20 ETH with C = −40,000 after
/// closing her BTC short at 120,000; dave and erin flat with 50,000 each) plus SOL at 100 with a
/// 0.1 % taker fee (20 % of it to insurance). Mallory also buys 100 SOL (10,000 notional) while
/// her C is 20,000: a fee of 10 she pays (2 to insurance), so her C is −40,010 after the BTC
/// close. The LP then claims everything it can: 119,997.999999, leaving cash 40,010.000001
/// against receivables 40,010 (real cash: one base unit). Mallory sells her 100 SOL: a fee of 10
/// debited from a book below zero (2 to `insurance_fees`, 8 to cash), none of it paid
/// (C = −40,020 = −receivables). Insurance fees 4, of which 2.000001 held.
fn a_fee_from_a_book_below_zero() -> (Suite, [Addr; 4]) {
    let mut btc = plain_market("BTC");
    let mut eth = plain_market("ETH");
    btc.max_skew_to_vault = Some(d("20"));
    eth.max_skew_to_vault = Some(d("20"));
    let sol = MarketConfig {
        taker_fee: d("0.001"),
        max_skew_to_vault: Some(d("20")),
        ..plain_market("SOL")
    };
    let mut s = Suite::with_vault(
        |m| {
            m.vault_min_backing = d("0.02");
            m.adl_trigger_ratio = Some(d("0.01"));
            m.max_total_skew_to_vault = Some(d("20"));
        },
        &[("BTC", btc), ("ETH", eth), ("SOL", sol)],
        100_000,
    );
    let carol = s.trader("carol", 100_000, 100_000);
    let mallory = s.trader("mallory", 20_000, 20_000);
    let [dave, erin] = s.traders(["dave", "erin"], 50_000, 50_000);
    s.set_price("SOL", "100");
    s.trade(&carol, "BTC", "-1");
    s.trade(&mallory, "ETH", "20");
    s.trade(&mallory, "BTC", "-1");
    s.trade(&mallory, "SOL", "100");
    s.advance(3_600);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    s.set_price("SOL", "100");
    s.close(&mallory, "BTC").unwrap();
    assert_eq!(s.account(&mallory).collateral.i128(), w(-40_010));
    assert_eq!(s.vault().cash.i128(), w(160_008));
    let lp = s.lp.clone();
    let shares: perps_api::perps::LpPositionResponse =
        s.query(&perps_api::perps::QueryMsg::LpPosition {
            address: lp.to_string(),
        });
    s.request_withdrawal(&lp, shares.shares.u128());
    s.advance(3_600);
    s.set_price("BTC", "120000");
    s.set_price("ETH", "7000");
    s.set_price("SOL", "100");
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "payout"), "119997999999");
    assert_eq!(s.vault().cash.i128(), w(40_010) + 1);
    s.trade(&mallory, "SOL", "-100");
    assert_eq!(s.account(&mallory).collateral.i128(), w(-40_020));
    assert_eq!(s.vault().cash.i128(), w(40_018) + 1);
    assert_eq!(s.pending_fees(), 4 * USDC);
    (s, [carol, mallory, dave, erin])
}

/// Before: the sweep sent all 4 of `insurance_fees` to the fund while the vault held 2.000001 of
/// them (cash 40,018.000001 + fees 4 − receivables 40,020): 1.999999 of other traders'
/// deposits. Now it sends `min(fees, cash + fees − receivables)` = 2.000001, keeps 1.999999
/// pending, and a second sweep is refused naming the numbers, state unchanged. Dave and erin
/// then withdraw everything; the prices reverse, mallory is liquidated bankrupt by 40,020 (the
/// pending 1.999999 cover first), carol closes flat and withdraws her 100,000: the engine ends
/// empty.
#[test]
fn a_sweep_never_sends_fees_a_book_still_owes() {
    let (mut s, [carol, mallory, dave, erin]) = a_fee_from_a_book_below_zero();
    let keeper = s.trader("keeper", 0, 0);
    let fund = s.fund.clone();
    let fund_before = s.balance(&fund);
    let res = s.exec(&keeper, &ExecuteMsg::SweepFees {}).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "amount"), "2000001");
    assert_eq!(s.balance(&fund), fund_before + 2 * USDC + 1);
    assert_eq!(s.pending_fees(), 2 * USDC - 1);
    assert_eq!(s.vault().cash.i128(), w(40_018) + 1);
    s.rejects_exact(
        &keeper,
        &ExecuteMsg::SweepFees {},
        &[],
        "insurance fees 1999999 not held: cash 40018000001 + fees ≤ receivables 40020000000",
    );
    all_withdraw(&mut s, &[&dave, &erin]);
    assert_eq!(s.balance(&dave), 50_000 * USDC);
    assert_eq!(s.balance(&erin), 50_000 * USDC);
    // the moves reverse: mallory's ETH gain is gone and her book is bankrupt by 40,020
    s.set_price("BTC", "60000");
    s.set_price("ETH", "3000");
    s.set_price("SOL", "100");
    s.liquidate(&keeper, &mallory, None).unwrap();
    assert_eq!(s.account(&mallory).collateral.i128(), 0);
    // the pending 1.999999 first, the fund (which lists no engine here) pays nothing, the rest
    // (40,018.000001) is socialized: cash 0
    assert_eq!(s.pending_fees(), 0);
    assert_eq!(s.vault().cash.i128(), 0);
    s.close(&carol, "BTC").unwrap();
    all_withdraw(&mut s, &[&carol]);
    assert_eq!(s.balance(&carol), 100_000 * USDC);
    let engine = s.engine.clone();
    assert_eq!(s.vault().cash.i128(), 0);
    assert_eq!(s.balance(&engine), 0);
    // the fund holds exactly the fees that were paid: mallory's 2 from her SOL buy at C > 0
    // and the base unit the LP's claim left
    assert_eq!(s.balance(&fund), fund_before + 2 * USDC + 1);
    s.rejects_exact(
        &keeper,
        &ExecuteMsg::SweepFees {},
        &[],
        "no insurance fees to sweep",
    );
}
