//! The perps engine: accounts, markets, cross and isolated trading against a liquidity vault,
//! funding, fees, permissionless liquidation and the bad-debt waterfall (insurance fees, the
//! insurance fund through a submessage replying on error, then the vault). Money decisions live
//! in `perps-risk`; this crate loads, checks, stores.

pub mod account;
pub mod compact;
pub mod contract;
pub mod error;
pub mod execute;
pub mod jsonrec;
pub mod layout;
pub mod market;
pub mod oracle;
pub mod orders;
pub mod query;
pub mod solvency;
pub mod state;
pub mod trade;
pub mod valuation;
pub mod vecmap;

pub use crate::error::{ContractError, ContractResult, OracleError};
pub use crate::state::CONTRACT_NAME;

perps_api::entry_points!(perps, reply);
