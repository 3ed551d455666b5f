//! Queries.

use cosmwasm_std::{Deps, Order, Storage};
use cw_storage_plus::Bound;
use perps_api::price_feed::{
    history_slot, ConfigResponse, FeedInfo, FeedsResponse, PriceHistoryResponse, PriceResponse,
    PricesResponse, HISTORY_LEN, MAX_PRICES_PER_QUERY,
};

use crate::error::{ContractError, ContractResult};
use crate::state::{CONFIG, FEEDS, OWNERSHIP, PRICES, PRICE_HISTORY};

const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 30;

pub fn config(deps: Deps) -> ContractResult<ConfigResponse> {
    let ownership = OWNERSHIP.load(deps.storage)?;
    let config = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        owner: ownership.owner,
        pending_owner: ownership.pending_owner,
        publishers: config.publishers,
        max_future_secs: config.max_future_secs,
    })
}

/// Latest price, distinguishing an unknown feed from one that has no price yet.
fn load_price(storage: &dyn Storage, feed_id: &str) -> ContractResult<PriceResponse> {
    match PRICES.may_load(storage, feed_id)? {
        Some(record) => Ok(PriceResponse::new(feed_id, record)),
        None if FEEDS.has(storage, feed_id) => Err(ContractError::NoPrice {
            feed_id: feed_id.to_string(),
        }),
        None => Err(ContractError::FeedNotFound {
            feed_id: feed_id.to_string(),
        }),
    }
}

pub fn price(deps: Deps, feed_id: String) -> ContractResult<PriceResponse> {
    load_price(deps.storage, &feed_id)
}

pub fn prices(deps: Deps, feed_ids: Vec<String>) -> ContractResult<PricesResponse> {
    if feed_ids.len() > MAX_PRICES_PER_QUERY {
        return Err(ContractError::TooManyFeedIds {
            count: feed_ids.len(),
            max: MAX_PRICES_PER_QUERY,
        });
    }
    let prices = feed_ids
        .iter()
        .map(|feed_id| load_price(deps.storage, feed_id))
        .collect::<ContractResult<_>>()?;
    Ok(PricesResponse { prices })
}

/// The feed's history: its latest 16 records (of the 256 it keeps), in ascending sequence.
pub fn price_history(deps: Deps, feed_id: String) -> ContractResult<PriceHistoryResponse> {
    if !FEEDS.has(deps.storage, &feed_id) {
        return Err(ContractError::FeedNotFound { feed_id });
    }
    let latest = PRICES
        .may_load(deps.storage, &feed_id)?
        .and_then(|p| p.sequence)
        .unwrap_or(0);
    let oldest = latest.saturating_sub(HISTORY_LEN - 1).max(1);
    let mut records = Vec::new();
    for sequence in oldest..=latest {
        let slot = (feed_id.as_str(), history_slot(sequence));
        if let Some(r) = PRICE_HISTORY.may_load(deps.storage, slot)? {
            if r.sequence == sequence {
                records.push(r);
            }
        }
    }
    Ok(PriceHistoryResponse { records })
}

pub fn feeds(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> ContractResult<FeedsResponse> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize;
    let start = start_after.as_deref().map(Bound::exclusive);
    let feeds = FEEDS
        .range(deps.storage, start, None, Order::Ascending)
        .take(limit)
        .map(|item| {
            let (feed_id, feed) = item?;
            let price = PRICES.may_load(deps.storage, &feed_id)?;
            Ok(FeedInfo {
                feed_id,
                description: feed.description,
                max_price_jump: feed.max_price_jump,
                jump_window_secs: feed.jump_window_secs,
                max_jump_windows: Some(feed.max_jump_windows),
                price,
            })
        })
        .collect::<ContractResult<_>>()?;
    Ok(FeedsResponse { feeds })
}
