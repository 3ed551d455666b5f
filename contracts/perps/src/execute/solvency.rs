//! `mark_bad_debt` (DESIGN 6.10, permissionless): records the shortfall of an account's bankrupt
//! books as `unrecoverable`, which every vault equity the engine checks subtracts until the books
//! are closed. It closes nothing; it is also the permissionless path of a pending payout
//! (issue 12): the account's pending payout is paid into its `C` first, as far as the vault
//! holds the cash, and the call is accepted when it paid (or the haircut settled) any of it.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use cw_utils::nonpayable;
use perps_api::events::BadDebtMarkedEvent;

use crate::account::load_account;
use crate::error::{ContractError, ContractResult};
use crate::solvency::{pay_pending, set_mark, shortfall};
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
    let mut ctx = load_account(deps.as_ref(), &env, &cfg, &addr, None)?;
    let loaded = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    // the permissionless path of a pending payout (issue 12): paid first, as far as cash allows
    let payout = pay_pending(deps.as_ref(), &env, &cfg, &mut ctx, &mut vault)?;
    let settled = payout.paid.checked_add(payout.forgiven)?;
    let amount = shortfall(&ctx, &cfg)?;
    let marked = !amount.is_zero() || BAD_DEBT.has(deps.storage, &addr);
    // a healthy book with no record and nothing to pay is refused; a record the books no
    // longer justify is cleared
    if !marked && settled.is_zero() {
        return Err(ContractError::NotBankrupt { account });
    }
    if marked {
        set_mark(deps.storage, &mut vault, &addr, amount)?;
    }
    ctx.save(deps.storage, &loaded, &mut vault)?;
    VAULT.save(deps.storage, &vault)?;
    let mut res = Response::new().add_attribute("action", "mark_bad_debt");
    if !settled.is_zero() {
        res = res
            .add_attribute("pending_paid", payout.paid)
            .add_attribute("pending_forgiven", payout.forgiven)
            .add_attribute("pending_left", payout.pending);
    }
    if marked {
        res = res.add_event(BadDebtMarkedEvent {
            account: addr,
            shortfall: amount,
            unrecoverable: vault.unrecoverable,
        });
    }
    Ok(res)
}
