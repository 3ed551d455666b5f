//! Pending orders (DESIGN 6.11) as stored: the order, the indexes by account and by market, the
//! collateral each account has reserved, and the conversions to query responses. Placing and
//! executing them is `execute::orders`.
//!
//! A reservation stays in the account's collateral `C` (so conservation, invariant 1, needs no
//! new term and a liquidation values it like any collateral); [`RESERVED`] only marks that part
//! of `C` as not free: every risk-adding check of the cross book counts it as spent
//! (`AccountCtx::cross_book` under `Prices::Strict`), so neither `withdraw`, a move into isolated
//! margin, nor a new opening can use it (invariant 13).

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    Addr, Decimal256, Order as Sort, SignedDecimal256, StdResult, Storage, Uint128,
};
use cw_storage_plus::{Item, Map};
use perps_api::perps::{OrderKind, OrderResponse, PendingOrderResponse, TradeMode, Trigger};

/// What an order does when it executes (in memory; stored flat in [`StoredOrder`], which keeps
/// the contract small).
#[derive(Debug, Clone, PartialEq)]
pub enum OrderAction {
    /// Trade `size_delta` (from `trade`).
    Trade { size_delta: SignedDecimal256 },
    /// Close whatever the position is at execution (from `close_position`).
    Close {},
    /// A conditional order: trade `size_delta` at the first record meeting the trigger.
    Conditional {
        size_delta: SignedDecimal256,
        trigger_price: Decimal256,
        trigger: Trigger,
        reduce_only: bool,
    },
}

/// One pending order.
#[cw_serde]
pub struct StoredOrder {
    pub owner: Addr,
    pub market_id: String,
    /// Signed size; `None` for a close (whatever the position is at execution).
    pub size_delta: Option<SignedDecimal256>,
    /// A conditional order's trigger (`None` for a market order).
    pub trigger_price: Option<Decimal256>,
    pub trigger: Option<Trigger>,
    pub reduce_only: bool,
    pub acceptable_price: Option<Decimal256>,
    pub mode: Option<TradeMode>,
    /// Block time and height of placement.
    pub placed_at: u64,
    pub placed_height: u64,
    /// Sequence of the market's latest price record at placement (0: none had a sequence).
    pub placed_sequence: u64,
    /// Part of the owner's `C` held back (keeper fee included), base units.
    pub reserved: Uint128,
    pub keeper_fee: Uint128,
}

impl StoredOrder {
    /// The order's action.
    pub fn action(&self) -> OrderAction {
        match (self.size_delta, self.trigger_price, &self.trigger) {
            (Some(size_delta), Some(trigger_price), Some(trigger)) => OrderAction::Conditional {
                size_delta,
                trigger_price,
                trigger: trigger.clone(),
                reduce_only: self.reduce_only,
            },
            (Some(size_delta), _, _) => OrderAction::Trade { size_delta },
            (None, _, _) => OrderAction::Close {},
        }
    }

    /// The stored fields of `action`: `(size_delta, trigger_price, trigger, reduce_only)`.
    #[allow(clippy::type_complexity)]
    pub fn fields(
        action: OrderAction,
    ) -> (
        Option<SignedDecimal256>,
        Option<Decimal256>,
        Option<Trigger>,
        bool,
    ) {
        match action {
            OrderAction::Trade { size_delta } => (Some(size_delta), None, None, false),
            OrderAction::Close {} => (None, None, None, true),
            OrderAction::Conditional {
                size_delta,
                trigger_price,
                trigger,
                reduce_only,
            } => (
                Some(size_delta),
                Some(trigger_price),
                Some(trigger),
                reduce_only,
            ),
        }
    }

    /// The order's size when it is fixed at placement (not for a close).
    pub fn size_delta(&self) -> Option<SignedDecimal256> {
        self.size_delta
    }

    pub fn is_conditional(&self) -> bool {
        self.trigger_price.is_some()
    }

    /// The `orders` query's view.
    pub fn response(&self, order_id: u64) -> OrderResponse {
        OrderResponse {
            order_id,
            market_id: Some(self.market_id.clone()),
            kind: if self.is_conditional() {
                OrderKind::Conditional
            } else {
                OrderKind::Market
            },
            size_delta: self.size_delta,
            trigger_price: self.trigger_price,
            trigger: self.trigger.clone(),
            reduce_only: self.reduce_only,
            acceptable_price: self.acceptable_price,
            placed_at: self.placed_at,
            keeper_fee: self.keeper_fee,
            reserved: Some(self.reserved),
            mode: self.mode.clone(),
        }
    }

