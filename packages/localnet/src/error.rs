//! Why a transaction or query failed.

use cosmwasm_std::Uint256;

/// Everything that can make a transaction or query fail on the local chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The contract's entry point returned an error.
    #[error("contract {contract}: {entry_point} failed: {msg}")]
    Contract {
        /// The contract address.
        contract: String,
        /// `instantiate`, `execute`, `reply`, `migrate` or `query`.
        entry_point: &'static str,
        /// The contract's error message.
        msg: String,
    },
    /// The VM refused or aborted the call (trap, panic, bad result, ...).
    #[error("vm error in {contract}: {msg}")]
    Vm {
        /// The contract address.
        contract: String,
        /// The VM's message.
        msg: String,
    },
    /// The gas limit (of the transaction or of a submessage) was reached.
    #[error("out of gas: limit {limit}, used {used}")]
    OutOfGas {
        /// The limit that was hit, SDK gas.
        limit: u64,
        /// SDK gas used when it was hit.
        used: u64,
    },
    /// A submessage used up the gas limit it was given (a reply on error can catch this).
    #[error("submessage out of gas: limit {limit}, used {used}")]
    SubMsgOutOfGas {
        /// The submessage's gas limit, SDK gas.
        limit: u64,
        /// SDK gas it used.
        used: u64,
    },
    /// Not enough coins for a transfer.
    #[error("insufficient funds: {address} has {available}{denom}, needs {required}{denom}")]
    InsufficientFunds {
        /// The payer.
        address: String,
        /// The denom.
        denom: String,
        /// Its balance.
        available: Uint256,
        /// The amount asked for.
        required: Uint256,
    },
    /// No contract at this address.
    #[error("no such contract: {0}")]
    NoSuchContract(String),
    /// No code with this id.
    #[error("no such code: {0}")]
    NoSuchCode(u64),
    /// Not a valid address for this chain.
    #[error("invalid address {address}: {reason}")]
    InvalidAddress {
        /// The input.
        address: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The wasm failed the chain's checks on `store_code`.
    #[error("store code failed: {0}")]
    StoreCode(String),
    /// A message, event or coin list a chain would reject.
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// The sender may not do this (migrate or change the admin of a contract it does not admin).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// A message or query kind this chain does not route.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl ChainError {
    /// The error string wasmd gives a contract's `reply` (errors are redacted to their codespace
    /// and code so that replies stay deterministic across node versions).
    pub fn redacted(&self) -> String {
        // wasmd's registered codes (x/wasm/types/errors.go, SDK errors for bank and gas).
        let (codespace, code) = match self {
            ChainError::Contract { entry_point, .. } => match *entry_point {
                "instantiate" => ("wasm", 4),
                "query" => ("wasm", 9),
                "migrate" => ("wasm", 11),
                _ => ("wasm", 5),
            },
            ChainError::Vm { .. } => ("wasm", 5),
            ChainError::OutOfGas { .. } | ChainError::SubMsgOutOfGas { .. } => ("sdk", 11),
            ChainError::InsufficientFunds { .. } => ("sdk", 5),
            ChainError::NoSuchContract(_) | ChainError::NoSuchCode(_) => ("wasm", 8),
            ChainError::Unauthorized(_) => ("sdk", 4),
            ChainError::InvalidAddress { .. } => ("sdk", 7),
            ChainError::StoreCode(_) => ("wasm", 2),
            ChainError::InvalidMessage(_) => ("wasm", 10),
            ChainError::Unsupported(_) => ("wasm", 20),
        };
        format!("codespace: {codespace}, code: {code}")
    }
}
