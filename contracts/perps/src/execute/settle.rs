//! Settled markets: positions close at the settlement price on any touch of their account, or
//! in batches through the permissionless `settle_positions`.

use cosmwasm_std::{
    Addr, Decimal256, Deps, DepsMut, Env, Event, MessageInfo, Order, Response, SignedDecimal256,
    Storage, SubMsg, Uint128,
};
use cw_utils::nonpayable;
use perps_api::events::SettlePositionEvent;
use perps_api::perps::MarketStatus;
use perps_risk::ledger::{self, Flows};
use perps_risk::trade::apply_fill;

use crate::account::{load_account, AccountCtx};
use crate::error::{ContractError, ContractResult};
use crate::execute::{bad_debt, save_vault};
use crate::solvency;
use crate::state::{
    Config, Vault, CONFIG, DEFAULT_LIMIT, MARKETS, MARKET_HOLDERS, MAX_LIMIT, POSITIONS,
    SETTLED_WITH_HOLDERS, VAULT,
};

/// True when `addr` holds a position in a settled market. Reads the short list of settled
/// markets with holders and, per entry, whether the account has a position there (no price, no
/// position range), so a `deposit` stays cheap.
pub fn holds_settled(deps: Deps, addr: &Addr) -> ContractResult<bool> {
    let settled = SETTLED_WITH_HOLDERS
        .may_load(deps.storage)?
        .unwrap_or_default();
    Ok(settled
        .iter()
        .any(|id| POSITIONS.has(deps.storage, (addr, id.as_str()))))
}

/// What closing the settled positions of an account produced.
#[derive(Default)]
pub struct SettledClose {
    /// One `settle_position` event per position closed.
    pub events: Vec<Event>,
    /// Their flows: `shortfall` is the isolated losses beyond their margin, to be paid through
    /// the bad-debt waterfall ([`bad_debt::cover`]) by the caller; the vault has not been
    /// charged for them yet.
    pub flows: Flows,
    /// The part of `flows.shortfall` (a written-off cross `C`) taken from the account's pending
    /// payout (scenario 90): the caller's waterfall pays only the rest.
    pub payout_netted: Uint128,
}

/// Closes every position of the account whose market is settled: funding settled, PnL at the
/// settlement price, no fee (`perps_risk::ledger::settle_close`): an isolated loss beyond its
/// margin never touches `C` and is returned as a shortfall for the bad-debt waterfall; a cross
/// loss stays on `C` while the account holds other positions, and an account the settlement
/// leaves without any position and `C < 0` is written off in the same transaction (DESIGN
/// 6.10: its debt joins the shortfall, netted against the account's own pending payout first,
/// scenario 90).
pub fn close_settled_positions(
    storage: &dyn Storage,
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
) -> ContractResult<SettledClose> {
    let settled: Vec<(String, Decimal256)> = ctx
        .positions
        .keys()
        .filter_map(|id| match ctx.markets.get(id).map(|m| &m.market.status) {
            Some(MarketStatus::Settled { price }) => Some((id.clone(), *price)),
            _ => None,
        })
        .collect();
    let mut out = SettledClose::default();
    for (id, price) in settled {
        let funding_paid = ctx.settle_funding(&id, vault)?;
        let Some(pos) = ctx.positions.get(&id).cloned() else {
            continue;
        };
        let minus_size = SignedDecimal256::zero().checked_sub(pos.size)?;
        let dec = cfg.collateral_decimals;
        let fill = apply_fill(pos.size, pos.entry_price, minus_size, price, dec)?;
        let others = ctx.owed_by_others(vault, Some(&id))?;
        let moved =
            ledger::settle_close(ctx.balances(Some(&id), vault), fill.realized_pnl, others)?;
        ctx.apply(vault, &moved);
        solvency::book_payout(ctx, vault, fill.realized_pnl, &moved.payout)?;
        ctx.replace_position(&id, None)?;
        out.flows = out.flows.then(&moved.flows)?;
        let event = SettlePositionEvent {
            account: ctx.addr.clone(),
            market_id: id,
            size_before: pos.size,
            price,
            realized_pnl: fill.realized_pnl,
            funding_paid,
            shortfall: moved.flows.shortfall,
        };
        out.events.push(event.into());
    }
    if !out.events.is_empty() && ctx.positions.is_empty() && ctx.collateral.is_negative() {
        let moved = ledger::write_off(ctx.balances(None, vault))?;
        ctx.apply(vault, &moved);
        out.flows = out.flows.then(&moved.flows)?;
        let debt = moved.flows.shortfall;
        out.payout_netted = solvency::net_pending(storage, ctx, vault, debt, true)?;
    }
    Ok(out)
}

