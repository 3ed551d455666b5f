//! Integration tests of the insurance-fund contract (cw-multi-test). One binary, one module per topic.

mod suite;

mod cover;
mod deposit;
mod direct;
mod engines;
mod instantiate;
mod migrate;
mod ownership;
mod payouts;
mod withdraw;
