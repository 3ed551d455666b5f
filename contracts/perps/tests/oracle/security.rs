//! SECURITY.md "Oracle" (scenarios 10-13): age boundaries, one market's bad price freezes only
//! what needs it, doubtful prices block risk, jumps are skipped and reported.

use cosmwasm_std::{coins, Decimal256, Uint128};
use perps_api::perps::{ExecuteMsg, TradeMode};
use perps_api::price_feed::{ExecuteMsg as FeedMsg, PriceRecord, PriceUpdate, PRICES};

use crate::suite::{d, int_usdc, sd, usdc, Suite, DENOM, USDC};

fn stale(market: &str, age: u64) -> String {
    format!("oracle price of market {market} is stale: age {age}s > max 60s")
}

#[test]
fn s10_max_oracle_age_at_the_bound_passes_one_second_past_fails() {
    let (mut s, alice) = Suite::alice_trading("BTC", "0.5");
    s.set_price("BTC", "60000");
    // strict action (increase, withdraw) at age exactly 60: allowed
    s.advance(60);
    s.trade(&alice, "BTC", "0.01");
    s.withdraw(&alice, USDC).unwrap();
    // one second past: refused, naming market, age and bound
    s.advance(1);
    s.rejects_trade_exact(&alice, "BTC", "0.01", &stale("BTC", 61));
    s.rejects_exact(&alice, &Suite::withdraw_msg(1), &[], &stale("BTC", 61));
    // liveness (a reduction) at 61: refused too — the bound is the same for both policies
    s.rejects_trade_exact(&alice, "BTC", "-0.01", &stale("BTC", 61));
    // far older
    s.advance(10_000);
    s.rejects_exact(
        &alice,
        &ExecuteMsg::ClosePosition {
            market_id: "BTC".into(),
            acceptable_price: None,
        },
        &[],
        &stale("BTC", 10_061),
    );
    // reduction at exactly 60 is allowed
    s.set_price("BTC", "60000");
    s.advance(60);
    s.trade(&alice, "BTC", "-0.01");
    assert_eq!(s.account(&alice).positions[0].size, sd("0.5"));
}

#[test]
fn s11_missing_zero_or_stale_price_of_one_market_blocks_only_what_needs_it() {
    let mut s = Suite::plain(|_| {}, &["BTC", "ETH", "SOL"]);
    // SOL's feed exists but never had a price
    let [alice, bob] = s.traders(["alice", "bob"], 30_000, 10_000);
    s.rejects_trade_exact(&alice, "SOL", "1", "no price for market SOL (feed SOL)");
    // bob: an isolated ETH position and a cross BTC one
    s.try_isolated(&bob, "ETH", "1", 1_000 * USDC).unwrap();
    s.trade(&bob, "BTC", "0.1");
    s.trade(&alice, "BTC", "0.1");
    // ETH's stored price becomes zero (raw write: the feed itself never stores 0)
    let feed = s.feed.clone();
    {
        let mut st = s.app.contract_storage_mut(&feed);
        let mut rec: PriceRecord = PRICES.load(st.as_ref(), "ETH").unwrap();
        rec.price = Decimal256::zero();
        PRICES.save(st.as_mut(), "ETH", &rec).unwrap();
    }
    // nothing that needs ETH works...
    let eth_missing = "no price for market ETH (feed ETH)";
    s.rejects_exact(&alice, &Suite::trade_msg("ETH", "1"), &[], eth_missing);
    s.rejects_exact(&bob, &Suite::trade_msg("ETH", "0.1"), &[], eth_missing);
    s.rejects_exact(&bob, &Suite::remove_margin_msg("ETH", 1), &[], eth_missing);
    // ...everything else does: bob's cross book holds only BTC
    s.trade(&alice, "BTC", "0.1");
    s.trade(&bob, "BTC", "0.1");
    s.withdraw(&bob, 1_000 * USDC).unwrap();
    s.withdraw(&alice, 1_000 * USDC).unwrap();
    // deposit and add_margin paid by attached funds need no price at all
    s.deposit(&bob, 1);
    s.exec_coins(
        &bob,
        &Suite::add_margin_msg("ETH", 500 * USDC),
        &coins(500 * USDC, DENOM),
    )
    .unwrap();
    assert_eq!(s.account(&bob).positions[1].margin, Some(usdc(1_500)));
    // BTC goes stale too: bob can still deposit and fund ETH margin; alice cannot withdraw
    s.advance(120);
    s.deposit(&alice, 1);
    s.exec_coins(
        &bob,
        &Suite::add_margin_msg("ETH", USDC),
        &coins(USDC, DENOM),
    )
    .unwrap();
    s.rejects_exact(&alice, &Suite::withdraw_msg(1), &[], &stale("BTC", 121));
    assert_eq!(s.account(&bob).positions[1].margin, Some(usdc(1_501)));
}

