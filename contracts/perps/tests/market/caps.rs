//! Limits on growth: OI caps, reduce-only, positions count, position cap, minimum size, flips
//! (SECURITY 27, 28, 37).

use cosmwasm_std::Uint128;
use perps_api::perps::{ExecuteMsg, MarketStatusUpdate};

use crate::suite::{plain_market, sd, usdc, Suite};

#[test]
fn oi_cap_is_global_and_binds_increases_only_even_after_lowering() {
    let mut s = Suite::with_btc_oi_cap(100_000);
    let [alice, bob] = s.traders(["alice", "bob"], 50_000, 50_000);
    s.trade(&alice, "BTC", "1");
    // a second wallet cannot take the rest of the cap beyond it
    s.rejects_trade(
        &bob,
        "BTC",
        "0.7",
        "long open interest of market BTC would be 102000000000 > cap 100000000000",
    );
    s.trade(&bob, "BTC", "0.6");
    // the owner lowers the cap below current OI: reductions still work, increases do not
    let mut lowered = plain_market("BTC");
    lowered.max_long_oi = usdc(30_000);
    s.update_market("BTC", lowered, None);
    s.rejects_trade(&alice, "BTC", "0.01", "long open interest of market BTC");
    s.trade(&alice, "BTC", "-0.5");
    s.close(&bob, "BTC").unwrap();
    assert_eq!(s.market("BTC").state.long_oi, crate::suite::d("0.5"));
}

#[test]
fn reduce_only_market_allows_reductions_only() {
    let mut s = Suite::new();
    let [alice, bob] = s.traders(["alice", "bob"], 20_000, 20_000);
    s.trade(&alice, "BTC", "1");
    s.set_market_status("BTC", MarketStatusUpdate::ReduceOnly);
    let msg = "market BTC is reduce-only";
    s.rejects(&alice, &Suite::trade_msg("BTC", "0.1"), &[], msg);
    s.rejects(&bob, &Suite::trade_msg("BTC", "-0.1"), &[], msg);
    // a flip opens a remainder: refused
    s.rejects(&alice, &Suite::trade_msg("BTC", "-2"), &[], msg);
    s.trade(&alice, "BTC", "-0.5");
    s.close(&alice, "BTC").unwrap();
}

#[test]
fn flip_checks_every_opening_rule_on_the_full_remainder() {
    let (mut s, alice) = Suite::alice_trading("BTC", "1");
    // long 1 → short 2: IM on 2 BTC = 12,000 > 10,000
    s.rejects_trade(
        &alice,
        "BTC",
        "-3",
        "insufficient margin: equity 10000000000 < initial requirement 12000000000",
    );
    // long 1 → short 0.0005: remainder below the minimum
    s.rejects_trade(
        &alice,
        "BTC",
        "-1.0005",
        "order size 0.0005 in market BTC is below the minimum 0.001",
    );
    s.trade(&alice, "BTC", "-1.5");
    let a = s.account(&alice);
    assert_eq!(a.positions[0].size, sd("-0.5"));
    assert_eq!(a.positions[0].entry_price, crate::suite::d("60000"));
}

#[test]
fn size_count_and_notional_limits() {
    let mut btc = plain_market("BTC");
    btc.max_position_notional = Some(usdc(70_000));
    let mut s = Suite::with(
        |m| m.max_positions_per_account = Some(1),
        &[("BTC", btc), ("ETH", plain_market("ETH"))],
    );
    let alice = s.trader("alice", 50_000, 50_000);
    s.rejects_trade(&alice, "BTC", "0", "size_delta must be non-zero");
    s.rejects_trade(
        &alice,
        "BTC",
        "0.0009",
        "order size 0.0009 in market BTC is below the minimum 0.001",
    );
    s.rejects_trade(
        &alice,
        "BTC",
        "1.2",
        "position notional 72000000000 in market BTC would exceed the cap 70000000000",
    );
    s.trade(&alice, "BTC", "1");
    s.rejects_trade(
        &alice,
        "ETH",
        "1",
        "account already holds 1 positions, the maximum is 1",
    );
    s.rejects_trade(
        &alice,
        "BTC",
        "-0.9995",
        "reduction would leave size 0.0005 in market BTC, below the minimum 0.001",
    );
    s.rejects_trade(&alice, "DOGE", "1", "unknown market DOGE");
    let _ = Uint128::zero();
}

#[test]
fn acceptable_price_bounds_the_fill() {
    let (mut s, alice) = Suite::with_alice();
    let buy = |p: &str| ExecuteMsg::Trade {
        market_id: "BTC".into(),
        size_delta: sd("0.1"),
        acceptable_price: Some(crate::suite::d(p)),
        mode: None,
    };
    s.rejects(
        &alice,
        &buy("59999.99"),
        &[],
        "fill price 60000 is worse than the acceptable price 59999.99",
    );
    s.exec(&alice, &buy("60000")).unwrap();
}

#[test]
fn price_impact_cap_refuses_large_trades() {
    let mut s = Suite::with_btc(crate::suite::fee_market("BTC", "1000"));
    let alice = s.trader("alice", 100_000, 100_000);
    // the skew it would leave: |0 + 3.001| / 1000 = 0.003001 > 0.003
    s.rejects(
        &alice,
        &ExecuteMsg::Trade {
            market_id: "BTC".into(),
            size_delta: sd("3.001"),
            acceptable_price: Some(crate::suite::d("70000")),
            mode: None,
        },
        &[],
        "price impact 0.003001 in market BTC exceeds max 0.003",
    );
    // exactly at the cap: fill 60,000·(1 + 1.5/1,000) = 60,090
    let r = s
        .exec(
            &alice,
            &ExecuteMsg::Trade {
                market_id: "BTC".into(),
                size_delta: sd("3"),
                acceptable_price: Some(crate::suite::d("60090")),
                mode: None,
            },
        )
        .unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "60090");
}

#[test]
fn close_position_without_a_position_or_on_a_settled_market() {
    let (mut s, alice) = Suite::with_alice();
    s.rejects(
        &alice,
        &ExecuteMsg::ClosePosition {
            market_id: "BTC".into(),
            acceptable_price: None,
        },
        &[],
        "no position in market BTC",
    );
    s.trade(&alice, "BTC", "1");
    s.settle_market("BTC", None);
    s.advance(1_000);
    s.close(&alice, "BTC").unwrap();
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, crate::suite::int_usdc(10_000));
}
