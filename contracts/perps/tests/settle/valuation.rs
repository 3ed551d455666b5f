//! Settled positions are valued as closed everywhere (the `account` query, the liquidation scan
//! and `liquidate`): their realized PnL at the settlement price minus the funding they owe is in
//! the equity, and they carry no initial or maintenance requirement and no liquidation price.
//! The harness checks conservation and the market aggregates after every message.

use cosmwasm_std::{Addr, Int128, Uint128};
use perps_api::events::{LiquidationEvent, SettlePositionEvent};
use perps_api::perps::{
    AccountResponse, Health, LiquidatableAccountsResponse, PositionMode, QueryMsg,
};

use crate::suite::{d, fee_market, int_usdc, sd, usdc, Suite, USDC};

fn settle(s: &mut Suite, market: &str, price: &str) {
    s.settle_market(market, Some(d(price)));
}

fn scan(s: &Suite) -> LiquidatableAccountsResponse {
    s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: None,
    })
}

/// `name` deposits 10,000 and goes cross long 1 BTC at 60,000 (IM 6,000, MM 3,000) and long
/// 10 ETH at 3,000 (IM 3,000, MM 1,500).
fn btc_and_eth(s: &mut Suite, name: &str) -> Addr {
    let who = s.trader(name, 10_000, 10_000);
    s.trade(&who, "BTC", "1");
    s.trade(&who, "ETH", "10");
    who
}

/// The money of an account as the query reports it.
fn money(a: &AccountResponse) -> (Int128, Int128, Uint128, Uint128, Uint128) {
    (
        a.equity,
        a.collateral,
        a.initial_margin,
        a.maintenance_margin,
        a.free_collateral,
    )
}

#[test]
fn a_cross_book_below_maintenance_only_through_a_settled_position_is_healthy() {
    let mut s = Suite::new();
    let (alice, keeper) = (btc_and_eth(&mut s, "alice"), s.trader("keeper", 0, 0));
    // settled at 52,000: BTC realizes −8,000, so Q = 10,000 − 8,000 = 2,000. Valued open, BTC
    // would need MM 2,600 (5 % of 52,000) on top of ETH's 1,500: 2,000 < 4,100. Valued as
    // closed it needs nothing: 2,000 ≥ 1,500.
    settle(&mut s, "BTC", "52000");
    let a = s.account(&alice);
    assert_eq!(a.health, Health::Healthy);
    assert_eq!(a.collateral, int_usdc(10_000));
    assert_eq!(a.equity, int_usdc(2_000));
    assert_eq!(a.initial_margin, usdc(3_000));
    assert_eq!(a.maintenance_margin, usdc(1_500));
    // min(C' = 2,000, Q_im = 2,000) − IM 3,000 < 0
    assert_eq!(a.free_collateral, Uint128::zero());
    // MM/Q = 1,500/2,000; ΣN/Q = 30,000/2,000 (BTC's notional is no longer open)
    assert_eq!(a.margin_ratio, Some(d("0.75")));
    assert_eq!(a.leverage, Some(d("15")));
    // the settled position: its settlement value, no liquidation price
    let btc = &a.positions[0];
    assert_eq!(btc.market_id, "BTC");
    assert_eq!(btc.mark_price, d("52000"));
    assert_eq!(btc.notional, usdc(52_000));
    assert_eq!(btc.unrealized_pnl, int_usdc(-8_000));
    assert_eq!(btc.accrued_funding, Int128::zero());
    assert_eq!(btc.liquidation_price, None);
    // ETH alone against Q = 2,000: 2,000 + 10·(P − 3,000) = 0.05·10·P, P = 28,000/9.5
    let eth_liq = a.positions[1].liquidation_price;
    assert_eq!(eth_liq, Some(d("2947.368421052631578948")));

    // the scan does not list her and `liquidate` refuses her, naming the same numbers
    assert!(scan(&s).accounts.is_empty());
    s.rejects_exact(
        &keeper,
        &Suite::liquidate_msg(&alice, None),
        &[],
        &format!(
            "account {alice} is healthy: cross equity 2000000000 ≥ maintenance 1500000000 and \
             no isolated position is liquidatable"
        ),
    );

    // the touch closes BTC into C, and nothing changes in money
    s.settle_positions("BTC");
    let after = s.account(&alice);
    assert_eq!(after.positions.len(), 1);
    assert_eq!(after.collateral, int_usdc(2_000));
    assert_eq!(
        money(&after),
        (
            int_usdc(2_000),
            int_usdc(2_000),
            usdc(3_000),
            usdc(1_500),
            Uint128::zero()
        )
    );
    assert_eq!(after.health, Health::Healthy);
    assert_eq!(
        (after.margin_ratio, after.leverage),
        (a.margin_ratio, a.leverage)
    );
    assert_eq!(after.positions[0].liquidation_price, eth_liq);
    assert!(scan(&s).accounts.is_empty());
}

