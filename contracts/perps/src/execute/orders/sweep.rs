//! Triggered conditional orders in the id order of their market (DESIGN 6.11; docs/decisions.md
//! "Triggered conditional orders and the per-market id order"). Before an order of a market runs,
//! the records accepted since the market was last swept (`MarketState::swept`) are compared with
//! the market's resting conditional orders (`orders::COND_ORDERS`, by direction and trigger price): the
//! orders a record triggered move to the market-order index, pinned to their first record
//! (`orders::PINNED`), where they run in id order before any newer order. Bounded: the records
//! since the last sweep, at most the feed's 256 (more than its 16-record history only when no
//! order of the market ran for that long; scenario 78), one iterator step when the market has no
//! resting conditional order, and at most [`PROMOTE`] moves per sweep (past them the order waits,
//! the moves made stay: the next sweep goes on).

use cosmwasm_std::{DepsMut, Order as Sort, Storage};
use perps_api::price_feed::{HistoryRecord, PriceFeed, PriceRecord, HISTORY_LEN, HISTORY_SLOTS};

use super::pin::{latest, latest_sequence, sweep_pin};
use crate::error::{ContractError, ContractResult, OracleError};
use crate::orders::{self, cond_key, cond_key_id, cond_storage_key, ABOVE, BELOW, MARKET_ORDERS};
use crate::state::{Config, Market, MarketState, MARKETS, MARKET_STATES};

/// Most resting conditional orders one sweep moves.
const PROMOTE: usize = 10;
/// Records a sweep reads before it stores the market's sweep point itself.
const STORE_AFTER: u64 = 4;

/// A sweep that could not compare every record (more triggered orders than it moves): the
/// market's sweep point and latest sequence.
pub struct Behind {
    pub swept: u64,
    pub latest: u64,
}

/// What a sweep read, handed to the run of the order it was made for (not read again).
pub struct Seen {
    pub market: Market,
    pub latest: Result<Option<PriceRecord>, OracleError>,
    /// History records after the last sweep, newest first.
    pub recs: Vec<HistoryRecord>,
    /// The market state, when the sweep read it (dropped once another order of the market ran).
    pub state: Option<MarketState>,
    /// The sequence the market is swept to, stored with the order's fill (`None`: not swept).
    pub swept: Option<u64>,
    /// What `recs` are: the sequence they start after and the sweep point before (`None`: no
    /// records read), for the running order's own first record ([`sweep_pin`], scenario 101).
    pub window: Option<(u64, u64)>,
}

/// Sweeps the market of order `running` (which, if triggered, runs next and is not moved).
/// [`Behind`] when more triggered candidates remain than one sweep handles: the order waits.
pub fn sweep(
    deps: &mut DepsMut,
    cfg: &Config,
    market_id: &str,
    running: u64,
) -> ContractResult<Result<Seen, Behind>> {
    let Some(market) = MARKETS.seek_load(deps.storage, market_id)? else {
        return Err(ContractError::UnknownMarket {
            market_id: market_id.to_string(),
        });
    };
    let latest = latest(deps.as_ref(), cfg, market_id, &market);
    let last = match &latest {
        // An unconfirmed market waits whole (DESIGN 6.3): no order of it runs.
        Ok(Some(r)) if !r.is_unconfirmed() => latest_sequence(Some(r)),
        _ => 0,
    };
    let mut seen = Seen {
        market,
        latest,
        recs: Vec::new(),
        state: None,
        swept: None,
        window: None,
    };
    if last == 0 {
        return Ok(Ok(seen));
    }
    if !has_resting(deps.storage, market_id) {
        seen.swept = Some(last);
        return Ok(Ok(seen));
    }
    let Some(mut state) = MARKET_STATES.seek_load(deps.storage, market_id)? else {
        return Err(ContractError::UnknownMarket {
            market_id: market_id.to_string(),
        });
    };
    // The records not yet compared with the resting orders, as far back as the feed keeps them
    // (more than the history only when no order of the market ran for 16 records).
    let from = state.swept.max(last.saturating_sub(HISTORY_SLOTS));
    let feed = PriceFeed(cfg.price_feed.clone());
    for seq in (from.saturating_add(1)..=last).rev() {
        let id = &seen.market.config.feed_id;
        if let Some(r) = feed.raw_history(&deps.querier, id, seq)? {
            seen.recs.push(r);
        }
    }
    let window = Window {
        from,
        swept: state.swept,
        // records older than the history: the running order is pinned too (its run would not
        // find them)
        pin_running: from.saturating_add(HISTORY_LEN) < last,
    };
    let Some(running_met) = promote(deps.storage, market_id, &seen.recs, running, window)? else {
        return Ok(Err(Behind {
            swept: state.swept,
            latest: last,
        }));
    };
    // The sweep point is stored with a fill (`Seen::swept`); here only once a few records were
    // read (a write costs about three record reads), never when the running order was met and
    // left to its run (its fill stores it; until then the records are read again).
    if last >= state.swept.saturating_add(STORE_AFTER) && !running_met {
        state.swept = last;
        MARKET_STATES.save(deps.storage, market_id, &state)?;
    }
    seen.window = Some((window.from, window.swept));
    seen.state = Some(state);
    seen.swept = Some(last);
    Ok(Ok(seen))
}

