//! `localnet serve`: the local chain behind CometBFT JSON-RPC, with real Cosmos SDK transactions
//! (protobuf `TxRaw`, SIGN_MODE_DIRECT secp256k1 signatures, account numbers and sequences, fees,
//! the ante handler's gas and the SDK's error codes).
//!
//! One thread owns the chain ([`app::App`]); the HTTP workers send it requests over a channel
//! and wait for the answer, so two clients sending at once are served one after the other.
//! Blocks close on a timer; a transaction runs when it is broadcast (in the open block) and
//! becomes visible to `tx` / `tx_search` once that block closed, as on a CometBFT node.

pub mod ante;
pub mod app;
pub mod genesis;
mod json;
mod query;
pub mod rpc;
mod txdecode;

pub use app::App;
pub use genesis::{Genesis, GenesisAccount};
pub use rpc::{serve, ServeOptions, Server};
