//! Liquidation is a separate issue; the message exists so the public API is complete.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response, Uint128};

use crate::error::{ContractError, ContractResult};

pub fn liquidate(
    _deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    _account: String,
    _min_reward: Option<Uint128>,
) -> ContractResult<Response> {
    Err(ContractError::NotImplemented {
        what: "liquidate".to_string(),
    })
}
