//! SECURITY.md "Margin" (scenarios 14-18): exact boundaries, per-book gating, isolated
//! containment. Cross-book variants of 14-16 are in `margin.rs`; these add the isolated side.

use cosmwasm_std::{Int128, Uint128};
use perps_api::events::{BadDebtEvent, TradeEvent};
use perps_api::perps::{ExecuteMsg, Health};

use crate::suite::{d, int_usdc, plain_market, sd, usdc, Suite, USDC};

#[test]
fn s14_isolated_open_at_exactly_initial_margin_passes_one_unit_less_fails() {
    let (mut s, alice) = Suite::with_alice();
    // 1 BTC at 60,000: IM 6,000
    s.rejects_exact(
        &alice,
        &Suite::isolated_msg("BTC", "1", 6_000 * USDC - 1),
        &[],
        "insufficient margin: equity 5999999999 < initial requirement 6000000000",
    );
    s.try_isolated(&alice, "BTC", "1", 6_000 * USDC).unwrap();
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(4_000));
    assert_eq!(a.positions[0].margin, Some(usdc(6_000)));
    assert_eq!(a.positions[0].equity, Some(int_usdc(6_000)));
    // increasing it by one minimum order needs 6 more USDC of margin than it has
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.001",
        "insufficient margin: equity 6000000000 < initial requirement 6006000000",
    );
}

#[test]
fn s15_moving_exactly_free_collateral_into_isolated_margin_passes_one_more_fails() {
    let (mut s, alice) = Suite::alice_trading("BTC", "1");
    // +6,000 unrealized on the cross book does not count (weight 0): free = 10,000 − 6,600
    s.set_price("BTC", "66000");
    assert_eq!(s.account(&alice).free_collateral, usdc(3_400));
    s.rejects_exact(
        &alice,
        &Suite::isolated_msg("ETH", "1", 3_400 * USDC + 1),
        &[],
        "withdrawal 3400000001 exceeds free collateral 3400000000",
    );
    s.try_isolated(&alice, "ETH", "1", 3_400 * USDC).unwrap();
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(6_600));
    assert_eq!(a.free_collateral, Uint128::zero());
    s.rejects_exact(
        &alice,
        &Suite::withdraw_msg(1),
        &[],
        "withdrawal 1 exceeds free collateral 0",
    );
}

#[test]
fn s16_isolated_book_between_maintenance_and_initial_increase_refused_reduce_allowed() {
    let (mut s, alice) = Suite::with_alice();
    s.try_isolated(&alice, "BTC", "1", 6_000 * USDC).unwrap();
    // at 57,000: equity 3,000, IM 5,700, MM 2,850: between
    s.set_price("BTC", "57000");
    let p = &s.account(&alice).positions[0];
    assert_eq!(p.equity, Some(int_usdc(3_000)));
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.1",
        "insufficient margin: equity 2999999999 < initial requirement 6270000000",
    );
    s.rejects_exact(
        &alice,
        &Suite::remove_margin_msg("BTC", 1),
        &[],
        "cannot remove 1: margin after 2999999999 < initial requirement 5700000000",
    );
    // the reduction realizes 0.5·(−3,000) = −1,500 from M
    s.trade(&alice, "BTC", "-0.5");
    let a = s.account(&alice);
    assert_eq!(a.positions[0].margin, Some(usdc(4_500)));
    assert_eq!(a.positions[0].size, sd("0.5"));
    assert_eq!(a.collateral, int_usdc(4_000));
}

