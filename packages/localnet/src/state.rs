//! The chain's state and the context every VM backend shares.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use cosmwasm_std::{Addr, BlockInfo, Checksum, Uint256};
use cosmwasm_vm::Cache;

use crate::api::ChainApi;
use crate::gas::{GasMeter, Kind};
use crate::querier::ChainQuerier;
use crate::storage::ContractStorage;

/// One instantiated contract.
#[derive(Clone, Debug)]
pub(crate) struct ContractData {
    pub code_id: u64,
    pub creator: Addr,
    pub admin: Option<Addr>,
    pub label: String,
    /// Ordered, so iteration is ordered like the chain's IAVL store.
    pub storage: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// Everything a transaction can change. Snapshots are clones: the local chain is small, and a
/// clone cannot forget a store the way a hand-written undo log can.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub contracts: BTreeMap<String, ContractData>,
    /// address -> denom -> amount; zero balances are removed.
    pub balances: BTreeMap<String, BTreeMap<String, Uint256>>,
    /// Instances created so far (wasmd's instance sequence, part of state so it reverts too).
    pub instance_seq: u64,
}

/// Stored code.
#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub checksum: Checksum,
    /// Who stored it (empty for code stored outside a transaction).
    pub creator: String,
    /// The wasm as stored (served by the code query, saved with the chain's state).
    pub wasm: std::rc::Rc<Vec<u8>>,
}

/// Shared by the chain, every contract storage and every querier of one chain.
pub(crate) struct Ctx {
    pub cache: Cache<ChainApi, ContractStorage, ChainQuerier>,
    pub api: ChainApi,
    pub state: RefCell<State>,
    pub codes: RefCell<Vec<Code>>,
    pub block: RefCell<BlockInfo>,
    pub meter: RefCell<GasMeter>,
    /// The VM cache's directory, removed when the chain is dropped.
    pub dir: PathBuf,
    /// Every contract-store access while tracing is on ([`crate::Chain::start_kv_trace`]).
    pub trace: RefCell<Option<Vec<KvAccess>>>,
}

/// What a contract-store access was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvOp {
    /// `get` (the value is `None` when the key is absent).
    Read,
    /// `set`.
    Write,
    /// `remove`.
    Delete,
    /// An iterator's creation (its seek) over a range starting at the key.
    IterSeek,
    /// One iterator step, over the entry returned.
    IterNext,
}

/// One access of a contract's store, with the SDK gas it was charged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvAccess {
    /// The contract whose store it was.
    pub contract: String,
    /// What was done.
    pub op: KvOp,
    /// The key (without wasmd's contract prefix); for [`KvOp::IterSeek`] the range start.
    pub key: Vec<u8>,
    /// Bytes of the value read or written (0 for deletes, seeks over nothing, absent keys).
    pub value_len: usize,
    /// SDK gas charged for it.
    pub gas: u64,
}

impl Ctx {
    /// Records a store access when tracing is on.
    pub fn record(&self, access: impl FnOnce() -> KvAccess) {
        if let Some(trace) = self.trace.borrow_mut().as_mut() {
            trace.push(access());
        }
    }

    /// Charges SDK gas; false if a limit was exceeded.
    pub fn charge(&self, kind: Kind, gas: u64) -> bool {
        self.meter.borrow_mut().charge(kind, gas)
    }

    /// SDK gas left under the innermost limit.
    pub fn remaining(&self) -> u64 {
        self.meter.borrow().remaining()
    }

    /// Canonical address length, for the key sizes the SDK's stores would use.
    pub fn canonical_len(&self, addr: &str) -> usize {
        use cosmwasm_vm::BackendApi;
        self.api.addr_canonicalize(addr).0.map_or(20, |c| c.len())
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
