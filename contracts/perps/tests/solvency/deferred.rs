//! The solvency rules in a deferred market (DESIGN 6.10, 6.11): an order that fills while the
//! vault's equity is below zero pays its profit with the haircut `h`, exactly like an immediate
//! trade; auto-deleveraging cancels the deleveraged book's pending orders first and refunds
//! their reservations.

use cosmwasm_std::Uint128;
use perps_api::events::{
    AutoDeleverageEvent, OrderCancelledEvent, OrderExecutedEvent, OrderPlacedEvent, TradeEvent,
};
use perps_api::perps::{ExecuteMsg, Trigger};

use crate::orders::{deferred_suite, keeper_run, orders_of};
use crate::solvency::bystanders_withdraw_everything;
use crate::suite::{d, plain_market, sd, Suite, USDC};

/// The deferred twin of `s44_isolated_whale_beyond_the_vault_is_paid_with_the_haircut`: the
/// whale's reduction is placed BEFORE the shock (V ≥ 0 at placement) and fills at the shock's
/// record (V = −80,000): it is paid with the h of the fill, 540,000 × 1,000/1,080 = 500,000; the
/// close placed afterwards fills at V = −40,000 on 540,000 of profit: 500,000 again. The keeper
/// fee (0.5 per execution) is the only difference from the immediate market.
#[test]
fn s44_a_deferred_fill_while_v_is_negative_is_paid_with_the_haircut() {
    let mut s = deferred_suite(plain_market("BTC"));
    let bystander = s.trader("bystander", 500_000, 500_000);
    let whale = s.trader("whale", 700_000, 700_000);
    let keeper = s.trader("keeper", 0, 0);
    s.try_isolated(&whale, "BTC", "16", 96_000 * USDC).unwrap();
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(Suite::typed::<TradeEvent>(&res)[0].fill_price, d("60000"));
    // The reduction is placed at 60,000 (V = 1,000,000): no haircut is known yet.
    let res = s.trade(&whale, "BTC", "-8");
    let placed = Suite::typed::<OrderPlacedEvent>(&res);
    assert_eq!(
        (placed[0].order_id, placed[0].size_delta),
        (2, Some(sd("-8")))
    );
    assert_eq!(s.vault().equity.i128(), 1_000_000 * USDC as i128);
    // Its record: BTC 127,500, U = 16 × 67,500 = 1,080,000 > V.
    s.set_price("BTC", "127500");
    assert_eq!(s.vault().equity.i128(), -80_000 * USDC as i128);
    let res = keeper_run(&mut s, &keeper, None);
    let ex = Suite::typed::<OrderExecutedEvent>(&res);
    assert_eq!((ex[0].order_id, ex[0].price), (2, d("127500")));
    let t = Suite::typed::<TradeEvent>(&res);
    assert_eq!((t[0].size_before, t[0].size_after), (sd("16"), sd("8")));
    assert_eq!(t[0].realized_pnl.i128(), 500_000 * USDC as i128);
    // V = −80,000 + 40,000 of profit left unpaid: −40,000.
    assert_eq!(s.vault().equity.i128(), -40_000 * USDC as i128);
    assert_eq!(s.vault().cash.i128(), 500_000 * USDC as i128);
    // The close, placed while V < 0 (it reduces |K|: never refused), fills at the next record.
    s.close(&whale, "BTC").unwrap();
    s.set_price("BTC", "127500");
    let res = keeper_run(&mut s, &keeper, None);
    let t = Suite::typed::<TradeEvent>(&res);
    assert_eq!((t[0].size_before, t[0].size_after), (sd("8"), sd("0")));
    assert_eq!(t[0].realized_pnl.i128(), 500_000 * USDC as i128);
    // The whale: 700,000 + 1,000,000 − three keeper fees of 0.5.
    let whole = 1_700_000 * USDC - 1_500_000;
    assert_eq!(s.account(&whale).collateral.i128(), whole as i128);
    assert_eq!(s.balance(&keeper), 1_500_000);
    assert_eq!(s.vault().cash.i128(), 0);
    assert_eq!(s.vault().equity.i128(), 0);
    s.withdraw(&whale, whole).unwrap();
    assert_eq!(s.balance(&whale), whole);
    bystanders_withdraw_everything(&mut s, &[bystander], 500_000 * USDC);
}

/// A conditional order: a reduce-only take-profit of the whole 16 BTC triggered above 100,000
/// whose first meeting record is the shock (127,500, the gap price): paid with h = 1,000/1,080 on
/// all of it, 1,080,000 × h = 1,000,000, and the vault ends at zero.
#[test]
fn s44_a_triggered_take_profit_while_v_is_negative_is_paid_with_the_haircut() {
    let mut s = deferred_suite(plain_market("BTC"));
    let whale = s.trader("whale", 700_000, 700_000);
    let keeper = s.trader("keeper", 0, 0);
    s.try_isolated(&whale, "BTC", "16", 96_000 * USDC).unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    s.exec(&whale, &take_profit("-16", "100000")).unwrap();
    s.set_price("BTC", "127500");
    // Conditional orders run by id (a run without ids takes market orders only).
    let res = keeper_run(&mut s, &keeper, Some(vec![2]));
    let t = Suite::typed::<TradeEvent>(&res);
    assert_eq!((t[0].size_after, t[0].fill_price), (sd("0"), d("127500")));
    assert_eq!(t[0].realized_pnl.i128(), 1_000_000 * USDC as i128);
    assert_eq!(
        s.account(&whale).collateral.i128(),
        (1_700_000 * USDC - 1_000_000) as i128
    );
    assert_eq!((s.vault().cash.i128(), s.vault().equity.i128()), (0, 0));
}

