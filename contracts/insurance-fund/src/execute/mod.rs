//! Execute handlers by family.

pub mod admin;
pub mod fund;
