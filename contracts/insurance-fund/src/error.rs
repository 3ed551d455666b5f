//! Every way an insurance-fund message can fail. A low balance is not an error for
//! `cover_bad_debt`: it pays what there is.

use cosmwasm_std::{Addr, ConversionOverflowError, OverflowError, StdError, Uint128, Uint256};
use cw_utils::PaymentError;
use perps_api::migrate::MigrateError;
use perps_api::ownership::OwnershipError;

/// Result of every handler.
pub type ContractResult<T> = Result<T, ContractError>;

/// Errors of the insurance-fund contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Ownership(#[from] OwnershipError),

    #[error(transparent)]
    Overflow(#[from] OverflowError),

    #[error(transparent)]
    ConversionOverflow(#[from] ConversionOverflowError),

    /// Wrong, missing or extra funds (deposit), or funds sent to a message that takes none.
    #[error("payment refused: {0}")]
    Payment(#[from] PaymentError),

    #[error("invalid address {address:?}: {source}")]
    InvalidAddress { address: String, source: StdError },

    #[error(
        "invalid denom {denom:?}: must be 3 to 128 characters, a letter first, then letters, digits or /:._-"
    )]
    InvalidDenom { denom: String },

    #[error("duplicate engine {engine}")]
    DuplicateEngine { engine: Addr },

    #[error("too many engines: {count} > {max}")]
    TooManyEngines { count: usize, max: usize },

    #[error("engine {engine} is already registered")]
    EngineExists { engine: Addr },

    #[error("engine {engine} is not registered")]
    EngineNotFound { engine: Addr },

    #[error("unauthorized: {sender} is not a registered engine")]
    NotEngine { sender: Addr },

    #[error("amount must be > 0, got {amount}")]
    ZeroAmount { amount: Uint128 },

    #[error("withdraw of {amount}{denom} exceeds the fund's balance of {balance}{denom}")]
    InsufficientBalance {
        amount: Uint128,
        balance: Uint256,
        denom: String,
    },

    /// Another contract's state, or a downgrade.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
}
