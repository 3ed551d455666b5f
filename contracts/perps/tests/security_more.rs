//! SECURITY.md "More market and vault risk" (scenarios 34-38, 40, 42, 43; 39 and 41 are with
//! the liquidation scenarios).

use cosmwasm_std::{coins, Decimal256, Uint128};
use cw_multi_test::Executor;
use perps_api::perps::{ExecuteMsg, MarketConfig, MarketStatusUpdate};
use perps_api::price_feed::{ExecuteMsg as FeedMsg, PriceUpdate};

use crate::suite::{
    config_update, d, int_usdc, margin_tiers, plain_market, sd, usdc, Suite, DENOM, USDC,
};

fn remove(amount: u128) -> ExecuteMsg {
    Suite::remove_margin_msg("BTC", amount)
}

#[test]
fn s34_remove_margin_never_uses_unrealized_profit() {
    for weight in ["0", "1"] {
        let mut s = Suite::with(
            |m| m.unrealized_profit_weight = Some(d(weight)),
            &[("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))],
        );
        let alice = s.trader("alice", 20_000, 10_000);
        s.try_isolated(&alice, "BTC", "1", 10_000 * USDC).unwrap();
        // at a loss: M + min(0, U − A) − IM = 10,000 − 1,000 − 5,900 = 3,100
        s.set_price("BTC", "59000");
        let removes_at_most = |s: &mut Suite, most: u128, refusal: &str| {
            s.rejects_exact(&alice, &remove(most + 1), &[], refusal);
            s.exec(&alice, &remove(most)).unwrap();
        };
        removes_at_most(
            &mut s,
            3_100 * USDC,
            "cannot remove 3100000001: margin after 5899999999 < initial requirement 5900000000",
        );
        // +100 %: U = +60,000 counts for nothing, whatever the profit weight
        s.set_price("BTC", "120000");
        s.rejects_exact(
            &alice,
            &remove(1),
            &[],
            "cannot remove 1: margin after 6899999999 < initial requirement 12000000000",
        );
        // 6,000 more margin from attached funds: exactly 900 removable
        s.exec_coins(
            &alice,
            &Suite::add_margin_msg("BTC", 6_000 * USDC),
            &coins(6_000 * USDC, DENOM),
        )
        .unwrap();
        removes_at_most(
            &mut s,
            900 * USDC,
            "cannot remove 900000001: margin after 11999999999 < initial requirement 12000000000",
        );
        let a = s.account(&alice);
        assert_eq!(a.positions[0].margin, Some(usdc(12_000)));
        assert_eq!(a.positions[0].equity, Some(int_usdc(72_000)));
        assert_eq!(a.collateral, int_usdc(4_000));
    }
}

/// Impact up to 5 %: the default 1 % slippage binds first.
fn deep_market() -> MarketConfig {
    MarketConfig {
        margin_tiers: margin_tiers(&[(None, "0.2", "0.1")]),
        skew_scale: d("1000"),
        max_price_impact: Some(d("0.05")),
        liquidation_fee: d("0.11"),
        ..plain_market("BTC")
    }
}

#[test]
fn s35_a_front_runner_cannot_push_a_trade_without_acceptable_price_past_the_default_slippage() {
    let mut s = Suite::with_btc(deep_market());
    let [eve, victim] = s.traders(["eve", "victim"], 1_000_000, 500_000);
    // alone, 10 BTC fills at 60,000·(1 + 5/1000) = 60,300 ≤ 60,600
    let sim: perps_api::perps::SimulateTradeResponse =
        s.query(&perps_api::perps::QueryMsg::SimulateTrade {
            address: victim.to_string(),
            market_id: "BTC".into(),
            size_delta: sd("10"),
            mode: None,
        });
    assert_eq!(sim.fill_price, d("60300"));
    // eve buys 15 first: the victim's fill would be 60,000·(1 + 20/1000) = 61,200
    s.trade(&eve, "BTC", "15");
    s.rejects_trade_exact(
        &victim,
        "BTC",
        "10",
        "fill price 61200 is worse than the acceptable price 60600",
    );
    // and on the sell side: eve sells 30 (K = −15), a victim's sale of 10 would fill at 58,800
    s.trade(&eve, "BTC", "-30");
    s.rejects_trade_exact(
        &victim,
        "BTC",
        "-10",
        "fill price 58800 is worse than the acceptable price 59400",
    );
    // a tighter configured default binds at its own bound
    let owner = s.owner.clone();
    let cfg = config_update!(default_max_slippage: d("0.002"));
    s.exec(&owner, &cfg).unwrap();
    s.trade(&eve, "BTC", "15");
    s.rejects_trade_exact(
        &victim,
        "BTC",
        "10",
        "fill price 60300 is worse than the acceptable price 60120",
    );
}

#[test]
fn s36_impact_cap_refuses_and_no_fill_is_ever_at_or_below_zero() {
    // the largest impact validation admits is below 1 (max_price_impact in (0, 1)); with a
    // liquidation fee that keeps liquidation dearer than a close: 0.995·(1 − 0) ≥ 0.99
    let extreme = MarketConfig {
        margin_tiers: margin_tiers(&[(None, "1", "0.5")]),
        skew_scale: d("10"),
        max_price_impact: Some(d("0.99")),
        liquidation_fee: d("0.995"),
        ..plain_market("BTC")
    };
    let mut s = Suite::with(
        |m| {
            m.liquidator_reward_share = Decimal256::zero();
            m.liquidation_target_ratio = d("2");
        },
        &[("BTC", extreme), ("ETH", plain_market("ETH"))],
    );
    let whale = s.trader("whale", 3_000_000, 3_000_000);
    let sell = |size: &str| ExecuteMsg::Trade {
        market_id: "BTC".into(),
        size_delta: sd(size),
        acceptable_price: Some(d("0.000000000000000001")),
        mode: None,
    };
    // the skew it would leave: |0 − 9.9002| / 10 = 0.99002 > 0.99
    s.rejects_exact(
        &whale,
        &sell("-9.9002"),
        &[],
        "price impact 0.99002 in market BTC exceeds max 0.99",
    );
    // at the cap: 60,000·(1 − 4.95/10) = 30,300
    let r = s.exec(&whale, &sell("-9.9")).unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "30300");
    // with K = −9.9, even the smallest further sale is over the cap
    s.rejects_exact(
        &whale,
        &sell("-0.001"),
        &[],
        "price impact 0.9901 in market BTC exceeds max 0.99",
    );
    let buy = |size: &str| ExecuteMsg::Trade {
        market_id: "BTC".into(),
        size_delta: sd(size),
        acceptable_price: Some(d("60000")),
        mode: None,
    };
    // a buy-back reduces |K|: (−9.9 + 0.05)/10 = −0.985 → 900
    let r = s.exec(&whale, &buy("0.1")).unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "900");
    // a skew scale of 5 (forced) leaves K = −9.8 at twice the cap: the next buy-back's impact
    // (−9.8 + 0.05)/5 = −1.95 is clamped to −0.99, the fill 1 % of the mark: still positive
    let forced = MarketConfig {
        skew_scale: d("5"),
        ..s.market("BTC").config
    };
    s.update_market("BTC", forced, Some(true));
    let r = s.exec(&whale, &buy("0.1")).unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "600");
    assert_eq!(Suite::attr(&r, "trade", "price_impact"), "-0.99");
}

