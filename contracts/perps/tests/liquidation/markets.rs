//! Liquidation across markets (DESIGN 6.8, SECURITY 24, 39): stale and dead feeds, reduce-only,
//! the maximum number of positions, configured maxima, and the `liquidatable_accounts` scan.

use cosmwasm_std::Addr;
use cosmwasm_std::Int128;
use cosmwasm_std::Uint128;
use perps_api::events::LiquidationEvent;
use perps_api::perps::{
    LiquidatableAccountsResponse, MarketConfig, MarketStatusUpdate, PositionMode, QueryMsg,
};

use crate::suite::{d, int_usdc, plain_market, sd, usdc, Suite};

fn assert_boundary_liquidation(res: &cw_multi_test::AppResponse) {
    let ev = Suite::typed::<LiquidationEvent>(res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].size_closed, sd("-0.238095239909297053"));
    assert_eq!(ev[0].penalty, Uint128::new(150000002));
    assert_eq!(ev[0].liquidator_reward, Uint128::new(75000001));
}

#[test]
fn a_stale_oracle_on_an_unrelated_market_does_not_matter() {
    let mut s = Suite::new();
    let keeper = s.trader("keeper", 0, 0);
    let bob = s.bob_below_maintenance();
    // ETH's feed goes stale; only BTC is published again
    s.advance(120);
    s.set_price("BTC", "63000");
    s.rejects_trade(&bob, "ETH", "1", "oracle price of market ETH is stale");
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    assert_boundary_liquidation(&res);
    assert_eq!(s.balance(&keeper), 75_000_001);
}

#[test]
fn liquidation_works_with_reduce_only_markets() {
    let mut s = Suite::new();
    let keeper = s.trader("keeper", 0, 0);
    let bob = s.bob_below_maintenance();
    // the other market and the liquidated one itself are reduce-only
    for id in ["ETH", "BTC"] {
        s.set_market_status(id, MarketStatusUpdate::ReduceOnly);
    }
    s.rejects_trade(&bob, "ETH", "1", "market ETH is reduce-only");
    s.set_price("BTC", "63000");
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    assert_boundary_liquidation(&res);
}

#[test]
fn a_cross_book_with_a_dead_market_is_liquidated_on_the_others() {
    let (mut s, [bob, carol, keeper]) = Suite::hedged_book_at_initial_margin();
    // carol: long 1 ETH only, C = 300
    s.deposit(&carol, 300);
    s.trade(&carol, "ETH", "1");
    // ETH falls to 2,800, is touched there (last price), then its feed dies
    s.set_price("ETH", "2800");
    s.trade(&carol, "ETH", "-0.001");
    s.advance(120);
    s.set_price("BTC", "63100");
    // bob: Q = 6,300 − 3,100 − 200 (ETH at its last price, losses only) = 3,000 < MM 3,295
    s.assert_equity_and_mm(&bob, 3_000, 3_295);
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].market_id, "BTC");
    assert_eq!(ev[0].size_closed, sd("-0.337710362991472342"));
    let b = s.account(&bob);
    assert_eq!(b.positions.len(), 2);
    assert_eq!(b.positions[0].market_id, "BTC");
    assert_eq!(b.positions[1].size, sd("1"));
    // carol's book holds only the dead market: nothing can be closed, the oracle error says why
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&carol, None),
        &[],
        "oracle price of market ETH is stale",
    );
    // and the scan still answers, listing her
    let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: None,
    });
    let found: Vec<_> = page.accounts.iter().map(|a| a.address.clone()).collect();
    assert!(found.contains(&carol), "{page:?}");
}

/// Sixteen markets at 100; alice holds 10 of each on C = 1,600 (the initial requirement).
#[test]
fn sixteen_positions_are_liquidated_in_one_call() {
    let (mut s, ids, [alice, keeper]) = Suite::long_10_in_each(16, |_| {}, (2_000, 1_600));
    assert_eq!(s.account(&alice).positions.len(), 16);
    for id in &ids {
        s.set_price(id, "94");
    }
    // Q = 1,600 − 16·60 = 640 < MM 16·47 = 752
    let a = s.account(&alice);
    assert_eq!((a.equity, a.maintenance_margin), (int_usdc(640), usdc(752)));
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    // equal requirements: market order; six close fully, the seventh lands on the target
    assert_eq!(ev.len(), 7, "{ev:?}");
    for (i, e) in ev.iter().enumerate().take(6) {
        assert_eq!(e.market_id, ids[i]);
        assert_eq!(e.size_closed, sd("10"));
        assert_eq!(e.penalty, Uint128::new(9400000));
    }
    assert_eq!(ev[6].market_id, "M06");
    assert_eq!(ev[6].size_after, sd("9.209725430597771023"));
    assert_eq!(ev[6].penalty, Uint128::new(742859));
    // 582.857140 ≥ ceil(1.25 · 466.285710) = 582.857138
    assert_eq!(ev[6].equity_after, Int128::new(582857140));
    assert_eq!(ev[6].maintenance_after, Uint128::new(466285710));
    let rewards: u128 = ev.iter().map(|e| e.liquidator_reward.u128()).sum();
    let insurance: u128 = ev.iter().map(|e| e.insurance_share.u128()).sum();
    let penalties: u128 = ev.iter().map(|e| e.penalty.u128()).sum();
    assert_eq!(penalties, 6 * 9_400_000 + 742_859);
    assert_eq!(rewards, penalties / 2);
    assert_eq!(rewards + insurance, penalties);
    assert_eq!(s.balance(&keeper), rewards);
    assert_eq!(s.pending_fees(), insurance);
    assert_eq!(s.account(&alice).positions.len(), 10);
}

