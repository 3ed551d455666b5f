//! `mark_bad_debt` (DESIGN 6.10, permissionless): records the shortfall of an account's bankrupt
//! books as `unrecoverable`, which every vault equity the engine checks subtracts until the books
//! are closed. It pays nothing and closes nothing.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use cw_utils::nonpayable;
use perps_api::events::BadDebtMarkedEvent;

use crate::account::load_account;
use crate::error::{ContractError, ContractResult};
use crate::solvency::{set_mark, shortfall};
use crate::state::{BAD_DEBT, CONFIG, VAULT};

pub fn mark_bad_debt(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    account: String,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let addr = deps.api.addr_validate(&account)?;
    let cfg = CONFIG.load(deps.storage)?;
    let ctx = load_account(deps.as_ref(), &env, &cfg, &addr, None)?;
    let amount = shortfall(&ctx, &cfg)?;
    // a healthy book with no record is refused; a record the books no longer justify is cleared
    if amount.is_zero() && !BAD_DEBT.has(deps.storage, &addr) {
        return Err(ContractError::NotBankrupt { account });
    }
    let mut vault = VAULT.load(deps.storage)?;
    set_mark(deps.storage, &mut vault, &addr, amount)?;
    VAULT.save(deps.storage, &vault)?;
    Ok(Response::new()
        .add_attribute("action", "mark_bad_debt")
        .add_event(BadDebtMarkedEvent {
            account: addr,
            shortfall: amount,
            unrecoverable: vault.unrecoverable,
        }))
}
