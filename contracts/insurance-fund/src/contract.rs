//! Instantiate, migrate, and the dispatch of execute and query messages.

use cosmwasm_std::{to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response};
use perps_api::insurance_fund::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use perps_api::ownership;

use crate::error::ContractResult;
use crate::execute::{admin, fund};
use crate::query as queries;
use crate::state::{Config, CONFIG, OWNERSHIP};
use crate::validate;

/// cw2 identity, checked by `migrate`.
pub const CONTRACT_NAME: &str = "crates.io:insurance-fund";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> ContractResult<Response> {
    // Deposits go through `deposit`, which checks the denom; a coin of another denom sent here
    // could never leave.
    cw_utils::nonpayable(&info)?;
    let owner = match msg.owner {
        Some(owner) => validate::addr(deps.api, &owner)?,
        None => info.sender,
    };
    validate::denom(&msg.denom)?;
    let config = Config {
        denom: msg.denom,
        engines: validate::engines(deps.api, &msg.engines)?,
    };
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    OWNERSHIP.save(deps.storage, &ownership::Ownership::new(owner.clone()))?;
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("owner", owner)
        .add_attribute("denom", config.denom)
        .add_attribute("engines", config.engines.len().to_string()))
}

pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    // Only `deposit` takes funds; anything attached elsewhere would be stuck or, on
    // `cover_bad_debt`, make a payout look smaller than it is.
    if !matches!(msg, ExecuteMsg::Deposit {}) {
        cw_utils::nonpayable(&info)?;
    }
    match msg {
        ExecuteMsg::Deposit {} => fund::deposit(deps, info),
        ExecuteMsg::CoverBadDebt { amount } => fund::cover_bad_debt(deps, env, info, amount),
        ExecuteMsg::Withdraw { amount, recipient } => {
            fund::withdraw(deps, env, info, amount, recipient)
        }
        ExecuteMsg::AddEngine { engine } => admin::add_engine(deps, info, engine),
        ExecuteMsg::RemoveEngine { engine } => admin::remove_engine(deps, info, engine),
        ExecuteMsg::TransferOwnership { new_owner } => {
            ownership::transfer_ownership(deps.storage, &OWNERSHIP, &info.sender, || {
                validate::addr(deps.api, &new_owner)
            })
        }
        ExecuteMsg::AcceptOwnership {} => {
            ownership::accept_ownership(deps.storage, &OWNERSHIP, &info.sender)
        }
    }
}

pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> ContractResult<Binary> {
    match msg {
        QueryMsg::Config {} => Ok(to_json_binary(&queries::config(deps)?)?),
        QueryMsg::Balance {} => Ok(to_json_binary(&queries::balance(deps, env)?)?),
        QueryMsg::Payouts { start_after, limit } => Ok(to_json_binary(&queries::payouts(
            deps,
            start_after,
            limit,
        )?)?),
    }
}

/// Refuses another contract's state and downgrades; records the new version.
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> ContractResult<Response> {
    Ok(perps_api::migrate::migrate(
        deps.storage,
        CONTRACT_NAME,
        CONTRACT_VERSION,
    )?)
}
