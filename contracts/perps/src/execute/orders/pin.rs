//! Which price record fills an order (DESIGN 6.11, invariant 12): the first record of its
//! market accepted in a block after the order's block — for a conditional order, the first such
//! record that meets its trigger. Once that record exists the outcome is fixed, whoever executes
//! the order and whenever. A record that has left the feed's 16-record history is replaced by
//! the least favourable of the later records still held, so waiting never helps the owner.

use cosmwasm_std::{Deps, Env, Timestamp};
use perps_api::perps::Trigger;
use perps_api::price_feed::{HistoryRecord, PriceFeed, PriceRecord, HISTORY_LEN};
use perps_risk::orders::{least_favourable, trigger_met};

use crate::error::{ContractResult, OracleError};
use crate::oracle::{self, Mark};
use crate::orders::{OrderAction, StoredOrder};
use crate::state::{Config, Market};

/// Where an order stands against its market's price records.
#[derive(Debug, Clone, PartialEq)]
pub enum Pin {
    /// The record that fills (or fails) the order.
    Ready(HistoryRecord),
    /// No eligible record yet: the order waits and pays nothing.
    Waiting,
    /// A market order with no eligible record within `max_order_age_secs`: refunded.
    Expired,
}

/// The sequence of a feed's latest record (0 when it has none, or none with a sequence).
pub fn latest_sequence(latest: Option<&PriceRecord>) -> u64 {
    latest.and_then(|r| r.sequence).unwrap_or(0)
}

/// The record that fills `order`; `buy` is the direction of the fill (for the least favourable
/// choice when the first eligible record has left the history). Scans back from the latest
/// record to the order's own block (its placement sequence, or for an LP order, which knows no
/// sequence of each market, the first record accepted at or before its height): executed right
/// after the record that pins it, that is one read. Records in `cache` (what a sweep read) are
/// not read again.
#[allow(clippy::too_many_arguments)]
pub fn find_pin(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    order: &StoredOrder,
    feed_id: &str,
    latest_seq: u64,
    buy: bool,
    cache: &[HistoryRecord],
) -> ContractResult<Pin> {
    let oldest_held = latest_seq.saturating_sub(HISTORY_LEN - 1).max(1);
    let deadline = order.placed_at.saturating_add(cfg.max_order_age_secs);
    // Complete once the record just after the order's block is held: the oldest eligible record
    // found is then the true first one.
    let mut complete = oldest_held <= order.placed_sequence.saturating_add(1);
    let feed = PriceFeed(cfg.price_feed.clone());
    let mut later: Vec<HistoryRecord> = Vec::new();
    for seq in (oldest_held..=latest_seq).rev() {
        if seq <= order.placed_sequence {
            break;
        }
        let rec = match cache.iter().find(|r| r.sequence == seq) {
            Some(r) => r.clone(),
            None => match feed.raw_history(&deps.querier, feed_id, seq)? {
                Some(r) => r,
                None => continue,
            },
        };
        if rec.accepted_height <= order.placed_height {
            complete = true;
            break;
        }
        if eligible(order, &rec, deadline) {
            later.push(rec);
        }
    }
    let pick = choose(later, complete, buy);
    // A settling entry never expires: its move is owed (it waits for a record).
    let market_order = !order.is_conditional() && order.settling().is_none();
    Ok(match pick {
        Some(rec) => Pin::Ready(rec),
        None if market_order && env.block.time.seconds() > deadline => Pin::Expired,
        None => Pin::Waiting,
    })
}

/// The record that fills an order of the eligible records `later` (newest first): the oldest
/// when they are `complete` (the record just after the order's block is among those looked at),
/// else the least favourable for a fill in direction `buy` (waiting never helps the owner).
fn choose(mut later: Vec<HistoryRecord>, complete: bool, buy: bool) -> Option<HistoryRecord> {
    if complete {
        return later.pop();
    }
    let prices: Vec<_> = later.iter().map(|r| r.price).collect();
    least_favourable(&prices, buy).and_then(|p| later.into_iter().find(|r| r.price == p))
}

/// The record a sweep pins conditional order `order` to (scenario 78): the oldest of the
/// records `recs` it read (newest first, the market's records after `from`; those up to the
/// sweep point `swept` were compared with the order before) that is after the order's block and
/// meets its trigger — when that is the true first one (nothing between the order's placement
/// or the sweep point and `from` went unread); else `None` (the order is moved unpinned and
/// fills at the least favourable held record, as [`find_pin`] chooses).
pub fn sweep_pin(
    order: &StoredOrder,
    recs: &[HistoryRecord],
    from: u64,
    swept: u64,
) -> Option<HistoryRecord> {
    if from > order.placed_sequence.max(swept) {
        return None;
    }
    recs.iter()
        .rev()
        .find(|r| {
            r.sequence > order.placed_sequence
                && r.accepted_height > order.placed_height
                && eligible(order, r, 0)
        })
        .cloned()
}

/// Whether the record [`find_pin`] chose for `order` is its true first one: the record just
/// after its placement is still held (`latest_seq`: the market's latest sequence).
pub fn is_first(order: &StoredOrder, latest_seq: u64) -> bool {
    latest_seq.saturating_sub(HISTORY_LEN - 1).max(1) <= order.placed_sequence.saturating_add(1)
}

/// A record can fill the order: a market order's within its age limit, a conditional order's
/// when it meets the trigger.
fn eligible(order: &StoredOrder, rec: &HistoryRecord, deadline: u64) -> bool {
    if order.settling().is_some() {
        return true;
    }
    match &order.action() {
        OrderAction::Conditional {
            trigger_price,
            trigger,
            ..
        } => trigger_met(rec.price, *trigger_price, *trigger == Trigger::Above),
        _ => rec.accepted_time <= deadline,
    }
}

/// The record as the oracle policy judges it at the time it was accepted: a fill at a record is
/// the fill a trade in that block would have had (age measured at acceptance).
pub fn record_mark(
    cfg: &Config,
    env: &Env,
    market_id: &str,
    market: &Market,
    rec: &HistoryRecord,
) -> Result<Mark, OracleError> {
    let mut at = env.clone();
    at.block.time = Timestamp::from_seconds(rec.accepted_time);
    at.block.height = rec.accepted_height;
    let record = PriceRecord {
        price: rec.price,
        conf: rec.conf,
        ema_price: rec.ema_price,
        publish_time: rec.publish_time,
        sequence: Some(rec.sequence),
        refused_publish_time: None,
    };
    oracle::judge(cfg, &at, market_id, market, Some(record))
}

/// The market's latest record (`None`: no price yet).
pub fn latest(
    deps: Deps,
    cfg: &Config,
    market_id: &str,
    market: &Market,
) -> Result<Option<PriceRecord>, OracleError> {
    oracle::read(deps, cfg, market_id, &market.config.feed_id)
}
