//! The public face of the local chain.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use cosmwasm_std::{Addr, Binary, BlockInfo, Coin, Event, Timestamp, Uint256};
use cosmwasm_vm::{Cache, CacheOptions, Size};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::ChainApi;
use crate::bank;
use crate::check::{capabilities, MAINSTREAM_CAPABILITIES};
use crate::error::ChainError;
use crate::gas::{Gas, GasMeter, Kind, COMPILE_COST_PER_BYTE};
use crate::router;
use crate::state::{Code, Ctx, KvAccess, State};

/// wasmd's default `MaxWasmSize`.
pub const MAX_WASM_BYTES: usize = 819_200;

/// Settings of a local chain. `Default` gives a deterministic chain.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// Bech32 prefix of every address.
    pub prefix: &'static str,
    /// `env.block.chain_id`.
    pub chain_id: String,
    /// Height of the first block.
    pub height: u64,
    /// Time of the first block, seconds since the epoch.
    pub time_secs: u64,
    /// Seconds per block, used by [`Chain::next_block`] and [`Chain::advance_blocks`].
    pub block_time_secs: u64,
    /// SDK gas limit of each transaction.
    pub tx_gas_limit: u64,
    /// SDK gas limit of a query from outside (wasmd's default `SmartQueryGasLimit`).
    pub query_gas_limit: u64,
    /// Capabilities the chain offers, comma-separated.
    pub capabilities: String,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            prefix: "cosmwasm",
            chain_id: "localnet-1".to_string(),
            height: 1,
            time_secs: 1_700_000_000,
            block_time_secs: 5,
            tx_gas_limit: 100_000_000,
            query_gas_limit: 3_000_000,
            capabilities: MAINSTREAM_CAPABILITIES.to_string(),
        }
    }
}

/// A successful transaction.
#[derive(Clone, Debug)]
pub struct TxResult {
    /// SDK gas used, by where it went.
    pub gas: Gas,
    /// Events in emission order: `transfer`, `execute`/`instantiate`/`reply` (with
    /// `_contract_address`), `wasm` (response attributes), `wasm-<type>` (custom events).
    pub events: Vec<Event>,
    /// The response data of the message (the contract's, or the last reply's that set one),
    /// without the protobuf wrapping a chain adds.
    pub data: Option<Binary>,
}

impl TxResult {
    /// Events of one type.
    pub fn events_of<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.ty == ty)
    }

    /// The value of the first attribute `key` in an event of type `ty`.
    pub fn attribute(&self, ty: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|e| e.ty == ty)
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }
}

/// A failed transaction: every state change was reverted; the gas was still used.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{error} (gas used {})", .gas.total())]
pub struct TxError {
    /// Why it failed.
    pub error: ChainError,
    /// SDK gas used up to the failure (boxed to keep `Result`s small).
    pub gas: Box<Gas>,
}

static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

/// A local CosmWasm chain: contracts run in cosmwasm-vm, gas is what wasmd would charge.
/// Single-threaded; each transaction is atomic.
pub struct Chain {
    ctx: Rc<Ctx>,
    config: ChainConfig,
}

impl Chain {
    /// A chain with the default configuration.
    pub fn new() -> Result<Self, ChainError> {
        Self::with_config(ChainConfig::default())
    }

