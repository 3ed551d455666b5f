//! SECURITY.md 42 and 48 (invariant 12): a price the feed has refused to replace is known to be
//! stale. Nobody opens at it, nobody closes at it, no collateral leaves a book that holds it, the
//! vault prices nothing at it, and a liquidation passes over that market like a dead one.

use cosmwasm_std::{coins, Addr, Uint128};
use perps_api::perps::{
    ExecuteMsg, LiquidatableAccountsResponse, LpPositionResponse, MarketConfig, QueryMsg, TradeMode,
};
use perps_api::price_feed::ExecuteMsg as FeedMsg;

use crate::suite::{d, int_usdc, plain_market, sd, usdc, Suite, DENOM, USDC};

/// The engine's refusal for SOL after the feed refused an update published at `refused`.
fn unconfirmed(refused: u64, stored: u64) -> String {
    format!(
        "oracle price of market SOL is unconfirmed: the feed refused an update published at \
         {refused} (stored price published at {stored})"
    )
}

/// BTC and ETH as usual, plus SOL: feed bounded at 10 % per 60 s, taker fee 0.1 %, priced at
/// 100 at the returned time.
fn sol_market() -> (Suite, u64) {
    let mut s = Suite::new();
    s.add_jump_guarded_feed("SOL");
    let sol = MarketConfig {
        taker_fee: d("0.001"),
        ..plain_market("SOL")
    };
    s.add_market("SOL", sol).unwrap();
    s.set_price("SOL", "100");
    let t0 = s.now();
    (s, t0)
}

/// [`sol_market`] with two honest publishers beside the suite's own (M) and an attacker holding
/// 10,000 USDC, all deposited. Returns `[m, h1, h2, attacker]`.
fn sol_market_three_publishers() -> (Suite, u64, [Addr; 4]) {
    let (mut s, t0) = sol_market();
    let (owner, feed, m) = (s.owner.clone(), s.feed.clone(), s.publisher.clone());
    let [h1, h2] = [s.trader("h1", 0, 0), s.trader("h2", 0, 0)];
    let publishers = vec![m.to_string(), h1.to_string(), h2.to_string()];
    let msg = FeedMsg::SetPublishers { publishers };
    s.exec_at(&feed, &owner, &msg, &[]).unwrap();
    let [attacker] = s.traders(["attacker"], 10_000, 10_000);
    (s, t0, [m, h1, h2, attacker])
}

/// The publisher pushes SOL at `price` published now; the feed refuses it as a jump.
fn refused_gap(s: &mut Suite, price: &str) -> u64 {
    let (feed, publisher, now) = (s.feed.clone(), s.publisher.clone(), s.now());
    let r = s
        .exec_at(&feed, &publisher, &push(price, now), &[])
        .unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "skipped_update"), "SOL:jump");
    assert_eq!(
        Suite::attr(&r, "wasm", "refused_publish_time"),
        format!("SOL:{now}")
    );
    now
}

fn push(price: &str, t: u64) -> FeedMsg {
    FeedMsg::UpdatePrices {
        prices: vec![perps_api::price_feed::PriceUpdate {
            feed_id: "SOL".into(),
            price: d(price),
            conf: d("0"),
            ema_price: None,
            publish_time: t,
        }],
    }
}

fn sol_trade(size: &str, mode: Option<TradeMode>, acceptable: Option<&str>) -> ExecuteMsg {
    ExecuteMsg::Trade {
        market_id: "SOL".into(),
        size_delta: sd(size),
        acceptable_price: acceptable.map(d),
        mode,
    }
}

fn isolated(margin_whole: u128) -> Option<TradeMode> {
    Some(TradeMode::Isolated {
        margin: usdc(margin_whole),
    })
}

