//! The public interface of the perps protocol: every message and response type of the three
//! contracts (`price-feed`, `insurance-fund`, `perps`), plus typed helpers that other contracts,
//! bots and tests use to talk to them. No storage lives here, except the documented raw-storage
//! layout of the price feed, which is part of its public interface.

pub mod addrs;
pub mod backtrace;
pub mod entry;
pub mod events;
pub mod insurance_fund;
pub mod migrate;
pub mod msg;
pub mod ownership;
pub mod perps;
pub mod price_feed;
pub mod record;
