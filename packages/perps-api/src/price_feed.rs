//! price-feed messages, responses, the raw-storage layout of its prices, and a typed reader.
//!
//! The engine reads prices with a raw query of the feed's storage ([`PriceFeed::raw_price`]): a
//! smart query loads another contract instance (~60k SDK gas on wasmd), a raw read does not. The
//! layout of [`PRICES`] is therefore public API: changing it breaks every reader.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{from_json, Addr, CustomQuery, Decimal256, QuerierWrapper, StdResult};
use cw_storage_plus::Map;

use serde::de::{Deserialize, Deserializer};

use crate::msg::{none_left, req, superset_deserialize, FieldError};
use crate::record::{self, need};

/// Latest accepted price of each feed, keyed by `feed_id`, stored by the price-feed contract.
///
/// Raw key of feed `feed_id` (what [`PriceFeed::raw_price`] sends in `WasmQuery::Raw`):
///
/// ```text
/// [0x00, 0x01]   namespace length, 2 bytes big-endian (the namespace "p" is 1 byte)
/// [0x70]         namespace bytes: "p"
/// feed_id bytes  UTF-8, not length-prefixed (last key element)
/// ```
///
/// e.g. feed "BTC" is stored under `00 01 70 42 54 43`. The value is the JSON encoding of
/// [`PriceRecord`], e.g.
/// `{"price":"60000.5","conf":"12","ema_price":"59990","publish_time":1700000000,"sequence":7}`;
/// `refused_publish_time` is present only while the feed is unconfirmed, and records written
/// before the price history existed carry no `sequence`. A feed that exists but has no price yet
/// has no key here. Feed metadata (description, jump bounds) lives under another namespace so
/// that this read stays small.
pub const PRICES: Map<&str, PriceRecord> = Map::new(PRICES_NAMESPACE);

/// Namespace of [`PRICES`]; one byte so that every raw key stays short.
pub const PRICES_NAMESPACE: &str = "p";

/// Longest accepted `feed_id`, in bytes.
pub const MAX_FEED_ID_LEN: usize = 32;

/// Most ids one `prices` query may ask for.
pub const MAX_PRICES_PER_QUERY: usize = 30;

/// A stored price: what the engine reads with a raw query.
// `#[cw_serde]` without its derived `Deserialize`: read through [`PriceFields`].
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
pub struct PriceRecord {
    /// Quote whole units per one whole base unit; always > 0.
    pub price: Decimal256,
    /// Confidence interval published with the price (same unit as `price`).
    pub conf: Decimal256,
    /// Exponential moving average price published with the price; always > 0.
    pub ema_price: Decimal256,
    /// Unix time (seconds) at which the publisher observed the price.
    pub publish_time: u64,
    /// Sequence number of this record in the feed's price history ([`PRICE_HISTORY`]); absent
    /// on records stored before the history existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// Publish time of an update the jump rule refused (at or before its block time): the price
    /// above is known to be stale and must not be used until an accepted update or an owner
    /// reset published at or after this time clears it. Absent while the feed is confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_publish_time: Option<u64>,
}

impl PriceRecord {
    /// True while the feed has refused a newer price (DESIGN 6.3 "unconfirmed").
    pub fn is_unconfirmed(&self) -> bool {
        self.refused_publish_time.is_some()
    }
}

/// Number of a feed's latest accepted records that make its history (DESIGN 6.3): what the
/// `price_history` query returns and what the engine's pin rules hold (a record older than these
/// has "left the history").
pub const HISTORY_LEN: u64 = 16;

/// Number of slots per feed in [`PRICE_HISTORY`]: the latest 256 accepted records stay
/// raw-readable, so the engine can still compare the records it did not read while they were in
/// the history with its resting conditional orders (scenario 78; docs/decisions.md "Scenario 78:
/// the feed keeps 256 records").
pub const HISTORY_SLOTS: u64 = 256;

/// Namespace of [`PRICE_HISTORY`].
pub const PRICE_HISTORY_NAMESPACE: &str = "h";

