//! Liquidation (DESIGN 6.8, SECURITY 19-26, 39, 41): exact amounts, events, invariants after
//! every step (the harness checks them after each message).

use cosmwasm_std::Int128;
use perps_api::perps::Health;

use crate::suite::{int_usdc, Suite, USDC};

/// alice: short 1 BTC at 60,000 with C = 6,150 USDC; at 63,000 her equity is exactly her
/// maintenance requirement (3,150). bob: the same with one base unit less.
fn at_the_boundary() -> (Suite, cosmwasm_std::Addr, cosmwasm_std::Addr, cosmwasm_std::Addr) {
    let mut s = Suite::new();
    let (alice, bob, keeper) = (
        s.user("alice", 10_000),
        s.user("bob", 10_000),
        s.user("keeper", 0),
    );
    s.deposit(&alice, 6_150);
    s.exec_funds(&bob, &perps_api::perps::ExecuteMsg::Deposit {}, 6_150 * USDC - 1)
        .unwrap();
    s.trade(&alice, "BTC", "-1");
    s.trade(&bob, "BTC", "-1");
    s.set_price("BTC", "63000");
    (s, alice, bob, keeper)
}

#[test]
fn healthy_and_exactly_at_maintenance_are_refused_one_unit_below_is_liquidated() {
    let (mut s, alice, bob, keeper) = at_the_boundary();
    let a = s.account(&alice);
    assert_eq!((a.equity, a.maintenance_margin.u128()), (int_usdc(3_150), 3_150 * USDC));
    assert_eq!(a.health, Health::Healthy);
    s.rejects(
        &keeper,
        &Suite::liquidate_msg(&alice, None),
        &[],
        &format!(
            "account {alice} is healthy: cross equity 3150000000 ≥ maintenance 3150000000"
        ),
    );
    let b = s.account(&bob);
    assert_eq!(b.equity, Int128::new(3_150 * USDC as i128 - 1));
    assert_eq!(b.health, Health::Liquidatable);
    let res = s.liquidate(&keeper, &bob, None).unwrap();
    let ev = Suite::events(&res, "liquidation");
    assert_eq!(ev.len(), 1, "{ev:?}");
    println!("{ev:?}");
    println!("{:?}", s.account(&bob));
    println!("keeper {}", s.balance(&keeper));
}
