//! Orders and deferred execution (DESIGN 6.11): `execute_orders`, `place_order`, `cancel_order`,
//! the market orders `trade` and `close_position` place in a deferred market, the execution of
//! an account's own ready orders before any later message of it, and the cancellation of the
//! orders of the books a liquidation or an ADL close acts on.

pub mod lp;
pub mod pin;
pub mod place;
pub mod run;
pub mod settle;
pub mod sweep;

use cosmwasm_std::{Addr, BankMsg, Coin, DepsMut, Env, MessageInfo, Response, SubMsg};
use cw_utils::nonpayable;
use perps_api::perps::Trigger;
use perps_api::price_feed::HistoryRecord;

use crate::error::{ContractError, ContractResult};
use crate::orders::{
    self, account_order_ids, market_order_ids, market_order_queue, LpOrder, StoredOrder, ORDERS,
};
use crate::state::{Config, CONFIG, MARKETS};
use pin::{find_pin, latest, latest_sequence, Pin};
use run::{cancelled_event, run_order, Batch};

/// Orders one `execute_orders` call handles by default, and at most.
pub const DEFAULT_EXECUTE_LIMIT: u32 = 5;
pub const MAX_EXECUTE_LIMIT: u32 = 10;
/// Orders of other accounts an account's own message may execute first (older orders of the
/// same market); past it, the account's order waits for a keeper.
const OWN_RUN_LIMIT: u32 = 10;
/// Most ids one `execute_orders` takes.
const MAX_IDS: usize = 30;
/// Orders of the market-order index `execute_orders` without ids looks at (a conditional order
/// needs its id until a sweep found it triggered and moved it there).
const QUEUE_SCAN: usize = 100;

/// `execute_orders`: the given orders (ascending, each after the older ready orders of its
/// market), or without ids the ready market orders oldest first; the caller earns the keeper
/// fees.
pub fn execute_orders(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    order_ids: Option<Vec<u64>>,
    limit: Option<u32>,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let limit = limit
        .unwrap_or(DEFAULT_EXECUTE_LIMIT)
        .clamp(1, MAX_EXECUTE_LIMIT);
    let mut batch = Batch::default();
    let ids = match order_ids {
        Some(ids) if ids.len() > MAX_IDS => {
            return Err(ContractError::invalid(
                "order_ids",
                format!("at most {MAX_IDS} ids"),
            ))
        }
        Some(mut ids) => {
            orders::sort_ids(&mut ids);
            ids
        }
        None => market_order_queue(deps.storage, QUEUE_SCAN)?,
    };
    for id in ids {
        if batch.handled >= limit {
            break;
        }
        run_in_order(&mut deps, &env, &cfg, &info.sender, id, limit, &mut batch)?;
    }
    Ok(respond(&cfg, &info.sender, batch, "execute_orders"))
}

/// Runs order `id` after the older ready orders of its market (so that within a market orders
/// fill in id order whoever picks them), within `limit` orders handled in all: the market's
/// conditional orders a record triggered join its market orders first ([`sweep`]). Once an
/// order of the market waits at its record ([`hold`]), the younger ones wait too.
fn run_in_order(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    keeper: &Addr,
    id: u64,
    limit: u32,
    batch: &mut Batch,
) -> ContractResult<Ran> {
    let Some(order) = orders::load_order(deps.storage, id)? else {
        return Ok(Ran::Done);
    };
    let market_id = &order.market_id;
    // a hold keeps an order back for at most `max_order_age_secs` after its placement, however
    // many older orders come to wait in turn (scenario 105)
    let may_hold =
        env.block.time.seconds() <= order.placed_at.saturating_add(cfg.max_order_age_secs);
    if may_hold && held(batch, market_id) {
        return Ok(Ran::Blocked);
    }
    let mut seen = None;
    if order.lp_shares.is_none() {
        let Ok(s) = sweep::sweep(deps, cfg, market_id, id)? else {
            return Ok(Ran::Blocked);
        };
        seen = Some(s);
    }
    for older in market_order_ids(deps.storage, market_id, Some(id))? {
        if batch.handled >= limit {
            return Ok(Ran::Blocked);
        }
        if let Some(o) = orders::load_order(deps.storage, older)? {
            // The market state the sweep read is stale once another order of the market ran.
            if let Some(s) = seen.as_mut() {
                s.state = None;
            }
            run_order(deps, env, cfg, keeper, older, o, None, batch)?;
            if may_hold && held(batch, market_id) {
                return Ok(Ran::Blocked);
            }
        }
    }
    if batch.handled >= limit {
        return Ok(Ran::Blocked);
    }
    run_order(deps, env, cfg, keeper, id, order, seen, batch)?;
    Ok(Ran::Done)
}