fn take_profit(size: &str, trigger: &str) -> ExecuteMsg {
    ExecuteMsg::PlaceOrder {
        market_id: "BTC".into(),
        size_delta: sd(size),
        trigger_price: d(trigger),
        trigger: Trigger::Above,
        reduce_only: Some(true),
        acceptable_price: None,
        mode: None,
    }
}

/// `solvency::adl`'s two longs in a deferred BTC market, each with pending orders when the vault
/// falls below its trigger: alice (the top of the index) is deleveraged and her two orders are
/// cancelled first, each refunded in full (events before the deleveraging's, her free collateral
/// back); bob, not deleveraged, keeps his. No keeper fee is paid for a cancelled order.
#[test]
fn s50_adl_cancels_the_deleveraged_books_pending_orders_first_with_refunds() {
    let mut s = deferred_suite(plain_market("BTC"));
    let [alice, bob, carol] = s.traders(["alice", "bob", "carol"], 200_000, 200_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&alice, "BTC", "8");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    s.set_price("BTC", "66000");
    s.trade(&bob, "BTC", "5");
    s.trade(&carol, "BTC", "-1");
    s.set_price("BTC", "66000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(s.balance(&keeper), 1_500_000);
    // Pending: alice's take-profit (keeper fee only) and her market order to add 1 BTC at the
    // shock price; bob's take-profit.
    s.set_price("BTC", "139520");
    let r1 = s.exec(&alice, &take_profit("-8", "150000")).unwrap();
    let r2 = s.trade(&alice, "BTC", "1");
    let r3 = s.exec(&bob, &take_profit("-5", "150000")).unwrap();
    let reserved: Vec<Uint128> = [&r1, &r2, &r3]
        .iter()
        .map(|r| Suite::typed::<OrderPlacedEvent>(r)[0].reserved)
        .collect();
    // 0.5; IM 10 % of 1 BTC at 139,520 × 1.01 = 140,915.2 → 14,091.52, + 0.5; 0.5.
    assert_eq!(
        reserved,
        [
            Uint128::new(500_000),
            Uint128::new(14_092_020_000),
            Uint128::new(500_000)
        ]
    );
    let before = s.account(&alice);
    assert_eq!(before.collateral.i128(), 199_999_500_000);
    let res = s.exec(&keeper, &Suite::adl_msg("BTC")).unwrap();
    let cancelled = Suite::typed::<OrderCancelledEvent>(&res);
    assert_eq!(
        cancelled,
        [
            OrderCancelledEvent {
                order_id: 4,
                account: alice.clone(),
                market_id: "BTC".into(),
                reason: "auto_deleverage".into(),
                refund: Uint128::new(500_000),
            },
            OrderCancelledEvent {
                order_id: 5,
                account: alice.clone(),
                market_id: "BTC".into(),
                reason: "auto_deleverage".into(),
                refund: Uint128::new(14_092_020_000),
            },
        ]
    );
    // The cancellations come before the deleveraging in the response.
    let kinds: Vec<&str> = res
        .events
        .iter()
        .map(|e| e.ty.as_str())
        .filter(|t| t.ends_with("order_cancelled") || t.ends_with("auto_deleverage"))
        .collect();
    assert_eq!(
        kinds,
        [
            "wasm-order_cancelled",
            "wasm-order_cancelled",
            "wasm-auto_deleverage"
        ]
    );
    let ev = Suite::typed::<AutoDeleverageEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(
        (ev[0].account.clone(), ev[0].size_closed),
        (alice.clone(), sd("2"))
    );
    assert_eq!(ev[0].realized_pnl.i128(), 159_040 * USDC as i128);
    assert_eq!(s.vault().equity.i128(), 69_760 * USDC as i128);
    // alice: C 199,999.5 + 159,040; no reservation left, so free = C − IM (unrealized profit
    // is not withdrawable): 359,039.5 − 10 % × 6 × 139,520 = 275,327.5.
    let a = s.account(&alice);
    assert_eq!(a.collateral.i128(), 359_039_500_000);
    assert_eq!(a.positions[0].size, sd("6"));
    assert_eq!(a.free_collateral.u128(), 275_327_500_000);
    assert!(orders_of(&s, &alice).is_empty());
    // bob keeps his order; no keeper fee was paid for the cancellations.
    assert_eq!(orders_of(&s, &bob).len(), 1);
    assert_eq!(s.balance(&keeper), 1_500_000);
    // alice can take out all her free collateral.
    s.withdraw(&alice, 275_327_500_000).unwrap();
}
