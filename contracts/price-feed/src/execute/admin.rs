//! Owner actions on feeds and publishers (ownership: `perps_api::ownership`, dispatched in
//! `contract`).

use cosmwasm_std::{Decimal256, DepsMut, MessageInfo, Response};
use perps_api::price_feed::{history_slot, HISTORY_SLOTS};

use crate::error::{ContractError, ContractResult};
use crate::state::{CONFIG, FEEDS, JUMPS, OWNERSHIP, PRICES, PRICE_HISTORY};
use crate::validate;

/// Adds a feed without a price; its first update has no jump bound.
pub fn add_feed(
    deps: DepsMut,
    info: MessageInfo,
    feed_id: String,
    description: String,
    max_price_jump: Option<Decimal256>,
    jump_window_secs: Option<u64>,
    max_jump_windows: Option<u32>,
) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    validate::feed_id(&feed_id)?;
    let feed = validate::feed(
        description,
        max_price_jump,
        jump_window_secs,
        max_jump_windows,
    )?;
    if FEEDS.has(deps.storage, &feed_id) {
        return Err(ContractError::FeedExists { feed_id });
    }
    FEEDS.save(deps.storage, &feed_id, &feed)?;
    let jump = feed
        .max_price_jump
        .map_or_else(|| "none".to_string(), |j| j.to_string());
    Ok(Response::new()
        .add_attribute("action", "add_feed")
        .add_attribute("feed_id", feed_id)
        .add_attribute("max_price_jump", jump)
        .add_attribute("jump_window_secs", feed.jump_window_secs.to_string())
        .add_attribute("max_jump_windows", feed.max_jump_windows.to_string()))
}

/// Removes a feed, its price, its history and its jump state, so a raw reader sees no price
/// rather than a frozen one, and a feed added again under the same id starts afresh.
pub fn remove_feed(deps: DepsMut, info: MessageInfo, feed_id: String) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    if !FEEDS.has(deps.storage, &feed_id) {
        return Err(ContractError::FeedNotFound { feed_id });
    }
    FEEDS.remove(deps.storage, &feed_id);
    PRICES.remove(deps.storage, &feed_id);
    JUMPS.remove(deps.storage, &feed_id);
    for sequence in 0..HISTORY_SLOTS {
        PRICE_HISTORY.remove(deps.storage, (&feed_id, history_slot(sequence)));
    }
    Ok(Response::new()
        .add_attribute("action", "remove_feed")
        .add_attribute("feed_id", feed_id))
}

/// Replaces the publisher set. An empty set is allowed: it pauses pushes (prices then age and
/// readers refuse them) without removing feeds.
pub fn set_publishers(
    deps: DepsMut,
    info: MessageInfo,
    publishers: Vec<String>,
) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    let publishers = validate::publishers(deps.api, &publishers)?;
    let count = publishers.len();
    CONFIG.update(deps.storage, |mut config| -> ContractResult<_> {
        config.publishers = publishers;
        Ok(config)
    })?;
    Ok(Response::new()
        .add_attribute("action", "set_publishers")
        .add_attribute("publishers", count.to_string()))
}
