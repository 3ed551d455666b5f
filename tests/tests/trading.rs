//! Deploy, deposit, cross and isolated trades with fees and skew impact, a price move pushed by
//! the publisher, closes, withdrawals and a rejected over-withdrawal. Funding is off here (its
//! own scenario), so every number is a closed formula.

use perps_e2e::protocol::market;
use perps_e2e::{Backend, Protocol, Setup, USDC};

use crate::compare::on_both;

fn setup() -> Setup {
    let mut s = Setup::default();
    for (_, config, _) in &mut s.markets {
        config.max_funding_rate_per_day = cosmwasm_std::Decimal256::zero();
    }
    s
}

/// Attribute `key` of the engine's `trade` event.
fn trade_attr(r: &perps_e2e::Executed, key: &str) -> String {
    r.attr("wasm-trade", key)
        .unwrap_or_else(|| panic!("no trade attribute {key}: {:?}", r.events))
        .to_string()
}

fn scenario<B: Backend>(p: &mut Protocol<B>) {
    let alice = p.user("alice", 10_000 * USDC).unwrap();
    let bob = p.user("bob", 3_000 * USDC).unwrap();
    let engine = p.engine.clone();
    assert_eq!(p.balance(&engine), 1_000_000 * USDC);

    p.deposit(&alice, 10_000 * USDC).unwrap();
    assert_eq!(p.balance(&alice), 0);

    // Long 0.5 BTC from K = 0: fill = 60,000·(1 + 0.25/1,000) = 60,015; fee 0.1 % = 30.0075.
    let r = p.trade(&alice, "BTC", "0.5").unwrap();
    assert_eq!(trade_attr(&r, "fill_price"), "60015");
    assert_eq!(trade_attr(&r, "fee"), "30007500");
    assert_eq!(trade_attr(&r, "insurance_fee"), "6001500");
    assert_eq!(trade_attr(&r, "mode"), "cross");
    // Short 5 ETH from K = 0: fill = 3,000·(1 − 2.5/20,000) = 2,999.625; fee 14.998125.
    let r = p.trade(&alice, "ETH", "-5").unwrap();
    assert_eq!(trade_attr(&r, "fill_price"), "2999.625");
    assert_eq!(trade_attr(&r, "fee"), "14998125");
    assert_eq!(trade_attr(&r, "collateral_after"), "9954994375");

    let a = p.account(&alice).unwrap();
    assert_eq!(a.collateral.i128(), 9_954_994_375);
    // U = 0.5·(60,000 − 60,015) + (−5)·(3,000 − 2,999.625) = −7.5 − 1.875.
    assert_eq!(a.equity.i128(), 9_945_619_375);
    assert_eq!(a.initial_margin.u128(), 4_500 * USDC);
    assert_eq!(a.maintenance_margin.u128(), 2_250 * USDC);

    // Bob: isolated long 0.2 BTC with 1,500 margin; K = 0.5 → fill = 60,000·(1 + 0.6/1,000).
    p.deposit(&bob, 3_000 * USDC).unwrap();
    let r = p.isolated(&bob, "BTC", "0.2", 1_500 * USDC).unwrap();
    assert_eq!(trade_attr(&r, "fill_price"), "60036");
    assert_eq!(trade_attr(&r, "fee"), "12007200");
    assert_eq!(trade_attr(&r, "mode"), "isolated");
    let b = p.account(&bob).unwrap();
    assert_eq!(b.positions.len(), 1);
    assert_eq!(b.positions[0].margin.map(|m| m.u128()), Some(1_487_992_800));
    assert_eq!(b.collateral.i128(), 1_500 * USDC as i128);

    // The publisher moves BTC +5 % and ETH −5 %.
    p.advance(1);
    let moved = [
        ("BTC".to_string(), perps_e2e::protocol::dec("63000")),
        ("ETH".to_string(), perps_e2e::protocol::dec("2850")),
    ];
    p.publish(&moved).unwrap();
    let a = p.account(&alice).unwrap();
    // U = 0.5·(63,000 − 60,015) + (−5)·(2,850 − 2,999.625) = 1,492.5 + 748.125.
    assert_eq!(a.equity.i128(), 12_195_619_375);
    let b = p.account(&bob).unwrap();
    // U = 0.2·(63,000 − 60,036) = 592.8 on top of the isolated margin.
    assert_eq!(b.positions[0].unrealized_pnl.i128(), 592_800_000);
    assert_eq!(b.positions[0].equity.map(|e| e.i128()), Some(2_080_792_800));

    // Alice closes BTC: K = 0.7, selling 0.5 → fill = 63,000·(1 + 0.45/1,000) = 63,028.35;
    // realized (63,028.35 − 60,015)·0.5 = 1,506.675; fee 31.514175.
    let r = p.close(&alice, "BTC").unwrap();
    assert_eq!(trade_attr(&r, "fill_price"), "63028.35");
    assert_eq!(trade_attr(&r, "realized_pnl"), "1506675000");
    assert_eq!(trade_attr(&r, "fee"), "31514175");
    p.withdraw(&alice, 5_000 * USDC).unwrap();
    assert_eq!(p.balance(&alice), 5_000 * USDC);

    // Bob closes: K = 0.2, fill = 63,000·(1 + 0.1/1,000) = 63,006.3; realized 594.06; fee
    // 12.60126; the margin returns to his collateral.
    let r = p.close(&bob, "BTC").unwrap();
    assert_eq!(trade_attr(&r, "fill_price"), "63006.3");
    assert_eq!(trade_attr(&r, "realized_pnl"), "594060000");
    assert_eq!(trade_attr(&r, "fee"), "12601260");
    // 3,000 − 12.0072 + 594.06 − 12.60126
    let b = p.account(&bob).unwrap();
    assert_eq!(b.collateral.i128(), 3_569_451_540);
    assert!(b.positions.is_empty());
    let err = p.withdraw(&bob, 3_569_451_541).unwrap_err();
    assert!(err.error.contains("3569451540"), "{}", err.error);
    p.withdraw(&bob, 3_569_451_540).unwrap();
    assert_eq!(p.balance(&bob), 3_569_451_540);

    // Conservation: the engine holds exactly what its ledger says.
    let vault = p.vault().unwrap();
    let cfg: perps_api::perps::ConfigResponse = p
        .engine_query(&perps_api::perps::QueryMsg::Config {})
        .unwrap();
    let a = p.account(&alice).unwrap();
    let margins: i128 = a
        .positions
        .iter()
        .filter_map(|x| x.margin)
        .map(|m| m.u128() as i128)
        .sum();
    let ledger = a.collateral.i128()
        + margins
        + vault.cash.i128()
        + cfg.pending_insurance_fees.u128() as i128;
    assert_eq!(p.balance(&engine) as i128, ledger);
    // Insurance share: 20 % of every fee.
    assert_eq!(
        cfg.pending_insurance_fees.u128(),
        6_001_500 + 2_999_625 + 2_401_440 + 6_302_835 + 2_520_252
    );
    let _ = market;
}

#[test]
fn cross_and_isolated_trades_with_a_price_move() {
    let w = on_both(&setup(), scenario, scenario);
    // Every execute on the chain reports its gas.
    assert!(w.gas_log.iter().all(|(_, g)| g.total() > 0));
}