#[test]
fn s37_a_flip_checks_cap_minimum_and_margin_on_the_full_new_side() {
    let mut eth = plain_market("ETH");
    eth.max_short_oi = usdc(450_000);
    let mut s = Suite::with(|_| {}, &[("BTC", plain_market("BTC")), ("ETH", eth)]);
    let alice = s.trader("alice", 100_000, 0);
    s.deposit_units(&alice, 60_000 * USDC - 1);
    s.trade(&alice, "ETH", "100");
    // long 100 → short 200 (600,000 notional) breaks the 450,000 short cap
    s.rejects_trade_exact(
        &alice,
        "ETH",
        "-300",
        "short open interest of market ETH would be 600000000000 > cap 450000000000",
    );
    // a remainder below the minimum
    s.rejects_trade_exact(
        &alice,
        "ETH",
        "-100.0005",
        "order size 0.0005 in market ETH is below the minimum 0.001",
    );
    let mut wide = plain_market("ETH");
    wide.max_short_oi = usdc(600_000);
    s.update_market("ETH", wide, None);
    // IM of the full short 200: 60,000 > 59,999.999999
    s.rejects_trade_exact(
        &alice,
        "ETH",
        "-300",
        "insufficient margin: equity 59999999999 < initial requirement 60000000000",
    );
    s.set_market_status("ETH", MarketStatusUpdate::ReduceOnly);
    s.deposit(&alice, 1);
    s.rejects_trade_exact(&alice, "ETH", "-300", "market ETH is reduce-only");
    s.set_market_status("ETH", MarketStatusUpdate::Active);
    s.trade(&alice, "ETH", "-300");
    let p = &s.account(&alice).positions[0];
    assert_eq!((p.size, p.entry_price), (sd("-200"), d("3000")));
}

