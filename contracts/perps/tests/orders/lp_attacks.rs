//! Attacks on LP orders (DESIGN 6.11, last bullets): what an LP order may read of the state it
//! finds at execution. A claim order claims the request it was placed on, not one made after it;
//! a provide order moves money out of the owner's `C` only as far as a withdrawal could.

use cosmwasm_std::{Addr, Uint128};
use perps_api::events::{LpOrderExecutedEvent, OrderCancelledEvent};
use perps_api::perps::ExecuteMsg;

use super::{deferred_suite, keeper_run};
use crate::suite::{plain_market, Suite, USDC};

/// Deferred BTC; the whale long 10 BTC at 60,000 (its order executed by the keeper).
fn whale_long_10_btc() -> (Suite, Addr, Addr) {
    let mut s = deferred_suite(plain_market("BTC"));
    let whale = s.trader("whale", 100_000, 100_000);
    s.trade(&whale, "BTC", "10");
    s.set_price("BTC", "60000");
    let keeper = s.trader("keeper", 0, 0);
    keeper_run(&mut s, &keeper, None);
    assert_eq!(s.account(&whale).positions.len(), 1);
    (s, whale, keeper)
}

/// Scenario 56. The LP delay (3,600 s) and the share price at the request bound a claim: an LP
/// who requested at 1.00 is paid at most 1.00 per share even when V rose meanwhile (a request is
/// no free option, DESIGN 6.7), and a new request waits the delay again. Old code: a claim order
/// only compared the request's share count at execution. The LP claimed in the last second of
/// its window; one second later (no price record yet, so the order still waited) its request had
/// lapsed and `withdraw_liquidity` replaced it with one of the same shares at 1.03, claimable an
/// hour later; the claim order then paid that new request at once: 102,999.5 USDC instead of
/// 99,999.5, and no delay. (A request cancelled and made again reaches the same state; the
/// owner's next message cancels the order first, unless older LP orders of other wallets use up
/// the ten that message runs.)
#[test]
fn s56_a_claim_order_does_not_pay_a_request_made_after_it() {
    let (mut s, _, keeper) = whale_long_10_btc();
    let lp = s.lp.clone();
    s.advance(3_600);
    s.set_price("BTC", "60000");
    // V = 1,000,000 for 10^12 shares: the request is worth 100,000 USDC.
    s.request_withdrawal(&lp, 100_000 * USDC);
    let first = s.lp_position(&lp).pending_withdrawal.unwrap();
    let expires_at = first.expires_at.unwrap();
    assert_eq!(first.value_at_request, Uint128::new(100_000 * USDC));
    // −5 %: the whale loses 30,000, V = 1,030,000 (share price 1.03). The LP claims in the last
    // second of its window.
    s.advance(expires_at - s.now() - 1);
    s.set_price("BTC", "57000");
    assert_eq!(s.now(), expires_at);
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    // A second later, before the next record, the request has lapsed and is made again.
    s.advance(1);
    s.request_withdrawal(&lp, 100_000 * USDC);
    let renewed = s.lp_position(&lp).pending_withdrawal.unwrap();
    assert_eq!(
        (renewed.value_at_request, renewed.claimable_at),
        (Uint128::new(103_000 * USDC), s.now() + 3_600)
    );
    s.set_price("BTC", "57000");
    // (the keeper holds the 0.5 USDC of the whale's order)
    assert_eq!(s.balance(&keeper), 500_000);
    let res = keeper_run(&mut s, &keeper, None);
    assert!(Suite::typed::<LpOrderExecutedEvent>(&res).is_empty());
    let cancelled = Suite::typed::<OrderCancelledEvent>(&res);
    assert_eq!(cancelled[0].reason, "request_changed");
    assert_eq!((s.balance(&lp), s.balance(&keeper)), (0, 500_000));
    // The new request waits its own delay, like any request.
    assert_eq!(
        s.lp_position(&lp).pending_withdrawal.unwrap(),
        renewed.clone()
    );
    s.rejects_exact(
        &lp,
        &ExecuteMsg::ClaimLiquidity {},
        &[],
        &format!(
            "withdrawal request claimable at {}, now {}",
            renewed.claimable_at,
            s.now()
        ),
    );
}

