//! Price pushes by publishers and the owner's reset.

use cosmwasm_std::{Attribute, Decimal256, DepsMut, Env, MessageInfo, Response, StdError, Storage};
use perps_api::price_feed::{history_slot, HistoryRecord, PriceRecord, PriceUpdate};

use crate::error::{ContractError, ContractResult};
use crate::rules::{self, Accepted, Anchor, JumpRefs, SkipRule, Source};
use crate::state::{
    Config, Feed, JumpState, Refusal, CONFIG, FEEDS, JUMPS, OWNERSHIP, PRICES, PRICE_HISTORY,
};

/// Latest publish time accepted at this block.
fn latest_allowed(env: &Env, config: &Config) -> u64 {
    // Saturating: a bound past u64::MAX seconds is no bound at all, not an error.
    env.block
        .time
        .seconds()
        .saturating_add(config.max_future_secs)
}

/// Applies every update that passes the rules; reports each skipped one as
/// `skipped_update = "<feed_id>:<rule>"` plus the counts `updated` and `skipped`, and each feed a
/// jump refusal marked unconfirmed as `refused_publish_time = "<feed_id>:<time>"`.
pub fn update_prices(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    prices: Vec<PriceUpdate>,
) -> ContractResult<Response> {
    let config = CONFIG.load(deps.storage)?;
    check_batch(&config, &info, &prices)?;

    let latest_allowed = latest_allowed(&env, &config);
    let mut updated: u32 = 0;
    let mut skipped: Vec<Attribute> = vec![];
    let mut unconfirmed: Vec<Attribute> = vec![];
    for update in &prices {
        let Some(feed) = FEEDS.may_load(deps.storage, &update.feed_id)? else {
            skipped.push(skip_attribute(&update.feed_id, SkipRule::UnknownFeed));
            continue;
        };
        let stored = PRICES.may_load(deps.storage, &update.feed_id)?;
        let jump = load_jump_state(deps.storage, &feed, &update.feed_id, stored.as_ref())?;
        let refs = match (&jump, &stored) {
            (Some(j), Some(s)) => Some(JumpRefs {
                anchor: j.anchor(),
                latest: latest_ref(deps.storage, &update.feed_id, s)?,
                previous: j.previous_anchor,
            }),
            _ => None,
        };
        let now = env.block.time.seconds();
        match rules::check_update(&feed, stored.as_ref(), refs, update, now, latest_allowed) {
            Ok(accepted) => {
                let stored_feed = StoredFeed {
                    feed_id: &update.feed_id,
                    feed: &feed,
                    stored,
                    jump,
                };
                let source = Source::Publisher {
                    sender: &info.sender,
                    publishers: &config.publishers,
                };
                store_accepted(deps.storage, &env, stored_feed, accepted, source)?;
                updated = updated.saturating_add(1);
            }
            Err(rule) => {
                skipped.push(skip_attribute(&update.feed_id, rule));
                // Only the jump rule's refusals can mark the stored price stale.
                if let (SkipRule::Jump, Some(stored), Some(jump)) = (rule, stored, jump) {
                    let refusal = Refused {
                        stored,
                        jump,
                        window: feed.jump_window_secs,
                    };
                    let marked =
                        record_jump_refusal(deps.storage, &env, &config, &info, update, refusal)?;
                    if let Some(refused) = marked {
                        unconfirmed.push(Attribute::new(
                            "refused_publish_time",
                            format!("{}:{refused}", update.feed_id),
                        ));
                    }
                }
            }
        }
    }

    Ok(Response::new()
        .add_attribute("action", "update_prices")
        .add_attribute("updated", updated.to_string())
        .add_attribute("skipped", skipped.len().to_string())
        .add_attributes(skipped)
        .add_attributes(unconfirmed))
}

/// A feed's stored state at a jump refusal.
struct Refused {
    stored: PriceRecord,
    jump: JumpState,
    window: u64,
}