/// Before the first resting conditional order of a market is placed at sequence `placed`: the
/// market's sweep point moves up to it (no resting order needs the records before it, and a
/// sweep point left behind would make the next sweeps catch up on them).
pub fn start_at(storage: &mut dyn Storage, market_id: &str, placed: u64) -> ContractResult<()> {
    if has_resting(storage, market_id) {
        return Ok(());
    }
    if let Some(mut state) = MARKET_STATES.seek_load(storage, market_id)? {
        if state.swept < placed {
            state.swept = placed;
            MARKET_STATES.save(storage, market_id, &state)?;
        }
    }
    Ok(())
}

/// Whether market `market_id` has a resting conditional order (one iterator step).
fn has_resting(storage: &dyn Storage, market_id: &str) -> bool {
    let prefix = cond_storage_key(market_id, &[]);
    storage
        .range(Some(&prefix), Some(&end_of(&prefix)), Sort::Ascending)
        .next()
        .is_some()
}

/// What a sweep read: its records start after `from`, the market's sweep point was `swept`;
/// `pin_running`: the running order is pinned too when they meet its trigger.
#[derive(Clone, Copy)]
struct Window {
    from: u64,
    swept: u64,
    pin_running: bool,
}

/// Moves the resting conditional orders whose trigger a price of `recs` meets to the
/// market-order index, except `running`, at most [`PROMOTE`]; false when more remain. Each is
/// pinned to its record there ([`orders::pin`]: it stays pinned once the record leaves the
/// feed's history, scenario 78). An order placed after the records that meet its price rests on
/// when the sweep finishes; when it cannot (more than [`PROMOTE`] candidates) it is moved too,
/// unpinned (it waits there, and the run that finds it waiting moves it back), so that every
/// sweep makes progress whatever orders rest in the range. `w`: what `recs` are ([`sweep_pin`]).
/// `Some(running_met)`: done, and whether `running` may have been met and was left to its run
/// (not pinned: `w.pin_running` false).
fn promote(
    storage: &mut dyn Storage,
    market_id: &str,
    recs: &[HistoryRecord],
    running: u64,
    w: Window,
) -> ContractResult<Option<bool>> {
    let prices = recs.iter().map(|r| r.price);
    let (Some(hi), Some(lo)) = (prices.clone().max(), prices.min()) else {
        return Ok(Some(false));
    };
    let candidates = candidates(storage, market_id, hi, lo);
    let complete = candidates.len() <= PROMOTE;
    let mut running_met = false;
    for key in candidates.into_iter().take(PROMOTE) {
        let id = cond_key_id(&key);
        if id == running && !w.pin_running {
            running_met = true;
            continue;
        }
        let order = orders::load_order(storage, id)?;
        match order.and_then(|o| Some((sweep_pin(&o, recs, w.from, w.swept)?, o))) {
            Some((rec, order)) => orders::pin(storage, id, &order, &rec)?,
            // not triggered after its placement: it rests on (the sweep point moves past these
            // records), unless the sweep cannot finish and must make room (scenario 92)
            None if id == running || complete => {}
            None => {
                storage.remove(&key);
                MARKET_ORDERS.save(storage, (market_id, id), &())?;
            }
        }
    }
    Ok(complete.then_some(running_met))
}

/// The resting conditional orders a price in `[lo, hi]` may have triggered (`above` triggers up
/// to `hi`, `below` triggers down to `lo`): their storage keys, at most `PROMOTE + 1`.
fn candidates(
    storage: &dyn Storage,
    market_id: &str,
    hi: cosmwasm_std::Decimal256,
    lo: cosmwasm_std::Decimal256,
) -> Vec<Vec<u8>> {
    let key = |suffix: &[u8]| cond_storage_key(market_id, suffix);
    let (first, up_to) = (key(&[ABOVE]), key(&cond_key(true, hi, u64::MAX)));
    let (down_to, last) = (key(&cond_key(false, lo, 0)), key(&[BELOW]));
    let above = storage.range(Some(&first), Some(&end_of(&up_to)), Sort::Ascending);
    let below = storage.range(Some(&down_to), Some(&end_of(&last)), Sort::Descending);
    above
        .chain(below)
        .take(PROMOTE + 1)
        .map(|(k, _)| k)
        .collect()
}

/// The first key after every key starting with `key` in the orders the index uses (its
/// bytes and one more: `key ‖ 0xff`; every suffix of a key this is used on begins below it).
fn end_of(key: &[u8]) -> Vec<u8> {
    let mut end = key.to_vec();
    end.push(u8::MAX);
    end
}

/// `BELOW` keys sort after every `ABOVE` key (the ranges above rely on it).
const _: () = assert!(ABOVE < BELOW && BELOW < u8::MAX);
