//! Placing orders (DESIGN 6.11): a market order from `trade` / `close_position` in a deferred
//! market, a conditional order from `place_order`. Placement checks what it can know now (market
//! open, size, minimum, reduce-only status, trigger not already met, the per-account cap) and
//! reserves the order's initial margin at its acceptable price, its fee and the keeper fee out of
//! free collateral; everything that depends on the fill is checked at execution.

use cosmwasm_std::{
    Addr, Decimal256, DepsMut, Env, Event, MessageInfo, Response, SignedDecimal256, Storage,
    Uint128,
};
use cw_utils::nonpayable;
use perps_api::events::OrderPlacedEvent;
use perps_api::perps::{MarketStatus, OrderKind, TradeMode, Trigger};
use perps_risk::book::book_health;
use perps_risk::num::{clamp_u128, int128, unsigned_abs};
use perps_risk::orders::{clamp_reduce_only, order_reservation, trigger_met};
use perps_risk::trade::{default_acceptable_price, trade_fee};

use crate::account::{book_params, load_account, AccountCtx, Snapshot};
use crate::error::{ContractError, ContractResult};
use crate::execute::orders::pin::{latest, latest_sequence};
use crate::market::Prices;
use crate::orders::{self, account_order_ids, OrderAction, StoredOrder};
use crate::state::{Config, Vault, CONFIG};
use crate::trade::TradeRequest;

/// What an order asks, as placement checks it.
struct Terms<'a> {
    market_id: &'a str,
    /// The order's size now (a close: the whole position now).
    size: SignedDecimal256,
    /// The part that opens or increases a position (0 for a reduction).
    opening: Decimal256,
    /// Price the reservation is computed at.
    price: Decimal256,
    mode: &'a Option<TradeMode>,
}

/// What `trade` / `close_position` loaded before it saw that the market is deferred.
pub struct Loaded<'a> {
    pub cfg: Config,
    pub ctx: AccountCtx,
    pub vault: Vault,
    pub snapshot: Snapshot,
    /// Attached funds, already deposited into `ctx`.
    pub funds: Uint128,
    pub req: TradeRequest<'a>,
    pub close: bool,
}

/// `trade` / `close_position` in a deferred market (the handler has loaded the account and
/// deposited the attached funds): the order is stored with its reservation and fills at the
/// first record of a later block.
pub fn place_market_order(mut deps: DepsMut, env: Env, l: Loaded) -> ContractResult<Response> {
    let Loaded {
        cfg,
        ctx,
        mut vault,
        snapshot,
        funds,
        req,
        close,
    } = l;
    let id = req.market_id;
    let position = ctx.positions.get(id).map(|p| p.size).unwrap_or_default();
    if close && position.is_zero() {
        return Err(ContractError::NoPosition {
            market_id: id.to_string(),
        });
    }
    let size = if close {
        SignedDecimal256::zero().checked_sub(position)?
    } else {
        req.size_delta
    };
    let m = ctx.market(id)?;
    let acceptable = match req.acceptable_price {
        Some(a) => a,
        None => default_acceptable_price(m.live()?.price, size, cfg.default_max_slippage)?,
    };
    // A sell fills at or above its acceptable price: it reserves at least what it would at the
    // price now (an acceptable price near zero must not reserve nothing).
    let now = m.live().map(|k| k.price).ok().or(m.state.last_price);
    let terms = Terms {
        market_id: id,
        size,
        opening: opening_part(position, size),
        price: sell_price(size, acceptable, now),
        mode: &req.mode,
    };
    let action = if close {
        OrderAction::Close {}
    } else {
        OrderAction::Trade { size_delta: size }
    };
    let placed = place(
        &mut deps,
        &env,
        &cfg,
        &ctx,
        &terms,
        action,
        Some(acceptable),
        req.mode.clone(),
    )?;
    // Only attached funds changed the account (a placement creates no position).
    if !funds.is_zero() {
        snapshot.save(deps.storage, &ctx, &mut vault)?;
    }
    let action = if close { "close_position" } else { "trade" };
    Ok(Response::new()
        .add_attribute("action", action)
        .add_attribute("deposited", funds)
        .add_event(placed))
}

/// The conditional order of `place_order`.
pub struct Conditional {
    pub market_id: String,
    pub size_delta: SignedDecimal256,
    pub trigger_price: Decimal256,
    pub trigger: Trigger,
    pub reduce_only: Option<bool>,
    pub acceptable_price: Option<Decimal256>,
    pub mode: Option<TradeMode>,
}