#[test]
fn s48_a_refused_gap_up_cannot_be_bought_at_the_old_price() {
    let (mut s, t0) = sol_market();
    let [attacker, partner] = s.traders(["attacker", "partner"], 10_000, 10_000);
    let vault_before = s.vault();
    // SOL is really at 115: the publisher's +15 % is refused by the 10 % bound.
    s.advance(60);
    let refused = refused_gap(&mut s, "115");
    assert_eq!(refused, t0 + 60);
    // Today's attack: 900 SOL long at 100 on 10,000 USDC, closed at 115 once the feed accepts
    // it: 13,500 − 90 − 103.5 of fees = +13,306.5 (+133 %), paid by the vault. Every way in is
    // refused: cross, isolated, with an explicit acceptable price, from a second wallet.
    let err = unconfirmed(t0 + 60, t0);
    for (who, msg) in [
        (&attacker, sol_trade("900", None, None)),
        (&attacker, sol_trade("900", None, Some("101"))),
        (&attacker, sol_trade("450", isolated(5_000), None)),
        (&partner, sol_trade("450", None, None)),
        (&partner, sol_trade("1", isolated(100), Some("1000"))),
    ] {
        s.rejects_exact(who, &msg, &[], &err);
    }
    // Funds attached to the refused trade come back with the refusal (nothing deposited).
    s.mint(&attacker, 1_000 * USDC);
    s.rejects_exact(
        &attacker,
        &sol_trade("900", None, None),
        &coins(1_000 * USDC, DENOM),
        &err,
    );
    // Once the move is accepted (90 s of the anchor allow 15 %), trading resumes at 115 only.
    s.advance(30);
    let (feed, publisher) = (s.feed.clone(), s.publisher.clone());
    s.exec_at(&feed, &publisher, &push("115", t0 + 90), &[])
        .unwrap();
    for who in [&attacker, &partner] {
        let a = s.account(who);
        assert!(a.positions.is_empty());
        assert_eq!(a.collateral, int_usdc(10_000));
    }
    assert_eq!(s.vault(), vault_before);
    s.trade(&attacker, "SOL", "10");
    let a = s.account(&attacker);
    assert_eq!(a.positions[0].entry_price, d("115"));
    // fee 0.1 % of 1,150
    assert_eq!(a.collateral.i128(), 9_998_850_000);
}

#[test]
fn s48_the_short_side_of_a_refused_gap_down_is_refused_too() {
    let (mut s, t0) = sol_market();
    let [a, b] = s.traders(["a", "b"], 10_000, 10_000);
    s.advance(30);
    refused_gap(&mut s, "85");
    let err = unconfirmed(t0 + 30, t0);
    for (who, msg) in [
        (&a, sol_trade("-900", None, None)),
        (&a, sol_trade("-900", isolated(9_000), Some("99"))),
        (&b, sol_trade("-1", None, None)),
    ] {
        s.rejects_exact(who, &msg, &[], &err);
    }
    // A later, still-bounded price does not answer the refusal: it stays unconfirmed with the
    // newest price but the old refusal.
    let (feed, publisher) = (s.feed.clone(), s.publisher.clone());
    s.exec_at(&feed, &publisher, &push("95", t0 + 29), &[])
        .unwrap();
    s.rejects_exact(
        &a,
        &sol_trade("-900", None, None),
        &[],
        &unconfirmed(t0 + 30, t0 + 29),
    );
}