/// The honest path of scenario 56: the claim order of the first request pays its 1.00.
#[test]
fn s56_the_claim_order_of_the_request_pays_the_share_price_at_the_request() {
    let (mut s, _, keeper) = whale_long_10_btc();
    let lp = s.lp.clone();
    s.advance(3_600);
    s.set_price("BTC", "60000");
    s.request_withdrawal(&lp, 100_000 * USDC);
    s.set_price("BTC", "57000");
    s.advance(3_600);
    s.set_price("BTC", "57000");
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    s.set_price("BTC", "57000");
    let res = keeper_run(&mut s, &keeper, None);
    let paid = Suite::typed::<LpOrderExecutedEvent>(&res);
    assert_eq!(
        (paid[0].amount, paid[0].keeper_fee),
        (Uint128::new(99_999_500_000), Uint128::new(500_000))
    );
    assert_eq!(s.balance(&lp), 99_999_500_000);
}

/// Scenario 57. A provide order's funds sit in the owner's `C`, reserved: no risk-adding check
/// counts them, but a liquidation does (it cancels the order first), so while the order waits
/// they keep the owner's cross book from being liquidated. Old code: the fill then moved them all
/// to the vault without looking at the book. The attacker (1,000 USDC, long 3 ETH at 3,000)
/// provides 10,000 USDC; ETH falls to 2,800 (the book alone: equity 400 < maintenance 420, it
/// would be liquidated with nothing lost) and the liquidator is refused; at 2,500 the provide
/// fills: 9,999.5 USDC become shares and the book is left bankrupt at −500, a loss the vault and
/// the other LPs pay while the attacker keeps its shares. Now the fill takes only what a
/// withdrawal could take (free collateral, 8,750 here), the rest stays in `C`.
#[test]
fn s57_a_provide_order_does_not_leave_its_owners_book_bankrupt() {
    let mut s = deferred_suite(plain_market("BTC"));
    let attacker = s.trader("attacker", 11_000, 1_000);
    let (keeper, liquidator) = (s.trader("keeper", 0, 0), s.trader("liquidator", 0, 0));
    // ETH is immediate: the long opens at once (notional 9,000, initial margin 900).
    s.trade(&attacker, "ETH", "3");
    s.exec_funds(&attacker, &ExecuteMsg::ProvideLiquidity {}, 10_000 * USDC)
        .unwrap();
    assert_eq!(
        s.account(&attacker).collateral.i128(),
        (11_000 * USDC) as i128
    );
    s.set_price("ETH", "2800");
    s.rejects_exact(
        &liquidator,
        &Suite::liquidate_msg(&attacker, None),
        &[],
        &format!(
            "account {attacker} is healthy: cross equity 10400000000 ≥ maintenance 420000000 and no isolated position is liquidatable"
        ),
    );
    s.set_price("ETH", "2500");
    let res = keeper_run(&mut s, &keeper, None);
    let done = Suite::typed::<LpOrderExecutedEvent>(&res);
    // C 11,000, U −1,500, initial margin 750: 8,750 free; 0.5 to the keeper.
    assert_eq!(
        (done[0].amount, done[0].keeper_fee),
        (Uint128::new(8_749_500_000), Uint128::new(500_000))
    );
    let acc = s.account(&attacker);
    assert_eq!(acc.collateral.i128(), (2_250 * USDC) as i128);
    // equity 750 = initial margin: not liquidatable (maintenance 375)
    s.rejects_exact(
        &liquidator,
        &Suite::liquidate_msg(&attacker, None),
        &[],
        &format!(
            "account {attacker} is healthy: cross equity 750000000 ≥ maintenance 375000000 and no isolated position is liquidatable"
        ),
    );
}

