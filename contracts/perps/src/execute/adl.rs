//! `auto_deleverage {market_id, limit?}` (DESIGN 6.10, permissionless): while the vault's equity
//! is below `adl_trigger_ratio · Σ|K|·P` (or below zero), closes the top of the market's index on
//! the side the vault is short to (the side of `K`'s sign) — only positions in profit, at the
//! oracle price under the strict checks, without fee or reward, partially down to what restores
//! the ratio — never the caller's own. `limit` bounds the index entries scanned.

use cosmwasm_std::{Decimal256, Deps, DepsMut, Env, Event, MessageInfo, Response, Uint128};
use cw_utils::nonpayable;
use perps_api::events::AutoDeleverageEvent;
use perps_api::perps::MarketStatus;
use perps_risk::adl::{adl_close_size, adl_triggered};
use perps_risk::book::position_values;
use perps_risk::ledger::Fill;
use perps_risk::num::{unsigned_abs, Quote, Round};
use perps_risk::position::notional_of;
use perps_risk::solvency::min_position_notional;
use perps_risk::trade::apply_fill;

use crate::account::{load_account, AccountCtx};
use crate::error::{ContractError, ContractResult};
use crate::execute::orders::{cancel_where, shrink_settling};
use crate::execute::save_vault;
use crate::execute::settle::Batch;
use crate::market::{load_market_ctx, skew, MarketCtx, Prices};
use crate::solvency::{self, ranked, Current};
use crate::state::{Config, Mode, Vault, CONFIG, DEFAULT_LIMIT, MAX_LIMIT, VAULT};
use crate::vecmap::VecMap;

pub fn auto_deleverage(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    limit: Option<u32>,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let (price, short) = adl_terms(deps.as_ref(), &env, &cfg, &market_id)?;
    let mut vault = VAULT.load(deps.storage)?;
    let loaded_vault = vault.clone();
    let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize;
    let candidates = ranked(deps.storage, &market_id, short, None, limit)?;
    // every other market with skew at its live price (scenario 66), read once for the call:
    // only `market_id`'s state changes while it runs
    let live = solvency::live_markets(deps.as_ref(), &env, &cfg, &|id| id == market_id)?;
    let mut out = Deleveraged {
        live,
        ..Deleveraged::default()
    };
    for (addr, _) in candidates {
        if addr == info.sender {
            continue;
        }
        let go_on = deleverage_account(
            deps.branch(),
            &env,
            &cfg,
            &mut vault,
            &addr,
            &info.sender,
            &market_id,
            price,
            &mut out,
        )?;
        if !go_on {
            break;
        }
    }
    let Deleveraged {
        batch: Batch { events, covers, .. },
        closed,
        ..
    } = out;
    if closed == 0 {
        return Err(nothing_closed(
            deps.as_ref(),
            &env,
            &cfg,
            &vault,
            &market_id,
        )?);
    }
    save_vault(deps.storage, &loaded_vault, &vault)?;
    Ok(Response::new()
        .add_submessages(covers)
        .add_attribute("action", "auto_deleverage")
        .add_attribute("market_id", &market_id)
        .add_attribute("closed", closed.to_string())
        .add_events(events))
}

/// What one call did so far.
#[derive(Default)]
struct Deleveraged {
    batch: Batch,
    closed: u32,
    /// The other markets with skew at their live prices (a book's own markets come first).
    live: VecMap<String, MarketCtx>,
}

/// One index entry: the account's position closed as far as the vault needs (and its shortfall,
/// if any, through the waterfall), the account written. `false` once the vault is no longer
/// below its trigger.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn deleverage_account(
    mut deps: DepsMut,
    env: &Env,
    cfg: &Config,
    vault: &mut Vault,
    addr: &cosmwasm_std::Addr,
    caller: &cosmwasm_std::Addr,
    market_id: &str,
    price: Decimal256,
    out: &mut Deleveraged,
) -> ContractResult<bool> {
    let mut ctx = load_account(deps.as_ref(), env, cfg, addr, None)?;
    let loaded = ctx.loaded();
    // every other market with skew at its live price, not at a stored one (scenario 66)
    let live = &out.live;
    let now = solvency::current_with(
        &mut solvency::with_extra(&ctx.markets, live),
        vault,
        cfg.collateral_decimals,
    )?;
    if !adl_triggered(now.equity, now.exposure, cfg.adl_trigger_ratio)? {
        return Ok(false);
    }
    ctx.haircut = solvency::haircut_terms_with(deps.as_ref(), &ctx, live, vault, cfg)?;
    let isolated = ctx
        .positions
        .get(market_id)
        .is_some_and(|p| matches!(p.mode, Mode::Isolated { .. }));
    let others: Vec<String> = ctx
        .positions
        .iter()
        .filter(|(id, p)| id.as_str() != market_id && matches!(p.mode, Mode::Isolated { .. }))
        .map(|(id, _)| id.clone())
        .collect();
    let before = ctx
        .positions
        .get(market_id)
        .map(|p| p.size)
        .unwrap_or_default();
    let Some((event, unpaid)) = close_one(&mut ctx, vault, cfg, market_id, price, now)? else {
        return Ok(true);
    };
    // The pending orders of the deleveraged position's book go, their reservations released
    // (DESIGN 6.11; the close above spends no free collateral, so releasing them after it in
    // memory changes nothing in it): an isolated position's, the orders of its market; a cross
    // one's, every order outside the other isolated markets (scenario 80).
    let book = |m: &str| {
        if isolated {
            m == market_id
        } else {
            !others.iter().any(|o| o == m)
        }
    };
    out.batch
        .events
        .extend(cancel_where(&mut deps, addr, "auto_deleverage", &book)?);
    let market = (market_id, "auto_deleverage");
    let after = cosmwasm_std::SignedDecimal256::zero();
    let shrunk = shrink_settling(&mut deps, addr, market, before, after)?;
    out.batch.events.extend(shrunk);
    out.batch.events.push(Event::from(AutoDeleverageEvent {
        caller: caller.clone(),
        ..event
    }));
    out.closed += 1;
    out.batch.cover(deps.as_ref(), cfg, vault, addr, unpaid)?;
    ctx.save(deps.storage, &loaded, vault)?;
    Ok(true)
}