/// The last [`HISTORY_SLOTS`] accepted records of each feed (updates and owner resets), a ring
/// of 256 slots per feed: record `sequence` lives in slot `sequence % 256` and overwrites the
/// record 256 before it (an overwrite costs less than a write plus a removal). The history proper
/// is the latest [`HISTORY_LEN`] of them.
///
/// Raw key of slot `slot` of feed `feed_id` (what [`PriceFeed::raw_history`] sends):
///
/// ```text
/// [0x00, 0x01]   namespace length, 2 bytes big-endian
/// [0x68]         namespace bytes: "h"
/// [len_hi, len_lo] length of feed_id in bytes, 2 bytes big-endian
/// feed_id bytes  UTF-8
/// [slot]         1 byte: sequence % 256 (last key element)
/// ```
///
/// e.g. slot 23 of feed "BTC" is `00 01 68 00 03 42 54 43 17`. The value is the JSON encoding of
/// [`HistoryRecord`]; a reader checks its `sequence` (a different one means the record asked for
/// has left the history or does not exist yet). The latest record's `sequence` is in [`PRICES`].
pub const PRICE_HISTORY: Map<(&str, u8), HistoryRecord> = Map::new(PRICE_HISTORY_NAMESPACE);

/// The slot of record `sequence` in [`PRICE_HISTORY`].
pub fn history_slot(sequence: u64) -> u8 {
    // The remainder is < 256, so the cast keeps every bit.
    (sequence % HISTORY_SLOTS) as u8
}

/// One accepted record of a feed's price history.
// `#[cw_serde]` without its derived `Deserialize`: read through [`PriceFields`].
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
pub struct HistoryRecord {
    /// Position in the feed's sequence of accepted records, from 1 (the feed's first accepted
    /// record after it was added, or after an upgrade to a version with a history).
    pub sequence: u64,
    /// Accepted price.
    pub price: Decimal256,
    /// Its confidence interval.
    pub conf: Decimal256,
    /// Its EMA price.
    pub ema_price: Decimal256,
    /// Unix time (seconds) the publisher observed it.
    pub publish_time: u64,
    /// Height of the block that accepted it.
    pub accepted_height: u64,
    /// Time (seconds) of the block that accepted it.
    pub accepted_time: u64,
}

crate::record_fields! {
    skip
    /// Every field of [`PriceRecord`] and [`HistoryRecord`]: both are read through it
    /// ([`crate::record`]), one JSON reader for the two (the engine raw-reads both). The JSON of each
    /// is its derived `Serialize`, as documented on [`PRICES`] and [`PRICE_HISTORY`].
    struct PriceFields {
        sequence: Option<u64>,
        price: Option<Decimal256>,
        conf: Option<Decimal256>,
        ema_price: Option<Decimal256>,
        publish_time: Option<u64>,
        refused_publish_time: Option<u64>,
        accepted_height: Option<u64>,
        accepted_time: Option<u64>,
    }
}

impl<'de> Deserialize<'de> for PriceRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: PriceFields = record::read(d)?;
        Ok(PriceRecord {
            price: need(f.price, "price")?,
            conf: need(f.conf, "conf")?,
            ema_price: need(f.ema_price, "ema_price")?,
            publish_time: need(f.publish_time, "publish_time")?,
            sequence: f.sequence,
            refused_publish_time: f.refused_publish_time,
        })
    }
}

impl<'de> Deserialize<'de> for HistoryRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: PriceFields = record::read(d)?;
        Ok(HistoryRecord {
            sequence: need(f.sequence, "sequence")?,
            price: need(f.price, "price")?,
            conf: need(f.conf, "conf")?,
            ema_price: need(f.ema_price, "ema_price")?,
            publish_time: need(f.publish_time, "publish_time")?,
            accepted_height: need(f.accepted_height, "accepted_height")?,
            accepted_time: need(f.accepted_time, "accepted_time")?,
        })
    }
}

