//! insurance-fund: holds the insurance balance (its bank balance in one denom), takes deposits from
//! anyone, pays bad debt only to registered engines, and lets its owner (governance) withdraw.

pub mod contract;
pub mod error;
pub mod execute;
pub mod query;
pub mod state;
pub mod validate;

pub use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
pub use crate::error::{ContractError, ContractResult};

perps_api::entry_points!(insurance_fund);