/// `place_order`: refused when the current price already meets the trigger, and a reduce-only
/// order that would not reduce the position now.
pub fn place_order(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    o: Conditional,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let id = o.market_id.as_str();
    let ctx = load_account(deps.as_ref(), &env, &cfg, &info.sender, Some(id))?;
    if o.trigger_price.is_zero() {
        return Err(ContractError::invalid("trigger_price", "must be > 0"));
    }
    let price = ctx.market(id)?.live()?.price;
    if trigger_met(price, o.trigger_price, o.trigger == Trigger::Above) {
        return Err(ContractError::TriggerAlreadyMet {
            market_id: o.market_id.clone(),
            trigger: trigger_label(&o.trigger).to_string(),
            trigger_price: o.trigger_price,
            price,
        });
    }
    let position = ctx.positions.get(id).map(|p| p.size).unwrap_or_default();
    let reduce_only = o.reduce_only.unwrap_or(false);
    if reduce_only && clamp_reduce_only(position, o.size_delta).is_none() && !o.size_delta.is_zero()
    {
        return Err(ContractError::ReduceOnlyWouldNotReduce {
            market_id: o.market_id.clone(),
            size: position,
            size_delta: o.size_delta,
        });
    }
    let terms = Terms {
        market_id: id,
        size: o.size_delta,
        opening: if reduce_only {
            Decimal256::zero()
        } else {
            opening_part(position, o.size_delta)
        },
        price: sell_price(
            o.size_delta,
            o.acceptable_price.unwrap_or(o.trigger_price),
            Some(o.trigger_price),
        ),
        mode: &o.mode,
    };
    let action = OrderAction::Conditional {
        size_delta: o.size_delta,
        trigger_price: o.trigger_price,
        trigger: o.trigger.clone(),
        reduce_only,
    };
    let placed = place(
        &mut deps,
        &env,
        &cfg,
        &ctx,
        &terms,
        action,
        o.acceptable_price,
        o.mode.clone(),
    )?;
    Ok(Response::new()
        .add_attribute("action", "place_order")
        .add_event(placed))
}

pub fn trigger_label(t: &Trigger) -> &'static str {
    match t {
        Trigger::Above => "above",
        Trigger::Below => "below",
    }
}

/// The checks every placement shares, the reservation, and the stored order; returns the
/// `order_placed` event.
#[allow(clippy::too_many_arguments)]
fn place(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    ctx: &AccountCtx,
    t: &Terms,
    action: OrderAction,
    acceptable_price: Option<Decimal256>,
    mode: Option<TradeMode>,
) -> ContractResult<Event> {
    check_terms(ctx, t)?;
    check_count(deps.storage, cfg, &ctx.addr)?;
    let reserved = reservation(ctx, cfg, t)?;
    // The latest record's sequence: from the mark the account loaded (read again only when the
    // price failed liveness: a placement with an explicit acceptable price).
    let m = ctx.market(t.market_id)?;
    let placed_sequence = match &m.mark {
        Ok(mark) => mark.sequence,
        Err(_) => latest_sequence(latest(deps.as_ref(), cfg, t.market_id, &m.market)?.as_ref()),
    };
    if matches!(action, OrderAction::Conditional { .. }) {
        super::sweep::start_at(deps.storage, t.market_id, placed_sequence)?;
    }
    let (size_delta, trigger_price, trigger, reduce_only) = StoredOrder::fields(action);
    let order = StoredOrder {
        owner: ctx.addr.clone(),
        market_id: t.market_id.to_string(),
        size_delta,
        trigger_price,
        trigger,
        reduce_only,
        acceptable_price,
        mode,
        placed_at: env.block.time.seconds(),
        placed_height: env.block.height,
        placed_sequence,
        reserved,
        keeper_fee: cfg.keeper_fee,
        lp_shares: None,
        lp_value: None,
        settle_fill: None,
        settle_record: None,
        settle_in_position: false,
    };
    let order_id = orders::insert(deps.storage, &order)?;
    Ok(placed_event(order_id, &order))
}

/// The `order_placed` event of a stored order.
pub fn placed_event(order_id: u64, order: &StoredOrder) -> Event {
    let r = order.response(order_id);
    OrderPlacedEvent {
        order_id,
        account: order.owner.clone(),
        market_id: order.market_id.clone(),
        kind: match r.kind {
            OrderKind::Market => "market",
            OrderKind::Conditional => "conditional",
            OrderKind::Provide => "provide",
            OrderKind::Claim => "claim",
            OrderKind::Settlement => "settlement",
        }
        .to_string(),
        size_delta: r.size_delta,
        trigger_price: r.trigger_price,
        trigger: r.trigger.as_ref().map(|t| trigger_label(t).to_string()),
        acceptable_price: order.acceptable_price,
        reserved: order.reserved,
        keeper_fee: order.keeper_fee,
        placed_sequence: order.placed_sequence,
    }
    .into()
}