#[test]
fn s48_a_holder_cannot_close_at_the_old_price_after_a_gap_down() {
    let (mut s, alice) = Suite::sol_jump_guarded_alice_long_10();
    let t0 = s.now();
    // bob: isolated long 10 SOL with 500 margin; carol: BTC only (a bystander to SOL)
    let [bob, carol] = s.traders(["bob", "carol"], 10_000, 10_000);
    s.try_isolated(&bob, "SOL", "10", 500 * USDC).unwrap();
    s.trade(&carol, "BTC", "0.01");
    // SOL gaps to 85: refused by the 10 % bound, so the feed is unconfirmed.
    s.advance(1);
    refused_gap(&mut s, "85");
    let err = unconfirmed(t0 + 1, t0);
    let close = ExecuteMsg::ClosePosition {
        market_id: "SOL".into(),
        acceptable_price: None,
    };
    let remove = Suite::remove_margin_msg("SOL", USDC);
    let withdraw = Suite::withdraw_msg(1);
    for (who, msg) in [
        (&alice, close.clone()),
        (&alice, sol_trade("-5", None, None)),
        (&alice, sol_trade("-10", None, Some("1"))),
        (&alice, withdraw.clone()),
        (&bob, close),
        (&bob, sol_trade("-1", None, None)),
        (&bob, remove),
    ] {
        s.rejects_exact(who, &msg, &[], &err);
    }
    // What needs no SOL price still works: bob's cross collateral and margin paid with funds,
    // carol's BTC book and withdrawal.
    s.withdraw(&bob, 9_500 * USDC).unwrap();
    s.exec_coins(
        &bob,
        &Suite::add_margin_msg("SOL", 100 * USDC),
        &coins(100 * USDC, DENOM),
    )
    .unwrap();
    s.trade(&carol, "BTC", "-0.01");
    s.withdraw(&carol, 10_000 * USDC).unwrap();
    // Once 85 is accepted (−15 % needs 90 s of the anchor) the holders close at 85: −150 each.
    s.advance(89);
    let (feed, publisher) = (s.feed.clone(), s.publisher.clone());
    s.exec_at(&feed, &publisher, &push("85", t0 + 90), &[])
        .unwrap();
    s.close(&alice, "SOL").unwrap();
    assert_eq!(s.account(&alice).collateral, int_usdc(9_850));
    s.close(&bob, "SOL").unwrap();
    // 600 of margin back less the loss
    assert_eq!(s.account(&bob).collateral, int_usdc(450));
}

#[test]
fn s42_a_liquidation_passes_over_an_unconfirmed_market_and_the_scan_still_answers() {
    let (mut s, _) = Suite::sol_jump_guarded_alice_long_10();
    // bob: long 31 SOL (IM 310, MM 155: the largest requirement, closed first if it were
    // priced) and long 0.05 BTC (IM 300) on exactly 610
    let bob = s.trader("bob", 610, 610);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "0.05");
    s.trade(&bob, "SOL", "31");
    s.advance(1);
    refused_gap(&mut s, "85");
    // BTC at 53,000: Q = 610 − 350 = 260 (SOL at its last price 100, losses only)
    // < MM 155 + 132.5
    s.set_price("BTC", "53000");
    let b = s.account(&bob);
    assert_eq!(
        (b.equity, b.maintenance_margin),
        (int_usdc(260), Uint128::new(287_500_000))
    );
    let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: None,
    });
    let found: Vec<_> = page.accounts.iter().map(|a| a.address.clone()).collect();
    assert_eq!(found, vec![bob.clone()]);
    // Only BTC is closed: SOL is neither closed nor valued at the price the feed refused to
    // replace.
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let ev = Suite::events(&res, "liquidation");
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["market_id"], "BTC");
    // partial, to the target: 241.071426 ≥ 1.25 · 192.857139 (SOL's MM counted in full)
    assert_eq!(ev[0]["size_closed"], "0.035714287511230908");
    assert_eq!(ev[0]["equity_after"], "241071426");
    assert_eq!(ev[0]["maintenance_after"], "192857139");
    let b = s.account(&bob);
    let sol: Vec<_> = b
        .positions
        .iter()
        .filter(|p| p.market_id == "SOL")
        .collect();
    assert_eq!(sol.len(), 1);
    assert_eq!(sol[0].size, sd("31"));
}

