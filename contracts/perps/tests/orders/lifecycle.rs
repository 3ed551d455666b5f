//! Orders against liquidation, settlement and market status (DESIGN 6.11).

use cosmwasm_std::Uint128;
use perps_api::events::{OrderCancelledEvent, TradeEvent};
use perps_api::perps::{ExecuteMsg, Execution, MarketConfig, MarketStatusUpdate};

use super::{deferred_suite, keeper_run, orders_of};
use crate::suite::{d, plain_market, sd, Suite};

#[test]
fn a_liquidation_cancels_the_accounts_orders_first() {
    let (mut s, alice, keeper) = super::long_with_a_stop(7_000, "50000");
    // 54,000: equity 1,000 < maintenance 2,700.
    s.set_price("BTC", "54000");
    let res = s.liquidate(&keeper, &alice, None).unwrap();
    let c = &Suite::typed::<OrderCancelledEvent>(&res)[0];
    assert_eq!(
        (c.order_id, c.reason.as_str(), c.refund),
        (2, "liquidation", Uint128::new(500_000))
    );
    assert!(orders_of(&s, &alice).is_empty());
}

#[test]
fn orders_that_can_no_longer_fill_are_refunded_after_settlement_or_a_reduce_only_switch() {
    let mut s = deferred_suite(plain_market("BTC"));
    let [alice, bob] = s.traders(["alice", "bob"], 10_000, 10_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&alice, "BTC", "1");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    // Reduce-only: bob's opening order is refunded, alice's close still fills.
    s.trade(&bob, "BTC", "1");
    s.close(&alice, "BTC").unwrap();
    s.set_market_status("BTC", MarketStatusUpdate::ReduceOnly);
    s.set_price("BTC", "60500");
    let res = keeper_run(&mut s, &keeper, None);
    let c = &Suite::typed::<OrderCancelledEvent>(&res)[0];
    assert_eq!(
        (c.order_id, c.reason.as_str(), c.refund),
        (2, "reduce_only", Uint128::new(6_060_500_000))
    );
    assert_eq!(Suite::typed::<TradeEvent>(&res)[0].fill_price, d("60500"));
    assert_eq!(s.account(&bob).free_collateral.u128(), 10_000_000_000);
    // Settled: a pending order is refunded.
    s.set_market_status("BTC", MarketStatusUpdate::Active);
    s.trade(&bob, "BTC", "1");
    s.settle_market("BTC", Some(d("60000")));
    let res = keeper_run(&mut s, &keeper, None);
    let c = &Suite::typed::<OrderCancelledEvent>(&res)[0];
    assert_eq!((c.order_id, c.reason.as_str()), (4, "settled"));
    assert!(orders_of(&s, &bob).is_empty());
}

#[test]
fn execution_cannot_switch_while_market_orders_are_pending() {
    let mut s = deferred_suite(plain_market("BTC"));
    let (alice, keeper) = (s.trader("alice", 10_000, 10_000), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", "1");
    super::switch_to_immediate_refused(&mut s, plain_market("BTC"));
    let immediate = MarketConfig {
        execution: Some(Execution::Immediate),
        ..plain_market("BTC")
    };
    let owner = s.owner.clone();
    let msg = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: immediate.clone(),
        force: None,
    };
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    // An update without the field keeps the market deferred; the switch now passes.
    let keep = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: MarketConfig {
            execution: None,
            ..plain_market("BTC")
        },
        force: None,
    };
    s.exec(&owner, &keep).unwrap();
    assert_eq!(s.market("BTC").config.execution, Some(Execution::Deferred));
    s.exec(&owner, &msg).unwrap();
    let res = s.trade(&alice, "BTC", "0.5");
    assert_eq!(Suite::typed::<TradeEvent>(&res)[0].size_after, sd("1.5"));
}
