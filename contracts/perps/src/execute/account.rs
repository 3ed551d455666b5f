//! Collateral in and out: deposit, withdraw, isolated margin.

use cosmwasm_std::{
    Addr, BankMsg, Coin, Deps, DepsMut, Env, Event, MessageInfo, Response, SubMsg, Uint128,
};
use cw_utils::nonpayable;
use perps_api::events::RemoveMarginEvent;
use perps_risk::book::check_remove_margin;
use perps_risk::ledger::{self, Balances};

use crate::account::{load_with_vault, AccountCtx, Snapshot};
use crate::error::{ContractError, ContractResult};
use crate::execute::settle::{holds_settled, touch_settled};
use crate::execute::{attached_collateral, paid_collateral};
use crate::market::Prices;
use crate::state::{Config, Vault, COLLATERAL, CONFIG, VAULT};

/// Credits the attached collateral. A deposit is a touch: positions in settled markets close
/// first (no price is read for the others).
pub fn deposit(deps: DepsMut, env: Env, info: MessageInfo) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let amount = paid_collateral(&info, &cfg)?;
    let mut events = Vec::new();
    let mut cover = None;
    let c = if holds_settled(deps.as_ref(), &info.sender)? {
        let (mut ctx, mut vault, loaded);
        (ctx, vault, loaded, events, cover) = touch(deps.as_ref(), &env, &cfg, &info.sender, None)?;
        let moved = ledger::deposit(ctx.balances(None, &vault), amount)?;
        ctx.apply(&mut vault, &moved);
        loaded.save(deps.storage, &ctx, &mut vault)?;
        ctx.collateral
    } else {
        let c = COLLATERAL
            .may_load(deps.storage, &info.sender)?
            .unwrap_or_default();
        let before = Balances {
            collateral: c,
            ..Balances::default()
        };
        let after = ledger::deposit(before, amount)?.after.collateral;
        COLLATERAL.save(deps.storage, &info.sender, &after)?;
        if c.is_negative() {
            // the debt this deposit pays back leaves the vault's receivables
            let mut vault = VAULT.load(deps.storage)?;
            let paid = c.unsigned_abs().min(amount);
            vault.receivables = vault.receivables.saturating_sub(paid);
            VAULT.save(deps.storage, &vault)?;
        }
        after
    };
    Ok(Response::new()
        .add_submessages(cover)
        .add_events(events)
        .add_attribute("action", "deposit")
        .add_attribute("account", info.sender)
        .add_attribute("amount", amount)
        .add_attribute("collateral_after", c.to_string()))
}

pub fn withdraw(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    amount: Uint128,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount {});
    }
    let cfg = CONFIG.load(deps.storage)?;
    let (mut ctx, mut vault, loaded, events, cover) =
        touch(deps.as_ref(), &env, &cfg, &info.sender, None)?;
    ctx.check_free_collateral(&cfg, amount)?;
    let moved = ledger::withdraw(ctx.balances(None, &vault), amount)?;
    ctx.apply(&mut vault, &moved);
    loaded.save(deps.storage, &ctx, &mut vault)?;
    // the fund pays first, before the bank send out
    Ok(Response::new()
        .add_submessages(cover)
        .add_message(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: vec![Coin::new(amount, cfg.collateral_denom)],
        })
        .add_attribute("action", "withdraw")
        .add_attribute("account", info.sender)
        .add_attribute("amount", amount)
        .add_attribute("collateral_after", ctx.collateral.to_string())
        .add_events(events))
}

pub fn add_margin(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    amount: Uint128,
) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let funds = attached_collateral(&info, &cfg)?;
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount {});
    }
    // a touch: positions in settled markets close first
    let (mut ctx, mut vault, loaded, events, cover) =
        touch(deps.as_ref(), &env, &cfg, &info.sender, Some(&market_id))?;
    ctx.isolated_margin(&market_id)?;
    // Only the part not paid by attached funds is a move out of C, bound by free collateral.
    let from_c = amount.saturating_sub(funds);
    if !from_c.is_zero() {
        ctx.check_free_collateral(&cfg, from_c)?;
    }
    let deposited = ledger::deposit(ctx.balances(Some(&market_id), &vault), funds)?;
    let moved = ledger::collateral_to_margin(deposited.after, amount)?;
    ctx.apply_to_position(&market_id, &mut vault, &moved)?;
    let new_margin = moved.after.margin.unwrap_or_default();
    // Only the position changed; the market state is rewritten only when something accrued.
    ctx.dirty_markets.remove(&market_id);
    loaded.save(deps.storage, &ctx, &mut vault)?;
    Ok(Response::new()
        .add_submessages(cover)
        .add_events(events)
        .add_attribute("action", "add_margin")
        .add_attribute("account", info.sender)
        .add_attribute("market_id", market_id)
        .add_attribute("amount", amount)
        .add_attribute("deposited", funds)
        .add_attribute("margin_after", new_margin.to_string())
        .add_attribute("collateral_after", ctx.collateral.to_string()))
}

pub fn remove_margin(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    amount: Uint128,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount {});
    }
    let cfg = CONFIG.load(deps.storage)?;
    let (mut ctx, mut vault, loaded, mut events, cover) =
        touch(deps.as_ref(), &env, &cfg, &info.sender, Some(&market_id))?;
    ctx.isolated_margin(&market_id)?;
    ctx.market(&market_id)?.live()?.strict()?;
    let funding_paid = ctx.settle_funding(&market_id, &mut vault)?;
    let margin = ctx.isolated_margin(&market_id)?;
    let entry = ctx.position_entry(&market_id, Prices::Strict)?;
    check_remove_margin(margin, &entry, amount, cfg.collateral_decimals)?;
    let moved = ledger::margin_to_collateral(ctx.balances(Some(&market_id), &vault), amount)?;
    ctx.apply_to_position(&market_id, &mut vault, &moved)?;
    let left = moved.after.margin.unwrap_or_default();
    loaded.save(deps.storage, &ctx, &mut vault)?;
    let event = RemoveMarginEvent {
        account: info.sender,
        market_id,
        amount,
        funding_paid,
        margin_after: left,
        collateral_after: ctx.collateral,
    };
    events.push(event.into());
    Ok(Response::new()
        .add_submessages(cover)
        .add_attribute("action", "remove_margin")
        .add_events(events))
}

/// A touched account: its context, the vault, the snapshot to save them against, and what the
/// touch produced (events, the fund's submessage).
type Touched = (AccountCtx, Vault, Snapshot, Vec<Event>, Option<SubMsg>);

/// The account (with `market`) and the vault loaded, then touched: its positions in settled
/// markets closed and their shortfall through the waterfall ([`touch_settled`]).
#[inline(never)]
fn touch(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    market: Option<&str>,
) -> ContractResult<Touched> {
    let (mut ctx, mut vault, loaded) = load_with_vault(deps, env, cfg, addr, market)?;
    let (events, cover) = touch_settled(deps, cfg, &mut ctx, &mut vault)?;
    Ok((ctx, vault, loaded, events, cover))
}