/// Remembers a jump refusal of `info.sender` and, when it completes the quorum
/// (`rules::record_refusal`), marks the stored price unconfirmed; returns the refused publish time
/// the feed now carries when it marked it. A refused publish time ahead of the block proves nothing yet (it may never come
/// true): only one at or before the block counts.
fn record_jump_refusal(
    storage: &mut dyn Storage,
    env: &Env,
    config: &Config,
    info: &MessageInfo,
    update: &PriceUpdate,
    refusal: Refused,
) -> ContractResult<Option<u64>> {
    let Refused {
        mut stored,
        mut jump,
        window,
    } = refusal;
    if update.publish_time > env.block.time.seconds() {
        return Ok(None);
    }
    let refused = rules::record_refusal(
        &mut jump.refusals,
        &config.publishers,
        &info.sender,
        update.publish_time,
        window,
    );
    JUMPS.save(storage, &update.feed_id, &jump)?;
    let Some(refused) = refused else {
        return Ok(None);
    };
    let refused = stored
        .refused_publish_time
        .map_or(refused, |r| r.max(refused));
    stored.refused_publish_time = Some(refused);
    PRICES.save(storage, &update.feed_id, &stored)?;
    Ok(Some(refused))
}

/// A batch from a publisher, not empty, each feed at most once.
fn check_batch(config: &Config, info: &MessageInfo, prices: &[PriceUpdate]) -> ContractResult<()> {
    if !config.publishers.contains(&info.sender) {
        return Err(ContractError::NotPublisher {
            sender: info.sender.clone(),
        });
    }
    if prices.is_empty() {
        return Err(ContractError::EmptyUpdate {});
    }
    // The first update whose feed appears earlier in the batch (a quadratic scan: batches are
    // short, and a set would add ~4 KB of code to the artifact).
    let dup = (1..prices.len()).find(|&i| {
        prices[..i]
            .iter()
            .any(|earlier| earlier.feed_id == prices[i].feed_id)
    });
    if let Some(dup) = dup.map(|i| &prices[i]) {
        return Err(ContractError::DuplicateFeedUpdate {
            feed_id: dup.feed_id.clone(),
        });
    }
    Ok(())
}

fn skip_attribute(feed_id: &str, rule: SkipRule) -> Attribute {
    Attribute::new("skipped_update", format!("{feed_id}:{rule}"))
}

/// The jump state of a bounded feed that has a price: stored, or (for a price stored before the
/// state existed) anchored at the stored price. `None` for an unbounded or unpriced feed.
fn load_jump_state(
    storage: &dyn Storage,
    feed: &Feed,
    feed_id: &str,
    stored: Option<&PriceRecord>,
) -> ContractResult<Option<JumpState>> {
    let (Some(_), Some(stored)) = (feed.max_price_jump, stored) else {
        return Ok(None);
    };
    Ok(Some(JUMPS.may_load(storage, feed_id)?.unwrap_or(
        JumpState {
            anchor_price: stored.price,
            anchor_time: stored.publish_time,
            anchor_accepted_time: None,
            refusals: vec![],
            previous_anchor: None,
            confirmations: vec![],
        },
    )))
}

/// The latest stored record as the jump rule reads it: accepted at the block time its history
/// entry carries, or (a record stored before the history existed) at its publish time.
fn latest_ref(
    storage: &dyn Storage,
    feed_id: &str,
    stored: &PriceRecord,
) -> ContractResult<Anchor> {
    let accepted_time = match stored.sequence {
        Some(sequence) => PRICE_HISTORY
            .may_load(storage, (feed_id, history_slot(sequence)))?
            .filter(|h| h.sequence == sequence)
            .map(|h| h.accepted_time),
        None => None,
    };
    Ok(Anchor {
        price: stored.price,
        publish_time: stored.publish_time,
        accepted_time: accepted_time.unwrap_or(stored.publish_time),
    })
}

/// A feed as loaded for one accepted record.
struct StoredFeed<'a> {
    feed_id: &'a str,
    feed: &'a Feed,
    stored: Option<PriceRecord>,
    jump: Option<JumpState>,
}

