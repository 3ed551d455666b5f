//! Executing orders (DESIGN 6.11). An order runs at its pinned record ([`super::pin`]): the
//! market's mark is replaced by that record as the oracle policy judged it when it was accepted,
//! and the trade step of `trade` ([`crate::trade::apply_trade`]) fills it. A fill pays the keeper
//! fee to whoever executed it; a refusal charges its keeper fee and the taker fee on its size
//! at the record's price (to the vault), never more than `C` holds, and unless exempt keeps the
//! order as a settling entry charged the loss of its fill closed at the first record after the
//! failure's block ([`super::settle`]: a failure costs what the fill and a close would,
//! docs/decisions.md "A failed order pays the move since its record", "Attacker review 3", "A
//! failure settles its move at the next record"); an order
//! that can no longer fill for reasons the owner did not choose (expired, the position closed, the
//! market settled or turned reduce-only) is removed with its reservation released and no charge.

use cosmwasm_std::{
    Addr, Decimal256, Deps, DepsMut, Env, Event, SignedDecimal256, SubMsg, Uint128,
};
use perps_api::events::{OrderCancelledEvent, OrderExecutedEvent, OrderFailedEvent};
use perps_api::perps::{MarketStatus, TradeMode};
use perps_api::price_feed::{HistoryRecord, PriceRecord};
use perps_risk::num::unsigned_abs;
use perps_risk::orders::{clamp_reduce_only, failed_fill, order_charge};
use perps_risk::trade::trade_fee;

use crate::account::{load_with_vault, load_with_vault_known, AccountCtx, Snapshot};
use crate::error::{ContractError, ContractResult};
use crate::execute::bad_debt;
use crate::execute::orders::pin::{
    find_pin, is_first, latest, latest_sequence, record_mark, sweep_pin, Pin,
};
use crate::execute::orders::sweep::Seen;
use crate::execute::settle::close_settled_positions;
use crate::market::{impact_cap, known_market_ctx, skew};
use crate::orders::{self, OrderAction, StoredOrder};
use crate::solvency;
use crate::state::{Config, Market, MarketState, Mode, Vault, MARKETS, POSITIONS};
use crate::trade::{apply_trade, TradeRequest};

/// What a call that executes orders accumulates.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<Event>,
    pub submsgs: Vec<SubMsg>,
    /// Keeper fees earned by the caller (one bank send at the end).
    pub keeper_fees: Uint128,
    /// Asked of the insurance fund so far in this call (its payments arrive after the call).
    pub fund_requested: Uint128,
    /// Orders handled: filled, failed, expired or cancelled.
    pub handled: u32,
    /// Markets whose younger orders wait in this call: an order of theirs waits at its record
    /// ([`super::hold`], scenario 86).
    pub held: Vec<String>,
}

/// Runs order `id` (as loaded) if it is ready: filled or failed at its record, or removed when
/// it expired or can no longer fill. Returns false when the order waits. `seen`: what the sweep
/// of its market read (else read here).
#[allow(clippy::too_many_arguments)]
pub fn run_order(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    keeper: &Addr,
    id: u64,
    order: StoredOrder,
    seen: Option<Seen>,
    batch: &mut Batch,
) -> ContractResult<bool> {
    if order.lp_shares.is_some() {
        return super::lp::run_lp(deps, env, cfg, keeper, id, order, batch);
    }
    let seen = match seen {
        Some(s) => s,
        None => unswept(deps, cfg, &order.market_id)?,
    };
    if let Some(at) = order.settling() {
        return super::settle::run_settlement(deps, env, cfg, id, &order, at, seen, batch);
    }
    let market = seen.market;
    if matches!(market.status, MarketStatus::Settled { .. }) {
        return cancel(deps, id, &order, "settled", batch);
    }
    let position = POSITIONS
        .seek_load(deps.storage, (&order.owner, order.market_id.as_str()))?
        .map(|p| p.size)
        .unwrap_or_default();
    let Some(size) = order_size(&order, position) else {
        return cancel(deps, id, &order, "position_closed", batch);
    };
    if market.status == MarketStatus::ReduceOnly && opens(position, size) {
        return cancel(deps, id, &order, "reduce_only", batch);
    }
    let Ok(record) = seen.latest else {
        return Ok(false);
    };
    let seq = latest_sequence(record.as_ref());
    let buy = !size.is_negative();
    let read = (
        market.config.feed_id.as_str(),
        seen.recs.as_slice(),
        seen.window,
    );
    let (pin, pinned) = pin_of(deps, env, cfg, (id, &order), read, seq, buy)?;
    let rec = match pin {
        Pin::Waiting => {
            orders::demote(deps.storage, id, &order)?;
            return Ok(false);
        }
        Pin::Expired => return cancel(deps, id, &order, "expired", batch),
        Pin::Ready(rec) => rec,
    };
    // An unconfirmed market waits (DESIGN 6.3): nothing fills while its feed is known stale.
    if record.as_ref().is_some_and(|r| r.is_unconfirmed()) {
        if !pinned && is_first(&order, seq) {
            // its first record is found: the order stays pinned to it (scenario 78)
            orders::pin(deps.storage, id, &order, &rec)?;
        }
        return Ok(false);
    }
    let read = Read {
        market,
        latest: record,
        rec,
        state: seen.state,
        swept: seen.swept,
    };
    fill(deps, env, cfg, keeper, id, &order, read, size, batch)
}