#[test]
fn a_cross_book_liquidatable_beside_a_settled_position_is_listed_and_liquidated() {
    let mut s = Suite::new();
    let bob = btc_and_eth(&mut s, "bob");
    // carol ends with the same live book and no settled position: C = 2,000 and 10 ETH
    let carol = btc_and_eth(&mut s, "carol");
    s.set_price("BTC", "52000");
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.account(&carol).collateral, int_usdc(2_000));
    settle(&mut s, "BTC", "52000");
    // ETH at 2,900: Q = 2,000 − 1,000 = 1,000 < MM 1,450 (5 % of 29,000), for both
    s.set_price("ETH", "2900");
    let (b, c) = (s.account(&bob), s.account(&carol));
    assert_eq!(b.health, Health::Liquidatable);
    assert_eq!(b.equity, int_usdc(1_000));
    assert_eq!(b.maintenance_margin, usdc(1_450));
    assert_eq!(
        (
            b.equity,
            b.initial_margin,
            b.maintenance_margin,
            b.free_collateral
        ),
        (
            c.equity,
            c.initial_margin,
            c.maintenance_margin,
            c.free_collateral
        )
    );
    assert_eq!(
        b.positions[1].liquidation_price,
        c.positions[0].liquidation_price
    );
    // both listed with the same numbers; bob's settled BTC is not among the positions at risk
    let page = scan(&s);
    let listed: Vec<_> = page
        .accounts
        .iter()
        .map(|a| {
            let at_risk: Vec<_> = a
                .positions
                .iter()
                .map(|p| (p.market_id.as_str(), p.mode.clone(), p.size))
                .collect();
            (a.address.clone(), a.equity, a.maintenance_margin, at_risk)
        })
        .collect();
    let entry = |who: &Addr| {
        (
            who.clone(),
            int_usdc(1_000),
            usdc(1_450),
            vec![("ETH", PositionMode::Cross, sd("10"))],
        )
    };
    let mut expected = vec![entry(&bob), entry(&carol)];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(listed, expected);

    // liquidated alike: bob's touch first closes BTC at 52,000 (−8,000 into C)
    let keeper = s.trader("keeper", 0, 0);
    let rb = s.liquidate(&keeper, &bob, None).unwrap();
    let settled = &Suite::typed::<SettlePositionEvent>(&rb)[0];
    assert_eq!(settled.realized_pnl, Int128::new(-8_000 * USDC as i128));
    let rc = s.liquidate(&keeper, &carol, None).unwrap();
    assert!(Suite::typed::<SettlePositionEvent>(&rc).is_empty());
    // the same liquidation but for the account
    let strip = |e: LiquidationEvent| LiquidationEvent {
        account: carol.clone(),
        ..e
    };
    let (lb, lc) = (
        Suite::typed::<LiquidationEvent>(&rb),
        Suite::typed::<LiquidationEvent>(&rc),
    );
    assert_eq!(lb.len(), 1);
    assert_eq!(
        lb.into_iter().map(strip).collect::<Vec<_>>(),
        lc.into_iter().map(strip).collect::<Vec<_>>()
    );
    // to the target 1.25: Q − 1 %·29,000 + 1 %·m − 5 units = 1.25·5 %·m for the notional m
    // left, m = 709.999995/0.0525 = 13,523.809428…, so 4.663382561576354679 ETH stay
    let l = &Suite::typed::<LiquidationEvent>(&rb)[0];
    assert_eq!(l.market_id, "ETH");
    assert_eq!(l.equity_before, Int128::new(1_000 * USDC as i128));
    assert_eq!(l.maintenance_before, Uint128::new(1_450 * USDC));
    assert_eq!(l.size_closed, sd("5.336617438423645321"));
    assert_eq!(l.size_after, sd("4.663382561576354679"));
    // −100 per ETH closed, rounded down; penalty 1 % of 15,476.19057… rounded up
    assert_eq!(l.realized_pnl, Int128::new(-533661744));
    assert_eq!(l.penalty, Uint128::new(154761906));
    assert_eq!(l.liquidator_reward, Uint128::new(77380953));
    assert_eq!(l.equity_after, Int128::new(845238093));
    assert_eq!(l.maintenance_after, Uint128::new(676190472));
    assert_eq!(Suite::attr(&rb, "wasm", "reward"), "77380953");
    // C = 2,000 − 533.661744 − 154.761906
    assert_eq!(s.account(&bob).collateral, Int128::new(1_311_576_350));
    assert_eq!(
        Suite::attr(&rb, "wasm", "reward"),
        Suite::attr(&rc, "wasm", "reward")
    );
    assert_eq!(money(&s.account(&bob)), money(&s.account(&carol)));
    assert_eq!(s.account(&bob).health, Health::Healthy);
}