    /// The `pending_orders` query's view.
    pub fn pending_response(&self, order_id: u64) -> PendingOrderResponse {
        let r = self.response(order_id);
        PendingOrderResponse {
            address: self.owner.clone(),
            order_id,
            market_id: r.market_id,
            kind: r.kind,
            size_delta: r.size_delta,
            trigger_price: r.trigger_price,
            trigger: r.trigger,
            reduce_only: r.reduce_only,
            acceptable_price: r.acceptable_price,
            placed_at: r.placed_at,
            keeper_fee: r.keeper_fee,
            reserved: r.reserved,
        }
    }
}

/// Every pending order by id (ids ascend in placement order).
pub const ORDERS: Map<u64, StoredOrder> = Map::new("o");
/// Index: account → its order ids.
pub const ACCOUNT_ORDERS: Map<(&Addr, u64), ()> = Map::new("oa");
/// Index: market → its market orders' ids (market orders fill in id order within a market;
/// conditional orders, which may rest for long, are not in it).
pub const MARKET_ORDERS: Map<(&str, u64), ()> = Map::new("om");
/// Σ reservations of an account's pending orders, base units (absent when none).
pub const RESERVED: Map<&Addr, Uint128> = Map::new("or");
/// The id the next order gets.
pub const NEXT_ORDER_ID: Item<u64> = Item::new("on");

/// The reservation of `addr` (0 when none).
pub fn reserved_of(storage: &dyn Storage, addr: &Addr) -> StdResult<Uint128> {
    Ok(RESERVED.may_load(storage, addr)?.unwrap_or_default())
}

/// The order ids of `addr`, ascending.
pub fn account_order_ids(storage: &dyn Storage, addr: &Addr) -> StdResult<Vec<u64>> {
    ACCOUNT_ORDERS
        .prefix(addr)
        .keys(storage, None, None, Sort::Ascending)
        .collect()
}

/// The market-order ids of `market_id` below `below` (all when `None`), ascending.
pub fn market_order_ids(
    storage: &dyn Storage,
    market_id: &str,
    below: Option<u64>,
) -> StdResult<Vec<u64>> {
    let max = below.map(cw_storage_plus::Bound::exclusive);
    MARKET_ORDERS
        .prefix(market_id)
        .keys(storage, None, max, Sort::Ascending)
        .collect()
}

/// Stores a new order and its indexes, adds its reservation; returns its id.
pub fn insert(storage: &mut dyn Storage, order: &StoredOrder) -> StdResult<u64> {
    let id = NEXT_ORDER_ID.may_load(storage)?.unwrap_or(1);
    NEXT_ORDER_ID.save(storage, &(id + 1))?;
    ORDERS.save(storage, id, order)?;
    ACCOUNT_ORDERS.save(storage, (&order.owner, id), &())?;
    if !order.is_conditional() {
        MARKET_ORDERS.save(storage, (&order.market_id, id), &())?;
    }
    if !order.reserved.is_zero() {
        let r = reserved_of(storage, &order.owner)?.checked_add(order.reserved)?;
        RESERVED.save(storage, &order.owner, &r)?;
    }
    Ok(id)
}

/// Removes an order and its indexes and releases its reservation.
pub fn remove(storage: &mut dyn Storage, id: u64, order: &StoredOrder) -> StdResult<()> {
    ORDERS.remove(storage, id);
    ACCOUNT_ORDERS.remove(storage, (&order.owner, id));
    if !order.is_conditional() {
        MARKET_ORDERS.remove(storage, (&order.market_id, id));
    }
    if !order.reserved.is_zero() {
        let r = reserved_of(storage, &order.owner)?.saturating_sub(order.reserved);
        if r.is_zero() {
            RESERVED.remove(storage, &order.owner);
        } else {
            RESERVED.save(storage, &order.owner, &r)?;
        }
    }
    Ok(())
}

/// Every pending market order's id, ascending (they live at most `max_order_age_secs`).
pub fn market_order_queue(storage: &dyn Storage, max: usize) -> StdResult<Vec<u64>> {
    let mut ids: Vec<u64> = MARKET_ORDERS
        .keys(storage, None, None, Sort::Ascending)
        .take(max)
        .map(|k| k.map(|(_, id)| id))
        .collect::<StdResult<_>>()?;
    sort_ids(&mut ids);
    Ok(ids)
}

/// Sorts and dedups a short list of ids (at most a page: an insertion sort keeps the contract
/// smaller than the standard sort).
pub fn sort_ids(ids: &mut Vec<u64>) {
    for i in 1..ids.len() {
        let mut j = i;
        while j > 0 && ids[j - 1] > ids[j] {
            ids.swap(j - 1, j);
            j -= 1;
        }
    }
    ids.dedup();
}
