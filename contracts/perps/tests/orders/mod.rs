//! Deferred execution and orders (DESIGN 6.11; SECURITY front-running rows; invariants 12–13).

mod attacks;
mod conditional;
mod failure;
mod lifecycle;
mod lp;
mod lp_attacks;
mod market;
mod review3;
mod sim;
mod triggered;

use cosmwasm_std::{Addr, Uint128};
use cw_multi_test::AppResponse;
use perps_api::perps::{ExecuteMsg, Execution, MarketConfig, OrderResponse, QueryMsg};

use crate::suite::{config_update, Suite};

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

/// The pending orders of `who`.
pub fn orders_of(s: &Suite, who: &Addr) -> Vec<OrderResponse> {
    s.query::<perps_api::perps::OrdersResponse>(&QueryMsg::Orders {
        address: who.to_string(),
    })
    .orders
}
