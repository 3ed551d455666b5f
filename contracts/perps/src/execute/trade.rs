//! `trade` and `close_position`: the account touched (settled positions closed first), the
//! in-memory trade step ([`crate::trade::apply_trade`], shared with `simulate_trade`), one
//! bad-debt waterfall for everything the message left unpaid, then the writes.

use cosmwasm_std::{Decimal256, DepsMut, Env, MessageInfo, Response, SignedDecimal256, Uint128};
use perps_api::perps::TradeMode;
use perps_risk::ledger;

use crate::account::load_with_vault;
use crate::error::{ContractError, ContractResult};
use crate::execute::orders::place::{place_market_order, Loaded};
use crate::execute::settle::close_settled_positions;
use crate::execute::{attached_collateral, bad_debt};
use crate::solvency;
use crate::state::CONFIG;
use crate::trade::{apply_trade, TradeRequest};

pub fn trade(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    size_delta: SignedDecimal256,
    acceptable_price: Option<Decimal256>,
    mode: Option<TradeMode>,
) -> ContractResult<Response> {
    let req = TradeRequest {
        market_id: &market_id,
        size_delta,
        acceptable_price,
        mode,
    };
    execute_trade(deps, env, info, req, false)
}

/// Closes the whole position. On a settled market the touch itself closes it at the settlement
/// price (see [`close_settled_positions`]).
pub fn close_position(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    acceptable_price: Option<Decimal256>,
) -> ContractResult<Response> {
    let req = TradeRequest {
        market_id: &market_id,
        size_delta: SignedDecimal256::zero(),
        acceptable_price,
        mode: None,
    };
    execute_trade(deps, env, info, req, true)
}

/// A trade, or with `close` the whole position's opposite: attached funds credited, settled
/// positions closed, the trade applied, one waterfall for what is left unpaid, the writes.
fn execute_trade(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    mut req: TradeRequest,
    close: bool,
) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let funds = attached_collateral(&info, &cfg)?;
    let (mut ctx, mut vault, loaded) =
        load_with_vault(deps.as_ref(), &env, &cfg, &info.sender, Some(req.market_id))?;
    let deposited = ledger::deposit(ctx.balances(None, &vault), funds)?;
    ctx.apply(&mut vault, &deposited);
    // A deferred market (DESIGN 6.11) places a market order instead.
    if ctx.market(req.market_id)?.market.deferred() {
        let l = Loaded {
            cfg,
            ctx,
            vault,
            snapshot: loaded,
            funds,
            req,
            close,
        };
        return place_market_order(deps, env, l);
    }
    if close && !ctx.positions.contains_key(req.market_id) {
        return Err(ContractError::NoPosition {
            market_id: req.market_id.to_string(),
        });
    }
    let closed = close_settled_positions(deps.storage, &mut ctx, &mut vault, &cfg)?;
    ctx.haircut = solvency::haircut_terms_live(deps.as_ref(), &env, &ctx, &vault, &cfg)?;
    let mut events = closed.events;
    // settled isolated losses and this trade's own go through one waterfall
    let mut shortfall = closed.flows.shortfall;
    // A close on a settled market is done by the settlement itself.
    let position = ctx.positions.get(req.market_id);
    if close {
        req.size_delta = match position {
            Some(p) => SignedDecimal256::zero().checked_sub(p.size)?,
            None => SignedDecimal256::zero(),
        };
    }
    // scenario 90: what the account's own pending payout covered of the shortfall
    let mut netted = closed.payout_netted;
    if !req.size_delta.is_zero() || !close {
        let mut report = apply_trade(&mut ctx, &mut vault, &cfg, &req)?;
        netted = netted.checked_add(report.net_pending(deps.storage, &mut ctx, &mut vault)?)?;
        events.push(report.event(&ctx.addr, ctx.collateral).into());
        shortfall = shortfall.checked_add(report.shortfall)?;
    }
    if !shortfall.is_zero() {
        // the books are closed: their recorded shortfall is no longer unrecoverable
        solvency::set_mark(deps.storage, &mut vault, &ctx.addr, Uint128::zero())?;
    }
    let account = &ctx.addr;
    let cover = bad_debt::cover_with_event(
        deps.as_ref(),
        &cfg,
        &mut vault,
        account,
        shortfall.checked_sub(netted)?,
        &mut events,
    )?;
    loaded.save(deps.storage, &ctx, &mut vault)?;
    let action = if close { "close_position" } else { "trade" };
    Ok(Response::new()
        .add_submessages(cover)
        .add_attribute("action", action)
        .add_attribute("deposited", funds)
        .add_events(events))
}
