//! Access and admin on all three contracts: ownership, parameters, fund custody, migrate
//! (SECURITY 6-9).

mod custody;
mod orders_config;

mod layout;
pub mod security;
