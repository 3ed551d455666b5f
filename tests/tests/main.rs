//! End-to-end scenarios: each runs on the optimized wasm artifacts (local chain) and on the same
//! contracts in cw-multi-test, asserts exact numbers on both, and compares every result.

mod compare;
mod native;

mod atomicity;
mod demo;
mod funding;
mod lifecycle;
mod liquidation;
mod trading;
