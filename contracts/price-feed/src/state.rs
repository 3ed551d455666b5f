//! Storage of the price feed. Prices live in `perps_api::price_feed::PRICES` (namespace "p") and
//! their history in `perps_api::price_feed::PRICE_HISTORY` (namespace "h"), whose raw layouts
//! are public; everything else here is private to the contract.

use cosmwasm_std::{Addr, Decimal256};
use cw_storage_plus::{Item, Map};
use perps_api::ownership::Ownership;
use perps_api::record::{self, need};
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

use crate::rules::Anchor;

pub use perps_api::price_feed::{PRICES, PRICE_HISTORY};

/// Owner and pending owner.
pub const OWNERSHIP: Item<Ownership> = Item::new("ownership");
/// Publishers and the future bound.
pub const CONFIG: Item<Config> = Item::new("config");
/// Feed metadata, kept apart from `PRICES` so that the engine's raw price read stays small.
pub const FEEDS: Map<&str, Feed> = Map::new("feeds");
/// Jump-rule state of each bounded feed that has a price: its anchor and recent refusals.
pub const JUMPS: Map<&str, JumpState> = Map::new("jumps");

/// Checked configuration.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Config {
    /// Addresses allowed to push prices (validated, no duplicates). A handful at most, so a
    /// list read with the config costs less than a separate map lookup.
    pub publishers: Vec<Addr>,
    /// How far (seconds) a `publish_time` may lie ahead of the block time.
    pub max_future_secs: u64,
}

/// Metadata of one feed.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Feed {
    /// Free text for humans.
    pub description: String,
    /// Largest accepted relative move per `jump_window_secs`; `None` means no bound.
    pub max_price_jump: Option<Decimal256>,
    /// Window (seconds) of the jump bound; > 0.
    pub jump_window_secs: u64,
    /// Most windows the time scaling of the jump bound reaches; ≥ 1. Feeds stored before the
    /// field existed read the default.
    pub max_jump_windows: u32,
}

/// Default of `max_jump_windows` (DESIGN.md section 9).
pub const DEFAULT_MAX_JUMP_WINDOWS: u32 = 3;

/// Where the jump rule measures from, and who was refused lately.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct JumpState {
    /// Price of the anchor: the first accepted record of the current jump window (or the
    /// owner's last reset).
    pub anchor_price: Decimal256,
    /// Publish time of the anchor.
    pub anchor_time: u64,
    /// Block time the anchor was accepted at; an anchor stored before the field existed reads its
    /// publish time (see `anchor`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor_accepted_time: Option<u64>,
    /// The latest jump refusal (publish time ≤ block time) of each publisher that is not yet
    /// answered (`rules::confirm`); at most one entry per publisher.
    pub refusals: Vec<Refusal>,
    /// The anchor the current one replaced: the block that moved the anchor stays within
    /// `max_jump_windows` bounds of it (`rules::JumpRefs`). Absent after a reset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_anchor: Option<Anchor>,
    /// While the feed is marked unconfirmed: each publisher's latest accepted record at or after
    /// the mark (`rules::confirm`); at most one entry per publisher.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub confirmations: Vec<Refusal>,
}

impl JumpState {
    /// The anchor as the jump rule reads it.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            price: self.anchor_price,
            publish_time: self.anchor_time,
            accepted_time: self.anchor_accepted_time.unwrap_or(self.anchor_time),
        }
    }
}

/// One publisher's latest refused update (in `refusals`) or accepted record answering a mark (in
/// `confirmations`).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Refusal {
    pub publisher: Addr,
    pub publish_time: u64,
}

