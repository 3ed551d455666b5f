//! `liquidate { account, min_reward? }` (DESIGN 6.8): permissionless, one call for every
//! liquidatable book of the account. Plans come from `perps-risk`; this module applies them
//! (positions, aggregates, funding, collateral), pays the caller, accrues the insurance share
//! and sends any shortfall down the bad-debt waterfall.
//!
//! Prices: a book is valued best effort (a market whose price fails liveness counts at its last
//! price, losses only, with its full MM); only positions with a live price are closed, so the
//! call needs liveness-grade prices of the markets it closes and nothing else.

use cosmwasm_std::{
    Addr, BankMsg, Coin, DepsMut, Env, Event, MessageInfo, Response, SubMsg, Uint128,
};
use cw_utils::nonpayable;
use perps_risk::book::{book_health, Book};
use perps_risk::liquidation::{plan_liquidation, LiquidationConfig, LiquidationPlan};
use perps_risk::waterfall::split_reward;

use crate::book::{book_params, load_account, AccountCtx, Prices};
use crate::error::{ContractError, ContractResult};
use crate::execute::bad_debt;
use crate::execute::persist::{add_int, save_vault, sub_int};
use crate::execute::settle::close_settled_positions;
use crate::state::{Config, Mode, Position, Vault, CONFIG, VAULT};

/// Which book of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BookKind {
    Cross,
    Isolated(String),
}

impl BookKind {
    fn label(&self) -> &'static str {
        match self {
            BookKind::Cross => "cross",
            BookKind::Isolated(_) => "isolated",
        }
    }
}

/// What liquidating an account did, in memory.
#[derive(Debug, Default)]
pub struct LiquidationOutcome {
    /// One `liquidation` event per position closed.
    pub events: Vec<Event>,
    /// Σ liquidator rewards of the books liquidated.
    pub reward: Uint128,
    /// Σ shortfalls (bad debt) of the books liquidated.
    pub shortfall: Uint128,
    /// True when at least one book was liquidated (something closed or a bad debt booked).
    pub acted: bool,
    /// True when at least one book was liquidatable.
    pub liquidatable: bool,
    /// Why a liquidatable book could not be acted on (its positions' prices fail liveness).
    pub blocked: Option<ContractError>,
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
        let Some(plan) = plan_liquidation(&book, &params, &lcfg)? else {
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
        apply_plan(ctx, vault, &kind, &ids, &plan, liquidator, &mut out.events)?;
        out.reward = out
            .reward
            .checked_add(plan.liquidator_reward)
            .map_err(|e| ContractError::invalid("reward", e.to_string()))?;
        out.shortfall = out
            .shortfall
            .checked_add(plan.bad_debt)
            .map_err(|e| ContractError::invalid("bad_debt", e.to_string()))?;
        vault.insurance_fees = vault
            .insurance_fees
            .checked_add(plan.insurance_share)
            .map_err(|e| ContractError::invalid("insurance_fees", e.to_string()))?;
    }
    Ok(out)
}

/// The liveness error of the first market in `ids` whose price fails it.
fn first_dead_price(ctx: &AccountCtx, ids: &[String]) -> Option<ContractError> {
    ids.iter()
        .filter_map(|id| ctx.markets.get(id))
        .find_map(|m| m.live().err())
}

