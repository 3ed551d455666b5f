//! Pending orders (DESIGN 6.11) as stored: the order, the indexes by account and by market, the
//! collateral each account has reserved, and the conversions to query responses. Placing and
//! executing them is `execute::orders`.
//!
//! A reservation stays in the account's collateral `C` (so conservation, invariant 1, needs no
//! new term and a liquidation values it like any collateral); [`ACCOUNT_ORDERS`] only marks that part
//! of `C` as not free: every risk-adding check of the cross book counts it as spent
//! (`AccountCtx::cross_book` under `Prices::Strict`), so neither `withdraw`, a move into isolated
//! margin, nor a new opening can use it (invariant 13).

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    from_json, Addr, Decimal256, Order as Sort, SignedDecimal256, StdResult, Storage, Uint128,
};
use cw_storage_plus::{Item, Map};
use perps_api::perps::{OrderKind, OrderResponse, PendingOrderResponse, TradeMode, Trigger};
use perps_api::price_feed::HistoryRecord;

use crate::compact::{seek, BinMap};
use crate::jsonrec::JsonMap;
use crate::state::{Market, MARKETS};

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

/// An LP order (DESIGN 6.11): `provide_liquidity` or `claim_liquidity` while a market is
/// deferred, executed at the worse for the LP of the share prices at request and at execution
/// (in memory; stored flat in [`StoredOrder`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LpOrder {
    /// Provides `reserved − keeper_fee` (the attached funds, held in the owner's `C` and reserved
    /// until execution), minting at most `shares` (what it bought at the request's share price).
    Provide { shares: Uint128 },
    /// Claims the withdrawal request of `shares`, paying at most `value` (their worth at the
    /// claim's share price).
    Claim { shares: Uint128, value: Uint128 },
}