perps_api::record_fields! {
    skip
    /// Every field of every private record ([`Config`], [`Feed`], [`JumpState`], [`Refusal`],
    /// [`Anchor`]): their `Deserialize` reads this one struct (`perps_api::record`) and takes its own
    /// fields, so the artifact holds one JSON reader for the five instead of serde's derived struct
    /// parser for each (docs/size.md). The JSON stored is unchanged (each record keeps its derived
    /// `Serialize`); a field of another record is ignored, as an unknown field always was.
    struct Stored {
        publishers: Option<Vec<Addr>>,
        max_future_secs: Option<u64>,
        description: Option<String>,
        max_price_jump: Option<Decimal256>,
        jump_window_secs: Option<u64>,
        max_jump_windows: Option<u32>,
        anchor_price: Option<Decimal256>,
        anchor_time: Option<u64>,
        anchor_accepted_time: Option<u64>,
        refusals: Option<Vec<Refusal>>,
        previous_anchor: Option<Anchor>,
        confirmations: Option<Vec<Refusal>>,
        publisher: Option<Addr>,
        publish_time: Option<u64>,
        price: Option<Decimal256>,
        accepted_time: Option<u64>,
    }
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Stored = record::read(d)?;
        Ok(Config {
            publishers: need(s.publishers, "publishers")?,
            max_future_secs: need(s.max_future_secs, "max_future_secs")?,
        })
    }
}

impl<'de> Deserialize<'de> for Feed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Stored = record::read(d)?;
        Ok(Feed {
            description: need(s.description, "description")?,
            max_price_jump: s.max_price_jump,
            jump_window_secs: need(s.jump_window_secs, "jump_window_secs")?,
            max_jump_windows: s.max_jump_windows.unwrap_or(DEFAULT_MAX_JUMP_WINDOWS),
        })
    }
}

impl<'de> Deserialize<'de> for JumpState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Stored = record::read(d)?;
        Ok(JumpState {
            anchor_price: need(s.anchor_price, "anchor_price")?,
            anchor_time: need(s.anchor_time, "anchor_time")?,
            anchor_accepted_time: s.anchor_accepted_time,
            refusals: need(s.refusals, "refusals")?,
            previous_anchor: s.previous_anchor,
            confirmations: s.confirmations.unwrap_or_default(),
        })
    }
}

impl<'de> Deserialize<'de> for Refusal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Stored = record::read(d)?;
        Ok(Refusal {
            publisher: need(s.publisher, "publisher")?,
            publish_time: need(s.publish_time, "publish_time")?,
        })
    }
}

impl<'de> Deserialize<'de> for Anchor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Stored = record::read(d)?;
        Ok(Anchor {
            price: need(s.price, "price")?,
            publish_time: need(s.publish_time, "publish_time")?,
            accepted_time: need(s.accepted_time, "accepted_time")?,
        })
    }
}

/// Moves the records of a history kept before the feed had 256 slots (record `s` in slot
/// `s % 16`) to their slots (`s % 256`); a record already in its slot stays. At most 16 reads and
/// 16 moves per feed.
pub fn reslot_history(storage: &mut dyn cosmwasm_std::Storage) -> cosmwasm_std::StdResult<()> {
    let feeds: Vec<String> = FEEDS
        .keys(storage, None, None, cosmwasm_std::Order::Ascending)
        .collect::<cosmwasm_std::StdResult<_>>()?;
    for feed_id in &feeds {
        let mut moved = Vec::new();
        for slot in 0..16u8 {
            if let Some(r) = PRICE_HISTORY.may_load(storage, (feed_id, slot))? {
                if perps_api::price_feed::history_slot(r.sequence) != slot {
                    PRICE_HISTORY.remove(storage, (feed_id, slot));
                    moved.push(r);
                }
            }
        }
        for r in moved {
            let slot = perps_api::price_feed::history_slot(r.sequence);
            PRICE_HISTORY.save(storage, (feed_id, slot), &r)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_stored_without_its_acceptance_time_reads_its_publish_time() {
        let old: JumpState =
            cosmwasm_std::from_json(r#"{"anchor_price":"100","anchor_time":5,"refusals":[]}"#)
                .unwrap();
        assert_eq!(old.anchor_accepted_time, None);
        assert_eq!(old.anchor().accepted_time, 5);
        let new = JumpState {
            anchor_accepted_time: Some(3),
            ..old.clone()
        };
        assert_eq!(new.anchor().accepted_time, 3);
        assert_eq!(
            cosmwasm_std::to_json_string(&new).unwrap(),
            r#"{"anchor_price":"100","anchor_time":5,"anchor_accepted_time":3,"refusals":[]}"#
        );
    }
}
