//! Integration tests of the price-feed contract (cw-multi-test). One binary, one module per topic.

mod suite;

mod feeds;
mod instantiate;
mod integrity;
mod migrate;
mod ownership;
mod publishers;
mod queries;
mod raw;
mod reset;
mod scenario_42;
mod update;