#[test]
fn s38_lp_claims_are_bounded_by_delay_cash_and_the_first_deposit_lock() {
    let (mut s, [lp, alice]) = Suite::vault_short_10_btc_an_hour_on();
    // alice loses 100,000: V = 1,100,000 while cash is 1,000,000
    s.set_price("BTC", "50000");
    let all_but_lock = Uint128::new(999_999 * USDC);
    s.rejects_exact(
        &lp,
        &ExecuteMsg::WithdrawLiquidity {
            shares: Uint128::new(1_000_000 * USDC),
        },
        &[],
        "requested 1000000000000 shares but only 999999000000 are withdrawable now",
    );
    s.exec(
        &lp,
        &ExecuteMsg::WithdrawLiquidity {
            shares: all_but_lock,
        },
    )
    .unwrap();
    let claimable = s.now() + 3_600;
    s.advance(3_598);
    s.set_price("BTC", "50000");
    s.rejects_exact(
        &lp,
        &ExecuteMsg::ClaimLiquidity {},
        &[],
        &format!(
            "withdrawal request claimable at {claimable}, now {}",
            claimable - 1
        ),
    );
    s.advance(1);
    // 999,999 shares at 1.1 would pay 1,099,998.9 USDC. Alice's 10 BTC short leaves the vault
    // 500,000 of exposure, so V must stay ≥ 500,000 (max_skew_to_vault 1): the claim pays the
    // 600,000 that fits, for 545,454.545454 shares; the rest stays requested and never lapses
    let before = s.balance(&lp);
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(s.balance(&lp) - before, 599_999_999_999);
    let pending = s
        .query::<perps_api::perps::LpPositionResponse>(&perps_api::perps::QueryMsg::LpPosition {
            address: lp.to_string(),
        })
        .pending_withdrawal
        .unwrap();
    assert_eq!(pending.shares, Uint128::new(454_544_454_546));
    assert_eq!(pending.value_at_request, Uint128::new(499_998_900_000));
    assert_eq!(pending.expires_at, None);
    // alice realizes her loss: no exposure left, the rest is paid at the request's price
    s.close(&alice, "BTC").unwrap();
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(s.balance(&lp) - before, 1_099_998_899_999);
    // what is left is the lock: 10^6 shares, worth 1.1 USDC, never withdrawable
    let v = s.vault();
    assert_eq!(v.total_shares.u128(), USDC);
    assert_eq!(v.cash.i128(), 1_100_001);
    s.rejects_exact(
        &lp,
        &ExecuteMsg::WithdrawLiquidity {
            shares: Uint128::one(),
        },
        &[],
        "requested 1 shares but only 0 are withdrawable now",
    );
}

