//! Price pushes by publishers and the owner's reset.

use std::collections::BTreeSet;

use cosmwasm_std::{Attribute, Decimal256, DepsMut, Env, MessageInfo, Response};
use perps_api::price_feed::{PriceRecord, PriceUpdate};

use crate::error::{ContractError, ContractResult};
use crate::rules::{self, SkipRule};
use crate::state::{Config, CONFIG, FEEDS, OWNERSHIP, PRICES};

/// Latest publish time accepted at this block.
fn latest_allowed(env: &Env, config: &Config) -> u64 {
    // Saturating: a bound past u64::MAX seconds is no bound at all, not an error.
    env.block
        .time
        .seconds()
        .saturating_add(config.max_future_secs)
}

/// Applies every update that passes the rules; reports each skipped one as
/// `skipped_update = "<feed_id>:<rule>"` plus the counts `updated` and `skipped`.
pub fn update_prices(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    prices: Vec<PriceUpdate>,
) -> ContractResult<Response> {
    let config = CONFIG.load(deps.storage)?;
    if !config.publishers.contains(&info.sender) {
        return Err(ContractError::NotPublisher {
            sender: info.sender,
        });
    }
    if prices.is_empty() {
        return Err(ContractError::EmptyUpdate {});
    }
    let mut seen = BTreeSet::new();
    if let Some(dup) = prices.iter().find(|u| !seen.insert(u.feed_id.as_str())) {
        return Err(ContractError::DuplicateFeedUpdate {
            feed_id: dup.feed_id.clone(),
        });
    }

    let latest_allowed = latest_allowed(&env, &config);
    let mut updated: u32 = 0;
    let mut skipped: Vec<Attribute> = vec![];
    for update in &prices {
        let outcome = match FEEDS.may_load(deps.storage, &update.feed_id)? {
            None => Err(SkipRule::UnknownFeed),
            Some(feed) => {
                let stored = PRICES.may_load(deps.storage, &update.feed_id)?;
                rules::check_update(&feed, stored.as_ref(), update, latest_allowed)
            }
        };
        match outcome {
            Ok(record) => {
                PRICES.save(deps.storage, &update.feed_id, &record)?;
                updated = updated.saturating_add(1);
            }
            Err(rule) => skipped.push(Attribute::new(
                "skipped_update",
                format!("{}:{rule}", update.feed_id),
            )),
        }
    }

    Ok(Response::new()
        .add_attribute("action", "update_prices")
        .add_attribute("updated", updated.to_string())
        .add_attribute("skipped", skipped.len().to_string())
        .add_attributes(skipped))
}

/// Owner sets a price regardless of the jump and "strictly newer" rules; price > 0 and the
/// future bound still hold, and the EMA restarts at the price.
pub fn reset_price(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    feed_id: String,
    price: Decimal256,
    conf: Decimal256,
    publish_time: u64,
) -> ContractResult<Response> {
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    if !FEEDS.has(deps.storage, &feed_id) {
        return Err(ContractError::FeedNotFound { feed_id });
    }
    if price.is_zero() {
        return Err(ContractError::ZeroPrice { feed_id, price });
    }
    let config = CONFIG.load(deps.storage)?;
    let latest_allowed = latest_allowed(&env, &config);
    if publish_time > latest_allowed {
        return Err(ContractError::FuturePublishTime {
            feed_id,
            publish_time,
            latest_allowed,
        });
    }
    let record = PriceRecord {
        price,
        conf,
        ema_price: price,
        publish_time,
    };
    PRICES.save(deps.storage, &feed_id, &record)?;
    Ok(Response::new()
        .add_attribute("action", "reset_price")
        .add_attribute("feed_id", feed_id)
        .add_attribute("price", price.to_string())
        .add_attribute("conf", conf.to_string())
        .add_attribute("publish_time", publish_time.to_string()))
}
