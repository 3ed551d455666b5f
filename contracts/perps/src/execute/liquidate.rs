//! `liquidate { account, min_reward? }` (DESIGN 6.8): permissionless, one call for every
//! liquidatable book of the account. Plans come from `perps-risk`; this module applies them
//! (positions, aggregates, funding, collateral), pays the caller, accrues the insurance share
//! and sends any shortfall down the bad-debt waterfall. A book's net gain is paid only up to
//! what the vault can pay (`payable`, issue 12): the rest is a pending payout of the account,
//! reported by the `pending_payout` attribute.
//!
//! Prices: a book is valued best effort (a market whose price fails liveness counts at its last
//! price, losses only, with its full MM); only positions with a live price are closed, so the
//! call needs liveness-grade prices of the markets it closes and nothing else.

use cosmwasm_std::{
    Addr, BankMsg, Coin, DepsMut, Env, Event, MessageInfo, Response, SubMsg, Uint128,
};
use cw_utils::nonpayable;
use perps_api::events::LiquidationEvent;
use perps_api::perps::PositionMode;
use perps_risk::book::{book_health, Book};
use perps_risk::ledger::{self, Flows};
use perps_risk::liquidation::{plan_liquidation_paying, LiquidationConfig, LiquidationPlan};
use perps_risk::solvency::payable;
use perps_risk::waterfall::split_reward;

use crate::account::{book_params, load_with_vault, AccountCtx};
use crate::error::{ContractError, ContractResult, OracleError};
use crate::execute::bad_debt;
use crate::execute::orders::{cancel_where, shrink_settling};
use crate::execute::settle::close_settled_positions;
use crate::market::Prices;
use crate::solvency;
use crate::state::{Config, Mode, Position, Vault, CONFIG};

/// Which book of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BookKind {
    Cross,
    Isolated(String),
}

impl BookKind {
    fn mode(&self) -> PositionMode {
        match self {
            BookKind::Cross => PositionMode::Cross,
            BookKind::Isolated(_) => PositionMode::Isolated,
        }
    }
}

/// What liquidating an account did, in memory.
#[derive(Debug, Default)]
pub struct LiquidationOutcome {
    /// One `liquidation` event per position closed.
    pub events: Vec<Event>,
    /// Flows of the books liquidated: `outflow` is the liquidator reward, `shortfall` the bad
    /// debt.
    pub flows: Flows,
    /// True when at least one book was liquidated (something closed or a bad debt booked).
    pub acted: bool,
    /// True when at least one book was liquidatable.
    pub liquidatable: bool,
    /// Why a liquidatable book could not be acted on (its positions' prices fail liveness).
    pub blocked: Option<OracleError>,
    /// The books liquidated (their pending orders are cancelled, scenario 80).
    books: Vec<BookKind>,
    /// The cross book's part of `flows.shortfall` (scenario 90: taken from the account's pending
    /// payout first; an isolated book's never is, DESIGN invariant 5).
    pub cross_shortfall: Uint128,
}

fn liquidation_config(cfg: &Config) -> LiquidationConfig {
    LiquidationConfig {
        target_ratio: cfg.liquidation_target_ratio,
        reward_share: cfg.liquidator_reward_share,
        min_reward: cfg.min_liquidation_reward,
    }
}

/// The book of `kind` with its position ids in book order.
fn book_of(ctx: &AccountCtx, kind: &BookKind) -> ContractResult<(Book, Vec<String>)> {
    match kind {
        BookKind::Cross => {
            let ids = ctx
                .positions
                .iter()
                .filter(|(_, p)| p.mode == Mode::Cross)
                .map(|(id, _)| id.clone())
                .collect();
            Ok((ctx.cross_book(Prices::Any)?, ids))
        }
        BookKind::Isolated(id) => Ok((ctx.isolated_book(id, Prices::Any)?, vec![id.clone()])),
    }
}

/// Plans and applies the liquidation of every liquidatable book of `ctx`: each isolated
/// position in market order, then the cross book, so that the margin an isolated position
/// returns to `C` when it closes is there before the cross book is valued (it can only reduce a
/// cross shortfall). Nothing is written to storage.
pub fn liquidate_books(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
    liquidator: &Addr,
) -> ContractResult<LiquidationOutcome> {
    let params = book_params(cfg);
    let lcfg = liquidation_config(cfg);
    let mut kinds: Vec<BookKind> = ctx
        .positions
        .iter()
        .filter(|(_, p)| matches!(p.mode, Mode::Isolated { .. }))
        .map(|(id, _)| BookKind::Isolated(id.clone()))
        .collect();
    kinds.push(BookKind::Cross);
    let mut out = LiquidationOutcome::default();
    for kind in kinds {
        let (book, ids) = book_of(ctx, &kind)?;
        // the closes' net gain is paid from cash the vault holds, the rest pending (issue 12)
        let id = match &kind {
            BookKind::Cross => None,
            BookKind::Isolated(id) => Some(id.as_str()),
        };
        let own = id.map_or(Ok(ctx.collateral), |id| ctx.isolated_margin(id))?;
        let can = payable(vault.cash, ctx.owed_by_others(vault, id)?, own)?;
        let Some(plan) = plan_liquidation_paying(&book, &params, &lcfg, Some(can))? else {
            continue;
        };
        out.liquidatable = true;
        if plan.closes.is_empty() && plan.bad_debt.is_zero() {
            // every position of this book lacks a live price
            if out.blocked.is_none() {
                out.blocked = first_dead_price(ctx, &ids);
            }
            continue;
        }
        out.acted = true;
        let flows = apply_plan(ctx, vault, &kind, &ids, &plan, liquidator, &mut out.events)?;
        out.flows = out.flows.then(&flows)?;
        if kind == BookKind::Cross {
            out.cross_shortfall = flows.shortfall;
        }
        out.books.push(kind);
    }
    Ok(out)
}

