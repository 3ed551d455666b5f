//! The owner's way out of a bankrupt book (DESIGN 6.4, SECURITY 41) and settled markets closing
//! on any touch, deposits and `add_margin` included (DESIGN 6.9).

use cosmwasm_std::Uint128;
use cosmwasm_std::{Addr, Int128};
use perps_api::events::{BadDebtEvent, LiquidationEvent, SettlePositionEvent};
use perps_api::perps::{ExecuteMsg, Health};

use crate::suite::{d, int_usdc, Suite, USDC};

#[test]
fn the_owner_closes_a_bankrupt_cross_book_through_the_bad_debt_path_without_reward() {
    let mut s = Suite::insured(150 * USDC);
    let alice = s.trader("alice", 1_000, 1_000);
    s.trade(&alice, "BTC", "0.15");
    s.trade(&alice, "ETH", "0.1");
    s.set_price("BTC", "52000");
    // equity 1,000 − 1,200 = −200: a partial reduction leaving C < 0 is refused
    assert_eq!(s.account(&alice).equity, int_usdc(-200));
    s.rejects_trade(
        &alice,
        "BTC",
        "-0.14",
        "reduction would leave the book negative: cross equity -200000000",
    );
    // closing ETH first realizes nothing and leaves C = 1,000
    s.close(&alice, "ETH").unwrap();
    let cash = s.vault().cash;
    let alice_wallet = s.balance(&alice);
    let res = s.close(&alice, "BTC").unwrap();
    assert_eq!(
        Suite::attr(&res, "trade", "shortfall"),
        (200 * USDC).to_string()
    );
    let e = &Suite::typed::<BadDebtEvent>(&res)[0];
    assert_eq!(e.shortfall, Uint128::new(200 * USDC));
    assert_eq!(e.from_fees, Uint128::new(0));
    assert_eq!(e.from_fund, Uint128::new(150 * USDC));
    assert_eq!(e.socialized, Uint128::new(50 * USDC));
    assert!(Suite::typed::<LiquidationEvent>(&res).is_empty());
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, Int128::zero());
    assert_eq!(a.health, Health::Healthy);
    // no reward to anyone: the owner's wallet is unchanged, the fund paid 150
    assert_eq!(s.balance(&alice), alice_wallet);
    assert_eq!(s.balance(&s.fund.clone()), 0);
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(1_150)).unwrap());
}

#[test]
fn the_owner_closes_a_bankrupt_isolated_position_and_c_is_untouched() {
    let mut s = Suite::new();
    s.register_engine();
    let alice = s.isolated_long_btc("alice");
    s.set_price("BTC", "52000");
    // a partial reduction leaving M < 0 is refused
    s.rejects_trade(
        &alice,
        "BTC",
        "-0.14",
        "reduction would leave the book negative: isolated margin -120000000",
    );
    let cash = s.vault().cash;
    let res = s.close(&alice, "BTC").unwrap();
    let e = &Suite::typed::<BadDebtEvent>(&res)[0];
    assert_eq!(e.shortfall, Uint128::new(200 * USDC));
    assert_eq!(e.socialized, Uint128::new(200 * USDC));
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, int_usdc(2_000));
    assert_eq!(s.vault().cash, cash.checked_add(int_usdc(1_000)).unwrap());
}

/// The settled markets the engine still lists as holding positions.
fn settled_with_holders(s: &Suite) -> Vec<String> {
    let storage = s.app.contract_storage(&s.engine);
    perps::state::SETTLED_WITH_HOLDERS
        .may_load(storage.as_ref())
        .unwrap()
        .unwrap_or_default()
}

fn settle_btc(s: &mut Suite, price: &str) {
    s.settle_market("BTC", Some(d(price)));
}

/// `alice` holds `btc` BTC (cross) and 1 ETH isolated with 1,000 of margin; BTC then settles at
/// `price` and its feed dies (1,000 s pass): what she sends next needs no BTC price.
fn btc_settles_under(s: &mut Suite, alice: &Addr, btc: &str, price: &str) {
    s.trade(alice, "BTC", btc);
    s.try_isolated(alice, "ETH", "1", 1_000 * USDC).unwrap();
    settle_btc(s, price);
    s.advance(1_000);
}

#[test]
fn a_deposit_closes_positions_in_settled_markets() {
    let mut s = Suite::new();
    let [alice, bob] = s.traders(["alice", "bob"], 20_000, 10_000);
    s.trade(&bob, "BTC", "-1");
    btc_settles_under(&mut s, &alice, "1", "66000");
    let res = s.exec_funds(&alice, &ExecuteMsg::Deposit {}, USDC).unwrap();
    let e = &Suite::typed::<SettlePositionEvent>(&res)[0];
    assert_eq!(e.market_id, "BTC");
    assert_eq!(e.realized_pnl, Int128::new(6_000 * USDC as i128));
    assert_eq!(
        Suite::attr(&res, "wasm", "collateral_after"),
        (15_001 * USDC).to_string()
    );
    let a = s.account(&alice);
    // 10,000 − 1,000 (isolated ETH) + 6,000 + 1
    assert_eq!(a.collateral, int_usdc(15_001));
    assert_eq!(a.positions.len(), 1);
    assert_eq!(a.positions[0].market_id, "ETH");
    assert_eq!(s.market("BTC").state.long_oi, d("0"));
    assert_eq!(s.market("BTC").state.short_oi, d("1"));
    // without a settled position a deposit stays a plain credit
    let res = s.exec_funds(&alice, &ExecuteMsg::Deposit {}, USDC).unwrap();
    assert!(Suite::typed::<SettlePositionEvent>(&res).is_empty());
    assert_eq!(s.account(&alice).collateral, int_usdc(15_002));
    // bob still holds BTC: the market stays on the short list until settle_positions drains it
    assert_eq!(settled_with_holders(&s), vec!["BTC".to_string()]);
    s.settle_positions("BTC");
    assert!(settled_with_holders(&s).is_empty());
    assert!(s.account(&bob).positions.is_empty());
}

#[test]
fn add_margin_closes_positions_in_settled_markets() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 10_000);
    btc_settles_under(&mut s, &alice, "-1", "63000");
    let res = s
        .exec_funds(
            &alice,
            &Suite::add_margin_msg("ETH", 100 * USDC),
            100 * USDC,
        )
        .unwrap();
    let e = &Suite::typed::<SettlePositionEvent>(&res)[0];
    assert_eq!(e.market_id, "BTC");
    assert_eq!(e.realized_pnl, Int128::new(-3_000i128 * USDC as i128));
    let a = s.account(&alice);
    // 10,000 − 1,000 − 3,000
    assert_eq!(a.collateral, int_usdc(6_000));
    assert_eq!(a.positions.len(), 1);
    assert_eq!(a.positions[0].margin, Some((1_100 * USDC).into()));
    assert_eq!(s.market("BTC").state.short_oi, d("0"));
}
