//! Attack 2 (SECURITY 45): liquidation rewards farmed from the insurance fund with hedged pairs of
//! the smallest positions and the attackers' own liquidator. The reward is paid by the liquidated
//! book alone, and `min_position_notional` keeps every book worth its reward.

use cosmwasm_std::{Addr, Uint128};
use perps_api::events::{BadDebtEvent, LiquidationEvent};

use crate::solvency::wallets;
use crate::suite::{d, plain_market, Suite, USDC};

/// The review's market: ETH at 3,000, minimum size 0.01 (30 USDC of notional, MM 1.5 at 5 %),
/// `min_liquidation_reward` 5 USDC, an insurance fund holding 1,000 USDC.
fn farm_suite(min_position_notional: Option<u128>) -> Suite {
    let mut eth = plain_market("ETH");
    eth.min_order_size = d("0.01");
    let mut s = Suite::with(
        |m| {
            m.min_liquidation_reward = Some(Uint128::new(5 * USDC));
            m.min_position_notional = min_position_notional.map(Uint128::new);
        },
        &[("BTC", plain_market("BTC")), ("ETH", eth)],
    );
    s.register_engine();
    s.fund_insurance(1_000 * USDC);
    s
}

/// `n` hedged pairs (long and short `size` ETH, each on exactly its initial margin `margin`
/// base units, cross or isolated) and one liquidator wallet; returns (longs, shorts, liquidator).
fn open_pairs(
    s: &mut Suite,
    n: usize,
    size: &str,
    margin: u128,
    isolated: bool,
) -> (Vec<Addr>, Vec<Addr>, Addr) {
    let mut longs = Vec::new();
    let mut shorts = Vec::new();
    for i in 0..n {
        for (side, list) in [("", &mut longs), ("-", &mut shorts)] {
            let w = s.trader(&format!("farmer{side}{i}"), 0, 0);
            s.mint(&w, margin);
            s.exec_funds(&w, &perps_api::perps::ExecuteMsg::Deposit {}, margin)
                .unwrap();
            let sz = format!("{side}{size}");
            if isolated {
                s.try_isolated(&w, "ETH", &sz, margin).unwrap();
            } else {
                s.trade(&w, "ETH", &sz);
            }
            list.push(w);
        }
    }
    let liquidator = s.trader("farm-liquidator", 0, 0);
    (longs, shorts, liquidator)
}

/// Everything every wallet of the group holds in the engine is withdrawn.
fn cash_out(s: &mut Suite, who: &[Addr]) {
    for w in who {
        if !s.account(w).positions.is_empty() {
            s.close(w, "ETH").unwrap();
        }
        let c = s.account(w).collateral.i128();
        if c > 0 {
            s.withdraw(w, c as u128).unwrap();
        }
    }
}

/// The review's steps: a pair of 0.01 ETH on 3 USDC each. Refused: with `min_liquidation_reward`
/// 5 and MMR 5 %, every position needs at least 2·5/0.05 = 200 USDC of notional (the default
/// floor when `min_position_notional` is not set).
#[test]
fn s45_minimum_size_pairs_are_refused_below_the_derived_notional_floor() {
    let mut s = farm_suite(None);
    let farmer = s.trader("farmer", 0, 0);
    s.mint(&farmer, 3 * USDC);
    s.exec_funds(&farmer, &perps_api::perps::ExecuteMsg::Deposit {}, 3 * USDC)
        .unwrap();
    s.rejects_trade_exact(
        &farmer,
        "ETH",
        "0.01",
        "position notional 30000000 in market ETH is below min_position_notional 200000000",
    );
    s.rejects(
        &farmer,
        &Suite::isolated_msg("ETH", "0.01", 3 * USDC),
        &[],
        "position notional 30000000 in market ETH is below min_position_notional 200000000",
    );
}

/// An explicit `min_position_notional` below `2·min_liquidation_reward/mmr_1` is refused.
#[test]
fn s45_an_explicit_floor_too_small_for_the_reward_is_refused() {
    let mut s = farm_suite(Some(200 * USDC));
    let owner = s.owner.clone();
    s.rejects_exact(
        &owner,
        &crate::suite::config_update!(min_position_notional: Uint128::new(199 * USDC)),
        &[],
        "invalid parameter min_position_notional: 199000000 · mmr 0.05 of market BTC < 2 × min_liquidation_reward 5000000",
    );
}

/// The smallest pairs the engine takes (0.07 ETH, 210 of notional), 5 of them, cross and
/// isolated, a −6 % move, the farmers' own liquidator: each reward comes out of the liquidated
/// book, the fund pays nothing, and the group ends with less than it put in.
fn farm(isolated: bool) {
    let mut s = farm_suite(None);
    let fund_before = s.balance(&s.fund.clone());
    let margin = 21 * USDC; // IM of 0.07 × 3,000 at 10 %
    let (longs, shorts, liquidator) = open_pairs(&mut s, 5, "0.07", margin, isolated);
    s.set_price("ETH", "2820");
    let mut rewards = 0;
    for l in &longs {
        let res = s.liquidate(&liquidator, l, None).unwrap();
        assert!(Suite::typed::<BadDebtEvent>(&res).is_empty());
        for ev in Suite::typed::<LiquidationEvent>(&res) {
            rewards += ev.liquidator_reward.u128();
        }
    }
    assert!(rewards > 0);
    let mut group = longs.clone();
    group.extend(shorts.iter().cloned());
    cash_out(&mut s, &group);
    let put_in = 10 * margin;
    let taken = wallets(&s, &group) + s.balance(&liquidator);
    assert!(taken <= put_in, "the farmers took {taken} > {put_in}");
    assert_eq!(s.balance(&s.fund.clone()), fund_before, "the fund paid");
}

#[test]
fn s45_cross_pairs_farm_nothing() {
    farm(false);
}

#[test]
fn s45_isolated_pairs_farm_nothing() {
    farm(true);
}

/// Below the old floor the liquidation of a near-bankrupt book pays the caller only what the book
/// holds: the top-up above it is no one's debt (the fund and the vault never pay a reward).
#[test]
fn s45_a_reward_above_what_the_book_holds_is_not_paid_by_the_fund() {
    // floor 0: a market whose MMR makes 30 USDC acceptable (reward 0.1 → floor 4 USDC)
    let mut eth = plain_market("ETH");
    eth.min_order_size = d("0.01");
    let mut s = Suite::with(
        |m| m.min_liquidation_reward = Some(Uint128::new(USDC / 10)),
        &[("BTC", plain_market("BTC")), ("ETH", eth)],
    );
    s.register_engine();
    s.fund_insurance(1_000 * USDC);
    let fund_before = s.balance(&s.fund.clone());
    let (longs, shorts, liquidator) = open_pairs(&mut s, 1, "0.01", 3 * USDC, false);
    // −9.9 %: equity 3 − 2.97 = 0.03 left, below the 0.1 reward
    s.set_price("ETH", "2703");
    let res = s.liquidate(&liquidator, &longs[0], None).unwrap();
    let ev = Suite::typed::<LiquidationEvent>(&res);
    assert_eq!(ev[0].penalty.u128(), 30_000);
    assert_eq!(ev[0].insurance_share.u128(), 0);
    assert_eq!(ev[0].liquidator_reward.u128(), 30_000);
    assert!(Suite::typed::<BadDebtEvent>(&res).is_empty());
    assert_eq!(s.balance(&liquidator), 30_000);
    assert_eq!(s.balance(&s.fund.clone()), fund_before);
    cash_out(&mut s, &shorts);
}
