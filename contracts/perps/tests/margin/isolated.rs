//! Isolated margin: containment, margin moves, close returns M (SECURITY 3, 17, 18, 34, 43).

use cosmwasm_std::coins;
use perps_api::perps::{Health, PositionMode};

use crate::suite::{int_usdc, sd, usdc, Suite, DENOM, USDC};

#[test]
fn isolated_loss_is_contained_and_cross_stays_withdrawable() {
    let (mut s, alice) = Suite::with_alice();
    s.try_isolated(&alice, "BTC", "1", 7_000 * USDC).unwrap();
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(3_000));
    assert_eq!(a.positions[0].mode, PositionMode::Isolated);
    assert_eq!(a.positions[0].margin, Some(usdc(7_000)));
    // M + U = 7,000 − 6,000 = 1,000 < MM 2,700: the isolated book is underwater...
    s.set_price("BTC", "54000");
    let a = s.account(&alice);
    assert_eq!(a.positions[0].equity, Some(int_usdc(1_000)));
    // ...the cross book is untouched and healthy...
    assert_eq!(a.collateral, int_usdc(3_000));
    assert_eq!(a.equity, int_usdc(3_000));
    assert_eq!(a.health, Health::Healthy);
    // ...and its free collateral can leave (SECURITY 43).
    s.withdraw(&alice, 3_000 * USDC).unwrap();
    assert_eq!(s.account(&alice).collateral, int_usdc(0));
}

#[test]
fn isolated_liquidation_price_is_where_equity_meets_maintenance() {
    let (mut s, alice) = Suite::with_alice();
    s.try_isolated(&alice, "BTC", "1", 6_000 * USDC).unwrap();
    // 6,000 + (P − 60,000) = 0.05·P  →  P = 54,000 / 0.95 = 56,842.105263157894736842...
    let lp = s.account(&alice).positions[0].liquidation_price.unwrap();
    assert_eq!(lp.to_string(), "56842.105263157894736843");
}

#[test]
fn closing_isolated_returns_margin_and_pnl_to_collateral() {
    let (mut s, alice) = Suite::with_alice();
    s.try_isolated(&alice, "BTC", "1", 7_000 * USDC).unwrap();
    s.set_price("BTC", "61000");
    s.close(&alice, "BTC").unwrap();
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, int_usdc(11_000));
}

#[test]
fn add_margin_from_funds_or_collateral_and_remove_margin_bound() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 10_000);
    s.try_isolated(&alice, "BTC", "1", 6_000 * USDC).unwrap();
    // paid by attached funds: C unchanged
    s.exec_funds(
        &alice,
        &Suite::add_margin_msg("BTC", 1_000 * USDC),
        1_000 * USDC,
    )
    .unwrap();
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(4_000));
    assert_eq!(a.positions[0].margin, Some(usdc(7_000)));
    // from C: bounded by free collateral (4,000)
    s.rejects(
        &alice,
        &Suite::add_margin_msg("BTC", 4_000 * USDC + 1),
        &[],
        "withdrawal 4000000001 exceeds free collateral 4000000000",
    );
    // price doubles: remove_margin cannot use the profit (SECURITY 34): M − x ≥ IM(120,000)=12,000
    // is impossible with M = 7,000; only M + min(0, U) − IM counts.
    s.set_price("BTC", "120000");
    s.rejects(
        &alice,
        &Suite::remove_margin_msg("BTC", 1),
        &[],
        "cannot remove 1: margin after 6999999999 < initial requirement 12000000000",
    );
    s.set_price("BTC", "60000");
    // IM 6,000: exactly 1,000 removable
    s.rejects(
        &alice,
        &Suite::remove_margin_msg("BTC", 1_000 * USDC + 1),
        &[],
        "cannot remove 1000000001",
    );
    s.exec(&alice, &Suite::remove_margin_msg("BTC", 1_000 * USDC))
        .unwrap();
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(5_000));
    assert_eq!(a.positions[0].margin, Some(usdc(6_000)));
}

#[test]
fn margin_messages_on_missing_or_cross_positions_are_rejected() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 10_000);
    let add = Suite::add_margin_msg("BTC", USDC);
    s.rejects(&alice, &add, &[], "no position in market BTC");
    s.rejects(&alice, &add, &coins(1, DENOM), "no position in market BTC");
    s.trade(&alice, "BTC", "0.1");
    s.rejects(&alice, &add, &[], "position in market BTC is not isolated");
    let remove = Suite::remove_margin_msg("BTC", USDC);
    s.rejects(
        &alice,
        &remove,
        &[],
        "position in market BTC is not isolated",
    );
    // an explicit conflicting mode
    s.rejects(
        &alice,
        &Suite::isolated_msg("BTC", "0.1", 100 * USDC),
        &[],
        "mode isolated conflicts with the existing cross position in market BTC",
    );
}

#[test]
fn isolated_position_paid_by_attached_funds_alone_is_found_by_the_scan() {
    let mut s = Suite::new();
    let carol = s.trader("carol", 6_000, 0);
    // no deposit: the attached 6,000 is exactly the margin, so C stays 0 and is still stored
    s.exec_funds(
        &carol,
        &Suite::isolated_msg("BTC", "1", 6_000 * USDC),
        6_000 * USDC,
    )
    .unwrap();
    let a = s.account(&carol);
    assert_eq!(a.collateral, int_usdc(0));
    assert_eq!(a.positions[0].margin, Some(usdc(6_000)));
    // M + U = 6,000 − 4,000 = 2,000 < MM 0.05 · 56,000 = 2,800
    s.set_price("BTC", "56000");
    let page: perps_api::perps::LiquidatableAccountsResponse =
        s.query(&perps_api::perps::QueryMsg::LiquidatableAccounts {
            start_after: None,
            limit: None,
        });
    assert_eq!(page.accounts.len(), 1);
    assert_eq!(page.accounts[0].address, carol);
    assert_eq!(page.accounts[0].positions.len(), 1);
    assert_eq!(page.accounts[0].positions[0].market_id, "BTC");
    assert_eq!(page.accounts[0].positions[0].mode, PositionMode::Isolated);
    assert_eq!(page.accounts[0].positions[0].size, sd("1"));
}
