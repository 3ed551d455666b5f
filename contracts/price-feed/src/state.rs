//! Storage of the price feed. Prices live in `perps_api::price_feed::PRICES` (namespace "p"),
//! whose raw layout is public; everything else here is private to the contract.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, Decimal256};
use cw_storage_plus::{Item, Map};
use perps_api::ownership::Ownership;

pub use perps_api::price_feed::PRICES;

/// Owner and pending owner.
pub const OWNERSHIP: Item<Ownership> = Item::new("ownership");
/// Publishers and the future bound.
pub const CONFIG: Item<Config> = Item::new("config");
/// Feed metadata, kept apart from `PRICES` so that the engine's raw price read stays small.
pub const FEEDS: Map<&str, Feed> = Map::new("feeds");

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
}