/// Stores an accepted record (a publisher's update, or the owner's reset) as the latest price and
/// the next entry of the history; applies it to the refusals and the unconfirmed mark
/// (`rules::confirm`) and moves the anchor (a reset sets it).
fn store_accepted(
    storage: &mut dyn Storage,
    env: &Env,
    at: StoredFeed,
    accepted: Accepted,
    source: Source,
) -> ContractResult<PriceRecord> {
    let StoredFeed {
        feed_id,
        feed,
        stored,
        jump,
    } = at;
    let sequence = stored
        .as_ref()
        .and_then(|s| s.sequence)
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| StdError::msg("price sequence overflow"))?;
    let (mut refusals, mut confirmations) = jump
        .as_ref()
        .map(|j| (j.refusals.clone(), j.confirmations.clone()))
        .unwrap_or_default();
    let refused_publish_time = rules::confirm(
        &mut refusals,
        &mut confirmations,
        stored.as_ref().and_then(|s| s.refused_publish_time),
        accepted.publish_time,
        feed.jump_window_secs,
        source,
    );
    let record = PriceRecord {
        price: accepted.price,
        conf: accepted.conf,
        ema_price: accepted.ema_price,
        publish_time: accepted.publish_time,
        sequence: Some(sequence),
        refused_publish_time,
    };
    PRICES.save(storage, feed_id, &record)?;
    PRICE_HISTORY.save(
        storage,
        (feed_id, history_slot(sequence)),
        &HistoryRecord {
            sequence,
            price: record.price,
            conf: record.conf,
            ema_price: record.ema_price,
            publish_time: record.publish_time,
            accepted_height: env.block.height,
            accepted_time: env.block.time.seconds(),
        },
    )?;
    if feed.max_price_jump.is_some() {
        let here = Anchor {
            price: record.price,
            publish_time: record.publish_time,
            accepted_time: env.block.time.seconds(),
        };
        let next = next_jump_state(jump.as_ref(), here, source, feed, refusals, confirmations);
        // Most updates inside a window change nothing here: skip the write.
        if jump.as_ref() != Some(&next) {
            JUMPS.save(storage, feed_id, &next)?;
        }
    }
    Ok(record)
}

/// The jump state after the record `here` was accepted: the anchor moves (`rules::next_anchor`,
/// keeping the one it replaces as `previous_anchor`), a reset sets it and drops the previous one.
fn next_jump_state(
    jump: Option<&JumpState>,
    here: Anchor,
    source: Source,
    feed: &Feed,
    refusals: Vec<Refusal>,
    confirmations: Vec<Refusal>,
) -> JumpState {
    let (anchor, previous_anchor) = match (jump, source) {
        (Some(j), Source::Publisher { .. }) => {
            let current = j.anchor();
            let next = rules::next_anchor(Some(current), here, feed.jump_window_secs);
            if next == current {
                (current, j.previous_anchor)
            } else {
                (next, Some(current))
            }
        }
        _ => (here, None),
    };
    JumpState {
        anchor_price: anchor.price,
        anchor_time: anchor.publish_time,
        anchor_accepted_time: Some(anchor.accepted_time),
        refusals,
        previous_anchor,
        confirmations,
    }
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
    let Some(feed) = FEEDS.may_load(deps.storage, &feed_id)? else {
        return Err(ContractError::FeedNotFound { feed_id });
    };
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
    let stored = PRICES.may_load(deps.storage, &feed_id)?;
    let jump = load_jump_state(deps.storage, &feed, &feed_id, stored.as_ref())?;
    let accepted = Accepted {
        price,
        conf,
        ema_price: price,
        publish_time,
    };
    let at = StoredFeed {
        feed_id: &feed_id,
        feed: &feed,
        stored,
        jump,
    };
    let record = store_accepted(deps.storage, &env, at, accepted, Source::Reset)?;
    let still_unconfirmed = record
        .refused_publish_time
        .map(|t| Attribute::new("refused_publish_time", format!("{feed_id}:{t}")));
    Ok(Response::new()
        .add_attribute("action", "reset_price")
        .add_attribute("feed_id", feed_id)
        .add_attribute("price", price.to_string())
        .add_attribute("conf", conf.to_string())
        .add_attribute("publish_time", publish_time.to_string())
        .add_attribute("sequence", sequence_text(&record))
        .add_attributes(still_unconfirmed))
}

fn sequence_text(record: &PriceRecord) -> String {
    record.sequence.unwrap_or_default().to_string()
}
