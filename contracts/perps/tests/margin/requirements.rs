//! Exact boundaries of initial margin and free collateral (SECURITY 14, 15, 16).

use cosmwasm_std::{coins, Uint128};

use crate::suite::{int_usdc, usdc, Suite, DENOM, USDC};

#[test]
fn open_at_exactly_initial_margin_passes_one_unit_less_fails() {
    let mut s = Suite::new();
    // 1 BTC at 60,000 needs IM 10 % = 6,000 USDC.
    let short = s.trader("short", 10_000, 0);
    s.deposit_units(&short, 6_000 * USDC - 1);
    s.rejects_trade(
        &short,
        "BTC",
        "1",
        "insufficient margin: equity 5999999999 < initial requirement 6000000000",
    );
    let exact = s.trader("exact", 10_000, 6_000);
    s.trade(&exact, "BTC", "1");
    let a = s.account(&exact);
    assert_eq!(a.initial_margin, usdc(6_000));
    assert_eq!(a.maintenance_margin, usdc(3_000));
    assert_eq!(a.free_collateral, Uint128::zero());
    // Attached funds are credited first: one base unit more makes the short account pass.
    s.exec_coins(&short, &Suite::trade_msg("BTC", "1"), &coins(1, DENOM))
        .unwrap();
    assert_eq!(s.account(&short).collateral, int_usdc(6_000));
}

#[test]
fn withdraw_exactly_free_collateral_passes_one_more_fails() {
    let (mut s, alice) = Suite::alice_trading("BTC", "1");
    assert_eq!(s.account(&alice).free_collateral, usdc(4_000));
    s.rejects(
        &alice,
        &Suite::withdraw_msg(4_000 * USDC + 1),
        &[],
        "withdrawal 4000000001 exceeds free collateral 4000000000",
    );
    let before = s.balance(&alice);
    s.withdraw(&alice, 4_000 * USDC).unwrap();
    assert_eq!(s.balance(&alice), before + 4_000 * USDC);
    assert_eq!(s.account(&alice).collateral, int_usdc(6_000));
}

#[test]
fn unrealized_profit_is_not_withdrawable() {
    let (mut s, alice) = Suite::alice_trading("BTC", "1");
    s.set_price("BTC", "66000");
    let a = s.account(&alice);
    // U = +6,000 but counts 0 (weight 0); IM = 6,600; free = min(10,000, 10,000) − 6,600
    assert_eq!(a.equity, int_usdc(16_000));
    assert_eq!(a.free_collateral, usdc(3_400));
    s.rejects(
        &alice,
        &Suite::withdraw_msg(3_400 * USDC + 1),
        &[],
        "exceeds free collateral 3400000000",
    );
    s.withdraw(&alice, 3_400 * USDC).unwrap();
}

#[test]
fn between_maintenance_and_initial_increase_rejected_reduce_allowed() {
    let (mut s, alice) = Suite::alice_trading("BTC", "1.5");
    // IM at 60,000 = 9,000. At 56,000: equity 10,000 − 6,000 = 4,000, MM = 4,200 → below MM.
    // At 57,000: equity 5,500, IM 8,550, MM 4,275 → between.
    s.set_price("BTC", "57000");
    let a = s.account(&alice);
    assert_eq!(a.equity, int_usdc(5_500));
    s.rejects_trade(
        &alice,
        "BTC",
        "0.1",
        "insufficient margin: equity 5500000000 < initial requirement 9120000000",
    );
    s.trade(&alice, "BTC", "-0.5");
    let a = s.account(&alice);
    // realized −1,500 on 0.5 BTC
    assert_eq!(a.collateral, int_usdc(8_500));
    assert_eq!(a.positions[0].size, crate::suite::sd("1"));
}

#[test]
fn a_liquidatable_cross_book_blocks_risk_but_not_deposits_or_reductions() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 2_000, 1_000);
    s.trade(&alice, "BTC", "0.15");
    // U = 0.15·(54,000 − 60,000) = −900: equity 100 < MM 405
    s.set_price("BTC", "54000");
    let a = s.account(&alice);
    assert_eq!(a.equity, int_usdc(100));
    assert_eq!(a.health, perps_api::perps::Health::Liquidatable);
    s.rejects(
        &alice,
        &Suite::withdraw_msg(1),
        &[],
        "withdrawal 1 exceeds free collateral 0",
    );
    s.rejects_trade(&alice, "BTC", "0.01", "insufficient margin");
    s.deposit(&alice, 1);
    // a reduction realizes −300 and leaves C = 701 ≥ 0
    s.trade(&alice, "BTC", "-0.05");
    assert_eq!(s.account(&alice).collateral, int_usdc(701));
    // bankrupt (equity 701 − 800 < 0): a partial reduction that leaves the book negative is
    // refused (C = 701 − 720, equity −99); only closing the book goes down the bad-debt path
    s.set_price("BTC", "52000");
    s.rejects_trade(
        &alice,
        "BTC",
        "-0.09",
        "reduction would leave the book negative: cross equity -99000000",
    );
}
