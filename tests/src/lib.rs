//! End-to-end runs of the protocol: the three optimized artifacts on the local chain
//! (`packages/localnet`), the same scenarios on cw-multi-test for comparison (this crate's tests),
//! and the market story of `scripts/demo.sh`.
//!
//! A scenario is written once against [`Backend`] and run through [`Protocol`], whose journal
//! holds every result with addresses replaced by names, so that two backends can be compared
//! entry by entry.

pub mod backend;
pub mod journal;
pub mod protocol;
pub mod story;
pub mod table;
pub mod wasm;

pub use backend::{Backend, Code, Executed, Failed};
pub use journal::Entry;
pub use protocol::{Protocol, Setup, DENOM, USDC};
pub use story::Story;
pub use wasm::WasmBackend;