/// Scenario 58. DESIGN 6.11: "within a market, orders execute in `order_id` order whatever ids
/// are passed". Old code kept that order for market orders only: a conditional order was not in
/// the market's order index, so a keeper (or the owner's own message) running a newer market
/// order did not run an older conditional order that a record had already triggered. An attacker
/// who sees a triggered stop buy of 2 BTC (skew impact: skew scale 1,000, cap 0.3 %) places its
/// own buy of 2 BTC in that block and executes only its id: its order filled at the impact of
/// skew 0 → 2 and the victim's, run next, failed on the cap (paying the taker fee and the keeper
/// fee), where in id order the victim fills and the attacker's order fails. Now a sweep before
/// every run moves the market's triggered conditional orders into the id order (docs/decisions.md
/// "Triggered conditional orders and the per-market id order"; variants in `triggered.rs`).
#[test]
fn s58_a_newer_market_order_does_not_jump_an_older_triggered_conditional_order() {
    use perps_api::perps::Trigger;
    let world = |attacker_first: bool| {
        let btc = perps_api::perps::MarketConfig {
            max_funding_rate_per_day: cosmwasm_std::Decimal256::zero(),
            ..crate::suite::fee_market("BTC", "1000")
        };
        let mut s = deferred_suite(btc);
        let victim = s.trader("victim", 50_000, 50_000);
        let attacker = s.trader("attacker", 50_000, 50_000);
        let keeper = s.trader("keeper", 0, 0);
        s.exec(
            &victim,
            &ExecuteMsg::PlaceOrder {
                market_id: "BTC".into(),
                size_delta: crate::suite::sd("2"),
                trigger_price: crate::suite::d("60100"),
                trigger: Trigger::Above,
                reduce_only: None,
                acceptable_price: None,
                mode: None,
            },
        )
        .unwrap();
        let victim_id = super::orders_of(&s, &victim)[0].order_id;
        // The record that triggers the stop; the attacker buys in that same block.
        s.set_price("BTC", "60200");
        s.trade(&attacker, "BTC", "2");
        let attacker_id = super::orders_of(&s, &attacker)[0].order_id;
        s.set_price("BTC", "60200");
        if attacker_first {
            keeper_run(&mut s, &attacker, Some(vec![attacker_id]));
            keeper_run(&mut s, &keeper, Some(vec![victim_id]));
        } else {
            keeper_run(&mut s, &keeper, Some(vec![victim_id, attacker_id]));
        }
        let entry = |who: &Addr| s.account(who).positions.first().map(|p| p.entry_price);
        (entry(&victim), entry(&attacker))
    };
    // In id order the victim's stop fills at 60,200 · (1 + 0.001) and the attacker's newer buy
    // fails on the impact cap (0.004 > 0.003); the attacker running its own id first fills
    // instead, and the victim's triggered stop fails, paying 120.4 USDC of fee and the keeper's
    // 0.5.
    let honest = world(false);
    assert_eq!(honest, (Some(crate::suite::d("60260.2")), None));
    assert_eq!(world(true), honest);
}

