//! The bad-debt path shared by `liquidate` and an owner's close of a bankrupt book (DESIGN 6.8).
//!
//! A shortfall `D` is paid from the pending insurance fees, then by the insurance fund up to
//! its bank balance (read with a bank query, no contract instance loaded), and the rest is
//! socialized on vault cash. The fund is asked with `cover_bad_debt` as a submessage replying
//! on error only. Its payment arrives by bank send in the same transaction, so vault cash is
//! credited with it up-front (it simply does not take that part of the loss); if the call fails,
//! the fund paid nothing and [`reply`] books the requested amount as socialized too. Both ways
//! the ledger equals the bank balance exactly once the transaction ends.

use cosmwasm_std::{
    from_json, to_json_binary, Addr, Deps, DepsMut, Event, Reply, Response, SubMsg, SubMsgResult,
    Uint128,
};
use perps_api::events::{BadDebtCoverFailedEvent, BadDebtEvent};
use perps_api::insurance_fund::InsuranceFund;
use perps_risk::ledger;
use perps_risk::waterfall::{bad_debt_waterfall, Waterfall};

use crate::error::{ContractError, ContractResult};
use crate::state::{Config, Vault, VAULT};

/// Reply id of the `cover_bad_debt` submessage.
pub const COVER_REPLY_ID: u64 = 1;

/// Pays `shortfall` through the waterfall: fees and vault cash are updated in `vault`; the
/// returned submessage (if any) asks the fund for its part.
pub fn cover(
    deps: Deps,
    cfg: &Config,
    vault: &mut Vault,
    shortfall: Uint128,
) -> ContractResult<(Waterfall, Option<SubMsg>)> {
    cover_after(deps, cfg, vault, shortfall, Uint128::zero())
}

/// [`cover`] when `fund_requested` was already asked of the fund earlier in the same call (its
/// payments have not arrived yet, so that much of the balance read is spoken for). Each request
/// then fits what the fund holds when it runs, so the fund pays every one in full.
pub fn cover_after(
    deps: Deps,
    cfg: &Config,
    vault: &mut Vault,
    shortfall: Uint128,
    fund_requested: Uint128,
) -> ContractResult<(Waterfall, Option<SubMsg>)> {
    if shortfall.is_zero() {
        return Ok((Waterfall::default(), None));
    }
    let after_fees = shortfall.saturating_sub(vault.insurance_fees);
    // the fund is read only when the fees do not cover everything
    let fund_balance = if after_fees.is_zero() {
        Uint128::zero()
    } else {
        let b = InsuranceFund(cfg.insurance_fund.clone())
            .bank_balance(&deps.querier, &cfg.collateral_denom)?;
        // a balance beyond u128 covers any u128 shortfall
        Uint128::try_from(b)
            .unwrap_or(Uint128::MAX)
            .saturating_sub(fund_requested)
    };
    let w = bad_debt_waterfall(shortfall, vault.insurance_fees, fund_balance)?;
    vault.apply(&ledger::cover(vault.balances(), &w)?.after);
    let sub = if w.from_fund.is_zero() {
        None
    } else {
        let msg = InsuranceFund(cfg.insurance_fund.clone()).cover_msg(w.from_fund)?;
        Some(
            SubMsg::reply_on_error(msg, COVER_REPLY_ID).with_payload(to_json_binary(&w.from_fund)?),
        )
    };
    Ok((w, sub))
}

/// [`cover`], with the `bad_debt` event pushed onto `events` when there is a shortfall; returns
/// the fund's submessage, if any, to go first in the response.
pub fn cover_with_event(
    deps: Deps,
    cfg: &Config,
    vault: &mut Vault,
    account: &Addr,
    shortfall: Uint128,
    events: &mut Vec<Event>,
) -> ContractResult<Option<SubMsg>> {
    let (w, sub) = cover(deps, cfg, vault, shortfall)?;
    if !w.shortfall.is_zero() {
        events.push(event(account, &w));
    }
    Ok(sub)
}

/// The `bad_debt` event of a call (DESIGN 6.8).
pub fn event(account: &Addr, w: &Waterfall) -> Event {
    BadDebtEvent {
        account: account.clone(),
        shortfall: w.shortfall,
        from_fees: w.from_fees,
        from_fund: w.from_fund,
        socialized: w.socialized,
    }
    .into()
}

/// The fund's `cover_bad_debt` failed: it paid nothing, so the amount credited up-front is
/// taken back from vault cash (socialized).
pub fn reply(deps: DepsMut, msg: Reply) -> ContractResult<Response> {
    if msg.id != COVER_REPLY_ID {
        return Err(ContractError::UnknownReply { id: msg.id });
    }
    let SubMsgResult::Err(error) = msg.result else {
        return Ok(Response::new());
    };
    let requested: Uint128 = from_json(&msg.payload)?;
    let mut vault = VAULT.load(deps.storage)?;
    vault.apply(&ledger::cover_failed(vault.balances(), requested)?.after);
    VAULT.save(deps.storage, &vault)?;
    Ok(Response::new().add_event(BadDebtCoverFailedEvent {
        requested,
        socialized: requested,
        error,
    }))
}