    /// A chain with `config`. The VM's module cache lives in a temporary directory removed on drop.
    pub fn with_config(config: ChainConfig) -> Result<Self, ChainError> {
        let dir = std::env::temp_dir().join(format!(
            "localnet-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        let options = CacheOptions::new(
            &dir,
            capabilities(&config.capabilities),
            Size::mebi(256),
            // wasmd's default contract memory limit
            Size::mebi(32),
        );
        // SAFETY: the directory is fresh and private to this chain, so nothing else wrote the
        // modules the cache will load from it.
        let cache = unsafe { Cache::new(options) }
            .map_err(|e| ChainError::StoreCode(format!("cannot create the VM cache: {e}")))?;
        let block = BlockInfo {
            height: config.height,
            time: Timestamp::from_seconds(config.time_secs),
            chain_id: config.chain_id.clone(),
        };
        let ctx = Ctx {
            cache,
            api: ChainApi::new(config.prefix),
            state: RefCell::new(State::default()),
            codes: RefCell::new(Vec::new()),
            block: RefCell::new(block),
            meter: RefCell::new(GasMeter::new(config.tx_gas_limit)),
            dir,
            trace: RefCell::new(None),
        };
        Ok(Chain {
            ctx: Rc::new(ctx),
            config,
        })
    }

    /// The address of an account named `name` (deterministic, valid bech32 with the prefix).
    pub fn addr_make(&self, name: &str) -> Addr {
        Addr::unchecked(self.ctx.api.addr_make(name))
    }

    /// Stores code after the chain's static checks (size, capabilities, exports, locals) and
    /// compilation; returns its code id (1, 2, ...). A chain would charge
    /// [`Chain::store_code_gas`] for it.
    pub fn store_code(&mut self, wasm: &[u8]) -> Result<u64, ChainError> {
        if wasm.len() > MAX_WASM_BYTES {
            return Err(ChainError::StoreCode(format!(
                "{} bytes, above the limit of {MAX_WASM_BYTES}",
                wasm.len()
            )));
        }
        let checksum = self
            .ctx
            .cache
            .store_code(wasm, true, true)
            .map_err(|e| ChainError::StoreCode(e.to_string()))?;
        self.ctx
            .cache
            .pin(&checksum)
            .map_err(|e| ChainError::StoreCode(e.to_string()))?;
        let mut codes = self.ctx.codes.borrow_mut();
        codes.push(Code { checksum });
        Ok(codes.len() as u64)
    }

    /// SDK gas a chain charges for storing `wasm` (compile cost only).
    pub fn store_code_gas(wasm: &[u8]) -> Gas {
        let mut meter = GasMeter::new(u64::MAX);
        meter.charge(
            Kind::Compile,
            COMPILE_COST_PER_BYTE.saturating_mul(wasm.len() as u64),
        );
        meter.used()
    }

    /// Instantiates `code_id` (no admin) as `sender`, sending `funds` along.
    pub fn instantiate(
        &mut self,
        code_id: u64,
        sender: &Addr,
        msg: &impl Serialize,
        funds: &[Coin],
        label: &str,
    ) -> Result<(Addr, TxResult), TxError> {
        let msg = to_json(msg).map_err(|error| tx_error(error, Gas::default()))?;
        let ((address, outcome), gas) = self.transaction(|ctx| {
            router::validate(ctx, sender.as_str())?;
            router::instantiate(ctx, sender.as_str(), code_id, &msg, funds, label, None)
        })?;
        Ok((Addr::unchecked(address), tx_result(outcome, gas)))
    }

    /// Executes `msg` on `contract` as `sender`, sending `funds` along.
    pub fn execute(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &impl Serialize,
        funds: &[Coin],
    ) -> Result<TxResult, TxError> {
        let msg = to_json(msg).map_err(|error| tx_error(error, Gas::default()))?;
        let (outcome, gas) = self.transaction(|ctx| {
            router::validate(ctx, sender.as_str())?;
            router::execute(ctx, sender.as_str(), contract.as_str(), &msg, funds)
        })?;
        Ok(tx_result(outcome, gas))
    }

    /// A bank `MsgSend` transaction.
    pub fn send(&mut self, from: &Addr, to: &Addr, coins: &[Coin]) -> Result<TxResult, TxError> {
        let (event, gas) = self.transaction(|ctx| {
            router::validate(ctx, from.as_str())?;
            router::validate(ctx, to.as_str())?;
            let coins = bank::normalize(coins)?;
            if coins.is_empty() {
                return Err(ChainError::InvalidMessage("bank send of no coins".into()));
            }
            bank::send(ctx, from.as_str(), to.as_str(), &coins)
        })?;
        Ok(TxResult {
            gas,
            events: vec![event],
            data: None,
        })
    }

    /// Smart query, decoded.
    pub fn query_smart<T: DeserializeOwned>(
        &self,
        contract: &Addr,
        msg: &impl Serialize,
    ) -> Result<T, ChainError> {
        let (bin, _) = self.query_smart_with_gas(contract, msg)?;
        serde_json::from_slice(&bin).map_err(|e| ChainError::Vm {
            contract: contract.to_string(),
            msg: format!("cannot decode the query response: {e}"),
        })
    }

    /// Smart query: the raw response and the SDK gas it took (instance, compute, KV reads...).
    pub fn query_smart_with_gas(
        &self,
        contract: &Addr,
        msg: &impl Serialize,
    ) -> Result<(Binary, Gas), ChainError> {
        let msg = to_json(msg)?;
        *self.ctx.meter.borrow_mut() = GasMeter::new(self.config.query_gas_limit);
        let result = router::query(&self.ctx, contract.as_str(), &msg, None);
        let gas = self.ctx.meter.borrow().used();
        result.map(|bin| (bin, gas))
    }

    /// Raw query: the value under `key` in the contract's store.
    pub fn query_raw(&self, contract: &Addr, key: &[u8]) -> Option<Vec<u8>> {
        self.ctx
            .state
            .borrow()
            .contracts
            .get(contract.as_str())
            .and_then(|c| c.storage.get(key).cloned())
    }

    /// The whole store of a contract (to assert that a failed transaction changed nothing).
    pub fn dump_storage(&self, contract: &Addr) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.ctx
            .state
            .borrow()
            .contracts
            .get(contract.as_str())
            .map(|c| c.storage.clone())
            .unwrap_or_default()
    }

