//! Collateral in and out: deposit, withdraw, isolated margin.

use cosmwasm_std::{BankMsg, Coin, DepsMut, Env, MessageInfo, Response, Uint128};
use cw_utils::nonpayable;
use perps_risk::book::{book_health, check_remove_margin};

use crate::book::{book_params, load_account, Prices};
use crate::error::{ContractError, ContractResult};
use crate::execute::persist::{add_int, attached_collateral, int, save_vault, sub_int};
use crate::execute::settle::{holds_settled, touch_settled};
use crate::state::{Mode, COLLATERAL, CONFIG, VAULT};

/// Credits the attached collateral. A deposit is a touch: positions in settled markets close
/// first (no price is read for the others).
pub fn deposit(deps: DepsMut, env: Env, info: MessageInfo) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let amount = cw_utils::must_pay(&info, &cfg.collateral_denom)?;
    let amount =
        Uint128::try_from(amount).map_err(|e| ContractError::invalid("funds", e.to_string()))?;
    let mut events = Vec::new();
    let mut cover = None;
    let c = if holds_settled(deps.as_ref(), &info.sender)? {
        let mut ctx = load_account(deps.as_ref(), &env, &cfg, &info.sender, None)?;
        let loaded = ctx.loaded();
        let mut vault = VAULT.load(deps.storage)?;
        let vault_loaded = vault.clone();
        (events, cover) = touch_settled(deps.as_ref(), &cfg, &mut ctx, &mut vault)?;
        ctx.collateral = add_int(ctx.collateral, int(amount)?)?;
        ctx.save(deps.storage, &loaded)?;
        save_vault(deps.storage, &vault_loaded, &vault)?;
        ctx.collateral
    } else {
        let c = COLLATERAL
            .may_load(deps.storage, &info.sender)?
            .unwrap_or_default();
        let c = add_int(c, int(amount)?)?;
        COLLATERAL.save(deps.storage, &info.sender, &c)?;
        c
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
    let mut ctx = load_account(deps.as_ref(), &env, &cfg, &info.sender, None)?;
    let loaded = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    let vault_loaded = vault.clone();
    let (events, cover) = touch_settled(deps.as_ref(), &cfg, &mut ctx, &mut vault)?;
    let health = book_health(&ctx.cross_book(Prices::Strict)?, &book_params(&cfg))?;
    if amount > health.free_collateral {
        return Err(ContractError::ExceedsFreeCollateral {
            amount,
            free: health.free_collateral,
        });
    }
    ctx.collateral = sub_int(ctx.collateral, int(amount)?)?;
    ctx.save(deps.storage, &loaded)?;
    save_vault(deps.storage, &vault_loaded, &vault)?;
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
    let mut ctx = load_account(deps.as_ref(), &env, &cfg, &info.sender, Some(&market_id))?;
    let loaded = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    let vault_loaded = vault.clone();
    // a touch: positions in settled markets close first
    let (events, cover) = touch_settled(deps.as_ref(), &cfg, &mut ctx, &mut vault)?;
    let margin = match ctx.positions.get(&market_id).map(|p| &p.mode) {
        None => return Err(ContractError::NoPosition { market_id }),
        Some(Mode::Cross) => return Err(ContractError::NotIsolated { market_id }),
        Some(Mode::Isolated { margin }) => *margin,
    };
    // Only the part not paid by attached funds is a move out of C, bound by free collateral.
    let from_c = amount.saturating_sub(funds);
    if !from_c.is_zero() {
        let health = book_health(&ctx.cross_book(Prices::Strict)?, &book_params(&cfg))?;
        if from_c > health.free_collateral {
            return Err(ContractError::ExceedsFreeCollateral {
                amount: from_c,
                free: health.free_collateral,
            });
        }
    }
    ctx.collateral = sub_int(add_int(ctx.collateral, int(funds)?)?, int(amount)?)?;
    let new_margin = add_int(margin, int(amount)?)?;
    let mut pos =
        ctx.positions
            .get(&market_id)
            .cloned()
            .ok_or_else(|| ContractError::NoPosition {
                market_id: market_id.clone(),
            })?;
    pos.mode = Mode::Isolated { margin: new_margin };
    ctx.replace_position(&market_id, Some(pos))?;
    // Only the position changed; the market state is rewritten only when something accrued.
    ctx.dirty_markets.remove(&market_id);
    ctx.save(deps.storage, &loaded)?;
    save_vault(deps.storage, &vault_loaded, &vault)?;
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
    let mut ctx = load_account(deps.as_ref(), &env, &cfg, &info.sender, Some(&market_id))?;
    let loaded = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    let vault_loaded = vault.clone();
    let (mut events, cover) = touch_settled(deps.as_ref(), &cfg, &mut ctx, &mut vault)?;
    match ctx.positions.get(&market_id).map(|p| &p.mode) {
        None => return Err(ContractError::NoPosition { market_id }),
        Some(Mode::Cross) => return Err(ContractError::NotIsolated { market_id }),
        Some(Mode::Isolated { .. }) => {}
    }
    ctx.market(&market_id)?.live()?.strict()?;
    let funding_paid = ctx.settle_funding(&market_id, &mut vault, cfg.collateral_decimals)?;
    let mut pos =
        ctx.positions
            .get(&market_id)
            .cloned()
            .ok_or_else(|| ContractError::NoPosition {
                market_id: market_id.clone(),
            })?;
    let Mode::Isolated { margin } = pos.mode else {
        return Err(ContractError::NotIsolated { market_id });
    };
    let entry = ctx.position_entry(&market_id, Prices::Strict)?;
    let left = check_remove_margin(margin, &entry, amount, cfg.collateral_decimals)?;
    pos.mode = Mode::Isolated { margin: left };
    ctx.collateral = add_int(ctx.collateral, int(amount)?)?;
    ctx.replace_position(&market_id, Some(pos))?;
    ctx.save(deps.storage, &loaded)?;
    save_vault(deps.storage, &vault_loaded, &vault)?;
    events.push(
        cosmwasm_std::Event::new("remove_margin")
            .add_attribute("account", info.sender.as_str())
            .add_attribute("market_id", &market_id)
            .add_attribute("amount", amount)
            .add_attribute("funding_paid", funding_paid.to_string())
            .add_attribute("margin_after", left.to_string())
            .add_attribute("collateral_after", ctx.collateral.to_string()),
    );
    Ok(Response::new()
        .add_submessages(cover)
        .add_attribute("action", "remove_margin")
        .add_events(events))
}
