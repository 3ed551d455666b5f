//! Execute handlers by family.

pub mod account;
pub mod admin;
pub mod bad_debt;
pub mod liquidate;
pub mod markets;
pub mod persist;
pub mod settle;
pub mod trade;
pub mod vault;