/// Instantiates the price feed.
// `#[cw_serde]` without its derived `Deserialize`: read through [`MsgFields`].
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// Owner (admin); defaults to the sender.
    pub owner: Option<String>,
    /// Addresses allowed to call `update_prices`; may be empty (pushes paused).
    pub publishers: Vec<String>,
    /// How far (seconds) a `publish_time` may lie ahead of the block time; default 5, at most 300.
    pub max_future_secs: Option<u64>,
}

/// One price in an `update_prices` batch.
// `#[cw_serde]` without its derived `Deserialize`: read through [`MsgFields`].
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct PriceUpdate {
    /// Feed to update; must have been added with `add_feed`.
    pub feed_id: String,
    /// New price; must be > 0.
    pub price: Decimal256,
    /// Confidence interval of the new price.
    pub conf: Decimal256,
    /// EMA price; omitted means `price`. Must be > 0 when given.
    pub ema_price: Option<Decimal256>,
    /// Unix time (seconds) of the observation; strictly newer than the stored one and at most
    /// block time + `max_future_secs`.
    pub publish_time: u64,
}

impl<'de> Deserialize<'de> for InstantiateMsg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: MsgFields = record::read_only(d, INSTANTIATE_FIELDS)?;
        Ok(InstantiateMsg {
            owner: f.owner,
            publishers: need(f.publishers, "publishers")?,
            max_future_secs: f.max_future_secs,
        })
    }
}

impl<'de> Deserialize<'de> for PriceUpdate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: MsgFields = record::read_only(d, UPDATE_FIELDS)?;
        Ok(PriceUpdate {
            feed_id: need(f.feed_id, "feed_id")?,
            price: need(f.price, "price")?,
            conf: need(f.conf, "conf")?,
            ema_price: f.ema_price,
            publish_time: need(f.publish_time, "publish_time")?,
        })
    }
}

crate::record_fields! {
    refuse
    /// Every field of every message of the price feed: `ExecuteMsg`'s variants, `QueryMsg`'s,
    /// [`PriceUpdate`] and [`InstantiateMsg`] (one reader in the artifact, `crate::record`), each
    /// read with its own names (`*_FIELDS`: a key of another message is refused as the derived
    /// `deny_unknown_fields` refused it, with the same list of names).
    struct MsgFields {
        prices: Option<Vec<PriceUpdate>>,
        feed_id: Option<String>,
        price: Option<Decimal256>,
        conf: Option<Decimal256>,
        publish_time: Option<u64>,
        description: Option<String>,
        max_price_jump: Option<Decimal256>,
        jump_window_secs: Option<u64>,
        max_jump_windows: Option<u32>,
        publishers: Option<Vec<String>>,
        new_owner: Option<String>,
        feed_ids: Option<Vec<String>>,
        start_after: Option<String>,
        limit: Option<u32>,
        ema_price: Option<Decimal256>,
        owner: Option<String>,
        max_future_secs: Option<u64>,
    }
}

/// The fields of every `ExecuteMsg` variant, in the order the derived reader listed them.
const EXECUTE_FIELDS: &[&str] = &[
    "prices",
    "feed_id",
    "price",
    "conf",
    "publish_time",
    "description",
    "max_price_jump",
    "jump_window_secs",
    "max_jump_windows",
    "publishers",
    "new_owner",
];
/// The fields of every `QueryMsg` variant.
const QUERY_FIELDS: &[&str] = &["feed_id", "feed_ids", "start_after", "limit"];
/// The fields of [`PriceUpdate`].
const UPDATE_FIELDS: &[&str] = &["feed_id", "price", "conf", "ema_price", "publish_time"];
/// The fields of [`InstantiateMsg`].
const INSTANTIATE_FIELDS: &[&str] = &["owner", "publishers", "max_future_secs"];

