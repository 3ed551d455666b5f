//! insurance-fund: holds the insurance balance (its bank balance in one denom), takes deposits from
//! anyone, pays bad debt only to registered engines, and lets its owner (governance) withdraw.

pub mod contract;
pub mod error;
pub mod execute;
pub mod query;
pub mod state;
pub mod validate;

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};
use perps_api::insurance_fund::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

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
