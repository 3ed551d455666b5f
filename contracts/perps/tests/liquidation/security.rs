//! SECURITY.md "Liquidation" angles not covered by `liquidation*.rs` (scenarios 12, 21, 22,
//! 24): liquidation under a doubtful price, a second wallet gains nothing, no dust remainder,
//! the configured maximum number of positions.

use cosmwasm_std::Addr;
use cosmwasm_std::Int128;
use cosmwasm_std::Uint128;
use perps_api::events::LiquidationEvent;
use perps_api::perps::{ExecuteMsg, Health, InstantiateMsg, MarketConfig};

use crate::suite::{d, fee_market, int_usdc, plain_market, sd, usdc, Suite, USDC};

#[test]
fn s12_liquidation_is_allowed_while_the_price_is_uncertain_or_far_from_its_ema() {
    for (conf, ema, refusal) in [
        (
            "700",
            None,
            "oracle price of market BTC is uncertain: conf/price 0.011111111111111111 > max 0.01",
        ),
        (
            "0",
            Some("66400"),
            "oracle price of market BTC deviates from its EMA: 0.051204819277108433 > max 0.05",
        ),
    ] {
        let mut s = Suite::new();
        let keeper = s.trader("keeper", 0, 0);
        let bob = s.bob_below_maintenance();
        let t = s.now() + 1;
        s.advance(1);
        s.publish("BTC", "63000", conf, ema, t);
        // risk-adding is refused...
        s.rejects_exact(&bob, &Suite::trade_msg("BTC", "-0.01"), &[], refusal);
        // ...liquidation is not (liveness only), at the mark without impact
        let res = s.liquidate(&keeper, &bob, None).unwrap();
        let ev = Suite::typed::<LiquidationEvent>(&res);
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(ev[0].mark_price, d("63000"));
        assert_eq!(ev[0].liquidator_reward, Uint128::new(75000001));
        assert_eq!(s.balance(&keeper), 75_000_001);
        assert_eq!(s.account(&bob).health, Health::Healthy);
    }
}

/// alice long 0.15 BTC in a market with fees and impact, against a short skew; her book is
/// below maintenance at 56,000.
fn second_wallet_world() -> (Suite, Addr, Addr) {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let [alice, alice2] = [
        s.trader("alice", 1_000, 0),
        s.trader("alice-second-wallet", 0, 0),
    ];
    let bob = s.trader("bob", 100_000, 100_000);
    s.trade(&bob, "BTC", "-2");
    s.deposit(&alice, 1_000);
    s.trade(&alice, "BTC", "0.15");
    s.set_price("BTC", "56000");
    assert_eq!(s.account(&alice).health, Health::Liquidatable);
    (s, alice, alice2)
}

