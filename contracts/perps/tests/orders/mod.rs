//! Deferred execution and orders (DESIGN 6.11; SECURITY front-running rows; invariants 12–13).

mod attacks;
mod conditional;
mod failure;
mod lifecycle;
mod lp;
mod lp_attacks;
mod market;
mod review3;
mod review4;
mod review5;
mod review6;
mod settlement;
mod sim;
mod triggered;

use cosmwasm_std::{Addr, Uint128};
use cw_multi_test::AppResponse;
use perps_api::perps::{ExecuteMsg, Execution, MarketConfig, OrderResponse, QueryMsg, Trigger};

use crate::suite::{config_update, d, sd, Suite};

/// `btc` made deferred, next to the plain (immediate) ETH market; keeper fee 0.5 USDC.
pub fn deferred_suite(btc: MarketConfig) -> Suite {
    let mut s = Suite::with_btc(MarketConfig {
        execution: Some(Execution::Deferred),
        ..btc
    });
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    s
}

/// `keeper` executes `ids` (ready market orders oldest first when `None`).
pub fn keeper_run(s: &mut Suite, keeper: &Addr, ids: Option<Vec<u64>>) -> AppResponse {
    s.exec(
        keeper,
        &ExecuteMsg::ExecuteOrders {
            order_ids: ids,
            limit: None,
        },
    )
    .unwrap()
}

/// Publishes `price` for `market` (a record after the block of the failures in `res`) and runs
/// `keeper`: the failures' settling entries are charged their move there (scenario 77); the run's
/// events are added to `res`.
pub fn settle_at(s: &mut Suite, keeper: &Addr, market: &str, price: &str, res: &mut AppResponse) {
    s.set_price(market, price);
    let run = keeper_run(s, keeper, None);
    res.events.extend(run.events);
}

/// The moves the `order_settled` events of `res` charged, base units.
pub fn settled_move(res: &AppResponse) -> u128 {
    Suite::typed::<perps_api::events::OrderSettledEvent>(res)
        .iter()
        .map(|e| e.price_move.u128())
        .sum()
}

/// The pending orders of `who`.
pub fn orders_of(s: &Suite, who: &Addr) -> Vec<OrderResponse> {
    s.query::<perps_api::perps::OrdersResponse>(&QueryMsg::Orders {
        address: who.to_string(),
    })
    .orders
}

/// Plain deferred BTC; alice (`c` deposited) long 1 BTC filled at 60,000 by the keeper, then a
/// reduce-only stop selling 1 below `trigger`. Returns the suite, alice and the keeper.
pub fn long_with_a_stop(c: u128, trigger: &str) -> (Suite, Addr, Addr) {
    let mut s = deferred_suite(crate::suite::plain_market("BTC"));
    let (alice, keeper) = (s.trader("alice", c, c), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", "1");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    let stop = stop_msg("BTC", trigger);
    s.exec(&alice, &stop).unwrap();
    (s, alice, keeper)
}

/// The owner switches BTC (`config`) to immediate execution: refused while one order is pending
/// in it, nothing changed.
pub fn switch_to_immediate_refused(s: &mut Suite, config: MarketConfig) {
    let owner = s.owner.clone();
    let msg = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: MarketConfig {
            execution: Some(Execution::Immediate),
            ..config
        },
        force: None,
    };
    s.rejects_exact(
        &owner,
        &msg,
        &[],
        "market BTC has 1 pending orders: its execution cannot change",
    );
}

/// A conditional order on BTC: `size` when the price crosses `trigger` (`above`).
pub fn cond(size: &str, trigger: &str, above: bool, acceptable: Option<&str>) -> ExecuteMsg {
    ExecuteMsg::PlaceOrder {
        market_id: "BTC".into(),
        size_delta: sd(size),
        trigger_price: d(trigger),
        trigger: if above {
            Trigger::Above
        } else {
            Trigger::Below
        },
        reduce_only: None,
        acceptable_price: acceptable.map(d),
        mode: None,
    }
}

/// A reduce-only stop in `market`: sell 1 when a record is at or below `trigger`.
pub fn stop_msg(market: &str, trigger: &str) -> ExecuteMsg {
    ExecuteMsg::PlaceOrder {
        market_id: market.into(),
        size_delta: sd("-1"),
        trigger_price: d(trigger),
        trigger: Trigger::Below,
        reduce_only: Some(true),
        acceptable_price: None,
        mode: None,
    }
}