#[test]
fn s42_the_vault_and_settlement_need_a_confirmed_price() {
    let (mut s, alice) = Suite::sol_jump_guarded_alice_long_10();
    let lp = s.lp.clone();
    let pos: LpPositionResponse = s.query(&QueryMsg::LpPosition {
        address: lp.to_string(),
    });
    let request = ExecuteMsg::WithdrawLiquidity {
        shares: Uint128::new(pos.shares.u128() / 1_000),
    };
    // The LP requests a withdrawal once its shares are unlocked; after the delay SOL is priced
    // afresh, then its gap is refused.
    s.advance(3_600);
    s.set_price("SOL", "100");
    s.exec(&lp, &request).unwrap();
    s.advance(3_600);
    s.set_price("SOL", "100");
    let t1 = s.now();
    s.advance(1);
    refused_gap(&mut s, "85");
    let err = unconfirmed(t1 + 1, t1);
    // The vault holds SOL's skew (alice's 10): no LP action can price it.
    s.mint(&lp, 10 * USDC);
    s.rejects_exact(
        &lp,
        &ExecuteMsg::ProvideLiquidity {},
        &coins(10 * USDC, DENOM),
        &err,
    );
    s.rejects_exact(&lp, &ExecuteMsg::ClaimLiquidity {}, &[], &err);
    // settle_market needs an explicit price while the feed is unconfirmed.
    let owner = s.owner.clone();
    let settle = |price: Option<&str>| ExecuteMsg::SettleMarket {
        market_id: "SOL".into(),
        price: price.map(d),
    };
    s.rejects_exact(&owner, &settle(None), &[], &err);
    s.exec(&owner, &settle(Some("85"))).unwrap();
    // alice's touch (a withdraw) closes her at the owner's settlement price: −150; the LP
    // claims.
    s.withdraw(&alice, USDC).unwrap();
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, int_usdc(9_849));
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
}

#[test]
fn s53_a_publisher_cannot_capture_the_anchor_and_trade_at_its_price() {
    let (mut s, t0, [m, h1, h2, attacker]) = sol_market_three_publishers();
    let feed = s.feed.clone();
    // True price 100. M dates 110 five seconds ahead, just past the window boundary; H1 pushes
    // the true 100 a block later; a window later M pushes 121 (+10 % of its own 110).
    s.advance(55);
    s.exec_at(&feed, &m, &push("110", t0 + 60), &[]).unwrap();
    s.advance(6);
    s.exec_at(&feed, &h1, &push("100", t0 + 61), &[]).unwrap();
    s.advance(54);
    let r = s.exec_at(&feed, &m, &push("121", t0 + 120), &[]).unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "skipped_update"), "SOL:jump");
    // The engine still prices SOL at the honest 100: a short opens there, not at 121.
    s.trade(&attacker, "SOL", "-10");
    let a = s.account(&attacker);
    assert_eq!(a.positions[0].entry_price, d("100"));
    // fee 0.1 % of 1,000
    assert_eq!(a.collateral.i128(), 9_999_000_000);
    // The honest publishers keep the feed confirmed and moving.
    s.exec_at(&feed, &h1, &push("100", t0 + 114), &[]).unwrap();
    let r = s.exec_at(&feed, &h2, &push("100", t0 + 115), &[]).unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "updated"), "1");
    s.trade(&attacker, "SOL", "10");
    assert!(s.account(&attacker).positions.is_empty());
}

#[test]
fn s42_one_publisher_cannot_lift_the_mark_and_trade_at_the_stale_price() {
    let (mut s, t0, [m, h1, h2, attacker]) = sol_market_three_publishers();
    let feed = s.feed.clone();
    // SOL really gaps to 85: both honest publishers are refused within one window.
    s.advance(60);
    for h in [&h1, &h2] {
        s.exec_at(&feed, h, &push("85", t0 + 60), &[]).unwrap();
    }
    // M re-publishes the stale 100 (within the bound, accepted) and shorts at it in the same
    // block: the feed stays unconfirmed, the short is refused.
    let r = s.exec_at(&feed, &m, &push("100", t0 + 61), &[]).unwrap();
    assert_eq!(Suite::attr(&r, "wasm", "updated"), "1");
    s.rejects_exact(
        &attacker,
        &sol_trade("-100", None, None),
        &[],
        &unconfirmed(t0 + 60, t0 + 61),
    );
    // Two windows later both honest publishers confirm 85 and trading resumes there.
    s.advance(120);
    s.exec_at(&feed, &h1, &push("85", t0 + 180), &[]).unwrap();
    s.exec_at(&feed, &h2, &push("85", t0 + 181), &[]).unwrap();
    s.trade(&attacker, "SOL", "-10");
    assert_eq!(s.account(&attacker).positions[0].entry_price, d("85"));
}
