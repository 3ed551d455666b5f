//! The public face of the local chain.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use cosmwasm_std::{Addr, Binary, BlockInfo, Checksum, Coin, Event, Timestamp, Uint256};
use cosmwasm_vm::{Cache, CacheOptions, Size};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::ChainApi;
use crate::bank;
use crate::check::{capabilities, MAINSTREAM_CAPABILITIES};
use crate::error::ChainError;
use crate::gas::{Gas, GasMeter, Kind, COMPILE_COST_PER_BYTE};
use crate::router;
use crate::state::{Code, ContractData, Ctx, KvAccess, State};

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
        first_attribute(&self.events, ty, key)
    }
}

/// The value of the first attribute `key` in an event of type `ty` among `events`.
pub fn first_attribute<'a>(events: &'a [Event], ty: &str, key: &str) -> Option<&'a str> {
    events
        .iter()
        .filter(|e| e.ty == ty)
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .map(|a| a.value.as_str())
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

/// A stored code, as the code query shows it.
#[derive(Clone, Debug)]
pub struct CodeInfo {
    /// Its id.
    pub code_id: u64,
    /// sha256 of the wasm.
    pub checksum: Checksum,
    /// Who stored it.
    pub creator: String,
    /// The wasm bytes.
    pub wasm: Rc<Vec<u8>>,
}

/// wasmd's contract info.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractMeta {
    /// The code it runs.
    pub code_id: u64,
    /// Who instantiated it.
    pub creator: String,
    /// Who may migrate it.
    pub admin: Option<String>,
    /// Its label.
    pub label: String,
}

/// The fee of a signed transaction, moved from the payer to the fee collector by the ante.
#[derive(Clone, Debug)]
pub struct Fee {
    /// The first signer.
    pub payer: Addr,
    /// The fee collector module account.
    pub collector: Addr,
    /// The coins.
    pub amount: Vec<Coin>,
}

/// One message of a signed transaction (the node decodes them from protobuf).
#[derive(Clone, Debug)]
pub enum ChainMsg {
    /// bank `MsgSend`.
    Send {
        /// Sender.
        from: Addr,
        /// Recipient.
        to: Addr,
        /// Coins.
        amount: Vec<Coin>,
    },
    /// wasm `MsgStoreCode` (the wasm already uncompressed).
    StoreCode {
        /// Sender.
        sender: Addr,
        /// The wasm.
        wasm: Vec<u8>,
    },
    /// wasm `MsgInstantiateContract`.
    Instantiate {
        /// Sender.
        sender: Addr,
        /// wasmd admin (may migrate).
        admin: Option<Addr>,
        /// Code.
        code_id: u64,
        /// JSON message.
        msg: Vec<u8>,
        /// Funds sent along.
        funds: Vec<Coin>,
        /// Label.
        label: String,
    },
    /// wasm `MsgExecuteContract`.
    Execute {
        /// Sender.
        sender: Addr,
        /// Contract.
        contract: Addr,
        /// JSON message.
        msg: Vec<u8>,
        /// Funds sent along.
        funds: Vec<Coin>,
    },
    /// wasm `MsgMigrateContract`.
    Migrate {
        /// Sender (the admin).
        sender: Addr,
        /// Contract.
        contract: Addr,
        /// The new code.
        code_id: u64,
        /// JSON message.
        msg: Vec<u8>,
    },
    /// wasm `MsgUpdateAdmin`.
    UpdateAdmin {
        /// Sender (the admin).
        sender: Addr,
        /// Contract.
        contract: Addr,
        /// The new admin.
        new_admin: Addr,
    },
}

/// What one message produced.
#[derive(Clone, Debug)]
pub struct MsgOutput {
    /// Its events.
    pub events: Vec<Event>,
    /// Its result.
    pub result: MsgResult,
}

/// The result of one message, for its protobuf response.
#[derive(Clone, Debug)]
pub enum MsgResult {
    /// `MsgSend`.
    Sent,
    /// `MsgStoreCode`.
    Stored {
        /// The new code id.
        code_id: u64,
        /// Its checksum.
        checksum: Checksum,
    },
    /// `MsgInstantiateContract`.
    Instantiated {
        /// The new contract.
        address: String,
        /// Response data.
        data: Option<Binary>,
    },
    /// `MsgExecuteContract`.
    Executed {
        /// Response data.
        data: Option<Binary>,
    },
    /// `MsgMigrateContract`.
    Migrated {
        /// Response data.
        data: Option<Binary>,
    },
    /// `MsgUpdateAdmin`.
    AdminUpdated,
}

