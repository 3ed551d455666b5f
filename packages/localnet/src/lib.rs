//! The local chain of the perps workspace: the optimized `artifacts/*.wasm` run in `cosmwasm-vm`
//! (the VM wasmd embeds) with wasmd's routing and gas accounting.
//!
//! - [`Chain`]: store code, instantiate, execute with funds, smart and raw queries, bank
//!   balances, block height and time. Contract responses are routed like wasmd does it
//!   (`BankMsg::{Send, Burn}`, `WasmMsg::{Execute, Instantiate}`, submessages with replies),
//!   contracts can query each other and the bank, and every transaction is atomic: an error
//!   reverts every contract store and balance it touched, while a submessage with a reply on
//!   error reverts only its own sub-tree.
//! - [`Gas`]: what a transaction costs in SDK gas, by where it went (module [`gas`] has
//!   wasmd's constants).
//! - [`Chain::start_kv_trace`] / [`Chain::take_kv_trace`]: every contract-store access with
//!   the gas it was charged ([`KvAccess`]), to see which keys a message's KV gas goes to.
//! - [`check_artifact`]: the static check a chain applies on `store_code`, used by
//!   `scripts/build-wasm.sh` through the `wasm-check` binary.
//!
//! ```no_run
//! use cosmwasm_std::{Coin, Uint256};
//! use localnet::Chain;
//!
//! let mut chain = Chain::new().unwrap();
//! let code = chain.store_code(&std::fs::read("artifacts/insurance-fund.wasm").unwrap()).unwrap();
//! let owner = chain.addr_make("owner");
//! chain.mint(&owner, &[Coin::new(Uint256::from(1_000u32), "uusd")]).unwrap();
//! let msg = serde_json::json!({ "denom": "uusd", "engines": [] });
//! let (fund, _) = chain.instantiate(code, &owner, &msg, &[], "fund").unwrap();
//! let funds = [Coin::new(Uint256::from(400u32), "uusd")];
//! let tx = chain.execute(&owner, &fund, &serde_json::json!({ "deposit": {} }), &funds).unwrap();
//! println!("deposit: {} SDK gas ({:?})", tx.gas.total(), tx.gas);
//! assert_eq!(chain.balance(&fund, "uusd"), Uint256::from(400u32));
//! ```
//!
//! Not modeled: the ante handler (signatures, tx bytes), wasmd's own bookkeeping reads and
//! writes (contract and code info, history), account creation, IBC, migrate and admin messages.

mod api;
mod bank;
mod chain;
mod check;
pub mod cli;
#[cfg(feature = "node")]
pub mod client;
mod error;
pub mod gas;
#[cfg(feature = "node")]
pub mod node;
mod querier;
mod router;
mod state;
mod storage;

pub use chain::{
    first_attribute, Chain, ChainConfig, ChainDump, ChainMsg, CodeDump, CodeInfo, ContractDump,
    ContractMeta, DeliverError, Delivered, Fee, MsgOutput, MsgResult, TxError, TxResult,
    MAX_WASM_BYTES,
};
pub use check::{
    capabilities, check_artifact, CheckError, MAINSTREAM_CAPABILITIES, MAX_ARTIFACT_BYTES,
};
pub use error::ChainError;
pub use gas::Gas;
pub use state::{KvAccess, KvOp};
