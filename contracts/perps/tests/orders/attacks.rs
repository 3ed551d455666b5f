//! Front-running a visible publish (SECURITY: trades filled at the stored price). With the demo's
//! BTC market (0.1 % fee, impact cap 0.3 %, skew scale 1,000) and a bystander holding 3 BTC on
//! the other side (so that 6 BTC fit under the impact cap), a trader who opened 6 BTC just before
//! a visible +0.5 % publish and closed after it took +1,078.2 USDC per event from the vault
//! (break-even at a 0.2 % move). Every message below is one a wallet can send; a wallet's own next
//! message executes its ready orders first, so these tests need no keeper.

use cosmwasm_std::{Addr, Decimal256, Uint128};
use perps_api::events::OrderFailedEvent;
use perps_api::perps::{ExecuteMsg, Execution, MarketConfig};

use crate::suite::{d, fee_market, Suite, USDC};

/// The demo's BTC market without funding (so every number below is exact), deferred.
fn demo_btc() -> MarketConfig {
    MarketConfig {
        max_funding_rate_per_day: Decimal256::zero(),
        execution: Some(Execution::Deferred),
        ..fee_market("BTC", "1000")
    }
}

/// The demo market at 60,000 next to plain ETH, a bystander holding `bystander` BTC (opened at
/// 60,000), and `wallets` each depositing 50,000 USDC.
fn setup<const N: usize>(bystander: &str, wallets: [&str; N]) -> (Suite, [Addr; N]) {
    let mut s = Suite::with_btc(demo_btc());
    let b = s.trader("bystander", 50_000, 50_000);
    s.trade(&b, "BTC", bystander);
    s.set_price("BTC", "60000");
    touch(&mut s, &b);
    assert_eq!(s.account(&b).positions.len(), 1);
    let who = s.traders(wallets, 50_000, 50_000);
    (s, who)
}

/// Any message of `who` (here a deposit of one freshly minted base unit): it executes `who`'s
/// ready orders first.
fn touch(s: &mut Suite, who: &Addr) {
    s.mint(who, 1);
    s.exec_funds(who, &ExecuteMsg::Deposit {}, 1).unwrap();
}

/// `who` withdraws everything it holds; returns its gain in base units over the 50,000 USDC it
/// came with (`touches` earlier touches minted one base unit each, withdrawn here too).
fn cash_out(s: &mut Suite, who: &Addr, touches: u128) -> i128 {
    touch(s, who);
    let c = s.account(who).collateral;
    assert!(
        s.account(who).positions.is_empty(),
        "{who} still holds a position"
    );
    s.withdraw(who, c.i128() as u128).unwrap();
    s.balance(who) as i128 - (touches + 1) as i128 - (50_000 * USDC) as i128
}

#[test]
fn s47_opening_before_a_visible_publish_and_closing_after_it_pays_only_fees() {
    let (mut s, [attacker]) = setup("-3", ["attacker"]);
    let vault_cash = s.vault().cash;
    // The attacker sees +0.5 % coming and buys 6 BTC first (same block as the old price).
    s.trade(&attacker, "BTC", "6");
    s.set_price("BTC", "60300");
    s.close(&attacker, "BTC").unwrap();
    s.set_price("BTC", "60300");
    // Old code: open at 60,000 (K −3 → 3), close at 60,300 (K 3 → −3): +1,800 − 360 − 361.8 =
    // +1,078.2. Deferred: both legs fill at 60,300 (no impact either way): two fees of 361.8.
    let net = cash_out(&mut s, &attacker, 0);
    assert_eq!(net, -723_600_000);
    // The vault keeps the fees less their 20 % insurance share.
    assert_eq!(s.vault().cash.i128() - vault_cash.i128(), 578_880_000);
}

#[test]
fn s47_the_short_side_of_a_visible_drop_pays_only_fees() {
    let (mut s, [attacker]) = setup("3", ["attacker"]);
    s.trade(&attacker, "BTC", "-6");
    s.set_price("BTC", "59700");
    s.close(&attacker, "BTC").unwrap();
    s.set_price("BTC", "59700");
    // Old code: +1,800 − 360 − 358.2 = +1,081.8. Deferred: both legs at 59,700, fees 2 × 358.2.
    assert_eq!(cash_out(&mut s, &attacker, 0), -716_400_000);
}

#[test]
fn s47_several_wallets_splitting_the_trade_pay_only_fees_together() {
    let (mut s, wallets) = setup("-3", ["w1", "w2", "w3"]);
    for w in &wallets {
        s.trade(w, "BTC", "2");
    }
    s.set_price("BTC", "60300");
    // The last wallet closes first: its own message must not jump ahead of the older orders.
    for w in wallets.iter().rev() {
        s.close(w, "BTC").unwrap();
    }
    s.set_price("BTC", "60300");
    let nets: Vec<i128> = wallets.iter().map(|w| cash_out(&mut s, w, 0)).collect();
    // Old code: opens at 59,880, 60,000, 60,120, closes at 60,420.6, 60,300, 60,179.4: +1,078.2
    // together. Deferred: opens at K = −3, −1, 1 on 60,300 (60,179.4, 60,300, 60,420.6); closes
    // (placed w3, w2, w1, executed in that order) at the same prices. Each wallet pays its two
    // fees and nothing is won together.
    assert_eq!(nets, [-240_717_600, -241_200_000, -241_682_400]);
    assert_eq!(nets.iter().sum::<i128>(), -723_600_000);
}

#[test]
fn s47_a_holder_cannot_close_at_the_old_price_before_a_visible_gap_down() {
    let (mut s, [holder]) = setup("-3", ["holder"]);
    s.trade(&holder, "BTC", "6");
    s.set_price("BTC", "60000");
    touch(&mut s, &holder);
    let entry = s.account(&holder).positions[0].entry_price;
    assert_eq!(entry, "60000".parse::<Decimal256>().unwrap());
    // A −5 % print is visible; the holder closes first (default slippage: 1 %).
    s.close(&holder, "BTC").unwrap();
    s.set_price("BTC", "57000");
    // Old code: closed at 60,000, losing only the fees. Deferred: the close is pinned to 57,000,
    // beyond its acceptable 59,400: it fails, pays the taker fee at 57,000 (342) to the vault,
    // and the holder still holds 6 BTC marked at 57,000.
    s.mint(&holder, 1);
    let res = s.exec_funds(&holder, &ExecuteMsg::Deposit {}, 1).unwrap();
    let failed = Suite::typed::<OrderFailedEvent>(&res);
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].reason,
        "fill price 57000 is worse than the acceptable price 59400"
    );
    assert_eq!(
        (failed[0].price, failed[0].fee),
        (d("57000"), Uint128::new(342_000_000))
    );
    let a = s.account(&holder);
    assert_eq!(a.positions[0].unrealized_pnl.i128(), -18_000_000_000);
    // With any acceptable price that lets the close through, it fills at 57,000.
    s.exec(
        &holder,
        &ExecuteMsg::ClosePosition {
            market_id: "BTC".into(),
            acceptable_price: Some(d("50000")),
        },
    )
    .unwrap();
    s.set_price("BTC", "57000");
    // −18,000 realized, fees 360 (open) + 342 (failed close) + 342 (close).
    assert_eq!(cash_out(&mut s, &holder, 2), -19_044_000_000);
}