/// The record that fills order `id`: the one it is pinned to, its first record when the sweep
/// made for it read it (`recs` after `window`'s start; scenario 101), else [`find_pin`]'s; and
/// whether it was pinned already.
fn pin_of(
    deps: &DepsMut,
    env: &Env,
    cfg: &Config,
    (id, order): (u64, &StoredOrder),
    (feed, recs, window): (&str, &[HistoryRecord], Option<(u64, u64)>),
    seq: u64,
    buy: bool,
) -> ContractResult<(Pin, bool)> {
    if let Some(rec) = orders::pinned(deps.storage, id, order)? {
        return Ok((Pin::Ready(rec), true));
    }
    if let (Some((from, swept)), true) = (window, order.is_conditional()) {
        if let Some(rec) = sweep_pin(order, recs, from, swept) {
            return Ok((Pin::Ready(rec), false));
        }
    }
    let pin = find_pin(deps.as_ref(), env, cfg, order, feed, seq, buy, recs)?;
    Ok((pin, false))
}

/// The market and latest record of an order run without a sweep's reads (an older order of the
/// market: its sweep was made for the newer one).
fn unswept(deps: &DepsMut, cfg: &Config, market_id: &str) -> ContractResult<Seen> {
    let Some(market) = MARKETS.seek_load(deps.storage, market_id)? else {
        return Err(ContractError::UnknownMarket {
            market_id: market_id.to_string(),
        });
    };
    Ok(Seen {
        latest: latest(deps.as_ref(), cfg, market_id, &market),
        market,
        recs: Vec::new(),
        state: None,
        swept: None,
        window: None,
    })
}

/// What `run_order` read before the fill: the order's market, its feed's latest record and the
/// pinned record (the fill builds the market from them instead of reading them again), the
/// market state when the sweep read it, and the sequence the sweep reached (stored with the fill).
struct Read {
    market: Market,
    latest: Option<PriceRecord>,
    rec: HistoryRecord,
    state: Option<MarketState>,
    swept: Option<u64>,
}

/// The size the order trades now: a close takes the whole position, a reduce-only order is
/// clamped to it; `None` when there is nothing left to do (no position to close or reduce).
fn order_size(order: &StoredOrder, position: SignedDecimal256) -> Option<SignedDecimal256> {
    match &order.action() {
        OrderAction::Trade { size_delta } => Some(*size_delta),
        OrderAction::Close {} => SignedDecimal256::zero()
            .checked_sub(position)
            .ok()
            .filter(|s| !s.is_zero()),
        OrderAction::Conditional {
            size_delta,
            reduce_only: true,
            ..
        } => clamp_reduce_only(position, *size_delta),
        OrderAction::Conditional { size_delta, .. } => Some(*size_delta),
    }
}

/// True when `size` opens or increases against `position` (part of a flip included).
fn opens(position: SignedDecimal256, size: SignedDecimal256) -> bool {
    position.is_zero()
        || position.is_negative() == size.is_negative()
        || unsigned_abs(size) > unsigned_abs(position)
}