/// Applies one book's plan: each close settles the position's funding and realizes its PnL
/// against the vault (as a normal close would, without fee or impact), the aggregates follow
/// the stored positions, and the book's collateral becomes the plan's.
fn apply_plan(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    kind: &BookKind,
    ids: &[String],
    plan: &LiquidationPlan,
    liquidator: &Addr,
    events: &mut Vec<Event>,
) -> ContractResult<()> {
    let penalties: Vec<Uint128> = plan.closes.iter().map(|c| c.penalty).collect();
    let shares = split_reward(&penalties, plan.liquidator_reward)?;
    for (c, share) in plan.closes.iter().zip(shares) {
        let id = ids
            .get(c.index)
            .ok_or_else(|| ContractError::invalid("liquidation", "close of an unknown position"))?
            .clone();
        let pos = ctx
            .positions
            .get(&id)
            .cloned()
            .ok_or_else(|| ContractError::NoPosition {
                market_id: id.clone(),
            })?;
        // funding paid by the position goes to the vault; its realized PnL comes from it
        vault.cash = add_int(vault.cash, sub_int(c.funding_paid, c.realized_pnl)?)?;
        let index = ctx.market(&id)?.state.funding_index;
        let next = (!c.new_size.is_zero()).then(|| Position {
            size: c.new_size,
            entry_price: pos.entry_price,
            funding_index_at_entry: index,
            mode: pos.mode.clone(),
        });
        ctx.replace_position(&id, next)?;
        events.push(
            Event::new("liquidation")
                .add_attribute("account", ctx.addr.as_str())
                .add_attribute("liquidator", liquidator.as_str())
                .add_attribute("market_id", &id)
                .add_attribute("mode", kind.label())
                .add_attribute("size_closed", c.size_closed.to_string())
                .add_attribute("size_after", c.new_size.to_string())
                .add_attribute("mark_price", c.price.to_string())
                .add_attribute("realized_pnl", c.realized_pnl.to_string())
                .add_attribute("funding_paid", c.funding_paid.to_string())
                .add_attribute("penalty", c.penalty)
                .add_attribute("liquidator_reward", share.liquidator_reward)
                .add_attribute("insurance_share", share.insurance_share)
                .add_attribute("equity_before", c.equity_before.to_string())
                .add_attribute("maintenance_before", c.maintenance_before)
                .add_attribute("equity_after", c.equity_after.to_string())
                .add_attribute("maintenance_after", c.maintenance_after),
        );
    }
    match kind {
        BookKind::Cross => ctx.collateral = plan.collateral_after,
        BookKind::Isolated(id) => match ctx.positions.get(id).cloned() {
            Some(mut pos) => {
                pos.mode = Mode::Isolated {
                    margin: plan.collateral_after,
                };
                ctx.replace_position(id, Some(pos))?;
            }
            // a closed isolated position returns what is left of its margin to C
            None => ctx.collateral = add_int(ctx.collateral, plan.collateral_after)?,
        },
    }
    Ok(())
}

pub fn liquidate(
    deps: DepsMut,
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
    let mut ctx = load_account(deps.as_ref(), &env, &cfg, &addr, None)?;
    let loaded = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    let vault_loaded = vault.clone();
    let closed = close_settled_positions(&mut ctx, &mut vault, &cfg)?;
    let mut events = closed.events;
    let out = liquidate_books(&mut ctx, &mut vault, &cfg, &info.sender)?;
    // A settled isolated position closed bankrupt by the touch is an isolated book liquidated
    // at the settlement price: its shortfall is booked below, with no reward.
    if !out.acted && closed.shortfall.is_zero() {
        if let Some(blocked) = out.blocked {
            return Err(blocked);
        }
        let h = book_health(&ctx.cross_book(Prices::Any)?, &book_params(&cfg))?;
        return Err(ContractError::AccountHealthy {
            account,
            equity: h.equity,
            maintenance: h.maintenance_margin,
        });
    }
    if let Some(min) = min_reward {
        if out.reward < min {
            return Err(ContractError::RewardBelowMinimum {
                reward: out.reward,
                min_reward: min,
            });
        }
    }
    // settled isolated losses and the liquidated books' go through one waterfall
    let shortfall = closed
        .shortfall
        .checked_add(out.shortfall)
        .map_err(|e| ContractError::invalid("shortfall", e.to_string()))?;
    events.extend(out.events);
    let cover = bad_debt::cover_with_event(
        deps.as_ref(),
        &cfg,
        &mut vault,
        addr.as_str(),
        shortfall,
        &mut events,
    )?;
    ctx.save(deps.storage, &loaded)?;
    save_vault(deps.storage, &vault_loaded, &vault)?;
    let mut res = Response::new()
        .add_attribute("action", "liquidate")
        .add_attribute("account", addr.as_str())
        .add_attribute("liquidator", info.sender.as_str())
        .add_attribute("reward", out.reward)
        .add_events(events);
    // the fund pays first, so the reward never waits on its money
    if let Some(sub) = cover {
        res = res.add_submessage(sub);
    }
    if !out.reward.is_zero() {
        res = res.add_submessage(SubMsg::new(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: vec![Coin::new(out.reward, cfg.collateral_denom)],
        }));
    }
    Ok(res)
}
