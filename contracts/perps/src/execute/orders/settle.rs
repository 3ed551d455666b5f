//! A failure's move charged at the next record (scenario 77, docs/decisions.md "A failure
//! settles its move at the next record"): a failed order that is not exempt stays under its id
//! as a settling entry (`StoredOrder::settling`: its fill, clamped to its bound, and its
//! record's price). It runs like an order (keepers with or without ids, the owner's next message
//! first, id order in its market) and is charged, at the first record of its market accepted in
//! a block after the failure's ([`find_pin`]: past the history, the least favourable held one),
//! the loss of that fill closed there, `fill · next / record` ([`failure_exit`]), floored at
//! zero, from the book the fill would have used at the failure (`StoredOrder::mode`, scenarios
//! 81 and 91): the cross book's `C`; a new isolated position's margin, from `C`; the isolated
//! position the order joined, from its margin (then what was moved out of it into `C`; from `C`
//! once the owner closed it, and a liquidation or an ADL close that took it whole removes the
//! entry) — each as far as it holds. A market settled before the entry's
//! record charges at its settlement price. It cannot be cancelled and a liquidation or an ADL
//! close keeps it.

use cosmwasm_std::{Decimal256, DepsMut, Env, Uint128};
use perps_api::events::OrderSettledEvent;
use perps_api::perps::{MarketStatus, TradeMode};
use perps_risk::orders::{failure_exit, failure_move, margin_charge};

use super::pin::{find_pin, latest_sequence, Pin};
use super::run::Batch;
use super::sweep::Seen;
use crate::account::load_with_vault;
use crate::error::ContractResult;
use crate::orders::{self, StoredOrder};
use crate::state::{Config, Mode, MARKET_STATES};

/// The record a settling entry is charged at: the first of its market accepted in a block after
/// the failure's ([`find_pin`]: past the history, the least favourable held one), or on a market
/// settled before such a record exists its settlement price (sequence 0; scenario 88: a record
/// the entry is pinned to is kept when the market settles later; scenario 99: a record accepted
/// after the settlement — at or after its time, the funding clock it stopped — is not). `None`:
/// it waits.
fn settlement_price(
    deps: &DepsMut,
    env: &Env,
    cfg: &Config,
    order: &StoredOrder,
    seen: &Seen,
) -> ContractResult<Option<(u64, Decimal256)>> {
    let settled = match &seen.market.status {
        MarketStatus::Settled { price } => Some((0, *price)),
        _ => None,
    };
    // a settled market: only a record accepted before its settlement (scenario 99)
    let before = match settled {
        Some(_) => MARKET_STATES
            .seek_load(deps.storage, &order.market_id)?
            .map_or(0, |s| s.last_funding_time),
        None => u64::MAX,
    };
    let Ok(latest) = &seen.latest else {
        return Ok(settled);
    };
    let seq = latest_sequence(latest.as_ref());
    // the least favourable record for the entry: the lowest for a buy's fill
    let against = order.size_delta.is_some_and(|s| s.is_negative());
    let feed = &seen.market.config.feed_id;
    Ok(
        match find_pin(
            deps.as_ref(),
            env,
            cfg,
            order,
            feed,
            seq,
            against,
            &seen.recs,
        )? {
            Pin::Ready(rec) if rec.accepted_time < before => Some((rec.sequence, rec.price)),
            _ => settled,
        },
    )
}

/// Charges settling entry `id` (`(fill, record price)` = `at`) if its record exists; returns
/// false while it waits.
#[allow(clippy::too_many_arguments)]
pub fn run_settlement(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    id: u64,
    order: &StoredOrder,
    (fill, record): (Decimal256, Decimal256),
    seen: Seen,
    batch: &mut Batch,
) -> ContractResult<bool> {
    let size = order.size_delta.unwrap_or_default();
    let Some((sequence, price)) = settlement_price(deps, env, cfg, order, &seen)? else {
        return Ok(false);
    };
    orders::remove(deps.storage, id, order)?;
    orders::count_settling(deps.storage, false)?;
    let exit = failure_exit(size, fill, (record, price))?;
    let owed = failure_move(size, fill, exit, cfg.collateral_decimals)?;
    let (mut ctx, mut vault, loaded) =
        load_with_vault(deps.as_ref(), env, cfg, &order.owner, None)?;
    let market = order.market_id.as_str();
    // The book the fill would have used, as it stood at the failure (scenarios 81, 91): at most
    // an isolated order's margin; from the joined isolated position while it is open (after
    // the owner closed it, what it returned to `C` pays: scenario 100), else from `C`.
    let bound = match &order.mode {
        Some(TradeMode::Isolated { margin }) => Some(*margin),
        _ => None,
    };
    let joined = order.settle_in_position
        && ctx
            .positions
            .get(market)
            .is_some_and(|p| matches!(p.mode, Mode::Isolated { .. }));
    let book = joined.then_some(market);
    let amount = bound.map_or(owed, |m| owed.min(m));
    let (moved, charged) = margin_charge(ctx.balances(book, &vault), amount)?;
    match book {
        Some(id) => ctx.apply_to_position(id, &mut vault, &moved)?,
        None => ctx.apply(&mut vault, &moved),
    }
    // the cross book: what `C` lacks comes off the account's own pending payout (scenario 90)
    let netted = match bound {
        None => {
            let rest = owed.checked_sub(charged)?;
            crate::solvency::net_pending(deps.storage, &mut ctx, &mut vault, rest, false)?
        }
        Some(_) => Uint128::zero(),
    };
    loaded.save(deps.storage, &ctx, &mut vault)?;
    batch.events.push(
        OrderSettledEvent {
            order_id: id,
            account: order.owner.clone(),
            market_id: order.market_id.clone(),
            sequence,
            price,
            price_move: charged.checked_add(netted)?,
            payout_netted: (!netted.is_zero()).then_some(netted),
        }
        .into(),
    );
    batch.handled += 1;
    Ok(true)
}