#[test]
fn prices_and_sizes_at_configured_maxima() {
    let big = MarketConfig {
        max_long_oi: usdc(1_000_000_000_000),
        max_short_oi: usdc(1_000_000_000_000),
        max_position_notional: Some(usdc(1_000_000_000_000)),
        // a vault of 1M facing 10^12 of skew: the exposure caps out of the way (no backing)
        max_skew_to_vault: Some(d("10000000")),
        ..plain_market("BIG")
    };
    let mut s = Suite::with(
        |m| {
            m.vault_min_backing = d("0");
            m.adl_trigger_ratio = Some(d("0"));
            m.max_total_skew_to_vault = Some(d("10000000"));
        },
        &[("BIG", big)],
    );
    s.set_price("BIG", "1000000000");
    let (whale, keeper) = (
        s.trader("whale", 100_000_000_000, 100_000_000_000),
        s.trader("keeper", 0, 0),
    );
    // exactly the position cap (10^12 USDC of notional) on exactly the initial requirement
    s.trade(&whale, "BIG", "1000");
    s.rejects_trade(
        &whale,
        "BIG",
        "0.001",
        "long open interest of market BIG would be 1000001000000000000 > cap 1000000000000000000",
    );
    s.set_price("BIG", "940000000");
    s.assert_equity_and_mm(&whale, 40_000_000_000, 47_000_000_000);
    let res = s.liquidate(&keeper, &whale, None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].size_closed, sd("379.939209726443870315"));
    assert_eq!(ev[0].penalty, Uint128::new(3571428571428573));
    assert_eq!(ev[0].liquidator_reward, Uint128::new(1785714285714286));
    assert_eq!(ev[0].insurance_share, Uint128::new(1785714285714287));
    // 36,428,571,428.571426 ≥ ceil(1.25 · 29,142,857,142.857139)
    assert_eq!(ev[0].equity_after, Int128::new(36428571428571426));
    assert_eq!(ev[0].maintenance_after, Uint128::new(29142857142857139));
    assert_eq!(s.balance(&keeper), 1_785_714_285_714_286);
}

#[test]
fn liquidatable_accounts_pages_over_a_hundred_accounts() {
    let mut s = Suite::new();
    let mut users = Vec::new();
    let risky = [7usize, 42, 99];
    for i in 0..100 {
        let u = s.trader(&format!("trader{i:03}"), 1_000, 1_000);
        let size = if risky.contains(&i) { "0.15" } else { "0.01" };
        s.trade(&u, "BTC", size);
        users.push(u);
    }
    // −10 %: the three at 0.15 BTC have Q = 100 < MM 405; the rest are far from it
    s.set_price("BTC", "54000");
    let mut expected: Vec<Addr> = risky.iter().map(|&i| users[i].clone()).collect();
    expected.sort();
    let mut all: Vec<Addr> = users.clone();
    all.sort();

    // default page: 10 scanned
    let first: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: None,
    });
    assert_eq!(first.next_start_after, Some(all[9].to_string()));
    // limit 0 still scans one account, so the cursor moves
    let one: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: Some(0),
    });
    assert_eq!(one.next_start_after, Some(all[0].to_string()));
    // any limit is capped at 30 scanned
    let mut found = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
            start_after: cursor.clone(),
            limit: Some(u32::MAX),
        });
        pages += 1;
        for a in &page.accounts {
            assert_eq!(a.equity, int_usdc(100));
            assert_eq!(a.maintenance_margin, usdc(405));
            assert_eq!(a.positions.len(), 1);
            assert_eq!(a.positions[0].market_id, "BTC");
            assert_eq!(a.positions[0].mode, PositionMode::Cross);
            assert_eq!(a.positions[0].size, sd("0.15"));
            found.push(a.address.clone());
        }
        match page.next_start_after {
            Some(next) => {
                let scanned = all.iter().position(|a| a.as_str() == next).unwrap();
                assert_eq!(scanned + 1, pages * 30);
                cursor = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(found, expected);
    // a liquidation takes an account off the list
    let keeper = s.trader("keeper", 0, 0);
    s.liquidate(&keeper, &expected[0], None).unwrap();
    let mut left = Vec::new();
    let mut cursor = None;
    loop {
        let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
            start_after: cursor,
            limit: Some(30),
        });
        left.extend(page.accounts.into_iter().map(|a| a.address));
        match page.next_start_after {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(left, expected[1..].to_vec());
}