#[test]
fn s17_an_isolated_loss_never_reaches_the_cross_balance_or_another_position_even_bankrupt() {
    let mut s = Suite::plain(|_| {}, &["BTC", "ETH", "SOL"]);
    s.set_price("SOL", "100");
    let owner = s.owner.clone();
    let alice = s.trader("alice", 20_000, 20_000);
    s.try_isolated(&alice, "BTC", "1", 6_000 * USDC).unwrap();
    s.try_isolated(&alice, "SOL", "-10", 500 * USDC).unwrap();
    s.trade(&alice, "ETH", "1");
    let cash0 = s.vault().cash.i128();
    // BTC falls 20 %: the isolated BTC book is bankrupt (6,000 − 12,000 = −6,000)...
    s.set_price("BTC", "48000");
    s.set_price("ETH", "3000");
    s.set_price("SOL", "100");
    let a = s.account(&alice);
    assert_eq!(a.positions[0].equity, Some(int_usdc(-6_000)));
    // ...the cross book and the SOL book do not see it
    assert_eq!(a.collateral, int_usdc(13_500));
    assert_eq!(a.equity, int_usdc(13_500));
    assert_eq!(a.health, Health::Healthy);
    assert_eq!(a.positions[2].equity, Some(int_usdc(500)));
    // entry price rounding after the averaged increase costs the book one base unit
    // ...cross collateral stays withdrawable up to its own free collateral (10 % of 3,000)
    s.withdraw(&alice, 13_500 * USDC - 300 * USDC).unwrap();
    // the owner closes the bankrupt book through the bad-debt path: the 6,000 beyond its
    // margin is socialized (empty fund), never taken from C or the SOL book
    let r = s.close(&alice, "BTC").unwrap();
    let t = &Suite::typed::<TradeEvent>(&r)[0];
    assert_eq!(t.realized_pnl, int_usdc(-12_000));
    assert_eq!(t.margin_after, Some(int_usdc(-6_000)));
    assert_eq!(t.shortfall, Some(usdc(6_000)));
    assert_eq!(t.collateral_after, int_usdc(300));
    let b = &Suite::typed::<BadDebtEvent>(&r)[0];
    let zero = Uint128::zero();
    assert_eq!(
        (b.shortfall, b.from_fees, b.from_fund, b.socialized),
        (usdc(6_000), zero, zero, usdc(6_000))
    );
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(300));
    assert_eq!(a.positions.len(), 2);
    assert_eq!(a.positions[1].market_id, "SOL");
    assert_eq!(a.positions[1].margin, Some(usdc(500)));
    assert_eq!(a.positions[1].equity, Some(int_usdc(500)));
    // the vault got the 6,000 margin for the trader's 12,000 loss: +6,000 cash
    assert_eq!(
        s.vault().cash.i128() - cash0,
        Int128::new(6_000 * USDC as i128).i128()
    );
    let _ = (d("1"), &owner);
}

#[test]
fn s18_removing_isolated_margin_below_its_initial_requirement_is_rejected() {
    let (mut s, alice) = Suite::with_alice();
    s.try_isolated(&alice, "BTC", "1", 8_000 * USDC).unwrap();
    // IM 6,000: 2,000 removable, not one unit more
    s.rejects_exact(
        &alice,
        &Suite::remove_margin_msg("BTC", 2_000 * USDC + 1),
        &[],
        "cannot remove 2000000001: margin after 5999999999 < initial requirement 6000000000",
    );
    s.rejects_exact(
        &alice,
        &Suite::remove_margin_msg("BTC", 8_000 * USDC + 1),
        &[],
        "cannot remove 8000000001: margin after -1 < initial requirement 6000000000",
    );
    s.exec(&alice, &Suite::remove_margin_msg("BTC", 2_000 * USDC))
        .unwrap();
    let a = s.account(&alice);
    assert_eq!(a.positions[0].margin, Some(usdc(6_000)));
    assert_eq!(a.collateral, int_usdc(4_000));
}

#[test]
fn s14_tiered_initial_margin_boundary_is_exact_per_bracket() {
    // 10 % / 5 % up to 100,000 of notional, 20 % / 10 % above
    let btc = perps_api::perps::MarketConfig {
        margin_tiers: vec![
            perps_api::perps::MarginTier {
                max_notional: Some(usdc(100_000)),
                initial_margin_ratio: d("0.1"),
                maintenance_margin_ratio: d("0.05"),
            },
            perps_api::perps::MarginTier {
                max_notional: None,
                initial_margin_ratio: d("0.2"),
                maintenance_margin_ratio: d("0.1"),
            },
        ],
        ..plain_market("BTC")
    };
    let mut s = Suite::with_btc(btc);
    let alice = s.trader("alice", 20_000, 0);
    // 2 BTC = 120,000: IM = 10,000 + 20,000 · 0.2 = 14,000
    s.deposit_units(&alice, 14_000 * USDC - 1);
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "2",
        "insufficient margin: equity 13999999999 < initial requirement 14000000000",
    );
    s.exec_funds(&alice, &ExecuteMsg::Deposit {}, 1).unwrap();
    s.trade(&alice, "BTC", "2");
    let a = s.account(&alice);
    assert_eq!(a.initial_margin, usdc(14_000));
    // MM = 5,000 + 20,000 · 0.1
    assert_eq!(a.maintenance_margin, usdc(7_000));
    assert_eq!(a.free_collateral, Uint128::zero());
}