/// Removes an order with its reservation released and nothing charged.
pub fn cancel(
    deps: &mut DepsMut,
    id: u64,
    order: &StoredOrder,
    reason: &str,
    batch: &mut Batch,
) -> ContractResult<bool> {
    orders::remove(deps.storage, id, order)?;
    batch.events.push(cancelled_event(id, order, reason));
    batch.handled += 1;
    Ok(true)
}

pub fn cancelled_event(id: u64, order: &StoredOrder, reason: &str) -> Event {
    OrderCancelledEvent {
        order_id: id,
        account: order.owner.clone(),
        market_id: order.market_id.clone(),
        reason: reason.to_string(),
        refund: order.reserved,
    }
    .into()
}

/// Fills the order at its pinned record, or fails it there; returns false when the order waits
/// after all: the margin check found another market of the owner's book without a usable price
/// (DESIGN 6.11 fails an order only on its own terms; docs/decisions.md "Orders and the other
/// markets of the book at the fill").
#[allow(clippy::too_many_arguments)]
fn fill(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    keeper: &Addr,
    id: u64,
    order: &StoredOrder,
    read: Read,
    size: SignedDecimal256,
    batch: &mut Batch,
) -> ContractResult<bool> {
    orders::remove(deps.storage, id, order)?;
    let (mut ctx, mut vault, loaded) = load_at_record(deps.as_ref(), env, cfg, order, &read)?;
    let (market, rec) = (&read.market, &read.rec);
    let keeper_fee = if *keeper == order.owner {
        Uint128::zero()
    } else {
        order.keeper_fee
    };
    let skew_before = skew(&ctx.market(&order.market_id)?.state)?;
    match trade_at_record(deps.as_ref(), env, &mut ctx, &mut vault, cfg, order, size) {
        Ok((mut events, shortfall, netted)) => {
            let (moved, charged) =
                order_charge(ctx.balances(None, &vault), keeper_fee, Uint128::zero())?;
            ctx.apply(&mut vault, &moved);
            let (w, sub) = bad_debt::cover_after(
                deps.as_ref(),
                cfg,
                &mut vault,
                shortfall.checked_sub(netted)?,
                batch.fund_requested,
            )?;
            if !shortfall.is_zero() {
                // the books are closed: their recorded shortfall is no longer unrecoverable
                solvency::set_mark(deps.storage, &mut vault, &order.owner, Uint128::zero())?;
            }
            if !w.shortfall.is_zero() {
                events.push(bad_debt::event(&order.owner, &w));
            }
            batch.fund_requested = batch.fund_requested.checked_add(w.from_fund)?;
            batch.submsgs.extend(sub);
            loaded.save(deps.storage, &ctx, &mut vault)?;
            batch.keeper_fees = batch.keeper_fees.checked_add(charged.keeper_fee)?;
            batch.events.push(
                OrderExecutedEvent {
                    order_id: id,
                    account: order.owner.clone(),
                    market_id: order.market_id.clone(),
                    keeper: keeper.clone(),
                    sequence: rec.sequence,
                    price: rec.price,
                    keeper_fee: charged.keeper_fee,
                }
                .into(),
            );
            batch.events.extend(events);
        }
        Err(ContractError::Oracle(e)) if e.market_id() != order.market_id => {
            super::hold(env, cfg, order, rec, batch);
            return wait_for_book(deps, id, order, &read);
        }
        Err(reason) => {
            let live = read.latest.as_ref();
            let failure = Failure {
                id,
                order,
                rec,
                size,
                keeper,
                keeper_fee,
                fill: failure_fill(market, order, rec, live, skew_before, size, &reason)?,
                sequence: latest_sequence(live),
                reason: reason.to_string(),
            };
            fail(deps, env, cfg, &failure, market, batch)?;
        }
    }
    batch.handled += 1;
    Ok(true)
}

/// The order waits after all (another market of its book has no usable price): put back,
/// pinned to its record when that is its first (scenario 78).
fn wait_for_book(
    deps: &mut DepsMut,
    id: u64,
    order: &StoredOrder,
    read: &Read,
) -> ContractResult<bool> {
    let first = is_first(order, latest_sequence(read.latest.as_ref()));
    orders::restore(deps.storage, id, order, first.then_some(&read.rec))?;
    Ok(false)
}

