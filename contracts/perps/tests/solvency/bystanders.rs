//! Attack 1 (SECURITY 44): a whale wins big against the vault; a trader who deposited and never
//! traded withdraws everything afterwards. Caps tie the vault's exposure to its equity, and while
//! V < 0 realized profits are paid with the haircut h.

use crate::solvency::{bystanders_withdraw_everything, wallets};
use crate::suite::{d, Suite, USDC};

/// The review's steps: a 1M vault, a bystander with 500k, the whale deposits 700k and goes long
/// 100 BTC at 60,000 (6M of notional). Refused: the vault may owe at most `max_skew_to_vault`
/// (default 1) × V of skew. The whale takes what the cap allows, BTC +20 %, he closes and
/// withdraws; the bystander withdraws his 500k.
#[test]
fn s44_whale_long_100_btc_is_capped_and_the_bystander_withdraws_everything() {
    let mut s = Suite::new();
    let bystander = s.trader("bystander", 500_000, 500_000);
    let whale = s.trader("whale", 700_000, 700_000);
    s.rejects_trade_exact(
        &whale,
        "BTC",
        "100",
        "exposure cap of market BTC: |skew|·price 6000000000000 > max_skew_to_vault 1 × vault equity 1000000000000",
    );
    // the most the cap allows: 16 BTC (960,000 of notional)
    s.trade(&whale, "BTC", "16");
    s.rejects_trade_exact(
        &whale,
        "BTC",
        "1",
        "exposure cap of market BTC: |skew|·price 1020000000000 > max_skew_to_vault 1 × vault equity 1000000000000",
    );
    s.set_price("BTC", "72000");
    s.close(&whale, "BTC").unwrap();
    let profit = 16 * 12_000 * USDC;
    assert_eq!(
        s.account(&whale).collateral.i128() as u128,
        700_000 * USDC + profit
    );
    s.withdraw(&whale, 700_000 * USDC + profit).unwrap();
    assert_eq!(s.balance(&whale), 700_000 * USDC + profit);
    // the vault paid the profit
    assert_eq!(s.vault().cash.i128(), (1_000_000 * USDC - profit) as i128);
    bystanders_withdraw_everything(&mut s, &[bystander], 500_000 * USDC);
}

/// The same with ten wallets of 70k each, each asking for 10 BTC: the cap is on the market's
/// skew, so wallets add up; only the first fits. They close in halves (partial closes).
#[test]
fn s44_many_wallets_share_one_cap_and_partial_closes_pay_nothing_extra() {
    let mut s = Suite::new();
    let bystanders: Vec<_> = (0..3)
        .map(|i| s.trader(&format!("bystander{i}"), 100_000, 100_000))
        .collect();
    let whales: Vec<_> = (0..10)
        .map(|i| s.trader(&format!("whale{i}"), 70_000, 70_000))
        .collect();
    s.trade(&whales[0], "BTC", "10");
    for w in &whales[1..] {
        s.rejects_trade(w, "BTC", "10", "exposure cap of market BTC");
        s.trade(w, "BTC", "0.6");
    }
    // 10 + 9 × 0.6 = 15.4 BTC = 924,000 of notional
    s.rejects_trade(&whales[0], "BTC", "1.3", "exposure cap of market BTC");
    let start = wallets(&s, &whales);
    s.set_price("BTC", "72000");
    for w in &whales {
        let size = s.account(w).positions[0].size;
        let half = format!(
            "-{}",
            size / cosmwasm_std::SignedDecimal256::from_ratio(2i128, 1i128)
        );
        s.trade(w, "BTC", &half);
        s.close(w, "BTC").unwrap();
        let c = s.account(w).collateral.i128() as u128;
        s.withdraw(w, c).unwrap();
    }
    let profit = 15_400 * 12 * USDC; // 15.4 BTC × 12,000
    assert_eq!(wallets(&s, &whales) - start, 10 * 70_000 * USDC + profit);
    assert_eq!(s.vault().cash.i128(), (1_000_000 * USDC - profit) as i128);
    bystanders_withdraw_everything(&mut s, &bystanders, 100_000 * USDC);
}

/// Beyond the caps: a move larger than 1/max_skew_to_vault (+112.5 %) drives V below zero.
/// Realized profits are then paid with h = 1 + V/Σ profits, so the whale's first half and second
/// half are paid alike, vault cash never goes below zero, and the bystander is whole.
#[test]
fn s44_isolated_whale_beyond_the_vault_is_paid_with_the_haircut() {
    let mut s = Suite::new();
    let bystander = s.trader("bystander", 500_000, 500_000);
    let whale = s.trader("whale", 700_000, 700_000);
    s.try_isolated(&whale, "BTC", "16", 96_000 * USDC).unwrap();
    // U = 16 × 67,500 = 1,080,000 > V: V = −80,000, h = 1 − 80,000/1,080,000
    s.set_price("BTC", "127500");
    assert_eq!(s.vault().equity.i128(), -80_000 * USDC as i128);
    let res = s.trade(&whale, "BTC", "-8");
    let ev = Suite::typed::<perps_api::events::TradeEvent>(&res);
    // 540,000 × h = 500,000
    assert_eq!(ev[0].realized_pnl.i128(), 500_000 * USDC as i128);
    s.close(&whale, "BTC").unwrap();
    // the second half: V = −40,000 on 540,000 of profit, h = 500/540: 500,000 again
    assert_eq!(
        s.account(&whale).collateral.i128() as u128,
        700_000 * USDC + 1_000_000 * USDC
    );
    assert_eq!(s.vault().cash.i128(), 0);
    assert_eq!(s.vault().equity.i128(), 0);
    s.withdraw(&whale, 1_700_000 * USDC).unwrap();
    bystanders_withdraw_everything(&mut s, &[bystander], 500_000 * USDC);
}

/// Trades that reduce |K| are never capped: after the vault lost its equity a trader on the
/// other side and the whale still trade; and while V < 0 a trade that increases |K| is refused,
/// in any market. Other markets enter at their stored last price: BTC counts at 127,500 once a
/// trade touched it there.
#[test]
fn s44_caps_never_block_a_reduction_and_refuse_increases_while_v_is_negative() {
    let mut s = Suite::new();
    let whale = s.trader("whale", 700_000, 700_000);
    let other = s.trader("other", 1_000_000, 1_000_000);
    s.trade(&whale, "BTC", "16");
    s.set_price("BTC", "127500");
    // the other side reduces |K| and passes (and stores BTC's new price: V = −80,000)
    s.trade(&other, "BTC", "-1");
    assert_eq!(s.vault().equity.i128(), -80_000 * USDC as i128);
    s.rejects_trade_exact(
        &other,
        "ETH",
        "1",
        "exposure cap of market ETH: |skew|·price 3000000000 > max_skew_to_vault 1 × vault equity -80000000000",
    );
    // crossing zero to a larger skew on the other side (15 → −16): an increase of |K|
    s.rejects_trade(&other, "BTC", "-31", "exposure cap of market BTC");
    s.trade(&whale, "BTC", "-1");
    s.trade(&other, "BTC", "-1");
    // crossing zero to no larger a skew (13 → −13): the vault's exposure does not grow, it
    // passes (DESIGN 6.10: only a trade that increases |K_m| is judged by the caps)
    s.trade(&other, "BTC", "-26");
    assert_eq!(
        s.market("BTC").state.short_oi,
        s.market("BTC").state.long_oi + d("13")
    );
}