/// The oracle price under the strict checks and the side the vault is short to (true: shorts).
fn adl_terms(deps: Deps, env: &Env, cfg: &Config, id: &str) -> ContractResult<(Decimal256, bool)> {
    let m = load_market_ctx(deps, env, cfg, id)?;
    if let MarketStatus::Settled { price } = m.market.status {
        return Err(ContractError::MarketSettled {
            market_id: id.to_string(),
            price,
        });
    }
    let price = m.live()?.strict()?;
    Ok((price, skew(&m.state)?.is_negative()))
}

/// Closes what auto-deleveraging takes of the account's position in `id`: nothing unless it is
/// in profit; `adl_close_size`, or all of it when the rest would be below `min_order_size` or
/// the notional floor. Returns its event and any shortfall the close left.
#[inline(never)]
fn close_one(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
    id: &str,
    price: Decimal256,
    now: Current,
) -> ContractResult<Option<(AutoDeleverageEvent, Uint128)>> {
    let dec = cfg.collateral_decimals;
    let Some(x) = adl_size(ctx, cfg, id, price, now)? else {
        return Ok(None);
    };
    let funding_paid = ctx.settle_funding(id, vault)?;
    let pos = ctx.position(id)?.clone();
    let delta = if pos.size.is_negative() {
        perps_risk::num::signed(x)?
    } else {
        cosmwasm_std::SignedDecimal256::zero().checked_sub(perps_risk::num::signed(x)?)?
    };
    let fill = apply_fill(pos.size, pos.entry_price, delta, price, dec)?;
    let before = ctx.balances(Some(id), vault);
    let (size, entry) = (fill.new_size, pos.entry_price);
    let cash = Fill {
        realized_pnl: fill.realized_pnl,
        ..Fill::default()
    };
    let moved = ctx.book_fill(vault, id, before, cash, size, entry, &pos.mode)?;
    let realized_pnl = solvency::book_payout(ctx, vault, fill.realized_pnl, &moved.payout)?;
    let event = AutoDeleverageEvent {
        account: ctx.addr.clone(),
        caller: ctx.addr.clone(),
        market_id: id.to_string(),
        size_closed: cosmwasm_std::SignedDecimal256::zero().checked_sub(delta)?,
        size_after: fill.new_size,
        price,
        realized_pnl,
        funding_paid,
    };
    Ok(Some((event, moved.flows.shortfall)))
}

/// What auto-deleveraging takes of the account's position in `id`: `None` unless it is in
/// profit; `adl_close_size`, or all of it when the rest would be below `min_order_size` or the
/// notional floor; never more than the market's skew `|K|` (a close beyond it would carry the
/// skew across zero and make the vault short to the other side).
#[inline(never)]
fn adl_size(
    ctx: &AccountCtx,
    cfg: &Config,
    id: &str,
    price: Decimal256,
    now: Current,
) -> ContractResult<Option<Decimal256>> {
    let dec = cfg.collateral_decimals;
    let Some(pos) = ctx.positions.get(id) else {
        return Ok(None);
    };
    let values = position_values(&ctx.position_entry(id, Prices::Strict)?, dec)?;
    if values.unrealized_pnl.checked_sub(values.accrued_funding)? <= Quote::ZERO {
        return Ok(None);
    }
    let size = unsigned_abs(pos.size);
    let mut x = adl_close_size(
        size,
        price,
        now.equity,
        now.exposure,
        cfg.adl_trigger_ratio,
        dec,
    )?;
    if x.is_zero() {
        return Ok(None);
    }
    let m = ctx.market(id)?;
    let floor = min_position_notional(
        cfg.min_position_notional,
        cfg.min_liquidation_reward,
        m.tiers.first_mmr(),
    )?;
    let rest = size.checked_sub(x)?;
    let rest_notional = notional_of(perps_risk::num::signed(rest)?, price, dec, Round::Down)?
        .to_base_units_u(Round::Down)?;
    if !rest.is_zero() && (rest < m.market.config.min_order_size || rest_notional < floor) {
        x = size;
    }
    // never more than the skew: the vault's exposure only falls, never flips to the other side
    x = x.min(unsigned_abs(skew(&m.state)?));
    Ok((!x.is_zero()).then_some(x))
}

/// Why nothing was closed: not triggered (naming V, the exposure and the trigger), else no
/// profitable position among the entries scanned.
fn nothing_closed(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    vault: &Vault,
    id: &str,
) -> ContractResult<ContractError> {
    let m = load_market_ctx(deps, env, cfg, id)?;
    let held: VecMap<String, _> = [(id.to_string(), m)].into_iter().collect();
    let live = solvency::live_markets(deps, env, cfg, &|other| other == id)?;
    let mut all = held.values().chain(live.values());
    let now = solvency::current_with(&mut all, vault, cfg.collateral_decimals)?;
    if !adl_triggered(now.equity, now.exposure, cfg.adl_trigger_ratio)? {
        return Ok(ContractError::AdlNotNeeded {
            equity: now.equity.floor()?,
            trigger: cfg.adl_trigger_ratio,
            exposure: now.exposure.to_base_units_u(Round::Up)?,
        });
    }
    Ok(ContractError::AdlNothingToClose {
        market_id: id.to_string(),
    })
}