/// The per-account cap on pending orders (DESIGN 6.11).
pub fn check_count(storage: &dyn Storage, cfg: &Config, addr: &Addr) -> ContractResult<()> {
    let count = u32::try_from(account_order_ids(storage, addr)?.len()).unwrap_or(u32::MAX);
    if count >= cfg.max_orders_per_account {
        return Err(ContractError::TooManyOrders {
            count,
            max: cfg.max_orders_per_account,
        });
    }
    Ok(())
}

/// Market open, non-zero size at least the minimum (a full close excepted), no opening in a
/// reduce-only market.
fn check_terms(ctx: &AccountCtx, t: &Terms) -> ContractResult<()> {
    let m = ctx.market(t.market_id)?;
    if let MarketStatus::Settled { price } = m.market.status {
        return Err(ContractError::MarketSettled {
            market_id: t.market_id.to_string(),
            price,
        });
    }
    if t.size.is_zero() {
        return Err(ContractError::ZeroSize {});
    }
    if !t.opening.is_zero() && m.market.status == MarketStatus::ReduceOnly {
        return Err(ContractError::MarketReduceOnly {
            market_id: t.market_id.to_string(),
        });
    }
    let position = ctx
        .positions
        .get(t.market_id)
        .map(|p| p.size)
        .unwrap_or_default();
    let full_close = unsigned_abs(t.size) == unsigned_abs(position) && t.opening.is_zero();
    let min = m.market.config.min_order_size;
    if !full_close && unsigned_abs(t.size) < min {
        return Err(ContractError::BelowMinOrderSize {
            market_id: t.market_id.to_string(),
            size: unsigned_abs(t.size),
            min,
        });
    }
    Ok(())
}

/// The price a reservation is computed at: `acceptable`, for a sell at least `reference` (the
/// price now, or a conditional order's trigger): a sell fills at or above its acceptable price,
/// so a low one would understate its margin and fee.
fn sell_price(
    size: SignedDecimal256,
    acceptable: Decimal256,
    reference: Option<Decimal256>,
) -> Decimal256 {
    match reference {
        Some(r) if size.is_negative() => acceptable.max(r),
        _ => acceptable,
    }
}

/// The part of `size` that opens or increases a position of `position`.
fn opening_part(position: SignedDecimal256, size: SignedDecimal256) -> Decimal256 {
    let same_side = position.is_zero() || position.is_negative() == size.is_negative();
    if same_side {
        unsigned_abs(size)
    } else {
        unsigned_abs(size).saturating_sub(unsigned_abs(position))
    }
}

/// The order's reservation: initial margin of the opening part at the order's price (or the
/// isolated margin it asks for), the fee on its whole size and the keeper fee. An order that
/// opens must fit in free collateral; a pure reduction is never refused for it and holds what
/// `C` has left (a reduction must stay possible whatever the other markets' prices).
fn reservation(ctx: &AccountCtx, cfg: &Config, t: &Terms) -> ContractResult<Uint128> {
    let m = ctx.market(t.market_id)?;
    let mc = &m.market.config;
    let dec = cfg.collateral_decimals;
    let new_isolated = match t.mode {
        Some(TradeMode::Isolated { margin }) if !ctx.positions.contains_key(t.market_id) => {
            Some(*margin)
        }
        _ => None,
    };
    let full = match new_isolated {
        Some(margin) => margin
            .checked_add(trade_fee(t.size, t.price, mc.taker_fee, dec)?)?
            .checked_add(cfg.keeper_fee)?,
        None => order_reservation(
            t.size,
            t.opening,
            t.price,
            &m.tiers,
            mc.taker_fee,
            cfg.keeper_fee,
            dec,
        )?,
    };
    if t.opening.is_zero() {
        let left = ctx.collateral.checked_sub(int128(ctx.reserved)?)?;
        return Ok(full.min(clamp_u128(left)));
    }
    let free = book_health(&ctx.cross_book(Prices::Strict)?, &book_params(cfg))?.free_collateral;
    if full > free {
        return Err(ContractError::ReservationExceedsFreeCollateral {
            reserved: full,
            free,
        });
    }
    Ok(full)
}
