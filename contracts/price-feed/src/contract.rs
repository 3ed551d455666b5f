//! Instantiate, migrate, and the dispatch of execute and query messages.

use cosmwasm_std::{to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response};
use perps_api::ownership;
use perps_api::price_feed::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

use crate::error::ContractResult;
use crate::execute::{admin, prices};
use crate::query as queries;
use crate::state::{CONFIG, OWNERSHIP};
use crate::validate;

/// cw2 identity, checked by `migrate`.
pub const CONTRACT_NAME: &str = "crates.io:price-feed";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> ContractResult<Response> {
    // Funds sent here could never leave: the contract has no payout path.
    cw_utils::nonpayable(&info)?;
    let owner = match msg.owner {
        Some(owner) => validate::addr(deps.api, &owner)?,
        None => info.sender,
    };
    let config = validate::config(deps.api, &msg.publishers, msg.max_future_secs)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    OWNERSHIP.save(deps.storage, &ownership::Ownership::new(owner.clone()))?;
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("owner", owner)
        .add_attribute("publishers", config.publishers.len().to_string())
        .add_attribute("max_future_secs", config.max_future_secs.to_string()))
}

pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    // No message takes funds, and nothing could return them.
    cw_utils::nonpayable(&info)?;
    match msg {
        ExecuteMsg::UpdatePrices { prices } => prices::update_prices(deps, env, info, prices),
        ExecuteMsg::ResetPrice {
            feed_id,
            price,
            conf,
            publish_time,
        } => prices::reset_price(deps, env, info, feed_id, price, conf, publish_time),
        ExecuteMsg::AddFeed {
            feed_id,
            description,
            max_price_jump,
            jump_window_secs,
            max_jump_windows,
        } => admin::add_feed(
            deps,
            info,
            feed_id,
            description,
            max_price_jump,
            jump_window_secs,
            max_jump_windows,
        ),
        ExecuteMsg::RemoveFeed { feed_id } => admin::remove_feed(deps, info, feed_id),
        ExecuteMsg::SetPublishers { publishers } => admin::set_publishers(deps, info, publishers),
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

pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> ContractResult<Binary> {
    match msg {
        QueryMsg::Config {} => Ok(to_json_binary(&queries::config(deps)?)?),
        QueryMsg::Price { feed_id } => Ok(to_json_binary(&queries::price(deps, feed_id)?)?),
        QueryMsg::Prices { feed_ids } => Ok(to_json_binary(&queries::prices(deps, feed_ids)?)?),
        QueryMsg::PriceHistory { feed_id } => {
            Ok(to_json_binary(&queries::price_history(deps, feed_id)?)?)
        }
        QueryMsg::Feeds { start_after, limit } => {
            Ok(to_json_binary(&queries::feeds(deps, start_after, limit)?)?)
        }
    }
}

/// Refuses another contract's state and downgrades; records the new version; moves a history
/// kept in 16 slots to its slots of 256 (`state::reslot_history`).
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> ContractResult<Response> {
    let res = perps_api::migrate::migrate(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    crate::state::reslot_history(deps.storage)?;
    Ok(res)
}