/// The owner's account with the order's market at its pinned record. Funding accrues at the live
/// mark (the latest record, as any message of this block accrues it), the fill is at the pinned
/// record (docs/decisions.md "Funding at an order's fill"); the market and the latest record are
/// those `run_order` read, not read again.
fn load_at_record(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    order: &StoredOrder,
    read: &Read,
) -> ContractResult<(AccountCtx, Vault, Snapshot)> {
    let id = &order.market_id;
    let known = known_market_ctx(
        deps,
        env,
        cfg,
        id,
        read.market.clone(),
        read.latest.clone(),
        read.state.clone(),
    )?;
    let (mut ctx, vault, loaded) = load_with_vault_known(deps, env, cfg, &order.owner, known)?;
    let m = ctx.market_mut(id)?;
    m.mark = record_mark(cfg, env, id, &read.market, &read.rec);
    if let Some(swept) = read.swept {
        m.state.swept = swept;
    }
    Ok((ctx, vault, loaded))
}

/// The trade at the pinned record, in memory: settled positions closed first, then the trade
/// step. Returns its events, the books' shortfall and the part of it netted against the
/// account's pending payout (scenario 90: the waterfall pays the rest).
fn trade_at_record(
    deps: Deps,
    env: &Env,
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    cfg: &Config,
    order: &StoredOrder,
    size: SignedDecimal256,
) -> ContractResult<(Vec<Event>, Uint128, Uint128)> {
    // The order was removed (its reservation released) before the account was loaded; the
    // other pending orders' reservations still count as spent.
    let closed = close_settled_positions(deps.storage, ctx, vault, cfg)?;
    // While V < 0 the profit this fill realizes is paid with the haircut (DESIGN 6.10), V
    // confirmed at live prices when the stored ones say it is negative (scenario 69).
    ctx.haircut = solvency::haircut_terms_live(deps, env, ctx, vault, cfg)?;
    let mut events = closed.events;
    // A conditional order without an acceptable price has no slippage bound (DESIGN 6.11).
    let acceptable = order.acceptable_price.or_else(|| {
        Some(if size.is_negative() {
            Decimal256::zero()
        } else {
            Decimal256::MAX
        })
    });
    let req = TradeRequest {
        market_id: &order.market_id,
        size_delta: size,
        acceptable_price: acceptable,
        mode: order.mode.clone(),
    };
    let mut report = apply_trade(ctx, vault, cfg, &req)?;
    let netted = report.net_pending(deps.storage, ctx, vault)?;
    let netted = netted.checked_add(closed.payout_netted)?;
    events.push(report.event(&ctx.addr, ctx.collateral).into());
    Ok((
        events,
        closed.flows.shortfall.checked_add(report.shortfall)?,
        netted,
    ))
}

/// An order that could not fill at its record.
struct Failure<'a> {
    id: u64,
    order: &'a StoredOrder,
    rec: &'a HistoryRecord,
    size: SignedDecimal256,
    keeper: &'a Addr,
    keeper_fee: Uint128,
    /// The fill its move is charged from ([`failure_fill`]; `None`: the fees only).
    fill: Option<Decimal256>,
    /// The market's latest sequence at the failure (its settlement pins to a later record).
    sequence: u64,
    reason: String,
}

/// The fill a failure pays its market's move from (scenario 62: a failure must not be cheaper
/// than the fill, or a wallet that moves the caps, the skew or the vault after the record turns a
/// losing fill into a refusal): the record's price with the impact of the skew it met (at most
/// the impact cap), never beyond its acceptable price. The move is charged at the first record
/// of the market accepted after the failure's block ([`super::settle`], scenario 77: a record
/// nobody knew when the failure was chosen), as the loss of that fill closed there
/// (`fill · next / record`, scenarios 71–73). `None` (the fees only) when its own slippage
/// bound refuses the record's price with the most favourable impact the market allows (an
/// outcome fixed at the record whatever anyone does after it and whatever check failed first,
/// scenarios 73–74), when the oracle policy refuses the record itself (an own-market oracle
/// error: the record as judged at its acceptance, scenario 79; another market's makes the order
/// wait) or the market has no live record.
fn failure_fill(
    market: &Market,
    order: &StoredOrder,
    rec: &HistoryRecord,
    live: Option<&PriceRecord>,
    skew: SignedDecimal256,
    size: SignedDecimal256,
    reason: &ContractError,
) -> ContractResult<Option<Decimal256>> {
    if live.is_none() || matches!(reason, ContractError::Oracle(_)) {
        return Ok(None);
    }
    let mc = &market.config;
    let terms = (mc.skew_scale, impact_cap(mc));
    Ok(failed_fill(
        rec.price,
        (skew, size),
        terms,
        order.acceptable_price,
    )?)
}

