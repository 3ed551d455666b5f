//! Collateral in and out, attached funds and addresses (SECURITY 1-5).

mod deposits;
mod security;