#[test]
fn an_isolated_settled_position_reports_its_close_value_with_funding() {
    // BTC with funding: dave alone is long, so longs pay
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let dave = s.trader("dave", 5_000, 5_000);
    s.try_isolated(&dave, "BTC", "0.1", 1_000 * USDC).unwrap();
    s.advance(30);
    s.set_price("BTC", "60000");
    settle(&mut s, "BTC", "59000");
    let a = s.account(&dave);
    let p = &a.positions[0];
    assert_eq!(p.mode, PositionMode::Isolated);
    assert_eq!(p.mark_price, d("59000"));
    assert_eq!(p.liquidation_price, None);
    // filled at 60,003 (impact), fee 6.0003 out of the margin: M = 993.9997
    assert_eq!(p.entry_price, d("60003"));
    assert_eq!(p.margin, Some(Uint128::new(993_999_700)));
    // U = 0.1·(59,000 − 60,003) = −100.3; funding over 31 s at 0.1/day·(0.1/1,000) of 60,000:
    // A = ceil(0.1·60,000·10^-5/86,400·31·10^6) = ceil(21.53) = 22 base units
    assert_eq!(p.unrealized_pnl, Int128::new(-100_300_000));
    assert_eq!(p.accrued_funding, Int128::new(22));
    // equity = M + realized − funding owed = 993.9997 − 100.3 − 0.000022, what the close books
    assert_eq!(p.equity, Some(Int128::new(893_699_678)));
    // its requirement would be 5 % of 5,900; valued as closed it has none, and no notional
    // the cross book does not carry the isolated position: C alone, nothing required
    assert_eq!(a.initial_margin, Uint128::zero());
    assert_eq!(a.maintenance_margin, Uint128::zero());
    assert_eq!(a.collateral, int_usdc(4_000));
    let (collateral, equity) = (a.collateral, p.equity.unwrap());
    let res = s.settle_positions("BTC");
    let e = &Suite::typed::<SettlePositionEvent>(&res)[0];
    assert_eq!(e.realized_pnl, p.unrealized_pnl);
    assert_eq!(e.funding_paid, p.accrued_funding);
    assert_eq!(
        s.account(&dave).collateral,
        collateral.checked_add(equity).unwrap()
    );
    assert_eq!(s.account(&dave).collateral, Int128::new(4_893_699_678));
}

#[test]
fn a_settled_isolated_return_is_in_the_free_collateral_a_withdraw_can_take() {
    // alice: C = 10,000 − 7,000 = 3,000, isolated long 1 BTC @ 60,000 with M = 7,000, cross
    // long 1 ETH @ 3,000 (IM 300). bob: C = 3,500, isolated short 1 BTC with M = 6,500.
    let (mut s, alice) = Suite::with_alice();
    s.try_isolated(&alice, "BTC", "1", 7_000 * USDC).unwrap();
    s.trade(&alice, "ETH", "1");
    let bob = s.trader("bob", 10_000, 10_000);
    s.try_isolated(&bob, "BTC", "-1", 6_500 * USDC).unwrap();
    assert_eq!(s.account(&alice).free_collateral, usdc(2_700));
    assert_eq!(s.account(&bob).free_collateral, usdc(3_500));

    // settled at 67,000: alice's close returns M + 7,000 = 14,000 to C; bob's loses 7,000 >
    // M = 6,500, so 500 go to the bad-debt waterfall and nothing (not −500) to C
    settle(&mut s, "BTC", "67000");
    let a = s.account(&alice);
    // C' = 3,000 + 14,000 = 17,000 = Q = Q_im (ETH flat); free = 17,000 − IM 300
    assert_eq!(a.collateral, int_usdc(3_000));
    assert_eq!(a.equity, int_usdc(17_000));
    assert_eq!(a.initial_margin, usdc(300));
    assert_eq!(a.maintenance_margin, usdc(150));
    assert_eq!(a.free_collateral, usdc(16_700));
    assert_eq!(a.positions[0].equity, Some(int_usdc(14_000)));
    let b = s.account(&bob);
    assert_eq!(b.positions[0].equity, Some(int_usdc(-500)));
    assert_eq!(
        (b.equity, b.free_collateral),
        (int_usdc(3_500), usdc(3_500))
    );

    // one base unit more than reported is refused, naming both, and changes nothing
    for (who, free) in [(&alice, 16_700 * USDC), (&bob, 3_500 * USDC)] {
        s.rejects_exact(
            who,
            &Suite::withdraw_msg(free + 1),
            &[],
            &format!("withdrawal {} exceeds free collateral {free}", free + 1),
        );
    }

    // exactly the reported amount passes, and the touch leaves the books as valued
    let wallet = s.balance(&alice);
    s.withdraw(&alice, 16_700 * USDC).unwrap();
    assert_eq!(s.balance(&alice), wallet + 16_700 * USDC);
    let a = s.account(&alice);
    assert_eq!(a.positions.len(), 1);
    assert_eq!(a.collateral, int_usdc(300));
    assert_eq!(a.free_collateral, Uint128::zero());
    let wallet = s.balance(&bob);
    s.withdraw(&bob, 3_500 * USDC).unwrap();
    assert_eq!(s.balance(&bob), wallet + 3_500 * USDC);
    let b = s.account(&bob);
    assert!(b.positions.is_empty());
    assert_eq!(
        (b.collateral, b.free_collateral),
        (Int128::zero(), Uint128::zero())
    );
    s.check_invariants();
}