/// The markets of the account's isolated positions (each its own book).
fn isolated_markets(ctx: &AccountCtx) -> Vec<String> {
    ctx.positions
        .iter()
        .filter(|(_, p)| matches!(p.mode, Mode::Isolated { .. }))
        .map(|(id, _)| id.clone())
        .collect()
}

/// Cancels the pending orders of the liquidated `books`, their reservations released (DESIGN
/// 6.11; the valuation counts them in `C` either way): only those — a liquidated isolated fuse
/// does not drop a pinned order of the cross book for free (scenario 80). An isolated book's
/// are the orders of its market; the cross book's every other order (`isolated`: the account's isolated markets
/// before the liquidation).
fn cancel_books(
    deps: &mut DepsMut,
    addr: &Addr,
    isolated: &[String],
    books: &[BookKind],
) -> ContractResult<Vec<Event>> {
    let cross = books.contains(&BookKind::Cross);
    cancel_where(deps, addr, "liquidation", &|market_id| {
        if isolated.iter().any(|m| m == market_id) {
            books.contains(&BookKind::Isolated(market_id.to_string()))
        } else {
            cross
        }
    })
}

/// The settling entries of the positions the liquidation reduced (`sizes`: each position's size
/// before it), clamped or removed ([`shrink_settling`], scenarios 89, 94, 100).
fn shrink_closed(
    deps: &mut DepsMut,
    addr: &Addr,
    ctx: &AccountCtx,
    sizes: Vec<(String, cosmwasm_std::SignedDecimal256)>,
) -> ContractResult<Vec<Event>> {
    let mut events = Vec::new();
    for (market_id, before) in sizes {
        let after = ctx
            .positions
            .get(&market_id)
            .map(|p| p.size)
            .unwrap_or_default();
        if after != before {
            let market = (market_id.as_str(), "liquidation");
            events.extend(shrink_settling(deps, addr, market, before, after)?);
        }
    }
    Ok(events)
}

/// The liveness error of the first market in `ids` whose price fails it.
fn first_dead_price(ctx: &AccountCtx, ids: &[String]) -> Option<OracleError> {
    ids.iter()
        .filter_map(|id| ctx.markets.get(id))
        .find_map(|m| m.live().err())
}

/// Applies one book's plan: the positions and their aggregates follow the closes, and the
/// ledger moves the cash (each close's funding to the vault and PnL from it, as a normal close
/// would, without fee or impact; the book's collateral becomes the plan's; the insurance share
/// kept; a closed isolated position's margin back to C). Returns the book's flows.
fn apply_plan(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    kind: &BookKind,
    ids: &[String],
    plan: &LiquidationPlan,
    liquidator: &Addr,
    events: &mut Vec<Event>,
) -> ContractResult<Flows> {
    let isolated_id = match kind {
        BookKind::Cross => None,
        BookKind::Isolated(id) => Some(id.as_str()),
    };
    let before = ctx.balances(isolated_id, vault);
    let penalties: Vec<Uint128> = plan.closes.iter().map(|c| c.penalty).collect();
    let shares = split_reward(&penalties, plan.liquidator_reward)?;
    for (c, share) in plan.closes.iter().zip(shares) {
        let id = ids
            .get(c.index)
            .ok_or_else(|| ContractError::NoPosition {
                market_id: format!("#{}", c.index),
            })?
            .clone();
        let pos = ctx.position(&id)?.clone();
        let index = ctx.market(&id)?.state.funding_index;
        let next = (!c.new_size.is_zero()).then(|| Position {
            size: c.new_size,
            entry_price: pos.entry_price,
            funding_index_at_entry: index,
            mode: pos.mode.clone(),
        });
        ctx.replace_position(&id, next)?;
        let event = LiquidationEvent {
            account: ctx.addr.clone(),
            liquidator: liquidator.clone(),
            market_id: id,
            mode: kind.mode(),
            size_closed: c.size_closed,
            size_after: c.new_size,
            mark_price: c.price,
            realized_pnl: c.realized_pnl,
            funding_paid: c.funding_paid,
            penalty: c.penalty,
            liquidator_reward: share.liquidator_reward,
            insurance_share: share.insurance_share,
            equity_before: c.equity_before,
            maintenance_before: c.maintenance_before,
            equity_after: c.equity_after,
            maintenance_after: c.maintenance_after,
        };
        events.push(event.into());
    }
    let closed = isolated_id.is_some_and(|id| !ctx.positions.contains_key(id));
    let moved = ledger::liquidation(before, plan, closed)?;
    match isolated_id {
        Some(id) if !closed => ctx.apply_to_position(id, vault, &moved)?,
        _ => ctx.apply(vault, &moved),
    }
    ctx.record_payout(vault, moved.payout.pending, Uint128::zero())?;
    Ok(moved.flows)
}