#[test]
fn s12_uncertain_or_ema_deviating_price_blocks_every_risk_adding_action() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 30_000, 10_000);
    s.trade(&alice, "BTC", "1");
    s.try_isolated(&alice, "ETH", "1", 1_000 * USDC).unwrap();
    let lp = s.lp.clone();
    s.mint(&lp, 10 * USDC);
    let strict_actions = |s: &Suite| {
        vec![
            (Suite::trade_msg("BTC", "0.1"), vec![]),
            (Suite::withdraw_msg(1), vec![]),
            (
                ExecuteMsg::Trade {
                    market_id: "ETH".into(),
                    size_delta: sd("0.1"),
                    acceptable_price: None,
                    mode: None,
                },
                vec![],
            ),
            (
                ExecuteMsg::Trade {
                    market_id: "BTC".into(),
                    size_delta: sd("0.1"),
                    acceptable_price: None,
                    mode: Some(TradeMode::Cross),
                },
                coins(USDC, DENOM),
            ),
            (ExecuteMsg::ProvideLiquidity {}, coins(10 * USDC, DENOM)),
            (
                ExecuteMsg::WithdrawLiquidity {
                    shares: Uint128::one(),
                },
                vec![],
            ),
        ]
        .into_iter()
        .map(|(m, f)| {
            let who = if matches!(
                m,
                ExecuteMsg::ProvideLiquidity {} | ExecuteMsg::WithdrawLiquidity { .. }
            ) {
                s.lp.clone()
            } else {
                s.app.api().addr_make("alice")
            };
            (who, m, f)
        })
        .collect::<Vec<_>>()
    };
    s.advance(3_600);
    s.set_price("ETH", "3000");
    // conf/price = 601/60,000 > 1 %
    let t = s.now() + 1;
    s.advance(1);
    s.publish("BTC", "60000", "601", None, t);
    let uncertain =
        "oracle price of market BTC is uncertain: conf/price 0.010016666666666666 > max 0.01";
    for (who, m, f) in strict_actions(&s) {
        if matches!(m, ExecuteMsg::Trade { ref market_id, .. } if market_id == "ETH") {
            continue; // the isolated ETH book needs no BTC price
        }
        s.rejects_exact(&who, &m, &f, uncertain);
    }
    // the isolated ETH book does not need BTC: its increase is allowed
    s.trade(&alice, "ETH", "0.1");
    // at exactly 1 %: allowed
    let t = s.now() + 1;
    s.advance(1);
    s.publish("BTC", "60000", "600", None, t);
    s.set_price("ETH", "3000");
    s.trade(&alice, "BTC", "0.1");
    // EMA 5.26 % away: refused; exactly 5 % away: allowed
    let t = s.now() + 1;
    s.advance(1);
    s.publish("BTC", "60000", "0", Some("57000"), t);
    let ema = "oracle price of market BTC deviates from its EMA: 0.052631578947368421 > max 0.05";
    for (who, m, f) in strict_actions(&s) {
        if matches!(m, ExecuteMsg::Trade { ref market_id, .. } if market_id == "ETH") {
            continue;
        }
        s.rejects_exact(&who, &m, &f, ema);
    }
    // reductions stay possible (liveness), filled at the band edge (conf 0 here)
    s.trade(&alice, "BTC", "-0.1");
    let t = s.now() + 1;
    s.advance(1);
    s.publish("BTC", "57000", "0", Some("60000"), t);
    // 57,000 is exactly 5 % from the EMA: strict passes, but the book (equity 6,000 at
    // 57,000) cannot carry 1.1 BTC; the post-trade entry price rounds against the position
    // (up for a long), so the checked equity is one base unit below the query's
    assert_eq!(s.account(&alice).equity, int_usdc(6_000));
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.1",
        "insufficient margin: equity 5999999999 < initial requirement 6270000000",
    );
    s.trade(&alice, "BTC", "-0.1");
    assert_eq!(s.account(&alice).positions[0].size, sd("0.9"));
}

#[test]
fn s13_a_price_jump_is_skipped_and_reported_the_rest_of_the_batch_lands() {
    let (mut s, alice) = Suite::sol_jump_guarded_alice_long_10();
    let (feed, publisher) = (s.feed.clone(), s.publisher.clone());
    s.advance(1);
    let t = s.now();
    let upd = |id: &str, p: &str| PriceUpdate {
        feed_id: id.into(),
        price: d(p),
        conf: d("0"),
        ema_price: None,
        publish_time: t,
    };
    // SOL +15 % in one second: skipped; BTC and ETH land
    let r = s
        .exec_at(
            &feed,
            &publisher,
            &FeedMsg::UpdatePrices {
                prices: vec![upd("BTC", "61000"), upd("SOL", "115"), upd("ETH", "3100")],
            },
            &[],
        )
        .unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "updated"), "2");
    assert_eq!(Suite::attr(&r, "wasm", "skipped"), "1");
    assert_eq!(Suite::attr(&r, "wasm", "skipped_update"), "SOL:jump");
    let btc: perps_api::price_feed::PriceResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            feed.clone(),
            &perps_api::price_feed::QueryMsg::Price {
                feed_id: "BTC".into(),
            },
        )
        .unwrap();
    assert_eq!(btc.price, d("61000"));
    let a = s.account(&alice);
    // the engine still marks SOL at 100 (U = 0), and the feed kept its old price
    assert_eq!(a.positions[0].mark_price, d("100"));
    assert_eq!(a.positions[0].unrealized_pnl, int_usdc(0));
    // exactly +10 %: accepted
    s.advance(1);
    let t = s.now();
    let r = s
        .exec_at(
            &feed,
            &publisher,
            &FeedMsg::UpdatePrices {
                prices: vec![PriceUpdate {
                    publish_time: t,
                    ..upd("SOL", "110")
                }],
            },
            &[],
        )
        .unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "updated"), "1");
    assert_eq!(s.account(&alice).positions[0].unrealized_pnl, int_usdc(100));
}