/// A touch of the account: closes its positions in settled markets and pays their shortfall
/// through the bad-debt waterfall. Returns the events (`bad_debt` included) and the fund's
/// submessage, to go first in the response.
pub fn touch_settled(
    deps: Deps,
    cfg: &Config,
    ctx: &mut AccountCtx,
    vault: &mut Vault,
) -> ContractResult<(Vec<Event>, Option<SubMsg>)> {
    let closed = close_settled_positions(deps.storage, ctx, vault, cfg)?;
    let mut events = closed.events;
    let shortfall = closed.flows.shortfall.checked_sub(closed.payout_netted)?;
    let sub = bad_debt::cover_with_event(deps, cfg, vault, &ctx.addr, shortfall, &mut events)?;
    Ok((events, sub))
}

/// What a message going through several accounts (`settle_positions`, `auto_deleverage`)
/// responds with: the events, and one waterfall per account with a shortfall (one `bad_debt`
/// event and at most one fund request each, later requests leaving room for the earlier ones).
#[derive(Default)]
pub struct Batch {
    pub events: Vec<Event>,
    pub covers: Vec<SubMsg>,
    pub fund_requested: Uint128,
}

impl Batch {
    /// The waterfall of `addr`'s `shortfall` after the accounts before it.
    #[inline(never)]
    pub fn cover(
        &mut self,
        deps: Deps,
        cfg: &Config,
        vault: &mut Vault,
        addr: &Addr,
        shortfall: Uint128,
    ) -> ContractResult<()> {
        let (w, sub) = bad_debt::cover_after(deps, cfg, vault, shortfall, self.fund_requested)?;
        if !w.shortfall.is_zero() {
            self.events.push(bad_debt::event(addr, &w));
        }
        self.fund_requested = self.fund_requested.checked_add(w.from_fund)?;
        self.covers.extend(sub);
        Ok(())
    }
}

pub fn settle_positions(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market_id: String,
    limit: Option<u32>,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let market = MARKETS.may_load(deps.storage, &market_id)?.ok_or_else(|| {
        ContractError::UnknownMarket {
            market_id: market_id.clone(),
        }
    })?;
    if !matches!(market.status, MarketStatus::Settled { .. }) {
        return Err(ContractError::MarketNotSettled { market_id });
    }
    let cfg = CONFIG.load(deps.storage)?;
    let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize;
    let holders: Vec<Addr> = MARKET_HOLDERS
        .sub_prefix(&market_id)
        .keys(deps.storage, None, None, Order::Ascending)
        .take(limit)
        .map(|k| k.map(|(_, addr)| addr))
        .collect::<Result<_, _>>()?;
    let mut vault = VAULT.load(deps.storage)?;
    let vault_loaded = vault.clone();
    let mut out = Batch::default();
    for addr in &holders {
        let mut ctx = load_account(deps.as_ref(), &env, &cfg, addr, None)?;
        let loaded = ctx.loaded();
        let closed = close_settled_positions(deps.storage, &mut ctx, &mut vault, &cfg)?;
        out.events.extend(closed.events);
        let shortfall = closed.flows.shortfall.checked_sub(closed.payout_netted)?;
        out.cover(deps.as_ref(), &cfg, &mut vault, addr, shortfall)?;
        ctx.save(deps.storage, &loaded, &mut vault)?;
    }
    save_vault(deps.storage, &vault_loaded, &vault)?;
    let drained = MARKET_HOLDERS
        .sub_prefix(&market_id)
        .keys(deps.storage, None, None, Order::Ascending)
        .next()
        .is_none();
    if drained {
        let mut settled = SETTLED_WITH_HOLDERS
            .may_load(deps.storage)?
            .unwrap_or_default();
        if settled.contains(&market_id) {
            settled.retain(|id| *id != market_id);
            SETTLED_WITH_HOLDERS.save(deps.storage, &settled)?;
        }
    }
    Ok(Response::new()
        .add_submessages(out.covers)
        .add_attribute("action", "settle_positions")
        .add_attribute("market_id", market_id)
        .add_attribute("closed_accounts", holders.len().to_string())
        .add_events(out.events))
}