/// Execute messages of the price feed.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg`: one serde copy for every
// variant).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
pub enum ExecuteMsg {
    /// Publishers push prices. An update that breaks a rule is skipped and reported in the
    /// response attributes (`skipped_update` = `"<feed_id>:<rule>"`), never an error; an empty
    /// batch or two updates of one feed is an error. A jump refusal published at or before the
    /// block time marks the feed unconfirmed (with two or more publishers only once two of them
    /// were refused within one window), reported as `refused_publish_time` =
    /// `"<feed_id>:<time>"`. Every move is measured from the window's anchor (the first accepted
    /// price of the current window) and the time scaling stops at `max_jump_windows`.
    UpdatePrices {
        /// The updates, at most one per feed.
        prices: Vec<PriceUpdate>,
    },
    /// Owner sets a price, bypassing the jump and "strictly newer" rules (recovery after a real
    /// gap); the EMA price is set to `price`, the price becomes the jump anchor, and a refusal
    /// published at or before `publish_time` is cleared.
    ResetPrice {
        /// Existing feed.
        feed_id: String,
        /// New price; must be > 0.
        price: Decimal256,
        /// Confidence interval.
        conf: Decimal256,
        /// Unix time (seconds); at most block time + `max_future_secs`, may be older than the
        /// stored one.
        publish_time: u64,
    },
    /// Owner adds a feed (no price until the first update).
    AddFeed {
        /// 1 to 32 characters of `[A-Za-z0-9_./-]`; must be new.
        feed_id: String,
        /// Free text for humans (at most 256 bytes).
        description: String,
        /// Largest accepted relative move per `jump_window_secs` (e.g. "0.1" = 10 %); > 0, may
        /// exceed 1. Omitted means no bound.
        max_price_jump: Option<Decimal256>,
        /// Window (seconds) the jump bound applies to, scaled up by elapsed publish time;
        /// default 60, > 0.
        jump_window_secs: Option<u64>,
        /// Most windows the time scaling may reach: after any silence an update may move at
        /// most `max_price_jump · max_jump_windows` from the anchor; default 3, ≥ 1.
        max_jump_windows: Option<u32>,
    },
    /// Owner removes a feed and its price.
    RemoveFeed {
        /// Existing feed.
        feed_id: String,
    },
    /// Owner replaces the publisher set (an empty set pauses pushes).
    SetPublishers {
        /// New publishers; no duplicates.
        publishers: Vec<String>,
    },
    /// Owner proposes a new owner, who must accept.
    TransferOwnership {
        /// Proposed owner.
        new_owner: String,
    },
    /// The proposed owner takes over.
    AcceptOwnership {},
}

/// Query messages of the price feed.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// Owner, pending owner, publishers and the future bound.
    #[returns(ConfigResponse)]
    Config {},
    /// Latest price of one feed; an error when the feed is unknown or has no price yet.
    #[returns(PriceResponse)]
    Price {
        /// Feed to read.
        feed_id: String,
    },
    /// Latest prices of up to 30 feeds in one round trip, in the order asked; an error naming the
    /// first feed that is unknown or has no price.
    #[returns(PricesResponse)]
    Prices {
        /// Feeds to read (at most 30).
        feed_ids: Vec<String>,
    },
    /// The last (at most 16) accepted records of one feed, oldest first; an error when the feed
    /// is unknown, empty when it has no price yet.
    #[returns(PriceHistoryResponse)]
    PriceHistory {
        /// Feed to read.
        feed_id: String,
    },
    /// Feeds in `feed_id` order.
    #[returns(FeedsResponse)]
    Feeds {
        /// Exclusive lower bound.
        start_after: Option<String>,
        /// Page size; default 10, at most 30.
        limit: Option<u32>,
    },
}

pub(crate) const EXECUTE_VARIANTS: &[&str] = &[
    "update_prices",
    "reset_price",
    "add_feed",
    "remove_feed",
    "set_publishers",
    "transfer_ownership",
    "accept_ownership",
];