/// What [`run_in_order`] did with an order: ran it (filled, failed, removed, or found it waiting
/// for its record), or could not get to it in this call (more triggered orders than one sweep
/// moves, older orders of its market past the call's limit, or its market held: scenario 86).
#[derive(PartialEq)]
enum Ran {
    Done,
    Blocked,
}

/// Scenario 86 (DESIGN 6.11: within a market, orders execute in id order): an order that waits
/// at its record `rec` because another market of its owner's book has no usable price holds the
/// younger orders of its market for the rest of the call; a later call runs it again before any
/// of them ([`run_in_order`]), so they wait until it fills or fails — for at most
/// `max_order_age_secs` after its record, after which they run past it (docs/decisions.md
/// "Scenario 86 fixed"). A settling entry, an LP order, or an order without its record never
/// holds (their waits do not come here).
pub(super) fn hold(
    env: &Env,
    cfg: &Config,
    order: &StoredOrder,
    rec: &HistoryRecord,
    batch: &mut Batch,
) {
    let until = rec.accepted_time.saturating_add(cfg.max_order_age_secs);
    if env.block.time.seconds() <= until && !held(batch, &order.market_id) {
        batch.held.push(order.market_id.clone());
    }
}

/// Whether an order of `market_id` waits at its record in this call ([`hold`]).
fn held(batch: &Batch, market_id: &str) -> bool {
    batch.held.iter().any(|m| m == market_id)
}

/// The events, submessages and the keeper's payment of a call that executed orders.
fn respond(cfg: &Config, keeper: &Addr, batch: Batch, action: &str) -> Response {
    let mut res = Response::new()
        .add_attribute("action", action)
        .add_attribute("orders_handled", batch.handled.to_string())
        .add_events(batch.events)
        .add_submessages(batch.submsgs);
    if !batch.keeper_fees.is_zero() {
        res = res.add_submessage(SubMsg::new(BankMsg::Send {
            to_address: keeper.to_string(),
            amount: vec![Coin::new(batch.keeper_fees, cfg.collateral_denom.clone())],
        }));
    }
    res
}

/// Before any message of `sender` (DESIGN 6.11): its ready orders execute first, in id order
/// (each after the older ready market orders of its market). Returns what they did, to be
/// merged into the message's response. `strict`: the message is refused when one of the
/// sender's orders cannot run first in it ([`Ran::Blocked`]).
pub fn run_own_first(
    mut deps: DepsMut,
    env: &Env,
    sender: &Addr,
    strict: bool,
) -> ContractResult<Response> {
    let ids = account_order_ids(deps.storage, sender)?;
    if ids.is_empty() {
        return Ok(Response::new());
    }
    let cfg = CONFIG.load(deps.storage)?;
    let mut batch = Batch::default();
    for id in ids {
        let ran = run_in_order(&mut deps, env, &cfg, sender, id, OWN_RUN_LIMIT, &mut batch)?;
        // an order of the sender this message cannot run first: its outcome may be fixed
        // already, so the message waits for it (scenarios 93, 103), except one that only adds
        // collateral
        if ran == Ran::Blocked && strict {
            let market_id = orders::load_order(deps.storage, id)?.map(|o| o.market_id);
            return Err(ContractError::OwnOrderFirst {
                order_id: id,
                market_id: market_id.unwrap_or_default(),
            });
        }
    }
    if batch.handled == 0 {
        return Ok(Response::new());
    }
    Ok(respond(&cfg, sender, batch, "execute_own_orders"))
}

/// `cancel_order`: the owner's conditional order, refused once a record after placement meets
/// its trigger (it has become a market order pinned to that record).
pub fn cancel_order(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    order_id: u64,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let order = ORDERS
        .may_load(deps.storage, order_id)?
        .ok_or(ContractError::UnknownOrder { order_id })?;
    if order.owner != info.sender {
        return Err(ContractError::NotOrderOwner {
            order_id,
            owner: order.owner.to_string(),
        });
    }
    if !order.is_conditional() {
        return Err(ContractError::MarketOrderNotCancellable { order_id });
    }
    // The market's records not yet compared with its resting orders first (scenario 78): a
    // record among them that meets this order's trigger pins it.
    let seen = match sweep::sweep(&mut deps, &cfg, &order.market_id, 0)? {
        Ok(seen) => seen,
        Err(b) => {
            return Err(ContractError::OrdersBehind {
                market_id: order.market_id,
                order_id,
                swept: b.swept,
                latest: b.latest,
            })
        }
    };
    if let Some(rec) = triggered(&deps, &env, &cfg, order_id, &order, &seen.recs)? {
        return Err(ContractError::OrderTriggered {
            order_id,
            sequence: rec.sequence,
            price: rec.price,
        });
    }
    orders::remove(deps.storage, order_id, &order)?;
    Ok(Response::new()
        .add_attribute("action", "cancel_order")
        .add_event(cancelled_event(order_id, &order, "cancelled")))
}

