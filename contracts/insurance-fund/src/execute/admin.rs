//! Owner actions on the engines (ownership: `perps_api::ownership`, dispatched in `contract`).

use cosmwasm_std::{DepsMut, MessageInfo, Response};

use crate::error::{ContractError, ContractResult};
use crate::state::{CONFIG, OWNERSHIP};
use crate::validate;

/// Registers an engine; it may then call `cover_bad_debt`.
pub fn add_engine(deps: DepsMut, info: MessageInfo, engine: String) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    let engine = validate::addr(deps.api, &engine)?;
    let mut config = CONFIG.load(deps.storage)?;
    if config.engines.contains(&engine) {
        return Err(ContractError::EngineExists { engine });
    }
    validate::ensure_engine_count(config.engines.len().saturating_add(1))?;
    config.engines.push(engine.clone());
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "add_engine")
        .add_attribute("engine", engine))
}

/// Unregisters an engine; its recorded payouts stay in the history.
pub fn remove_engine(deps: DepsMut, info: MessageInfo, engine: String) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    let engine = validate::addr(deps.api, &engine)?;
    let mut config = CONFIG.load(deps.storage)?;
    let before = config.engines.len();
    config.engines.retain(|e| *e != engine);
    if config.engines.len() == before {
        return Err(ContractError::EngineNotFound { engine });
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "remove_engine")
        .add_attribute("engine", engine))
}