/// Scenario 59 (fixed). DESIGN 6.11: once its record exists an order fills or fails
/// at that record "whoever executes it, whenever", and an order whose market is unconfirmed waits
/// and pays nothing. The fill's margin check also reads the current price of every other market
/// of the owner's cross book: while one of them is stale (a feed outage), a keeper executing the
/// order makes it fail with that market's oracle error, and the owner pays the taker fee (6 USDC
/// on 0.1 BTC) and the keeper fee (0.5) for an outage of another market; executed a minute
/// earlier or once the feed is back, the same order fills at the same record. Old code:
/// `order_failed` with `oracle price of market ETH is stale: age 63s > max 60s`, fee 6,000,000,
/// keeper fee 500,000. Now an oracle error of another market at the fill is "not ready": the
/// order waits (nothing charged, still pending) and fills at its pinned record once ETH is back.
#[test]
fn s59_an_order_waits_rather_than_fails_while_another_market_of_its_book_is_stale() {
    let btc = perps_api::perps::MarketConfig {
        max_funding_rate_per_day: cosmwasm_std::Decimal256::zero(),
        ..crate::suite::fee_market("BTC", "1000")
    };
    let mut s = deferred_suite(btc);
    let victim = s.trader("victim", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("ETH", "3000");
    s.set_price("BTC", "60000");
    // ETH is immediate: the long is open at once; the BTC buy is an order.
    s.trade(&victim, "ETH", "1");
    s.trade(&victim, "BTC", "0.1");
    s.set_price("BTC", "60000");
    let c = s.account(&victim).collateral;
    // ETH's feed stops for a minute; BTC's goes on.
    s.advance(60);
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    assert_eq!((s.account(&victim).collateral, s.balance(&keeper)), (c, 0));
    // ETH back: the order fills at its record.
    s.set_price("ETH", "3000");
    assert_eq!(
        crate::orders::orders_of(&s, &victim).len(),
        1,
        "the order still waits"
    );
    let res = keeper_run(&mut s, &keeper, None);
    let done = Suite::typed::<perps_api::events::OrderExecutedEvent>(&res);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].price, crate::suite::d("60000"));
    assert_eq!(done[0].keeper_fee, Uint128::new(500_000));
    assert_eq!(s.balance(&keeper), 500_000);
    let btc = s.account(&victim).positions;
    let btc = btc.iter().find(|p| p.market_id == "BTC").unwrap();
    assert_eq!(btc.size, crate::suite::sd("0.1"));
    assert!(crate::orders::orders_of(&s, &victim).is_empty());
}

/// Scenario 60. A failed order pays the taker fee on its size (DESIGN 6.11), so that dropping an
/// order costs what filling it does; the reservation keeps that fee and the margin in `C`. Old
/// code: a market sell reserved its margin and fee at its acceptable price, a lower bound of its
/// fill: with an acceptable price of 0.000001 a 1-BTC short reserved only the keeper fee (0.5
/// USDC), its owner could withdraw everything else before the next record (seeing the publish
/// coming), and the order then failed charging 0.5 instead of 60.5. Now a sell reserves at least
/// at the price now: 6,000 of margin, 60 of fee and the 0.5 keeper fee.
#[test]
fn s60_a_sell_with_a_tiny_acceptable_price_reserves_its_margin_at_the_price_now() {
    let btc = perps_api::perps::MarketConfig {
        max_funding_rate_per_day: cosmwasm_std::Decimal256::zero(),
        ..crate::suite::fee_market("BTC", "1000")
    };
    let mut s = deferred_suite(btc);
    let attacker = s.trader("attacker", 10_000, 10_000);
    s.set_price("BTC", "60000");
    let res = s
        .exec(
            &attacker,
            &ExecuteMsg::Trade {
                market_id: "BTC".into(),
                size_delta: crate::suite::sd("-1"),
                acceptable_price: Some(crate::suite::d("0.000001")),
                mode: None,
            },
        )
        .unwrap();
    let placed = Suite::typed::<perps_api::events::OrderPlacedEvent>(&res);
    assert_eq!(placed[0].reserved, Uint128::new(6_060_500_000));
    s.rejects_exact(
        &attacker,
        &ExecuteMsg::Withdraw {
            amount: Uint128::new(9_999_500_000),
        },
        &[],
        "withdrawal 9999500000 exceeds free collateral 3939500000",
    );
    // A conditional sell (take-profit above 61,000) with the same acceptable price reserves at
    // its trigger: 6,100 + 61 + 0.5, beside the first order's 6,060.5 … which leaves too little.
    s.rejects_exact(
        &attacker,
        &ExecuteMsg::PlaceOrder {
            market_id: "BTC".into(),
            size_delta: crate::suite::sd("-1"),
            trigger_price: crate::suite::d("61000"),
            trigger: perps_api::perps::Trigger::Above,
            reduce_only: None,
            acceptable_price: Some(crate::suite::d("0.000001")),
            mode: None,
        },
        &[],
        "order reserves 6161500000 but free collateral is 3939500000",
    );
}
