//! Settled markets: positions close at the settlement price on any touch of their account, or
//! in batches through the permissionless `settle_positions`.

use cosmwasm_std::{
    Addr, Deps, DepsMut, Env, Event, Int128, MessageInfo, Order, Response, SignedDecimal256,
};
use cw_utils::nonpayable;
use perps_api::perps::MarketStatus;
use perps_risk::trade::apply_fill;

use crate::book::{load_account, AccountCtx};
use crate::error::{ContractError, ContractResult};
use crate::execute::persist::{add_int, sub_int};
use crate::state::{
    Config, Mode, Vault, CONFIG, DEFAULT_LIMIT, MARKETS, MARKET_HOLDERS, MAX_LIMIT, POSITIONS,
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

/// Closes every position of the account whose market is settled: funding settled, PnL at the
/// settlement price, no fee. An isolated loss beyond its margin is socialized on vault cash and
/// never touches `C`.
pub fn close_settled_positions(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
) -> ContractResult<Vec<Event>> {
    let settled: Vec<(String, cosmwasm_std::Decimal256)> = ctx
        .positions
        .keys()
        .filter_map(|id| match ctx.markets.get(id).map(|m| &m.market.status) {
            Some(MarketStatus::Settled { price }) => Some((id.clone(), *price)),
            _ => None,
        })
        .collect();
    let mut events = Vec::new();
    for (id, price) in settled {
        let funding_paid = ctx.settle_funding(&id, vault, cfg.collateral_decimals)?;
        let Some(pos) = ctx.positions.get(&id).cloned() else {
            continue;
        };
        let minus_size = SignedDecimal256::zero()
            .checked_sub(pos.size)
            .map_err(|e| ContractError::invalid("size", e.to_string()))?;
        let out = apply_fill(
            pos.size,
            pos.entry_price,
            minus_size,
            price,
            cfg.collateral_decimals,
        )?;
        vault.cash = sub_int(vault.cash, out.realized_pnl)?;
        let mut socialized = Int128::zero();
        match pos.mode {
            Mode::Cross => ctx.collateral = add_int(ctx.collateral, out.realized_pnl)?,
            Mode::Isolated { margin } => {
                let left = add_int(margin, out.realized_pnl)?;
                if left.is_negative() {
                    // The vault received a loss the margin could not pay.
                    socialized = sub_int(Int128::zero(), left)?;
                    vault.cash = sub_int(vault.cash, socialized)?;
                } else {
                    ctx.collateral = add_int(ctx.collateral, left)?;
                }
            }
        }
        ctx.replace_position(&id, None)?;
        events.push(
            Event::new("settle_position")
                .add_attribute("account", ctx.addr.as_str())
                .add_attribute("market_id", &id)
                .add_attribute("size_before", pos.size.to_string())
                .add_attribute("price", price.to_string())
                .add_attribute("realized_pnl", out.realized_pnl.to_string())
                .add_attribute("funding_paid", funding_paid.to_string())
                .add_attribute("socialized", socialized.to_string()),
        );
    }
    Ok(events)
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
        .prefix(&market_id)
        .keys(deps.storage, None, None, Order::Ascending)
        .take(limit)
        .collect::<Result<_, _>>()?;
    let mut vault = VAULT.load(deps.storage)?;
    let mut events = Vec::new();
    for addr in &holders {
        let mut ctx = load_account(deps.as_ref(), &env, &cfg, addr, None)?;
        events.extend(close_settled_positions(&mut ctx, &mut vault, &cfg)?);
        ctx.save(deps.storage)?;
    }
    VAULT.save(deps.storage, &vault)?;
    let drained = MARKET_HOLDERS
        .prefix(&market_id)
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
        .add_attribute("action", "settle_positions")
        .add_attribute("market_id", market_id)
        .add_attribute("closed_accounts", holders.len().to_string())
        .add_events(events))
}
