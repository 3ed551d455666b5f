//! The perps engine: accounts, markets, cross and isolated trading against a liquidity vault,
//! funding, fees, permissionless liquidation and the bad-debt waterfall (insurance fees, the
//! insurance fund through a submessage replying on error, then the vault). Money decisions live
//! in `perps-risk`; this crate loads, checks, stores.

pub mod account;
pub mod contract;
pub mod error;
pub mod execute;
pub mod market;
pub mod oracle;
pub mod query;
pub mod state;
pub mod trade;
pub mod valuation;

use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response};
use perps_api::perps::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

pub use crate::error::{ContractError, ContractResult, OracleError};
pub use crate::state::CONTRACT_NAME;

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;

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

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, env: Env, msg: Reply) -> ContractResult<Response> {
    contract::reply(deps, env, msg)
}