/// One pending order, stored with one-letter field names and without its defaults (every
/// placement writes it and every execution reads it: its bytes are gas).
#[cw_serde]
pub struct StoredOrder {
    #[serde(rename = "o")]
    pub owner: Addr,
    /// Empty for an LP order.
    #[serde(rename = "m", default, skip_serializing_if = "String::is_empty")]
    pub market_id: String,
    /// Signed size; `None` for a close (whatever the position is at execution) and LP orders.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub size_delta: Option<SignedDecimal256>,
    /// A conditional order's trigger (`None` for a market order).
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub trigger_price: Option<Decimal256>,
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    #[serde(rename = "ro", default, skip_serializing_if = "is_false")]
    pub reduce_only: bool,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub acceptable_price: Option<Decimal256>,
    #[serde(rename = "md", default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TradeMode>,
    /// Block time and height of placement.
    #[serde(rename = "t")]
    pub placed_at: u64,
    #[serde(rename = "h")]
    pub placed_height: u64,
    /// Sequence of the market's latest price record at placement (0: none had a sequence).
    #[serde(rename = "q", default, skip_serializing_if = "is_zero")]
    pub placed_sequence: u64,
    /// Part of the owner's `C` held back (keeper fee included), base units.
    #[serde(rename = "r", default, skip_serializing_if = "Uint128::is_zero")]
    pub reserved: Uint128,
    #[serde(rename = "k", default, skip_serializing_if = "Uint128::is_zero")]
    pub keeper_fee: Uint128,
    /// An LP order's shares ([`LpOrder`]).
    #[serde(rename = "ls", default, skip_serializing_if = "Option::is_none")]
    pub lp_shares: Option<Uint128>,
    /// A claim order's value at the claim's share price ([`LpOrder::Claim`]).
    #[serde(rename = "lv", default, skip_serializing_if = "Option::is_none")]
    pub lp_value: Option<Uint128>,
    /// A settling entry's fill (a failed order's, clamped to its bound): with `settle_record`,
    /// marks a failure whose move is charged at the next record (scenario 77).
    #[serde(rename = "sf", default, skip_serializing_if = "Option::is_none")]
    pub settle_fill: Option<Decimal256>,
    /// A settling entry's record price (the failed order's pinned record).
    #[serde(rename = "sr", default, skip_serializing_if = "Option::is_none")]
    pub settle_record: Option<Decimal256>,
    /// A settling entry of an order that joined the isolated position its market held at the
    /// failure (its `mode`: that position's margin then): charged from that position's margin,
    /// nothing once the position is gone (scenarios 81, 91).
    #[serde(rename = "sp", default, skip_serializing_if = "is_false")]
    pub settle_in_position: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StoredOrder {
    /// The LP order, if it is one.
    pub fn lp(&self) -> Option<LpOrder> {
        match (self.lp_shares, self.lp_value) {
            (Some(shares), Some(value)) => Some(LpOrder::Claim { shares, value }),
            (Some(shares), None) => Some(LpOrder::Provide { shares }),
            _ => None,
        }
    }

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

    /// A settling entry's `(fill, record price)` (a failed order waiting for the record its move
    /// is charged at).
    pub fn settling(&self) -> Option<(Decimal256, Decimal256)> {
        self.settle_fill.zip(self.settle_record)
    }

    pub fn is_conditional(&self) -> bool {
        self.trigger_price.is_some()
    }

    /// The `orders` query's view.
    pub fn response(&self, order_id: u64) -> OrderResponse {
        OrderResponse {
            order_id,
            market_id: (!self.market_id.is_empty()).then(|| self.market_id.clone()),
            kind: match (self.lp(), self.is_conditional()) {
                _ if self.settle_fill.is_some() => OrderKind::Settlement,
                (Some(LpOrder::Provide { .. }), _) => OrderKind::Provide,
                (Some(LpOrder::Claim { .. }), _) => OrderKind::Claim,
                (None, true) => OrderKind::Conditional,
                (None, false) => OrderKind::Market,
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

// Retired keys (the record and the index changed format): "o" (orders with long field names),
// "oa" (account index without reservations), "or" (Σ reservations per account).
/// Every pending order by id (ids ascend in placement order).
pub const ORDERS: JsonMap<u64, StoredOrder> = JsonMap::new("od");
/// Index: account → its order ids, each with its reservation (the account's reservation is their
/// sum: an account without orders costs one empty iterator seek, not a read of a missing key).
pub const ACCOUNT_ORDERS: Map<(&Addr, u64), Uint128> = Map::new("ob");
/// Index: market → the ids of its market orders and of the conditional orders a sweep found
/// triggered (they fill in id order within a market, [`crate::execute::orders::sweep`]). LP
/// orders are under `""`.
pub const MARKET_ORDERS: Map<(&str, u64), ()> = Map::new("om");
/// Index: market → its resting conditional orders, keyed by [`cond_key`] (direction, trigger
/// price, id) so that the orders a price triggers are one range; the value is `1`. A sweep moves
/// an order a record triggered to [`MARKET_ORDERS`] ([`demote`] moves one back that was not ready
/// after all). The engine reads and writes it raw ([`cond_storage_key`]: no generic map code in
/// the artifact); the map is its layout, for tests and tools.
pub const COND_ORDERS: Map<(&str, &[u8]), u8> = Map::new("oc");
/// First byte of a [`COND_ORDERS`] key.
pub const ABOVE: u8 = 0;
pub const BELOW: u8 = 1;
/// A triggered conditional order's record (scenario 78), kept from the sweep or run that found
/// it: the order is pinned to it for good, whoever executes it and whenever, even once the
/// record has left the feed's 16-record history (it cannot be cancelled any more, and its fill
/// does not depend on the records still held). A compact record (`crate::compact`).
pub const PINNED: BinMap<u64, HistoryRecord> = BinMap::new("op");
crate::compact_struct!(HistoryRecord {
    sequence,
    price,
    conf,
    ema_price,
    publish_time,
    accepted_height,
    accepted_time,
});
/// How many settling entries (failed orders whose move is charged at their next record) are
/// pending: an LP provide waits while any is (scenario 87: its share price would not count the
/// charge the vault is about to receive).
/// Stored raw under key `os`: the count, 4 bytes big-endian (absent: 0).
pub const SETTLING: &[u8] = b"os";
/// The id the next order gets.
pub const NEXT_ORDER_ID: Item<u64> = Item::new("on");
/// Whether any market is deferred (then LP actions run as orders, DESIGN 6.11); written by
/// `add_market` and `update_market`, computed from the markets when absent.
pub const ANY_DEFERRED: Item<bool> = Item::new("dx");

/// The orders of `addr` with their reservations, by id.
fn account_entries(storage: &dyn Storage, addr: &Addr) -> StdResult<Vec<(u64, Uint128)>> {
    ACCOUNT_ORDERS
        .prefix(addr)
        .range(storage, None, None, Sort::Ascending)
        .collect()
}

/// The reservation of `addr` (0 when none): Σ over its pending orders.
pub fn reserved_of(storage: &dyn Storage, addr: &Addr) -> StdResult<Uint128> {
    let mut sum = Uint128::zero();
    for (_, r) in account_entries(storage, addr)? {
        sum = sum.checked_add(r)?;
    }
    Ok(sum)
}

/// True when some market is deferred.
pub fn any_deferred(storage: &dyn Storage) -> StdResult<bool> {
    match ANY_DEFERRED.may_load(storage)? {
        Some(b) => Ok(b),
        None => scan_deferred(storage),
    }
}

/// Saves a market whose execution may have changed, and whether some market is deferred.
pub fn save_market(storage: &mut dyn Storage, id: &str, market: &Market) -> StdResult<()> {
    MARKETS.save(storage, id, market)?;
    refresh_deferred(storage)
}

/// Records whether some market is deferred (after a market's execution may have changed).
pub fn refresh_deferred(storage: &mut dyn Storage) -> StdResult<()> {
    let any = scan_deferred(storage)?;
    ANY_DEFERRED.save(storage, &any)
}

fn scan_deferred(storage: &dyn Storage) -> StdResult<bool> {
    for m in MARKETS.range(storage, None, None, Sort::Ascending) {
        if m?.1.deferred() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The order ids of `addr`, ascending.
pub fn account_order_ids(storage: &dyn Storage, addr: &Addr) -> StdResult<Vec<u64>> {
    Ok(account_entries(storage, addr)?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
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

/// The [`COND_ORDERS`] key of a trigger at `price` and `id`: direction, the price's significant
/// bytes (big endian) after their count, and the id, so that keys sort by price within a
/// direction.
pub fn cond_key(above: bool, price: Decimal256, id: u64) -> Vec<u8> {
    let bytes = price.atomics().to_be_bytes();
    let digits = bytes
        .iter()
        .position(|b| *b != 0)
        .map_or(&[][..], |i| &bytes[i..]);
    let len = u8::try_from(digits.len()).unwrap_or(u8::MAX);
    let mut k = vec![if above { ABOVE } else { BELOW }, len];
    k.extend_from_slice(digits);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The storage key of the [`COND_ORDERS`] entry `suffix` of `market_id` (what the map writes;
/// an empty `suffix`: the market's prefix).
pub fn cond_storage_key(market_id: &str, suffix: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + market_id.len() + suffix.len());
    for part in [&b"oc"[..], market_id.as_bytes()] {
        k.extend_from_slice(&u16::try_from(part.len()).unwrap_or(u16::MAX).to_be_bytes());
        k.extend_from_slice(part);
    }
    k.extend_from_slice(suffix);
    k
}

/// The id of a [`COND_ORDERS`] key, whole or suffix (its last 8 bytes).
pub fn cond_key_id(k: &[u8]) -> u64 {
    let mut id = [0u8; 8];
    if let Some(tail) = k.len().checked_sub(8).and_then(|i| k.get(i..)) {
        id.copy_from_slice(tail);
    }
    u64::from_be_bytes(id)
}

/// The [`COND_ORDERS`] storage key of a conditional order.
fn order_cond_key(order: &StoredOrder, id: u64) -> Option<Vec<u8>> {
    match (order.trigger_price, &order.trigger) {
        (Some(p), Some(t)) => Some(cond_storage_key(
            &order.market_id,
            &cond_key(*t == Trigger::Above, p, id),
        )),
        _ => None,
    }
}

/// Order `id`, if pending (read through [`crate::compact::seek`]: 1,236 gas instead of 1,588 for
/// a market order, on every execution).
pub fn load_order(storage: &dyn Storage, id: u64) -> StdResult<Option<StoredOrder>> {
    ORDERS.seek_load(storage, id)
}

/// Stores a new order and its indexes, adds its reservation; returns its id.
pub fn insert(storage: &mut dyn Storage, order: &StoredOrder) -> StdResult<u64> {
    let id = match seek(storage, NEXT_ORDER_ID.as_slice()) {
        Some(v) => from_json(v)?,
        None => 1,
    };
    NEXT_ORDER_ID.save(storage, &(id + 1))?;
    ORDERS.save(storage, id, order)?;
    ACCOUNT_ORDERS.save(storage, (&order.owner, id), &order.reserved)?;
    match order_cond_key(order, id) {
        Some(k) => storage.set(&k, b"1"),
        None => MARKET_ORDERS.save(storage, (&order.market_id, id), &())?,
    }
    Ok(id)
}

/// Counts a settling entry in (`up`) or out of [`SETTLING`].
pub fn count_settling(storage: &mut dyn Storage, up: bool) -> StdResult<()> {
    let n = settling(storage);
    let n = if up {
        n.saturating_add(1)
    } else {
        n.saturating_sub(1)
    };
    storage.set(SETTLING, &n.to_be_bytes());
    Ok(())
}

/// The number of pending settling entries ([`SETTLING`]).
pub fn settling(storage: &dyn Storage) -> u32 {
    let mut b = [0u8; 4];
    if let Some(v) = storage.get(SETTLING).filter(|v| v.len() == 4) {
        b.copy_from_slice(&v);
    }
    u32::from_be_bytes(b)
}

/// Removes an order and its indexes (which releases its reservation).
pub fn remove(storage: &mut dyn Storage, id: u64, order: &StoredOrder) -> StdResult<()> {
    ORDERS.remove(storage, id);
    ACCOUNT_ORDERS.remove(storage, (&order.owner, id));
    // A conditional order is in one of the two indexes (in `om` once a sweep found it triggered),
    // with its record once one was found.
    if let Some(k) = order_cond_key(order, id) {
        storage.remove(&k);
        PINNED.remove(storage, id);
    }
    MARKET_ORDERS.remove(storage, (&order.market_id, id));
    Ok(())
}

/// Puts back an order [`remove`] took out, under the same id (an execution that finds the order
/// not ready after all). It had its record: a conditional order goes back as triggered (`om`),
/// pinned to `first` when that is its first record.
pub fn restore(
    storage: &mut dyn Storage,
    id: u64,
    order: &StoredOrder,
    first: Option<&HistoryRecord>,
) -> StdResult<()> {
    ORDERS.save(storage, id, order)?;
    ACCOUNT_ORDERS.save(storage, (&order.owner, id), &order.reserved)?;
    MARKET_ORDERS.save(storage, (&order.market_id, id), &())?;
    match first {
        Some(rec) => pin(storage, id, order, rec),
        None => Ok(()),
    }
}

/// The record a conditional order is pinned to ([`PINNED`]); `None` for any other order (no read).
pub fn pinned(
    storage: &dyn Storage,
    id: u64,
    order: &StoredOrder,
) -> StdResult<Option<HistoryRecord>> {
    if !order.is_conditional() {
        return Ok(None);
    }
    PINNED.seek_load(storage, id)
}

/// Pins conditional order `id` to `rec`, the first record after its placement that meets its
/// trigger ([`PINNED`]), and moves it to [`MARKET_ORDERS`] if it still rests.
pub fn pin(
    storage: &mut dyn Storage,
    id: u64,
    order: &StoredOrder,
    rec: &HistoryRecord,
) -> StdResult<()> {
    let Some(k) = order_cond_key(order, id) else {
        return Ok(());
    };
    PINNED.save(storage, id, rec)?;
    if seek(storage, &k).is_some() {
        storage.remove(&k);
        MARKET_ORDERS.save(storage, (&order.market_id, id), &())?;
    }
    Ok(())
}

/// Moves a conditional order a sweep moved to [`MARKET_ORDERS`] back to [`COND_ORDERS`] when
/// its run finds it waiting (placed after the record that met its trigger).
pub fn demote(storage: &mut dyn Storage, id: u64, order: &StoredOrder) -> StdResult<()> {
    if let Some(k) = order_cond_key(order, id) {
        let om = MARKET_ORDERS.key((&order.market_id, id));
        if seek(storage, &om).is_some() {
            storage.remove(&om);
            storage.set(&k, b"1");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_keys_sort_by_direction_price_and_id() {
        let p = |s: &str| s.parse::<Decimal256>().unwrap();
        let keys = [
            cond_key(true, p("0.000000000000000001"), 9),
            cond_key(true, p("0.5"), 3),
            cond_key(true, p("9"), u64::MAX),
            cond_key(true, p("10"), 1),
            cond_key(true, p("10"), 2),
            cond_key(true, p("256"), 0),
            cond_key(true, Decimal256::MAX, 0),
            cond_key(false, p("0.5"), 7),
            cond_key(false, p("60000"), 1),
        ];
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        let full = cond_storage_key("BTC", &keys[3]);
        assert_eq!(full, COND_ORDERS.key(("BTC", &keys[3])).to_vec());
        assert_eq!(cond_key_id(&full), 1);
        assert_eq!(cond_key_id(&keys[2]), u64::MAX);
        assert_eq!(cond_key_id(&keys[8]), 1);
    }
}