    /// The code id and label of a contract.
    pub fn contract_info(&self, contract: &Addr) -> Option<(u64, String)> {
        self.ctx
            .state
            .borrow()
            .contracts
            .get(contract.as_str())
            .map(|c| (c.code_id, c.label.clone()))
    }

    /// Balance of one denom.
    pub fn balance(&self, address: &Addr, denom: &str) -> Uint256 {
        bank::balance(&self.ctx, address.as_str(), denom)
    }

    /// All balances of an address, sorted by denom.
    pub fn balances(&self, address: &Addr) -> Vec<Coin> {
        self.ctx
            .state
            .borrow()
            .balances
            .get(address.as_str())
            .map(|b| b.iter().map(|(d, a)| Coin::new(*a, d)).collect())
            .unwrap_or_default()
    }

    /// Creates coins for `address` (test setup, outside any transaction).
    pub fn mint(&mut self, address: &Addr, coins: &[Coin]) -> Result<(), ChainError> {
        router::validate(&self.ctx, address.as_str())?;
        let coins = bank::normalize(coins)?;
        bank::mint(&self.ctx, address.as_str(), &coins)
    }

    /// Starts recording every contract-store access (read, write, delete, iterator seek and
    /// step, with its SDK gas) of the following transactions and queries, replacing any earlier
    /// record. Accesses of transactions that fail are kept.
    pub fn start_kv_trace(&mut self) {
        *self.ctx.trace.borrow_mut() = Some(Vec::new());
    }

    /// Stops recording and returns the accesses since [`Chain::start_kv_trace`], in order
    /// (empty when tracing was off).
    pub fn take_kv_trace(&mut self) -> Vec<KvAccess> {
        self.ctx.trace.borrow_mut().take().unwrap_or_default()
    }

    /// The current block.
    pub fn block(&self) -> BlockInfo {
        self.ctx.block.borrow().clone()
    }

    /// One block later (height + 1, time + block time).
    pub fn next_block(&mut self) {
        self.advance_blocks(1);
    }

    /// `n` blocks later.
    pub fn advance_blocks(&mut self, n: u64) {
        let mut block = self.ctx.block.borrow_mut();
        block.height = block.height.saturating_add(n);
        block.time = block
            .time
            .plus_seconds(n.saturating_mul(self.config.block_time_secs));
    }

    /// `secs` later in the next block (height + 1).
    pub fn advance_time(&mut self, secs: u64) {
        let mut block = self.ctx.block.borrow_mut();
        block.height = block.height.saturating_add(1);
        block.time = block.time.plus_seconds(secs);
    }

    /// Runs `f` as one transaction: a fresh gas meter, and every state change reverted on error.
    fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Rc<Ctx>) -> Result<T, ChainError>,
    ) -> Result<(T, Gas), TxError> {
        *self.ctx.meter.borrow_mut() = GasMeter::new(self.config.tx_gas_limit);
        let snapshot = self.ctx.state.borrow().clone();
        let result = f(&self.ctx);
        let gas = self.ctx.meter.borrow().used();
        match result {
            Ok(v) => Ok((v, gas)),
            Err(error) => {
                *self.ctx.state.borrow_mut() = snapshot;
                Err(tx_error(error, gas))
            }
        }
    }
}

fn to_json(msg: &impl Serialize) -> Result<Vec<u8>, ChainError> {
    serde_json::to_vec(msg).map_err(|e| ChainError::InvalidMessage(e.to_string()))
}

fn tx_error(error: ChainError, gas: Gas) -> TxError {
    TxError {
        error,
        gas: Box::new(gas),
    }
}

fn tx_result(outcome: router::Outcome, gas: Gas) -> TxResult {
    TxResult {
        gas,
        events: outcome.events,
        data: outcome.data,
    }
}