/// Refuses a liquidation that did nothing (`AccountHealthy`, or the liveness error of the
/// liquidatable book it could not act on) or pays less than `min_reward`. A settled isolated
/// position closed bankrupt by the touch (`settled`: its flows) is an isolated book liquidated
/// at the settlement price: its shortfall is booked, with no reward.
fn check_acted(
    ctx: &AccountCtx,
    cfg: &Config,
    out: &LiquidationOutcome,
    settled: &Flows,
    account: String,
    min_reward: Option<Uint128>,
) -> ContractResult<()> {
    if !out.acted && settled.shortfall.is_zero() {
        if let Some(blocked) = out.blocked.clone() {
            return Err(blocked.into());
        }
        let h = book_health(&ctx.cross_book(Prices::Any)?, &book_params(cfg))?;
        return Err(ContractError::AccountHealthy {
            account,
            equity: h.equity,
            maintenance: h.maintenance_margin,
        });
    }
    match min_reward {
        Some(min) if out.flows.outflow < min => Err(ContractError::RewardBelowMinimum {
            reward: out.flows.outflow,
            min_reward: min,
        }),
        _ => Ok(()),
    }
}

pub fn liquidate(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    account: String,
    min_reward: Option<Uint128>,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let addr = deps.api.addr_validate(&account)?;
    if addr == info.sender {
        return Err(ContractError::SelfLiquidation { account });
    }
    let cfg = CONFIG.load(deps.storage)?;
    let (mut ctx, mut vault, loaded) = load_with_vault(deps.as_ref(), &env, &cfg, &addr, None)?;
    let isolated = isolated_markets(&ctx);
    let closed = close_settled_positions(deps.storage, &mut ctx, &mut vault, &cfg)?;
    let sizes: Vec<_> = ctx
        .positions
        .iter()
        .map(|(id, p)| (id.clone(), p.size))
        .collect();
    let out = liquidate_books(&mut ctx, &mut vault, &cfg, &info.sender)?;
    check_acted(&ctx, &cfg, &out, &closed.flows, account, min_reward)?;
    let mut events = cancel_books(&mut deps, &addr, &isolated, &out.books)?;
    events.extend(shrink_closed(&mut deps, &addr, &ctx, sizes)?);
    events.extend(closed.events);
    // settled isolated losses and the liquidated books' go through one waterfall
    let shortfall = closed.flows.then(&out.flows)?.shortfall;
    // scenario 90: the cross book's shortfall is netted against the account's own claim first
    // (a settled market's write-off already was)
    let netted = solvency::net_pending(
        deps.storage,
        &mut ctx,
        &mut vault,
        out.cross_shortfall,
        true,
    )?
    .checked_add(closed.payout_netted)?;
    let shortfall = shortfall.checked_sub(netted)?;
    events.extend(out.events);
    let cover = bad_debt::cover_with_event(
        deps.as_ref(),
        &cfg,
        &mut vault,
        &addr,
        shortfall,
        &mut events,
    )?;
    // books closed: a recorded shortfall is replaced by what is still bankrupt (books in
    // markets without a live price), read only when some shortfall is recorded at all
    if !vault.unrecoverable.is_zero() {
        let left = solvency::shortfall(&ctx, &cfg)?;
        solvency::set_mark(deps.storage, &mut vault, &addr, left)?;
    }
    loaded.save(deps.storage, &ctx, &mut vault)?;
    let reward = out.flows.outflow;
    let mut res = Response::new()
        .add_attribute("action", "liquidate")
        .add_attribute("account", addr.as_str())
        .add_attribute("liquidator", info.sender.as_str())
        .add_attribute("reward", reward)
        .add_events(events);
    if !ctx.pending_added.is_zero() {
        res = res.add_attribute("pending_payout", ctx.pending_added);
    }
    if !netted.is_zero() {
        res = res.add_attribute("payout_netted", netted);
    }
    // the fund pays first, so the reward never waits on its money
    if let Some(sub) = cover {
        res = res.add_submessage(sub);
    }
    if !reward.is_zero() {
        res = res.add_submessage(SubMsg::new(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: vec![Coin::new(reward, cfg.collateral_denom)],
        }));
    }
    Ok(res)
}
