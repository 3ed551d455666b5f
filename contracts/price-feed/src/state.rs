//! Storage of the price feed. Prices live in `perps_api::price_feed::PRICES` (namespace "p") and
//! their history in `perps_api::price_feed::PRICE_HISTORY` (namespace "h"), whose raw layouts
//! are public; everything else here is private to the contract.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, Decimal256};
use cw_storage_plus::{Item, Map};
use perps_api::ownership::Ownership;

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
#[cw_serde]
pub struct Config {
    /// Addresses allowed to push prices (validated, no duplicates). A handful at most, so a
    /// list read with the config costs less than a separate map lookup.
    pub publishers: Vec<Addr>,
    /// How far (seconds) a `publish_time` may lie ahead of the block time.
    pub max_future_secs: u64,
}

/// Metadata of one feed.
#[cw_serde]
pub struct Feed {
    /// Free text for humans.
    pub description: String,
    /// Largest accepted relative move per `jump_window_secs`; `None` means no bound.
    pub max_price_jump: Option<Decimal256>,
    /// Window (seconds) of the jump bound; > 0.
    pub jump_window_secs: u64,
    /// Most windows the time scaling of the jump bound reaches; ≥ 1. Feeds stored before the
    /// field existed read the default.
    #[serde(default = "default_max_jump_windows")]
    pub max_jump_windows: u32,
}

/// Default of `max_jump_windows` (DESIGN.md section 9).
pub const DEFAULT_MAX_JUMP_WINDOWS: u32 = 3;

fn default_max_jump_windows() -> u32 {
    DEFAULT_MAX_JUMP_WINDOWS
}

/// Where the jump rule measures from, and who was refused lately.
#[cw_serde]
pub struct JumpState {
    /// Price of the anchor: the first accepted record of the current jump window (or the
    /// owner's last reset).
    pub anchor_price: Decimal256,
    /// Publish time of the anchor.
    pub anchor_time: u64,
    /// Block time the anchor was accepted at; an anchor stored before the field existed reads its
    /// publish time (see `anchor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_accepted_time: Option<u64>,
    /// The latest jump refusal (publish time ≤ block time) of each publisher that is not yet
    /// answered (`rules::confirm`); at most one entry per publisher.
    pub refusals: Vec<Refusal>,
    /// The anchor the current one replaced: the block that moved the anchor stays within
    /// `max_jump_windows` bounds of it (`rules::JumpRefs`). Absent after a reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_anchor: Option<Anchor>,
    /// While the feed is marked unconfirmed: each publisher's latest accepted record at or after
    /// the mark (`rules::confirm`); at most one entry per publisher.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
#[cw_serde]
pub struct Refusal {
    pub publisher: Addr,
    pub publish_time: u64,
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
