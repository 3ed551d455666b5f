//! Oracle policy per action (DESIGN 6.3, SECURITY 10, 11, 12).

use cosmwasm_std::Uint128;
use perps_api::perps::ExecuteMsg;

use crate::suite::{int_usdc, sd, Suite, USDC};

#[test]
fn a_stale_market_does_not_block_actions_that_do_not_need_it() {
    let mut s = Suite::new();
    let [alice, bob] = s.traders(["alice", "bob"], 20_000, 10_000);
    s.trade(&alice, "ETH", "1");
    s.trade(&bob, "BTC", "0.1");
    // BTC goes stale, ETH stays fresh.
    s.advance(100);
    s.set_price("ETH", "3000");
    // alice (ETH only) trades, withdraws; bob deposits without any price.
    s.trade(&alice, "ETH", "1");
    s.withdraw(&alice, 1_000 * USDC).unwrap();
    s.deposit(&bob, 1);
    // bob's BTC increase, and his cross ETH opening (which needs his BTC price), are refused.
    let stale = "oracle price of market BTC is stale: age 102s > max 60s";
    s.rejects(&bob, &Suite::trade_msg("BTC", "0.1"), &[], stale);
    s.rejects(&bob, &Suite::trade_msg("ETH", "1"), &[], stale);
    s.rejects(&bob, &Suite::withdraw_msg(1), &[], stale);
    // an isolated ETH opening needs only ETH (margin leaves C, so C's book needs BTC: refused)
    assert!(s
        .try_isolated(&bob, "ETH", "1", 1_000 * USDC)
        .unwrap_err()
        .to_string()
        .contains(stale));
}

#[test]
fn max_age_boundary() {
    let (mut s, alice) = Suite::with_alice();
    s.set_price("BTC", "60000");
    s.advance(60);
    s.trade(&alice, "BTC", "0.01");
    s.advance(1);
    s.rejects_trade(
        &alice,
        "BTC",
        "0.01",
        "oracle price of market BTC is stale: age 61s > max 60s",
    );
}

#[test]
fn a_future_publish_time_has_age_zero() {
    let (mut s, alice) = Suite::with_alice();
    let t = s.now() + 3;
    s.publish("BTC", "60000", "0", None, t);
    s.trade(&alice, "BTC", "0.01");
}

#[test]
fn uncertain_price_blocks_increases_and_reductions_fill_at_the_band_edge() {
    let (mut s, alice) = Suite::alice_trading("BTC", "1");
    // conf/price = 601/60,000 > 1 %
    let t = s.now() + 1;
    s.advance(1);
    s.publish("BTC", "60000", "601", None, t);
    s.rejects_trade(
        &alice,
        "BTC",
        "0.1",
        "oracle price of market BTC is uncertain",
    );
    // a voluntary reduction fills at price − conf = 59,399 (slippage bound from the oracle
    // price: 59,400 ≥ ... so pass an explicit acceptable price)
    s.exec(
        &alice,
        &ExecuteMsg::Trade {
            market_id: "BTC".into(),
            size_delta: sd("-0.5"),
            acceptable_price: Some(crate::suite::d("59000")),
            mode: None,
        },
    )
    .unwrap();
    // realized (59,399 − 60,000)·0.5 = −300.5
    assert_eq!(
        s.account(&alice).collateral,
        int_usdc(10_000) - cosmwasm_std::Int128::new(300_500_000)
    );
    // EMA too far: |60,000 − 57,000|/57,000 = 5.26 % > 5 %
    let t = s.now() + 1;
    s.advance(1);
    s.publish("BTC", "60000", "0", Some("57000"), t);
    s.rejects_trade(
        &alice,
        "BTC",
        "0.1",
        "oracle price of market BTC deviates from its EMA",
    );
}

#[test]
fn deposit_and_funded_add_margin_need_no_price() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 10_000);
    s.try_isolated(&alice, "BTC", "0.1", 1_000 * USDC).unwrap();
    s.advance(1_000);
    s.deposit(&alice, 1);
    s.exec_funds(
        &alice,
        &Suite::add_margin_msg("BTC", 500 * USDC),
        500 * USDC,
    )
    .unwrap();
    assert_eq!(
        s.account(&alice).positions[0].margin,
        Some(Uint128::new(1_500 * USDC))
    );
}