/// The record that triggered a conditional order: the one it is pinned to, or one held (`recs`:
/// what the sweep read).
fn triggered(
    deps: &DepsMut,
    env: &Env,
    cfg: &Config,
    order_id: u64,
    order: &StoredOrder,
    recs: &[perps_api::price_feed::HistoryRecord],
) -> ContractResult<Option<perps_api::price_feed::HistoryRecord>> {
    if let Some(rec) = orders::pinned(deps.storage, order_id, order)? {
        return Ok(Some(rec));
    }
    let market = MARKETS.load(deps.storage, &order.market_id)?;
    let record = latest(deps.as_ref(), cfg, &order.market_id, &market)?;
    let buy = order.size_delta().is_some_and(|s| !s.is_negative());
    let feed = &market.config.feed_id;
    let seq = latest_sequence(record.as_ref());
    Ok(
        match find_pin(deps.as_ref(), env, cfg, order, feed, seq, buy, recs)? {
            Pin::Ready(rec) => Some(rec),
            _ => None,
        },
    )
}

/// Cancels the pending orders of `account` whose market (empty for an LP order) `book` selects,
/// with their reservations released: a liquidation or an ADL close cancels those of the books
/// it acts on (DESIGN 6.11, scenario 80; a claim order is never the book's). Returns the
/// `order_cancelled` events.
pub fn cancel_where(
    deps: &mut DepsMut,
    account: &Addr,
    reason: &str,
    book: &dyn Fn(&str) -> bool,
) -> ContractResult<Vec<cosmwasm_std::Event>> {
    let mut events = Vec::new();
    for id in account_order_ids(deps.storage, account)? {
        let order = ORDERS.load(deps.storage, id)?;
        // A claim order is not the book's: it holds nothing and keeps its pinned records; a
        // settling entry's move is owed whatever happens to the book (scenario 77).
        let kept = matches!(order.lp(), Some(LpOrder::Claim { .. })) || order.settling().is_some();
        if kept || !book(&order.market_id) {
            continue;
        }
        orders::remove(deps.storage, id, &order)?;
        events.push(cancelled_event(id, &order, reason));
    }
    Ok(events)
}

/// After a liquidation or an ADL close left `after` of the account's position in `market_id`
/// (`before` before it): the account's settling entries of that market that would have reduced
/// the position are clamped, in id order, to what is left of it (scenarios 89, 94), and those
/// that joined an isolated position the close took whole go (scenario 100: their fill's loss
/// went with the margin); one left with nothing goes with an `order_cancelled` event with
/// `reason`. The owner's own closes change no entry: a failure followed by a close at a known
/// price would escape its move (scenarios 62, 100).
pub fn shrink_settling(
    deps: &mut DepsMut,
    account: &Addr,
    (market_id, reason): (&str, &str),
    before: cosmwasm_std::SignedDecimal256,
    after: cosmwasm_std::SignedDecimal256,
) -> ContractResult<Vec<cosmwasm_std::Event>> {
    let mut events = Vec::new();
    let mut left = perps_risk::num::unsigned_abs(after);
    for id in account_order_ids(deps.storage, account)? {
        let mut order = ORDERS.load(deps.storage, id)?;
        let Some(entry) = order.size_delta.filter(|_| order.settling().is_some()) else {
            continue;
        };
        if order.market_id != market_id {
            continue;
        }
        let (kept, used) = perps_risk::orders::shrink_reducing(entry, before, left)?;
        left = left.checked_sub(used)?;
        if kept.is_zero() || (order.settle_in_position && after.is_zero()) {
            orders::remove(deps.storage, id, &order)?;
            orders::count_settling(deps.storage, false)?;
            events.push(cancelled_event(id, &order, reason));
        } else if kept != entry {
            order.size_delta = Some(kept);
            ORDERS.save(deps.storage, id, &order)?;
        }
    }
    Ok(events)
}

/// Label of a trigger (events, errors).
pub fn trigger_label(t: &Trigger) -> &'static str {
    place::trigger_label(t)
}