/// Charges a failed order (from the account as it was before the attempt): the keeper fee to the
/// caller and the taker fee on its size at the record's price to the vault; unless exempt, the
/// order stays under its id as a settling entry whose move is charged at the next record
/// ([`super::settle`]).
fn fail(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    f: &Failure,
    market: &Market,
    batch: &mut Batch,
) -> ContractResult<()> {
    let (mut ctx, mut vault, loaded): (AccountCtx, Vault, Snapshot) =
        load_with_vault(deps.as_ref(), env, cfg, &f.order.owner, None)?;
    let fee = trade_fee(
        f.size,
        f.rec.price,
        market.config.taker_fee,
        cfg.collateral_decimals,
    )?;
    let book = failure_book(&ctx, f.order);
    let (moved, charged) = order_charge(ctx.balances(None, &vault), f.keeper_fee, fee)?;
    ctx.apply(&mut vault, &moved);
    loaded.save(deps.storage, &ctx, &mut vault)?;
    if let Some(fill) = f.fill {
        let entry = settling_entry(env, f, (fill, book), charged.vault_fee);
        orders::restore(deps.storage, f.id, &entry, None)?;
        orders::count_settling(deps.storage, true)?;
    }
    batch.keeper_fees = batch.keeper_fees.checked_add(charged.keeper_fee)?;
    batch.events.push(
        OrderFailedEvent {
            order_id: f.id,
            account: f.order.owner.clone(),
            market_id: f.order.market_id.clone(),
            keeper: f.keeper.clone(),
            reason: f.reason.clone(),
            sequence: f.rec.sequence,
            price: f.rec.price,
            keeper_fee: charged.keeper_fee,
            fee: charged.vault_fee,
            price_move: Uint128::zero(),
            settles_at_next_record: f.fill.is_some(),
        }
        .into(),
    );
    Ok(())
}

/// The book a failed order's fill would have used, as it stands at the failure (scenarios 81,
/// 91): the isolated position of its market (its margin, and `true`), or the margin the order
/// would move into a new isolated position, else the cross book. The settlement reads only this.
fn failure_book(ctx: &AccountCtx, order: &StoredOrder) -> (TradeMode, bool) {
    match ctx.positions.get(&order.market_id).map(|p| &p.mode) {
        Some(Mode::Isolated { margin }) => {
            let margin = if margin.is_negative() {
                Uint128::zero()
            } else {
                margin.unsigned_abs()
            };
            (TradeMode::Isolated { margin }, true)
        }
        Some(Mode::Cross) => (TradeMode::Cross, false),
        None => match &order.mode {
            Some(TradeMode::Isolated { margin }) => {
                (TradeMode::Isolated { margin: *margin }, false)
            }
            _ => (TradeMode::Cross, false),
        },
    }
}

/// The settling entry of a failure (scenario 77): its size, fill and record price, placed at the
/// failure's block and latest sequence (its move pins to a later record), the book its fill
/// would have used ([`failure_book`]), its keeper fee paid and what is left of its reservation
/// after the fees held until the charge.
fn settling_entry(
    env: &Env,
    f: &Failure,
    (fill, book): (Decimal256, (TradeMode, bool)),
    fee_paid: Uint128,
) -> StoredOrder {
    let o = f.order;
    StoredOrder {
        owner: o.owner.clone(),
        market_id: o.market_id.clone(),
        size_delta: Some(f.size),
        trigger_price: None,
        trigger: None,
        reduce_only: false,
        acceptable_price: None,
        mode: Some(book.0),
        placed_at: env.block.time.seconds(),
        placed_height: env.block.height,
        placed_sequence: f.sequence,
        reserved: o
            .reserved
            .saturating_sub(o.keeper_fee)
            .saturating_sub(fee_paid),
        keeper_fee: Uint128::zero(),
        lp_shares: None,
        lp_value: None,
        settle_fill: Some(fill),
        settle_record: Some(f.rec.price),
        settle_in_position: book.1,
    }
}
