//! One test binary for the local chain: the chain's mechanics on a scripted wat contract, and
//! the real artifacts (price-feed, insurance-fund) built by `scripts/build-wasm.sh`.

mod artifacts;
mod gas;
mod harness;
#[cfg(feature = "node")]
mod node;
mod queries;
mod routing;
mod submessages;
