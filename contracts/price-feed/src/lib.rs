//! price-feed: latest price per feed, pushed by whitelisted publishers; read by the engine with a
//! raw storage query (layout in `perps_api::price_feed::PRICES`).

pub mod contract;
pub mod error;
pub mod execute;
pub mod query;
pub mod rules;
pub mod state;
pub mod validate;

pub use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
pub use crate::error::{ContractError, ContractResult};

perps_api::entry_points!(price_feed);