/// Why a signed transaction failed.
#[derive(Clone, Debug)]
pub enum DeliverError {
    /// The ante (gas for size and signatures, the fee transfer): nothing was applied.
    Ante(ChainError),
    /// Message `index`: every message was reverted, the fee stays paid.
    Msg {
        /// Which message.
        index: usize,
        /// Why.
        error: ChainError,
    },
}

/// A delivered (or simulated) transaction.
#[derive(Clone, Debug)]
pub struct Delivered {
    /// Gas used, the ante's share in [`Gas::ante`].
    pub gas: Gas,
    /// The ante's events (the fee transfer); kept when a message fails.
    pub events: Vec<Event>,
    /// Each message's output, or the failure.
    pub result: Result<Vec<MsgOutput>, DeliverError>,
}

/// A saved chain ([`Chain::dump`], [`Chain::from_dump`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ChainDump {
    /// Block height.
    pub height: u64,
    /// Block time, nanoseconds since the epoch.
    pub time_nanos: u64,
    /// Codes in id order.
    pub codes: Vec<CodeDump>,
    /// Contracts.
    pub contracts: Vec<ContractDump>,
    /// address -> denom -> amount.
    pub balances: BTreeMap<String, BTreeMap<String, Uint256>>,
    /// wasmd's instance sequence.
    pub instance_seq: u64,
}

/// A saved code.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CodeDump {
    /// Who stored it.
    pub creator: String,
    /// Hex sha256, checked on load.
    pub checksum: String,
    /// The wasm.
    pub wasm: Binary,
}