// Fields are taken (`Option::take`), not moved: the struct is then dropped once at the end
// instead of a partial drop per arm (docs/size.md).
impl MsgFields {
    fn into_execute(mut self, variant: &str) -> Result<ExecuteMsg, FieldError> {
        let msg = match variant {
            "update_prices" => ExecuteMsg::UpdatePrices {
                prices: req(self.prices.take(), "prices")?,
            },
            "reset_price" => ExecuteMsg::ResetPrice {
                feed_id: req(self.feed_id.take(), "feed_id")?,
                price: req(self.price.take(), "price")?,
                conf: req(self.conf.take(), "conf")?,
                publish_time: req(self.publish_time.take(), "publish_time")?,
            },
            "add_feed" => ExecuteMsg::AddFeed {
                feed_id: req(self.feed_id.take(), "feed_id")?,
                description: req(self.description.take(), "description")?,
                max_price_jump: self.max_price_jump.take(),
                jump_window_secs: self.jump_window_secs.take(),
                max_jump_windows: self.max_jump_windows.take(),
            },
            "remove_feed" => ExecuteMsg::RemoveFeed {
                feed_id: req(self.feed_id.take(), "feed_id")?,
            },
            "set_publishers" => ExecuteMsg::SetPublishers {
                publishers: req(self.publishers.take(), "publishers")?,
            },
            "transfer_ownership" => ExecuteMsg::TransferOwnership {
                new_owner: req(self.new_owner.take(), "new_owner")?,
            },
            _ => ExecuteMsg::AcceptOwnership {},
        };
        // what the variant did not take is another variant's field
        none_left(&[
            ("prices", self.prices.is_some()),
            ("feed_id", self.feed_id.is_some()),
            ("price", self.price.is_some()),
            ("conf", self.conf.is_some()),
            ("publish_time", self.publish_time.is_some()),
            ("description", self.description.is_some()),
            ("max_price_jump", self.max_price_jump.is_some()),
            ("jump_window_secs", self.jump_window_secs.is_some()),
            ("max_jump_windows", self.max_jump_windows.is_some()),
            ("publishers", self.publishers.is_some()),
            ("new_owner", self.new_owner.is_some()),
        ])?;
        Ok(msg)
    }
}

superset_deserialize!(
    ExecuteMsg,
    MsgFields,
    EXECUTE_VARIANTS,
    EXECUTE_FIELDS,
    into_execute
);

pub(crate) const QUERY_VARIANTS: &[&str] = &["config", "price", "prices", "price_history", "feeds"];

impl MsgFields {
    fn into_query(mut self, variant: &str) -> Result<QueryMsg, FieldError> {
        let msg = match variant {
            "price" => QueryMsg::Price {
                feed_id: req(self.feed_id.take(), "feed_id")?,
            },
            "prices" => QueryMsg::Prices {
                feed_ids: req(self.feed_ids.take(), "feed_ids")?,
            },
            "price_history" => QueryMsg::PriceHistory {
                feed_id: req(self.feed_id.take(), "feed_id")?,
            },
            "feeds" => QueryMsg::Feeds {
                start_after: self.start_after.take(),
                limit: self.limit.take(),
            },
            _ => QueryMsg::Config {},
        };
        // what the variant did not take is another variant's field
        none_left(&[
            ("feed_id", self.feed_id.is_some()),
            ("feed_ids", self.feed_ids.is_some()),
            ("start_after", self.start_after.is_some()),
            ("limit", self.limit.is_some()),
        ])?;
        Ok(msg)
    }
}

superset_deserialize!(
    QueryMsg,
    MsgFields,
    QUERY_VARIANTS,
    QUERY_FIELDS,
    into_query
);

/// Migrates the price feed (cw2 name must match; no downgrade).
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MigrateMsg {}

/// Response to `config {}`.
#[cw_serde]
pub struct ConfigResponse {
    /// Current owner.
    pub owner: Addr,
    /// Proposed owner waiting to accept, if any.
    pub pending_owner: Option<Addr>,
    /// Addresses allowed to push prices.
    pub publishers: Vec<Addr>,
    /// How far a `publish_time` may lie ahead of the block time.
    pub max_future_secs: u64,
}

/// Response to `price {feed_id}`; also an element of `prices`.
#[cw_serde]
pub struct PriceResponse {
    /// The feed.
    pub feed_id: String,
    /// Latest price.
    pub price: Decimal256,
    /// Its confidence interval.
    pub conf: Decimal256,
    /// Its EMA price.
    pub ema_price: Decimal256,
    /// Unix time (seconds) of the observation.
    pub publish_time: u64,
    /// Publish time of an update the jump rule refused: while present the price above is known
    /// to be stale (the engine refuses to use it).
    pub refused_publish_time: Option<u64>,
}

