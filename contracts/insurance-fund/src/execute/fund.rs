//! Money in and out: deposits from anyone, bad-debt cover for engines, owner withdrawals.

use cosmwasm_std::{
    to_json_binary, BankMsg, Coin, DepsMut, Env, Event, MessageInfo, OverflowError,
    OverflowOperation, Response, Uint128, Uint256,
};
use perps_api::insurance_fund::Payout;

use crate::error::{ContractError, ContractResult};
use crate::state::{CONFIG, LAST_PAYOUT_ID, OWNERSHIP, PAYOUTS};
use crate::validate;

/// Anyone adds one coin of the fund's denom. Nothing is booked: the bank balance is the ledger.
pub fn deposit(deps: DepsMut, info: MessageInfo) -> ContractResult<Response> {
    let denom = CONFIG.load(deps.storage)?.denom;
    let amount = cw_utils::must_pay(&info, &denom)?;
    Ok(Response::new()
        .add_attribute("action", "deposit")
        .add_attribute("depositor", info.sender)
        .add_attribute("amount", amount.to_string())
        .add_attribute("denom", denom))
}

/// Pays `min(amount, balance)` to the calling engine. A short or empty fund is not an error: the
/// engine socializes the rest, and a failure here must never block a liquidation.
pub fn cover_bad_debt(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    amount: Uint128,
) -> ContractResult<Response> {
    let config = CONFIG.load(deps.storage)?;
    // Registration first, so a stranger learns nothing from the other checks.
    if !config.engines.contains(&info.sender) {
        return Err(ContractError::NotEngine {
            sender: info.sender,
        });
    }
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount { amount });
    }
    let balance =
        perps_api::lenient::query_balance(&deps.querier, &env.contract.address, &config.denom)?
            .amount;
    // At most `amount`, so it always fits back into a Uint128.
    let paid = Uint128::try_from(balance.min(Uint256::from(amount)))?;
    let shortfall = amount.checked_sub(paid)?;
    let id = LAST_PAYOUT_ID
        .may_load(deps.storage)?
        .unwrap_or_default()
        .checked_add(1)
        .ok_or(OverflowError::new(OverflowOperation::Add))?;
    let payout = Payout {
        id,
        engine: info.sender,
        requested: amount,
        paid,
        time: env.block.time.seconds(),
    };
    LAST_PAYOUT_ID.save(deps.storage, &id)?;
    PAYOUTS.save(deps.storage, id, &payout)?;

    let event = Event::new("cover_bad_debt")
        .add_attribute("id", id.to_string())
        .add_attribute("engine", payout.engine.as_str())
        .add_attribute("denom", config.denom.as_str())
        .add_attribute("requested", amount.to_string())
        .add_attribute("paid", paid.to_string())
        .add_attribute("shortfall", shortfall.to_string());
    let mut response = Response::new()
        .add_attribute("action", "cover_bad_debt")
        .add_event(event)
        .set_data(to_json_binary(&payout)?);
    // A zero-amount bank send fails on a real chain and would revert the engine's liquidation.
    if !paid.is_zero() {
        response = response.add_message(BankMsg::Send {
            to_address: payout.engine.to_string(),
            amount: vec![Coin::new(paid, config.denom)],
        });
    }
    Ok(response)
}

/// The owner takes `amount` out to `recipient`, never more than the bank balance.
pub fn withdraw(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    amount: Uint128,
    recipient: String,
) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount { amount });
    }
    let recipient = validate::addr(deps.api, &recipient)?;
    let denom = CONFIG.load(deps.storage)?.denom;
    let balance =
        perps_api::lenient::query_balance(&deps.querier, &env.contract.address, &denom)?.amount;
    if Uint256::from(amount) > balance {
        return Err(ContractError::InsufficientBalance {
            amount,
            balance,
            denom,
        });
    }
    Ok(Response::new()
        .add_attribute("action", "withdraw")
        .add_attribute("recipient", recipient.as_str())
        .add_attribute("amount", amount.to_string())
        .add_attribute("denom", denom.as_str())
        .add_message(BankMsg::Send {
            to_address: recipient.into_string(),
            amount: vec![Coin::new(amount, denom)],
        }))
}
