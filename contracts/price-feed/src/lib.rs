//! price-feed: latest price per feed, pushed by whitelisted publishers; read by the engine with a
//! raw storage query (layout in `perps_api::price_feed::PRICES`).

pub mod contract;
pub mod error;
pub mod execute;
pub mod query;
pub mod rules;
pub mod state;
pub mod validate;

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};
use perps_api::price_feed::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

pub use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
pub use crate::error::{ContractError, ContractResult};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> ContractResult<Response> {
    contract::instantiate(deps, env, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    contract::execute(deps, env, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> ContractResult<Binary> {
    contract::query(deps, env, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, env: Env, msg: MigrateMsg) -> ContractResult<Response> {
    contract::migrate(deps, env, msg)
}