impl PriceResponse {
    /// The response for a stored record.
    pub fn new(feed_id: impl Into<String>, record: PriceRecord) -> Self {
        Self {
            feed_id: feed_id.into(),
            price: record.price,
            conf: record.conf,
            ema_price: record.ema_price,
            publish_time: record.publish_time,
            refused_publish_time: record.refused_publish_time,
        }
    }
}

/// Response to `price_history {feed_id}`.
#[cw_serde]
pub struct PriceHistoryResponse {
    /// The feed's last accepted records in ascending `sequence`.
    pub records: Vec<HistoryRecord>,
}

/// Response to `prices {feed_ids}`.
#[cw_serde]
pub struct PricesResponse {
    /// One entry per requested id, in the order asked.
    pub prices: Vec<PriceResponse>,
}

/// One feed in `feeds`.
#[cw_serde]
pub struct FeedInfo {
    /// The feed.
    pub feed_id: String,
    /// Free text for humans.
    pub description: String,
    /// Largest accepted relative move per window; absent means no bound.
    pub max_price_jump: Option<Decimal256>,
    /// Window (seconds) of the jump bound.
    pub jump_window_secs: u64,
    /// Most windows the time scaling of the jump bound reaches.
    pub max_jump_windows: Option<u32>,
    /// Latest price; absent until the first update.
    pub price: Option<PriceRecord>,
}

/// Response to `feeds {..}`.
#[cw_serde]
pub struct FeedsResponse {
    /// Feeds in `feed_id` order.
    pub feeds: Vec<FeedInfo>,
}

/// Typed handle on a price-feed contract.
#[cw_serde]
pub struct PriceFeed(pub Addr);