#[test]
fn s21_a_second_wallet_liquidating_the_owner_gains_nothing_over_closing_normally() {
    // world A: alice's second wallet liquidates her
    let (mut a, alice, alice2) = second_wallet_world();
    let res = a.liquidate(&alice2, &alice, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    let closed = ev[0].size_closed;
    let together_a = a.account(&alice).collateral.i128() + a.balance(&alice2) as i128;
    // world B: alice closes the same size herself, paying the fee and the adverse impact
    let (mut b, alice_b, _) = second_wallet_world();
    let sell = format!("-{closed}");
    let r = b
        .exec(
            &alice_b,
            &ExecuteMsg::Trade {
                market_id: "BTC".into(),
                size_delta: sd(&sell),
                acceptable_price: Some(d("50000")),
                mode: None,
            },
        )
        .unwrap();
    let impact: cosmwasm_std::SignedDecimal256 =
        Suite::attr(&r, "trade", "price_impact").parse().unwrap();
    assert!(!impact.is_zero(), "the normal close pays impact here");
    let together_b = b.account(&alice_b).collateral.i128();
    // liquidated: 22.22 penalty on 0.0397 BTC, half of it back to the second wallet;
    // closed: fee 2.217896 and impact −0.187 % (4.155 USDC) — 4.737 USDC cheaper
    assert_eq!(closed, sd("0.039679476875472412"));
    assert_eq!(Suite::attr(&r, "trade", "fee"), "2217896");
    assert_eq!((together_a, together_b), (825_772_160, 830_509_639));
    // the same position is left in both worlds
    assert_eq!(
        a.account(&alice).positions[0].size,
        b.account(&alice_b).positions[0].size
    );
    // validation keeps liquidation_fee·(1 − share) = 0.5 % ≥ fee 0.1 % + max impact 0.3 %
    assert!(
        together_a < together_b,
        "liquidating oneself paid {together_a} vs {together_b} for a normal close"
    );
}

#[test]
fn s22_a_partial_liquidation_never_leaves_a_dust_remainder() {
    let run = |min: &str| {
        let btc = MarketConfig {
            min_order_size: d(min),
            ..plain_market("BTC")
        };
        let mut s = Suite::with_btc(btc);
        let (alice, keeper) = (s.trader("alice", 1_000, 1_000), s.trader("keeper", 0, 0));
        s.trade(&alice, "BTC", "0.15");
        // Q = 1,000 − 585 = 415 < MM 420.75; the target needs x ≥ 0.03766... closed
        s.set_price("BTC", "56100");
        let res = s.liquidate(&keeper, &alice, None).unwrap();
        let ev = Suite::typed::<LiquidationEvent>(&res);
        assert_eq!(ev.len(), 1, "{ev:?}");
        (s, alice, ev[0].clone())
    };
    // min 0.1: the partial close leaves 0.112..., a valid size
    let (s, alice, e) = run("0.1");
    let left = e.size_after;
    assert!(left >= sd("0.1") && left < sd("0.15"), "{e:?}");
    assert_eq!(s.account(&alice).positions[0].size, left);
    // min 0.12: that remainder would be dust, so everything closes
    let (s, alice, e) = run("0.12");
    assert_eq!(e.size_closed, sd("0.15"));
    assert_eq!(e.size_after, sd("0"));
    // penalty 1 % of 8,415 = 84.15, half each to the keeper and the insurance fees
    assert_eq!(e.penalty, Uint128::new(84150000));
    assert_eq!(e.liquidator_reward, Uint128::new(42075000));
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    // 1,000 − 585 realized − 84.15
    assert_eq!(a.collateral, cosmwasm_std::Int128::new(330_850_000));
}

#[test]
fn s24_the_configured_maximum_of_32_positions_is_liquidated_in_one_call() {
    let edit = |m: &mut InstantiateMsg| m.max_positions_per_account = Some(32);
    let (mut s, ids, [alice, keeper]) = Suite::long_10_in_each(32, edit, (4_000, 3_200));
    // a 33rd market cannot be added to the book
    s.add_feed("M32");
    s.add_market("M32", plain_market("M32")).unwrap();
    s.set_price("M32", "100");
    s.rejects_trade_exact(
        &alice,
        "M32",
        "1",
        "account already holds 32 positions, the maximum is 32",
    );
    for id in &ids {
        s.set_price(id, "94");
    }
    // Q = 3,200 − 32·60 = 1,280 < MM 32·47 = 1,504
    let a = s.account(&alice);
    assert_eq!(
        (a.equity, a.maintenance_margin),
        (int_usdc(1_280), usdc(1_504))
    );
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    // the same shape as 16 positions at twice the size: six full closes and a partial
    assert_eq!(ev.len(), 13, "{ev:?}");
    let rewards: u128 = ev.iter().map(|e| e.liquidator_reward.u128()).sum();
    assert_eq!(s.balance(&keeper), rewards);
    let a = s.account(&alice);
    assert_eq!(a.health, Health::Healthy);
    assert!(a.equity.i128() >= (a.maintenance_margin.u128() as i128) * 5 / 4);
}

#[test]
fn s19_liquidating_a_healthy_or_unknown_account_changes_nothing() {
    let mut s = Suite::insured(1_000 * USDC);
    let alice = s.trader("alice", 20_000, 10_000);
    let [stranger, keeper] = [s.trader("stranger", 0, 0), s.trader("keeper", 0, 0)];
    s.trade(&alice, "BTC", "1");
    s.try_isolated(&alice, "ETH", "-1", 1_000 * USDC).unwrap();
    // alice: cross Q 9,000 ≥ MM 3,000; the isolated ETH book is far from its MM
    s.rejects_exact(&keeper, &Suite::liquidate_msg(&alice, None), &[], &format!(
            "account {alice} is healthy: cross equity 9000000000 ≥ maintenance 3000000000 and no isolated position is liquidatable"
        ));
    // an address that never used the engine
    s.rejects_exact(&keeper, &Suite::liquidate_msg(&stranger, Some(1)), &[], &format!(
            "account {stranger} is healthy: cross equity 0 ≥ maintenance 0 and no isolated position is liquidatable"
        ));
}

#[test]
fn s25_a_second_liquidation_after_a_full_bankrupt_close_fails_cleanly() {
    let mut s = Suite::insured(500 * USDC);
    let (alice, k1, k2) = (
        s.trader("alice", 1_000, 0),
        s.trader("k1", 0, 0),
        s.trader("k2", 0, 0),
    );
    s.deposit(&alice, 1_000);
    s.trade(&alice, "BTC", "0.15");
    s.set_price("BTC", "52000");
    s.liquidate(&k1, &alice, None).unwrap();
    // same block, another liquidator: nothing left, nothing moves
    s.rejects_exact(&k2, &Suite::liquidate_msg(&alice, None), &[], &format!(
            "account {alice} is healthy: cross equity 0 ≥ maintenance 0 and no isolated position is liquidatable"
        ));
    assert_eq!(s.balance(&s.fund.clone()), 300 * USDC);
    assert_eq!(s.balance(&k2), 0);
}

#[test]
fn s39_a_dead_market_in_profit_counts_for_nothing_and_the_others_are_liquidated() {
    let (mut s, [bob, carol, keeper]) = Suite::hedged_book_at_initial_margin();
    s.deposit(&carol, 1_000);
    // ETH rises to 3,200 and is touched there (its last price), then its feed dies
    s.set_price("ETH", "3200");
    s.trade(&carol, "ETH", "0.01");
    s.advance(120);
    s.set_price("BTC", "63100");
    // Q = 6,300 − 3,100 + 0 (ETH's +200 is not counted) = 3,200 < MM 3,155 + 160
    s.assert_equity_and_mm(&bob, 3_200, 3_315);
    assert_eq!(s.account(&bob).health, Health::Liquidatable);
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].market_id, "BTC");
    assert_eq!(ev[0].size_closed, sd("-0.284884161195381481"));
    assert_eq!(ev[0].penalty, Uint128::new(179761906));
    assert_eq!(ev[0].liquidator_reward, Uint128::new(89880953));
    // the target counts the dead market's full MM (160) and none of its profit:
    // 3,020.238093 ≥ 1.25 · 2,416.190472
    assert_eq!(ev[0].equity_after, Int128::new(3020238093));
    assert_eq!(ev[0].maintenance_after, Uint128::new(2416190472));
    let b = s.account(&bob);
    assert_eq!(b.positions.len(), 2);
    assert_eq!(b.positions[1].size, sd("1"));
    assert_eq!(s.balance(&keeper), ev[0].liquidator_reward.u128());
}
