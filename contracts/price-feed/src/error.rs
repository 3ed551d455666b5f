//! Every way a price-feed message can fail. A skipped price update is not an error (see
//! `rules::SkipRule`).

use cosmwasm_std::{Addr, Decimal256, StdError};
use cw_utils::PaymentError;
use perps_api::migrate::MigrateError;
use perps_api::ownership::OwnershipError;

/// Result of every handler.
pub type ContractResult<T> = Result<T, ContractError>;

/// Errors of the price-feed contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Ownership(#[from] OwnershipError),

    /// Funds sent to a contract that has no way to return them.
    #[error("this contract accepts no funds: {0}")]
    Payment(#[from] PaymentError),

    #[error("invalid address {address:?}: {source}")]
    InvalidAddress { address: String, source: StdError },

    #[error("unauthorized: {sender} is not a publisher")]
    NotPublisher { sender: Addr },

    #[error("malformed update: the batch of prices is empty")]
    EmptyUpdate {},

    #[error("malformed update: feed {feed_id} appears more than once in one batch")]
    DuplicateFeedUpdate { feed_id: String },

    #[error("feed {feed_id} not found")]
    FeedNotFound { feed_id: String },

    #[error("feed {feed_id} has no price yet")]
    NoPrice { feed_id: String },

    #[error("feed {feed_id} already exists")]
    FeedExists { feed_id: String },

    #[error("invalid feed id {feed_id:?}: must be 1 to {max_len} characters of [A-Za-z0-9_./-]")]
    InvalidFeedId { feed_id: String, max_len: usize },

    #[error("description is {len} bytes, at most {max_len} allowed")]
    DescriptionTooLong { len: usize, max_len: usize },

    #[error("invalid max_price_jump {value}: must be > 0")]
    InvalidMaxPriceJump { value: Decimal256 },

    #[error("invalid jump_window_secs {value}: must be > 0")]
    InvalidJumpWindow { value: u64 },

    #[error("invalid max_jump_windows {value}: must be ≥ 1")]
    InvalidMaxJumpWindows { value: u32 },

    #[error("invalid max_future_secs {value}: at most {max} allowed")]
    InvalidMaxFutureSecs { value: u64, max: u64 },

    #[error("duplicate publisher {publisher}")]
    DuplicatePublisher { publisher: Addr },

    #[error("price of feed {feed_id} must be > 0, got {price}")]
    ZeroPrice { feed_id: String, price: Decimal256 },

    #[error(
        "publish_time {publish_time} of feed {feed_id} is after block time + max_future_secs = {latest_allowed}"
    )]
    FuturePublishTime {
        feed_id: String,
        publish_time: u64,
        latest_allowed: u64,
    },

    #[error("too many feed ids: {count} > {max}")]
    TooManyFeedIds { count: usize, max: usize },

    /// Another contract's state, or a downgrade.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
}