impl PriceFeed {
    /// Latest price of `feed_id` read straight from the feed's storage (no contract instance is
    /// loaded). `None` when the feed is unknown or has no price yet.
    pub fn raw_price<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        feed_id: &str,
    ) -> StdResult<Option<PriceRecord>> {
        let key = PRICES.key(feed_id);
        querier
            .query_wasm_raw(self.0.as_str(), key.to_vec())?
            .map(from_json)
            .transpose()
    }

    /// Record `sequence` of `feed_id`'s price history read straight from storage: `None` when it
    /// has left the feed's slots (more than 256 records ago), does not exist yet, or the feed is
    /// unknown.
    pub fn raw_history<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        feed_id: &str,
        sequence: u64,
    ) -> StdResult<Option<HistoryRecord>> {
        let key = PRICE_HISTORY.key((feed_id, history_slot(sequence)));
        let record: Option<HistoryRecord> = querier
            .query_wasm_raw(self.0.as_str(), key.to_vec())?
            .map(from_json)
            .transpose()?;
        Ok(record.filter(|r| r.sequence == sequence))
    }

    /// The price history of `feed_id` through the smart query (oldest first).
    pub fn price_history<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        feed_id: impl Into<String>,
    ) -> StdResult<Vec<HistoryRecord>> {
        let res: PriceHistoryResponse = querier.query_wasm_smart(
            self.0.as_str(),
            &QueryMsg::PriceHistory {
                feed_id: feed_id.into(),
            },
        )?;
        Ok(res.records)
    }

    /// Latest price of `feed_id` through the smart query (an error when unknown or unpriced).
    pub fn price<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        feed_id: impl Into<String>,
    ) -> StdResult<PriceResponse> {
        querier.query_wasm_smart(
            self.0.as_str(),
            &QueryMsg::Price {
                feed_id: feed_id.into(),
            },
        )
    }

    /// Latest prices of up to 30 feeds in one smart query, in the order asked.
    pub fn prices<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        feed_ids: Vec<String>,
    ) -> StdResult<Vec<PriceResponse>> {
        let res: PricesResponse =
            querier.query_wasm_smart(self.0.as_str(), &QueryMsg::Prices { feed_ids })?;
        Ok(res.prices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, with every optional field set and unset: reads back what it wrote.
    #[test]
    fn messages_read_back_and_refuse_like_the_derived_form() {
        use cosmwasm_std::{from_json, to_json_vec};
        let d = |s: &str| s.parse::<Decimal256>().unwrap();
        let update = PriceUpdate {
            feed_id: "BTC".into(),
            price: d("1.5"),
            conf: d("0"),
            ema_price: None,
            publish_time: 7,
        };
        let execute = [
            ExecuteMsg::UpdatePrices {
                prices: vec![update.clone()],
            },
            ExecuteMsg::ResetPrice {
                feed_id: "A".into(),
                price: d("2"),
                conf: d("0.1"),
                publish_time: 3,
            },
            ExecuteMsg::AddFeed {
                feed_id: "A".into(),
                description: "x".into(),
                max_price_jump: Some(d("0.1")),
                jump_window_secs: Some(60),
                max_jump_windows: Some(3),
            },
            ExecuteMsg::AddFeed {
                feed_id: "A".into(),
                description: String::new(),
                max_price_jump: None,
                jump_window_secs: None,
                max_jump_windows: None,
            },
            ExecuteMsg::RemoveFeed {
                feed_id: "A".into(),
            },
            ExecuteMsg::SetPublishers { publishers: vec![] },
            ExecuteMsg::TransferOwnership {
                new_owner: "o".into(),
            },
            ExecuteMsg::AcceptOwnership {},
        ];
        let mut seen = vec![];
        for msg in execute {
            let json = to_json_vec(&msg).unwrap();
            assert_eq!(from_json::<ExecuteMsg>(&json).unwrap(), msg);
            let name = String::from_utf8(json[2..].split(|b| *b == b'"').next().unwrap().to_vec());
            seen.push(name.unwrap());
        }
        seen.dedup();
        assert_eq!(seen, EXECUTE_VARIANTS);
        let query = [
            QueryMsg::Config {},
            QueryMsg::Price {
                feed_id: "A".into(),
            },
            QueryMsg::Prices {
                feed_ids: vec!["A".into(), "B".into()],
            },
            QueryMsg::PriceHistory {
                feed_id: "A".into(),
            },
            QueryMsg::Feeds {
                start_after: Some("A".into()),
                limit: Some(2),
            },
            QueryMsg::Feeds {
                start_after: None,
                limit: None,
            },
        ];
        let mut seen = vec![];
        for msg in query {
            let json = to_json_vec(&msg).unwrap();
            assert_eq!(from_json::<QueryMsg>(&json).unwrap(), msg);
            let name = String::from_utf8(json[2..].split(|b| *b == b'"').next().unwrap().to_vec());
            seen.push(name.unwrap());
        }
        seen.dedup();
        assert_eq!(seen, QUERY_VARIANTS);
        // null and absent optional fields, whitespace (a field of no variant is refused:
        // `crate::msg` tests)
        assert_eq!(
            from_json::<ExecuteMsg>(
                br#" { "add_feed" : {"feed_id":"A","description":"","max_price_jump":null} } "#
            )
            .unwrap(),
            ExecuteMsg::AddFeed {
                feed_id: "A".into(),
                description: String::new(),
                max_price_jump: None,
                jump_window_secs: None,
                max_jump_windows: None,
            }
        );
        let err = |json: &[u8]| from_json::<ExecuteMsg>(json).unwrap_err().to_string();
        assert!(err(br#"{"remove_feed":{}}"#).contains("missing field `feed_id`"));
        assert!(err(br#"{"remove_feed":{"feed_id":null}}"#).contains("missing field `feed_id`"));
        assert!(err(br#"{"remove_feed":{"feed_id":1}}"#).contains("invalid type: integer `1`"));
        assert!(err(br#"{"remove":{}}"#)
            .contains("unknown variant `remove`, expected one of `update_prices`"));
        assert!(err(br#"{"remove_feed":{"feed_id":"A","feed_id":"B"}}"#)
            .contains("duplicate field `feed_id`"));
        for bad in [
            &br#"{}"#[..],
            br#"{"accept_ownership":{},"accept_ownership":{}}"#,
            br#""accept_ownership""#,
            b"[]",
            br#"{"accept_ownership":null}"#,
        ] {
            assert!(
                from_json::<ExecuteMsg>(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let err = from_json::<QueryMsg>(br#"{"price":{"feed_ids":[]}}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `feed_id`"), "{err}");
        // one field struct for every message, each read with its own names: a field of another
        // message is refused with the list the derived reader gave
        let err = from_json::<ExecuteMsg>(br#"{"remove_feed":{"feed_id":"A","ema_price":"1"}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field `ema_price`, expected one of `prices`, `feed_id`, `price`, `conf`, `publish_time`, `description`, `max_price_jump`, `jump_window_secs`, `max_jump_windows`, `publishers`, `new_owner`"),
            "{err}"
        );
        let err = from_json::<QueryMsg>(br#"{"price":{"feed_id":"A","prices":[]}}"#).unwrap_err();
        assert!(
            err.to_string().contains(
                "unknown field `prices`, expected one of `feed_id`, `feed_ids`, `start_after`, `limit`"
            ),
            "{err}"
        );
        let err = from_json::<PriceUpdate>(br#"{"feed_id":"A","owner":"o"}"#).unwrap_err();
        assert!(
            err.to_string().contains(
                "unknown field `owner`, expected one of `feed_id`, `price`, `conf`, `ema_price`, `publish_time`"
            ),
            "{err}"
        );
        let err = from_json::<InstantiateMsg>(br#"{"publishers":[],"limit":1}"#).unwrap_err();
        assert!(
            err.to_string().contains(
                "unknown field `limit`, expected one of `owner`, `publishers`, `max_future_secs`"
            ),
            "{err}"
        );
    }

    #[test]
    fn raw_key_is_length_prefixed_namespace_then_feed_id() {
        assert_eq!(
            PRICES.key("BTC").to_vec(),
            vec![0x00, 0x01, b'p', b'B', b'T', b'C']
        );
        assert_eq!(
            PRICES.key("ETH/USD").to_vec(),
            [&[0x00, 0x01, b'p'][..], b"ETH/USD"].concat()
        );
    }

    #[test]
    fn record_json_is_the_documented_encoding() {
        let record = PriceRecord {
            price: "60000.5".parse().unwrap(),
            conf: "12".parse().unwrap(),
            ema_price: "59990".parse().unwrap(),
            publish_time: 1_700_000_000,
            sequence: Some(7),
            refused_publish_time: None,
        };
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            json,
            r#"{"price":"60000.5","conf":"12","ema_price":"59990","publish_time":1700000000,"sequence":7}"#
        );
        assert_eq!(from_json::<PriceRecord>(json.as_bytes()).unwrap(), record);
        let unconfirmed = PriceRecord {
            refused_publish_time: Some(1_700_000_060),
            ..record
        };
        let json = serde_json::to_string(&unconfirmed).unwrap();
        assert!(json.ends_with(r#""sequence":7,"refused_publish_time":1700000060}"#));
        assert_eq!(
            from_json::<PriceRecord>(json.as_bytes()).unwrap(),
            unconfirmed
        );
    }

    #[test]
    fn a_record_stored_before_the_history_still_decodes() {
        let old = r#"{"price":"1","conf":"0","ema_price":"1","publish_time":5}"#;
        let record: PriceRecord = from_json(old.as_bytes()).unwrap();
        assert_eq!(record.sequence, None);
        assert_eq!(record.refused_publish_time, None);
        assert!(!record.is_unconfirmed());
    }

    #[test]
    fn history_key_is_namespace_then_length_prefixed_feed_id_then_slot() {
        assert_eq!(
            PRICE_HISTORY.key(("BTC", history_slot(23))).to_vec(),
            vec![0x00, 0x01, b'h', 0x00, 0x03, b'B', b'T', b'C', 0x17]
        );
        assert_eq!(history_slot(16), 16);
        assert_eq!(history_slot(256), 0);
        assert_eq!(history_slot(u64::MAX), 255);
    }
}