#[test]
fn s40_a_settled_market_needs_no_oracle_anywhere_afterwards() {
    let mut s = Suite::new();
    let (owner, feed) = (s.owner.clone(), s.feed.clone());
    let [alice, bob] = s.traders(["alice", "bob"], 20_000, 10_000);
    s.trade(&alice, "BTC", "1");
    s.trade(&alice, "ETH", "1");
    s.try_isolated(&bob, "BTC", "-0.5", 5_000 * USDC).unwrap();
    s.settle_market("BTC", None);
    assert_eq!(
        s.market("BTC").status,
        perps_api::perps::MarketStatus::Settled { price: d("60000") }
    );
    // the BTC feed is removed altogether
    s.exec_at(
        &feed,
        &owner,
        &FeedMsg::RemoveFeed {
            feed_id: "BTC".into(),
        },
        &[],
    )
    .unwrap();
    s.advance(600);
    s.set_price("ETH", "3000");
    // alice's cross ETH increase: the touch closes her BTC at 60,000 first, without any price
    s.trade(&alice, "ETH", "1");
    let a = s.account(&alice);
    assert_eq!(a.positions.len(), 1);
    assert_eq!(a.collateral, int_usdc(10_000));
    // the vault needs no BTC price while bob's settled position is still open
    let lp = s.lp.clone();
    s.mint(&lp, 10 * USDC);
    s.provide(&lp, 10 * USDC).unwrap();
    // bob withdraws: his touch returns the isolated margin, no price needed
    s.withdraw(&bob, 10_000 * USDC).unwrap();
    let b = s.account(&bob);
    assert!(b.positions.is_empty());
    assert_eq!(b.collateral, int_usdc(0));
    assert_eq!(s.market("BTC").state.short_oi, d("0"));
}

#[test]
fn s42_the_engine_uses_no_price_the_feed_refused_to_replace_and_follows_an_owner_reset() {
    let (mut s, alice) = Suite::sol_jump_guarded_alice_long_10();
    let (owner, feed, publisher) = (s.owner.clone(), s.feed.clone(), s.publisher.clone());
    let t0 = s.now();
    let push = |p: &str, t: u64| FeedMsg::UpdatePrices {
        prices: vec![PriceUpdate {
            feed_id: "SOL".into(),
            price: d(p),
            conf: d("0"),
            ema_price: None,
            publish_time: t,
        }],
    };
    // +15 % after 60 s: skipped, and recorded as refused (published at the block time)
    s.advance(60);
    let r = s
        .exec_at(&feed, &publisher, &push("115", t0 + 60), &[])
        .unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "skipped_update"), "SOL:jump");
    assert_eq!(
        Suite::attr(&r, "wasm", "refused_publish_time"),
        format!("SOL:{}", t0 + 60)
    );
    // the stored 100 is now known to be stale: nobody trades or closes at it (the account
    // query still shows the last price)
    let unconfirmed = format!(
        "oracle price of market SOL is unconfirmed: the feed refused an update published at {} \
         (stored price published at {t0})",
        t0 + 60
    );
    s.rejects_exact(&alice, &Suite::trade_msg("SOL", "1"), &[], &unconfirmed);
    s.rejects_exact(
        &alice,
        &ExecuteMsg::ClosePosition {
            market_id: "SOL".into(),
            acceptable_price: None,
        },
        &[],
        &unconfirmed,
    );
    assert_eq!(s.account(&alice).positions[0].mark_price, d("100"));
    // after 90 s of publish time the same move is within 0.1·90/60 = 15 %: accepted
    s.advance(30);
    s.exec_at(&feed, &publisher, &push("115", t0 + 90), &[])
        .unwrap();
    assert_eq!(s.account(&alice).positions[0].unrealized_pnl, int_usdc(150));
    // two updates of one feed in one message: refused, nothing changes anywhere
    s.advance(1);
    let mut two = push("116", t0 + 91);
    if let FeedMsg::UpdatePrices { prices } = &mut two {
        let mut second = prices[0].clone();
        second.price = d("117");
        prices.push(second);
    }
    s.rejects_at(
        &feed,
        &publisher,
        &two,
        &[],
        "malformed update: feed SOL appears more than once in one batch",
    );
    // the owner resets a real −50 % gap at once; the engine trades at it
    s.exec_at(
        &feed,
        &owner,
        &FeedMsg::ResetPrice {
            feed_id: "SOL".into(),
            price: d("57.5"),
            conf: d("0"),
            publish_time: t0 + 91,
        },
        &[],
    )
    .unwrap();
    s.trade(&alice, "SOL", "-5");
    // realized (57.5 − 100)·5 = −212.5
    assert_eq!(s.account(&alice).collateral.i128(), 9_787_500_000);
}