/// A saved contract.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ContractDump {
    /// Address.
    pub address: String,
    /// Code.
    pub code_id: u64,
    /// Creator.
    pub creator: String,
    /// wasmd admin.
    pub admin: Option<String>,
    /// Label.
    pub label: String,
    /// Its store, key and value pairs.
    pub storage: Vec<(Binary, Binary)>,
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
        self.store_code_as("", wasm).map(|(id, _)| id)
    }

    fn store_code_as(&self, creator: &str, wasm: &[u8]) -> Result<(u64, Checksum), ChainError> {
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
        codes.push(Code {
            checksum,
            creator: creator.to_string(),
            wasm: Rc::new(wasm.to_vec()),
        });
        Ok((codes.len() as u64, checksum))
    }

    /// Stored code: checksum, creator and the wasm bytes.
    pub fn code_info(&self, code_id: u64) -> Option<CodeInfo> {
        let index = usize::try_from(code_id).ok()?.checked_sub(1)?;
        self.ctx.codes.borrow().get(index).map(|c| CodeInfo {
            code_id,
            checksum: c.checksum,
            creator: c.creator.clone(),
            wasm: Rc::clone(&c.wasm),
        })
    }

    /// How many codes are stored (code ids run from 1 to this).
    pub fn code_count(&self) -> u64 {
        self.ctx.codes.borrow().len() as u64
    }

    /// Code id, creator, admin and label of a contract.
    pub fn contract(&self, contract: &str) -> Option<ContractMeta> {
        self.ctx
            .state
            .borrow()
            .contracts
            .get(contract)
            .map(|c| ContractMeta {
                code_id: c.code_id,
                creator: c.creator.to_string(),
                admin: c.admin.as_ref().map(Addr::to_string),
                label: c.label.clone(),
            })
    }

    /// Every contract address, sorted.
    pub fn contracts(&self) -> Vec<String> {
        self.ctx.state.borrow().contracts.keys().cloned().collect()
    }

    /// Checks an address the way the chain's API does (bech32 with the chain's prefix).
    pub fn validate_address(&self, address: &str) -> Result<Addr, ChainError> {
        router::validate(&self.ctx, address)
    }

    /// Runs the messages of one signed transaction: `ante_gas` (tx size and signature costs,
    /// computed by the caller) and the fee transfer first, then each message, all under one gas
    /// meter of `gas_limit`. A failing ante changes nothing; failing messages revert every
    /// message but keep the ante (the fee is paid), as the Cosmos SDK does. `simulate` reverts
    /// everything at the end.
    pub fn deliver(
        &mut self,
        gas_limit: u64,
        ante_gas: u64,
        fee: Option<&Fee>,
        msgs: &[ChainMsg],
        simulate: bool,
    ) -> Delivered {
        *self.ctx.meter.borrow_mut() = GasMeter::new(gas_limit);
        let start = self.ctx.state.borrow().clone();
        let start_codes = self.ctx.codes.borrow().len();
        let revert = |chain: &Chain, state: State| {
            *chain.ctx.state.borrow_mut() = state;
            chain.ctx.codes.borrow_mut().truncate(start_codes);
        };
        let ante = self.ante(ante_gas, fee);
        let gas = |chain: &Chain| chain.ctx.meter.borrow().used();
        let ante_events = match ante {
            Ok(events) => events,
            Err(error) => {
                revert(self, start);
                return Delivered {
                    gas: gas(self),
                    events: Vec::new(),
                    result: Err(DeliverError::Ante(error)),
                };
            }
        };
        let after_ante = self.ctx.state.borrow().clone();
        let mut outputs = Vec::with_capacity(msgs.len());
        for (index, msg) in msgs.iter().enumerate() {
            let result = self.run_msg(msg).and_then(|out| {
                if self.ctx.meter.borrow().tx_exhausted() {
                    Err(router::out_of_gas(&self.ctx))
                } else {
                    Ok(out)
                }
            });
            match result {
                Ok(out) => outputs.push(out),
                Err(error) => {
                    revert(self, after_ante);
                    if simulate {
                        revert(self, start);
                    }
                    return Delivered {
                        gas: gas(self),
                        events: ante_events,
                        result: Err(DeliverError::Msg { index, error }),
                    };
                }
            }
        }
        if simulate {
            revert(self, start);
        }
        Delivered {
            gas: gas(self),
            events: ante_events,
            result: Ok(outputs),
        }
    }

    fn ante(&self, ante_gas: u64, fee: Option<&Fee>) -> Result<Vec<Event>, ChainError> {
        if !self.ctx.charge(Kind::Ante, ante_gas) {
            return Err(router::out_of_gas(&self.ctx));
        }
        let Some(fee) = fee else {
            return Ok(Vec::new());
        };
        let amount = bank::normalize(&fee.amount)?;
        if amount.is_empty() {
            return Ok(Vec::new());
        }
        let before = self.ctx.meter.borrow().used();
        let event = bank::send(
            &self.ctx,
            fee.payer.as_str(),
            fee.collector.as_str(),
            &amount,
        );
        self.ctx
            .meter
            .borrow_mut()
            .reclassify_since(&before, Kind::Ante);
        let event = event?;
        if self.ctx.meter.borrow().tx_exhausted() {
            return Err(router::out_of_gas(&self.ctx));
        }
        Ok(vec![event])
    }

    fn run_msg(&self, msg: &ChainMsg) -> Result<MsgOutput, ChainError> {
        let ctx = &self.ctx;
        match msg {
            ChainMsg::Send { from, to, amount } => {
                router::validate(ctx, from.as_str())?;
                router::validate(ctx, to.as_str())?;
                let coins = bank::normalize(amount)?;
                if coins.is_empty() {
                    return Err(ChainError::InvalidMessage("bank send of no coins".into()));
                }
                let event = bank::send(ctx, from.as_str(), to.as_str(), &coins)?;
                Ok(MsgOutput {
                    events: vec![event],
                    result: MsgResult::Sent,
                })
            }
            ChainMsg::StoreCode { sender, wasm } => {
                router::validate(ctx, sender.as_str())?;
                if wasm.len() > MAX_WASM_BYTES {
                    return Err(ChainError::StoreCode(format!(
                        "{} bytes, above the limit of {MAX_WASM_BYTES}",
                        wasm.len()
                    )));
                }
                let compile = COMPILE_COST_PER_BYTE.saturating_mul(wasm.len() as u64);
                if !ctx.charge(Kind::Compile, compile) {
                    return Err(router::out_of_gas(ctx));
                }
                let (code_id, checksum) = self.store_code_as(sender.as_str(), wasm)?;
                let event = Event::new("store_code")
                    .add_attribute("code_checksum", checksum.to_hex())
                    .add_attribute("code_id", code_id.to_string());
                Ok(MsgOutput {
                    events: vec![event],
                    result: MsgResult::Stored { code_id, checksum },
                })
            }
            ChainMsg::Instantiate {
                sender,
                admin,
                code_id,
                msg,
                funds,
                label,
            } => {
                router::validate(ctx, sender.as_str())?;
                let admin = admin.as_ref().map(Addr::to_string);
                let (address, out) =
                    router::instantiate(ctx, sender.as_str(), *code_id, msg, funds, label, admin)?;
                Ok(MsgOutput {
                    events: out.events,
                    result: MsgResult::Instantiated {
                        address,
                        data: out.data,
                    },
                })
            }
            ChainMsg::Execute {
                sender,
                contract,
                msg,
                funds,
            } => {
                router::validate(ctx, sender.as_str())?;
                let out = router::execute(ctx, sender.as_str(), contract.as_str(), msg, funds)?;
                Ok(MsgOutput {
                    events: out.events,
                    result: MsgResult::Executed { data: out.data },
                })
            }
            ChainMsg::Migrate {
                sender,
                contract,
                code_id,
                msg,
            } => {
                router::validate(ctx, sender.as_str())?;
                let out = router::migrate(ctx, sender.as_str(), contract.as_str(), *code_id, msg)?;
                Ok(MsgOutput {
                    events: out.events,
                    result: MsgResult::Migrated { data: out.data },
                })
            }
            ChainMsg::UpdateAdmin {
                sender,
                contract,
                new_admin,
            } => {
                router::validate(ctx, sender.as_str())?;
                let event = router::update_admin(
                    ctx,
                    sender.as_str(),
                    contract.as_str(),
                    new_admin.as_str(),
                )?;
                Ok(MsgOutput {
                    events: vec![event],
                    result: MsgResult::AdminUpdated,
                })
            }
        }
    }

    /// Moves the chain to a block of its own (the node closes blocks on a timer).
    pub fn set_block(&mut self, height: u64, time: Timestamp) {
        let mut block = self.ctx.block.borrow_mut();
        block.height = height;
        block.time = time;
    }

    /// Everything needed to rebuild this chain: block, codes (as wasm), contracts with their
    /// stores, balances.
    pub fn dump(&self) -> ChainDump {
        let state = self.ctx.state.borrow();
        let block = self.ctx.block.borrow();
        ChainDump {
            height: block.height,
            time_nanos: block.time.nanos(),
            codes: self
                .ctx
                .codes
                .borrow()
                .iter()
                .map(|c| CodeDump {
                    creator: c.creator.clone(),
                    checksum: c.checksum.to_hex(),
                    wasm: Binary::from(c.wasm.as_slice()),
                })
                .collect(),
            contracts: state
                .contracts
                .iter()
                .map(|(address, c)| ContractDump {
                    address: address.clone(),
                    code_id: c.code_id,
                    creator: c.creator.to_string(),
                    admin: c.admin.as_ref().map(Addr::to_string),
                    label: c.label.clone(),
                    storage: c
                        .storage
                        .iter()
                        .map(|(k, v)| (Binary::from(k.as_slice()), Binary::from(v.as_slice())))
                        .collect(),
                })
                .collect(),
            balances: state.balances.clone(),
            instance_seq: state.instance_seq,
        }
    }

    /// A chain with `config` rebuilt from a [`Chain::dump`]: every code is stored again (and
    /// must give the checksum it had), then contracts, balances and the block are restored.
    pub fn from_dump(config: ChainConfig, dump: &ChainDump) -> Result<Self, ChainError> {
        let chain = Chain::with_config(config)?;
        for code in &dump.codes {
            let (_, checksum) = chain.store_code_as(&code.creator, &code.wasm)?;
            if checksum.to_hex() != code.checksum {
                return Err(ChainError::StoreCode(format!(
                    "saved code has checksum {checksum}, the state says {}",
                    code.checksum
                )));
            }
        }
        {
            let mut state = chain.ctx.state.borrow_mut();
            for c in &dump.contracts {
                state.contracts.insert(
                    c.address.clone(),
                    ContractData {
                        code_id: c.code_id,
                        creator: Addr::unchecked(&c.creator),
                        admin: c.admin.as_ref().map(Addr::unchecked),
                        label: c.label.clone(),
                        storage: c
                            .storage
                            .iter()
                            .map(|(k, v)| (k.to_vec(), v.to_vec()))
                            .collect(),
                    },
                );
            }
            state.balances = dump.balances.clone();
            state.instance_seq = dump.instance_seq;
        }
        {
            let mut block = chain.ctx.block.borrow_mut();
            block.height = dump.height;
            block.time = Timestamp::from_nanos(dump.time_nanos);
        }
        Ok(chain)
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