#[test]
fn s43_an_underwater_or_bankrupt_isolated_position_does_not_block_the_cross_book() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 10_000);
    s.try_isolated(&alice, "BTC", "1", 6_000 * USDC).unwrap();
    s.trade(&alice, "ETH", "1");
    // BTC −15 %: the isolated book is bankrupt (6,000 − 9,000)
    s.set_price("BTC", "51000");
    s.set_price("ETH", "3000");
    let a = s.account(&alice);
    assert_eq!(a.positions[0].equity, Some(int_usdc(-3_000)));
    // cross: C 4,000, ETH IM 300 → free 3,700, exactly
    assert_eq!(a.free_collateral, usdc(3_700));
    s.rejects_exact(
        &alice,
        &Suite::withdraw_msg(3_700 * USDC + 1),
        &[],
        "withdrawal 3700000001 exceeds free collateral 3700000000",
    );
    // the bankrupt book refuses risk on itself only (the averaged entry rounds up: one unit)
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.1",
        "insufficient margin: equity -3000000001 < initial requirement 5610000000",
    );
    s.trade(&alice, "ETH", "1");
    s.withdraw(&alice, 3_400 * USDC).unwrap();
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(600));
    assert_eq!(a.positions[0].equity, Some(int_usdc(-3_000)));
}

/// A field its variant does not have refuses the message at the entry point (as `#[cw_serde]`'s
/// `deny_unknown_fields` did), naming it, with every state unchanged: a wallet's typo of
/// `reduce_only`, or an option of another message, must not place an order without it.
#[test]
fn a_field_the_message_does_not_have_refuses_it_and_changes_nothing() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 10_000, 5_000);
    let (engine, feed, fund) = (s.engine.clone(), s.feed.clone(), s.fund.clone());
    let owner = s.owner.clone();
    let cases = [
        (
            &engine,
            &alice,
            serde_json::json!({"trade": {"market_id": "BTC", "size_delta": "0.01", "reduce_onyl": true}}),
            "reduce_onyl",
        ),
        (
            &engine,
            &alice,
            serde_json::json!({"trade": {"market_id": "BTC", "size_delta": "0.01", "reduce_only": true}}),
            "reduce_only",
        ),
        (
            &engine,
            &alice,
            serde_json::json!({"trade": {"market_id": "BTC", "size_delta": "0.01", "shares": "1"}}),
            "shares",
        ),
        (
            &engine,
            &alice,
            serde_json::json!({"place_order": {"market_id": "BTC", "size_delta": "-1",
                "trigger_price": "50000", "trigger": "below", "reduceonly": true}}),
            "reduceonly",
        ),
        (
            &engine,
            &owner,
            serde_json::json!({"update_config": {"keeper_fee": "3", "collateral_denom": "x"}}),
            "collateral_denom",
        ),
        (
            &feed,
            &owner,
            serde_json::json!({"remove_feed": {"feed_id": "ETH", "publishers": []}}),
            "publishers",
        ),
        (
            &fund,
            &owner,
            serde_json::json!({"withdraw": {"amount": "1", "recipient": "r", "engine": "e"}}),
            "engine",
        ),
    ];
    for (contract, who, msg, field) in cases {
        let before = s.snapshot();
        let res = s
            .app
            .execute_contract(who.clone(), contract.clone(), &msg, &[]);
        crate::suite::assert_err(res, &format!("unknown field `{field}`"));
        s.snapshot().assert_unchanged_since(&before);
    }
    // the same trade without the stray field goes through
    s.exec(
        &alice,
        &serde_json::from_value(
            serde_json::json!({"trade": {"market_id": "BTC", "size_delta": "0.01"}}),
        )
        .unwrap(),
    )
    .unwrap();
    s.check_invariants();
}
