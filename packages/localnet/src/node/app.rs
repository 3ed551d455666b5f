//! The node's application: the chain plus what the Cosmos SDK keeps around it (accounts with
//! numbers, sequences and public keys, fees, blocks, transaction results), one owner at a time.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use cosmrs::proto::cosmos::bank::v1beta1::MsgSendResponse;
use cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmrs::proto::cosmos::crypto::secp256k1::PubKey;
use cosmrs::proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmrs::proto::cosmos::tx::v1beta1::{mode_info, SignDoc};
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgExecuteContractResponse, MsgInstantiateContractResponse, MsgMigrateContractResponse,
    MsgStoreCodeResponse, MsgUpdateAdminResponse,
};
use cosmrs::proto::prost::{Message, Name};
use cosmrs::Any;
use cosmwasm_std::{Addr, Binary, Coin, Event, Timestamp, Uint256};
use k256::ecdsa::signature::Verifier;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ante::{ante_gas, MAX_MEMO_CHARACTERS, TX_SIG_LIMIT};
use super::genesis::Genesis;
use super::txdecode::{self, DecodedTx};
use crate::{Chain, ChainConfig, ChainDump, ChainError, DeliverError, Delivered, Fee, MsgResult};

/// `/cosmos.crypto.secp256k1.PubKey`.
pub const SECP256K1_PUBKEY: &str = "/cosmos.crypto.secp256k1.PubKey";

/// Gas limit of a simulation (wasmd's `simulation_gas_limit` is unbounded by default; a bound
/// keeps a looping contract from hanging the node).
pub const SIMULATION_GAS_LIMIT: u64 = 100_000_000;

/// An error the way the SDK reports it over ABCI: codespace, code and log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbciError {
    /// `sdk` or `wasm`.
    pub codespace: &'static str,
    /// The registered code.
    pub code: u32,
    /// `detail: description`, as the SDK's wrapped errors print.
    pub log: String,
}

impl AbciError {
    /// An error of the SDK's root codespace.
    pub fn sdk(code: u32, detail: String) -> Self {
        Self::new("sdk", code, detail)
    }

    /// An error of wasmd's codespace.
    pub fn wasm(code: u32, detail: String) -> Self {
        Self::new("wasm", code, detail)
    }

    fn new(codespace: &'static str, code: u32, detail: String) -> Self {
        let description = describe(codespace, code);
        let log = if detail.is_empty() {
            description.to_string()
        } else {
            format!("{detail}: {description}")
        };
        AbciError {
            codespace,
            code,
            log,
        }
    }
}

/// The registered description of an error code (cosmos-sdk `types/errors/errors.go`, wasmd
/// `x/wasm/types/errors.go`).
fn describe(codespace: &str, code: u32) -> &'static str {
    match (codespace, code) {
        ("sdk", 2) => "tx parse error",
        ("sdk", 4) => "unauthorized",
        ("sdk", 5) => "insufficient funds",
        ("sdk", 6) => "unknown request",
        ("sdk", 7) => "invalid address",
        ("sdk", 8) => "invalid pubkey",
        ("sdk", 9) => "unknown address",
        ("sdk", 10) => "invalid coins",
        ("sdk", 11) => "out of gas",
        ("sdk", 12) => "memo too large",
        ("sdk", 13) => "insufficient fee",
        ("sdk", 14) => "maximum number of signatures exceeded",
        ("sdk", 15) => "no signatures supplied",
        ("sdk", 18) => "invalid request",
        ("sdk", 22) => "key not found",
        ("sdk", 32) => "incorrect account sequence",
        ("wasm", 2) => "create wasm contract failed",
        ("wasm", 4) => "instantiate wasm contract failed",
        ("wasm", 5) => "execute wasm contract failed",
        ("wasm", 8) => "not found",
        ("wasm", 9) => "query wasm contract failed",
        ("wasm", 10) => "invalid CosmosMsg from the contract",
        ("wasm", 11) => "migrate wasm contract failed",
        ("wasm", 13) => "exceeds limit",
        ("wasm", 14) => "invalid",
        ("wasm", 20) => "unknown message from the contract",
        ("wasm", 22) => "no such contract",
        ("wasm", 28) => "no such code",
        _ => "error",
    }
}

/// The SDK code of a chain error.
pub fn chain_error(error: &ChainError, gas_wanted: u64, gas_used: u64) -> AbciError {
    match error {
        ChainError::Contract {
            entry_point, msg, ..
        } => match *entry_point {
            "instantiate" => AbciError::wasm(4, msg.clone()),
            "migrate" => AbciError::wasm(11, msg.clone()),
            "query" => AbciError::wasm(9, msg.clone()),
            _ => AbciError::wasm(5, msg.clone()),
        },
        ChainError::Vm { msg, .. } => AbciError::wasm(5, msg.clone()),
        ChainError::OutOfGas { .. } | ChainError::SubMsgOutOfGas { .. } => AbciError::sdk(
            11,
            format!("out of gas in location: wasm; gasWanted: {gas_wanted}, gasUsed: {gas_used}"),
        ),
        ChainError::InsufficientFunds {
            available,
            required,
            denom,
            ..
        } => AbciError::sdk(
            5,
            format!("spendable balance {available}{denom} is smaller than {required}{denom}"),
        ),
        ChainError::NoSuchContract(a) => AbciError::wasm(22, format!("address {a}")),
        ChainError::NoSuchCode(id) => AbciError::wasm(28, format!("code id {id}")),
        ChainError::InvalidAddress { address, reason } => {
            AbciError::sdk(7, format!("{address}: {reason}"))
        }
        ChainError::StoreCode(e) => AbciError::wasm(2, e.clone()),
        ChainError::InvalidMessage(e) => AbciError::wasm(10, e.clone()),
        ChainError::Unauthorized(e) => AbciError::sdk(4, e.clone()),
        ChainError::Unsupported(e) => AbciError::wasm(20, e.clone()),
    }
}

/// An account of `x/auth`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Bech32 address.
    pub address: String,
    /// Account number (genesis order, then creation order).
    pub number: u64,
    /// Signed transactions so far.
    pub sequence: u64,
    /// Compressed secp256k1 public key, learned from the first signed transaction.
    pub pubkey: Option<Binary>,
}

/// The result of a delivered transaction (CometBFT `ExecTxResult`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecResult {
    /// 0 on success.
    pub code: u32,
    /// `sdk` or `wasm` when failed.
    pub codespace: String,
    /// Error log (empty on success, as SDK 0.50 does).
    pub log: String,
    /// `TxMsgData` protobuf.
    pub data: Binary,
    /// Gas limit of the transaction.
    pub gas_wanted: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Events.
    pub events: Vec<Event>,
}

/// A transaction in a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxRecord {
    /// Upper-case hex sha256 of the bytes.
    pub hash: String,
    /// Block height.
    pub height: u64,
    /// Index in the block.
    pub index: u32,
    /// The `TxRaw` bytes.
    pub tx: Binary,
    /// Its result.
    pub result: ExecResult,
}

/// A closed block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRecord {
    /// Height.
    pub height: u64,
    /// Time, nanoseconds since the epoch.
    pub time_nanos: u64,
    /// Block hash (sha256 over the previous hash, height, time and transaction hashes).
    pub hash: Binary,
    /// App hash after the block.
    pub app_hash: Binary,
    /// Hashes of its transactions, in order.
    pub txs: Vec<String>,
}

/// What `broadcast_tx_sync` answers (CheckTx).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// 0 when accepted.
    pub code: u32,
    /// Codespace of the error.
    pub codespace: String,
    /// Error log.
    pub log: String,
    /// Upper-case hex hash.
    pub hash: String,
}

/// The saved node (`--state`).
#[derive(Serialize, Deserialize)]
struct AppDump {
    genesis: Genesis,
    chain: ChainDump,
    accounts: Vec<Account>,
    blocks: Vec<BlockRecord>,
    txs: Vec<TxRecord>,
}

/// The open block: transactions run in it as they arrive.
struct OpenBlock {
    height: u64,
    time_nanos: u64,
    txs: Vec<TxRecord>,
}

/// The node's state. Not thread-safe: one thread owns it (see [`super::rpc`]).
pub struct App {
    chain: Chain,
    genesis: Genesis,
    accounts: BTreeMap<String, Account>,
    blocks: Vec<BlockRecord>,
    txs: HashMap<String, TxRecord>,
    open: OpenBlock,
    fee_collector: Addr,
}

/// Nanoseconds since the epoch, now.
pub fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn chain_config(genesis: &Genesis, height: u64, time_nanos: u64) -> ChainConfig {
    // The chain's address codec wants a 'static prefix; one genesis per process.
    let prefix: &'static str = Box::leak(genesis.bech32_prefix.clone().into_boxed_str());
    ChainConfig {
        prefix,
        chain_id: genesis.chain_id.clone(),
        height,
        time_secs: time_nanos / 1_000_000_000,
        block_time_secs: genesis.block_time_ms.div_ceil(1000),
        ..ChainConfig::default()
    }
}

/// The bech32 address of the SDK module account `name` (sha256 of the name, first 20 bytes).
pub fn module_address(prefix: &str, name: &str) -> Result<String, String> {
    let hash = Sha256::digest(name.as_bytes());
    cosmrs::AccountId::new(prefix, &hash[..20])
        .map(|id| id.to_string())
        .map_err(|e| e.to_string())
}

/// The bech32 address of a compressed secp256k1 public key: ripemd160(sha256(key)).
pub fn pubkey_address(prefix: &str, key: &[u8]) -> Result<String, String> {
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(key)
        .map_err(|_| "not a secp256k1 public key".to_string())?;
    let pk = cosmrs::crypto::PublicKey::from(vk);
    pk.account_id(prefix)
        .map(|id| id.to_string())
        .map_err(|e| e.to_string())
}

fn hash_hex(bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(bytes))
}

impl App {
    /// A fresh chain from `genesis`: funded accounts numbered in genesis order, block 1 closed.
    pub fn new(genesis: Genesis) -> Result<Self, String> {
        genesis.check()?;
        let now = now_nanos();
        let chain =
            Chain::with_config(chain_config(&genesis, 1, now)).map_err(|e| e.to_string())?;
        let mut chain = chain;
        chain.set_block(1, Timestamp::from_nanos(now));
        let mut accounts = BTreeMap::new();
        for (number, a) in genesis.accounts.iter().enumerate() {
            let addr = chain
                .validate_address(&a.address)
                .map_err(|e| format!("genesis account: {e}"))?;
            let coins: Vec<Coin> = a
                .coins
                .iter()
                .map(|c| Coin::new(c.amount, c.denom.clone()))
                .collect();
            chain
                .mint(&addr, &coins)
                .map_err(|e| format!("genesis account {}: {e}", a.address))?;
            accounts.insert(
                a.address.clone(),
                Account {
                    address: a.address.clone(),
                    number: number as u64,
                    sequence: 0,
                    pubkey: None,
                },
            );
        }
        let fee_collector =
            Addr::unchecked(module_address(&genesis.bech32_prefix, "fee_collector")?);
        let mut app = App {
            chain,
            genesis,
            accounts,
            blocks: Vec::new(),
            txs: HashMap::new(),
            open: OpenBlock {
                height: 1,
                time_nanos: now,
                txs: Vec::new(),
            },
            fee_collector,
        };
        app.close_block(now);
        Ok(app)
    }

    /// The node saved at `path` by [`App::save`]; its genesis must be `genesis`.
    pub fn load(genesis: Genesis, path: &Path) -> Result<Self, String> {
        let text = std::fs::read(path)
            .map_err(|e| format!("cannot read the state {}: {e}", path.display()))?;
        let dump: AppDump = serde_json::from_slice(&text)
            .map_err(|e| format!("invalid state {}: {e}", path.display()))?;
        if dump.genesis != genesis {
            return Err(format!(
                "the state {} was made from another genesis",
                path.display()
            ));
        }
        let last = dump
            .blocks
            .last()
            .cloned()
            .ok_or_else(|| format!("the state {} has no block", path.display()))?;
        let config = chain_config(&genesis, dump.chain.height, dump.chain.time_nanos);
        let mut chain = Chain::from_dump(config, &dump.chain).map_err(|e| e.to_string())?;
        let time_nanos = now_nanos().max(last.time_nanos.saturating_add(1));
        chain.set_block(last.height + 1, Timestamp::from_nanos(time_nanos));
        let fee_collector =
            Addr::unchecked(module_address(&genesis.bech32_prefix, "fee_collector")?);
        Ok(App {
            chain,
            genesis,
            accounts: dump
                .accounts
                .into_iter()
                .map(|a| (a.address.clone(), a))
                .collect(),
            txs: dump.txs.into_iter().map(|t| (t.hash.clone(), t)).collect(),
            open: OpenBlock {
                height: last.height + 1,
                time_nanos,
                txs: Vec::new(),
            },
            blocks: dump.blocks,
            fee_collector,
        })
    }

    /// Writes the node to `path` (atomically: a temporary file renamed over it). Transactions of
    /// the open block are in the chain's state, so the open block is closed first.
    pub fn save(&mut self, path: &Path) -> Result<(), String> {
        if !self.open.txs.is_empty() {
            self.close_block(now_nanos().max(self.open.time_nanos.saturating_add(1)));
        }
        let mut txs: Vec<TxRecord> = self.txs.values().cloned().collect();
        txs.sort_by_key(|t| (t.height, t.index));
        let dump = AppDump {
            genesis: self.genesis.clone(),
            chain: self.chain.dump(),
            accounts: self.accounts.values().cloned().collect(),
            blocks: self.blocks.clone(),
            txs,
        };
        let bytes = serde_json::to_vec(&dump).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The chain (queries).
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// An account.
    pub fn account(&self, address: &str) -> Option<&Account> {
        self.accounts.get(address)
    }

    /// The latest closed block.
    pub fn latest(&self) -> &BlockRecord {
        // `new` and `load` guarantee at least one closed block.
        &self.blocks[self.blocks.len() - 1]
    }

    /// A closed block and its transactions' bytes.
    pub fn block(&self, height: u64) -> Option<(&BlockRecord, Vec<&[u8]>)> {
        let first = self.blocks.first()?.height;
        let index = usize::try_from(height.checked_sub(first)?).ok()?;
        let block = self.blocks.get(index)?;
        let txs = block
            .txs
            .iter()
            .filter_map(|h| self.txs.get(h).map(|t| t.tx.as_slice()))
            .collect();
        Some((block, txs))
    }

    /// The earliest closed block.
    pub fn earliest(&self) -> &BlockRecord {
        &self.blocks[0]
    }

    /// A transaction of a closed block.
    pub fn tx(&self, hash: &str) -> Option<&TxRecord> {
        self.txs.get(&hash.to_ascii_uppercase())
    }

    /// Every transaction of closed blocks, in block order.
    pub fn all_txs(&self) -> Vec<&TxRecord> {
        let mut all: Vec<&TxRecord> = self.txs.values().collect();
        all.sort_by_key(|t| (t.height, t.index));
        all
    }

    /// Height of the open block.
    pub fn open_height(&self) -> u64 {
        self.open.height
    }

    /// Closes the open block at `time_nanos` (at least 1 ns after it opened) and opens the next.
    pub fn close_block(&mut self, time_nanos: u64) -> &BlockRecord {
        let prev_hash = self
            .blocks
            .last()
            .map(|b| b.hash.to_vec())
            .unwrap_or_default();
        let prev_app = self
            .blocks
            .last()
            .map(|b| b.app_hash.to_vec())
            .unwrap_or_default();
        let txs = std::mem::take(&mut self.open.txs);
        let hashes: Vec<String> = txs.iter().map(|t| t.hash.clone()).collect();
        let mut h = Sha256::new();
        h.update(&prev_hash);
        h.update(self.open.height.to_be_bytes());
        h.update(self.open.time_nanos.to_be_bytes());
        for t in &hashes {
            h.update(t.as_bytes());
        }
        let hash = h.finalize().to_vec();
        let mut a = Sha256::new();
        a.update(&prev_app);
        for t in &txs {
            a.update(t.hash.as_bytes());
            a.update(t.result.code.to_be_bytes());
        }
        let app_hash = a.finalize().to_vec();
        for t in txs {
            self.txs.insert(t.hash.clone(), t);
        }
        self.blocks.push(BlockRecord {
            height: self.open.height,
            time_nanos: self.open.time_nanos,
            hash: Binary::from(hash),
            app_hash: Binary::from(app_hash),
            txs: hashes,
        });
        let next_time = time_nanos.max(self.open.time_nanos.saturating_add(1));
        self.open = OpenBlock {
            height: self.open.height + 1,
            time_nanos: next_time,
            txs: Vec::new(),
        };
        self.chain
            .set_block(self.open.height, Timestamp::from_nanos(next_time));
        self.latest()
    }

    /// `broadcast_tx_sync`: CheckTx (decoding, signatures, sequence, fee, the ante's gas); when
    /// it passes, the transaction runs in the open block at once (its result is visible when
    /// the block closes). A failing CheckTx changes nothing.
    pub fn broadcast(&mut self, tx: &[u8]) -> CheckResult {
        let hash = hash_hex(tx);
        match self.run(tx, false) {
            Err(e) => CheckResult {
                code: e.code,
                codespace: e.codespace.to_string(),
                log: e.log,
                hash,
            },
            Ok(ran) => {
                let result = self.exec_result(&ran);
                let record = TxRecord {
                    hash: hash.clone(),
                    height: self.open.height,
                    index: self.open.txs.len() as u32,
                    tx: Binary::from(tx),
                    result,
                };
                self.open.txs.push(record);
                CheckResult {
                    code: 0,
                    codespace: String::new(),
                    log: String::new(),
                    hash,
                }
            }
        }
    }

    /// The result of a transaction in the open block (for `broadcast_tx_commit`).
    pub fn pending(&self, hash: &str) -> Option<&TxRecord> {
        self.open.txs.iter().find(|t| t.hash == hash)
    }

    /// `/cosmos.tx.v1beta1.Service/Simulate`: runs the transaction without signature checks
    /// or fee minimum and reverts everything.
    pub fn simulate(&mut self, tx: &[u8]) -> Result<(Ran, ExecResult), AbciError> {
        let ran = self.run(tx, true)?;
        let result = self.exec_result(&ran);
        if result.code != 0 {
            return Err(AbciError {
                codespace: if result.codespace == "wasm" {
                    "wasm"
                } else {
                    "sdk"
                },
                code: result.code,
                log: result.log,
            });
        }
        Ok((ran, result))
    }

    fn exec_result(&self, ran: &Ran) -> ExecResult {
        let gas_used = ran.delivered.gas.total();
        let mut events = ran.ante_events.clone();
        let (code, codespace, log, data) = match &ran.delivered.result {
            Ok(outputs) => {
                let mut responses = Vec::with_capacity(outputs.len());
                for (index, out) in outputs.iter().enumerate() {
                    let (type_url, signer) = &ran.msg_meta[index];
                    let module = if type_url.starts_with("/cosmos.bank.") {
                        "bank"
                    } else {
                        "wasm"
                    };
                    events.push(
                        Event::new("message")
                            .add_attribute("action", type_url)
                            .add_attribute("sender", signer)
                            .add_attribute("module", module)
                            .add_attribute("msg_index", index.to_string()),
                    );
                    for e in &out.events {
                        events.push(e.clone().add_attribute("msg_index", index.to_string()));
                    }
                    responses.push(msg_response(&out.result));
                }
                let data = TxMsgData {
                    #[allow(deprecated)]
                    data: Vec::new(),
                    msg_responses: responses,
                }
                .encode_to_vec();
                (0, String::new(), String::new(), data)
            }
            Err(DeliverError::Ante(error)) | Err(DeliverError::Msg { error, .. }) => {
                let e = chain_error(error, ran.gas_wanted, gas_used);
                let log = match &ran.delivered.result {
                    Err(DeliverError::Msg { index, .. })
                        if !matches!(
                            error,
                            ChainError::OutOfGas { .. } | ChainError::SubMsgOutOfGas { .. }
                        ) =>
                    {
                        format!(
                            "failed to execute message; message index: {index}: {}",
                            e.log
                        )
                    }
                    _ => e.log,
                };
                (e.code, e.codespace.to_string(), log, Vec::new())
            }
        };
        ExecResult {
            code,
            codespace,
            log,
            data: Binary::from(data),
            gas_wanted: ran.gas_wanted,
            gas_used,
            events,
        }
    }

    /// The ante checks (in the SDK's decorator order) and the delivery.
    fn run(&mut self, tx: &[u8], simulate: bool) -> Result<Ran, AbciError> {
        let decoded = txdecode::decode(tx)?;
        let DecodedTx {
            body,
            auth_info,
            signatures,
            msgs,
            signers,
            body_bytes,
            auth_info_bytes,
        } = decoded;
        // ValidateBasicDecorator
        if msgs.is_empty() {
            return Err(AbciError::sdk(
                18,
                "must contain at least one message".into(),
            ));
        }
        if signatures.is_empty() {
            return Err(AbciError::sdk(15, String::new()));
        }
        if signatures.len() != signers.len() {
            return Err(AbciError::sdk(
                4,
                format!(
                    "wrong number of signers; expected {}, got {}",
                    signers.len(),
                    signatures.len()
                ),
            ));
        }
        if signatures.len() > TX_SIG_LIMIT {
            return Err(AbciError::sdk(
                14,
                format!("signatures: {}, limit: {TX_SIG_LIMIT}", signatures.len()),
            ));
        }
        if auth_info.signer_infos.len() != signers.len() {
            return Err(AbciError::sdk(
                4,
                format!(
                    "wrong number of signer infos; expected {}, got {}",
                    signers.len(),
                    auth_info.signer_infos.len()
                ),
            ));
        }
        for signer in &signers {
            self.chain
                .validate_address(signer)
                .map_err(|e| AbciError::sdk(7, format!("invalid signer address {signer}: {e}")))?;
        }
        // ValidateMemoDecorator
        let memo_chars = body.memo.chars().count();
        if memo_chars > MAX_MEMO_CHARACTERS {
            return Err(AbciError::sdk(
                12,
                format!(
                    "maximum number of characters is {MAX_MEMO_CHARACTERS} but received {memo_chars} characters"
                ),
            ));
        }
        // DeductFeeDecorator: the minimum fee (CheckTx only, not in simulation) and the payer.
        let fee = auth_info.fee.clone().unwrap_or_default();
        let fee_coins = txdecode::coins(&fee.amount)?;
        if let Some(zero) = fee_coins.iter().find(|c| c.amount.is_zero()) {
            return Err(AbciError::sdk(
                10,
                format!("invalid fee: zero amount of {}", zero.denom),
            ));
        }
        let gas_wanted = if simulate {
            SIMULATION_GAS_LIMIT
        } else {
            fee.gas_limit
        };
        if !simulate {
            let required = Uint256::from(fee.gas_limit)
                .checked_mul_ceil(self.genesis.min_gas_price)
                .map_err(|e| AbciError::sdk(13, e.to_string()))?;
            let paid = fee_coins
                .iter()
                .filter(|c| c.denom == self.genesis.fee_denom)
                .map(|c| c.amount)
                .fold(Uint256::zero(), |a, b| a.saturating_add(b));
            if paid < required {
                return Err(AbciError::sdk(
                    13,
                    format!(
                        "insufficient fees; got: {} required: {required}{}",
                        coins_string(&fee_coins),
                        self.genesis.fee_denom
                    ),
                ));
            }
        }
        let payer = if fee.payer.is_empty() {
            signers[0].clone()
        } else {
            fee.payer.clone()
        };
        if !self.accounts.contains_key(&payer) {
            return Err(AbciError::sdk(
                9,
                format!("fee payer address: {payer} does not exist"),
            ));
        }
        // SetPubKeyDecorator, SigGasConsumeDecorator, SigVerificationDecorator
        let mut learned = Vec::new();
        for (i, signer) in signers.iter().enumerate() {
            let account = self
                .accounts
                .get(signer)
                .ok_or_else(|| AbciError::sdk(9, format!("account {signer} does not exist")))?;
            let info = &auth_info.signer_infos[i];
            let key: Vec<u8> = match &info.public_key {
                Some(any) => {
                    if any.type_url != SECP256K1_PUBKEY {
                        return Err(AbciError::sdk(
                            8,
                            format!("unsupported public key type {}", any.type_url),
                        ));
                    }
                    let pk = PubKey::decode(any.value.as_slice())
                        .map_err(|e| AbciError::sdk(8, e.to_string()))?;
                    let derived = pubkey_address(&self.genesis.bech32_prefix, &pk.key)
                        .map_err(|e| AbciError::sdk(8, e))?;
                    if &derived != signer {
                        return Err(AbciError::sdk(
                            8,
                            format!(
                                "pubKey does not match signer address {signer} with signer index: {i}"
                            ),
                        ));
                    }
                    if account.pubkey.is_none() {
                        learned.push((signer.clone(), Binary::from(pk.key.clone())));
                    }
                    pk.key
                }
                None => match &account.pubkey {
                    Some(k) => k.to_vec(),
                    None => {
                        return Err(AbciError::sdk(
                            8,
                            format!("pubkey on account {signer} is not set"),
                        ))
                    }
                },
            };
            if info.sequence != account.sequence {
                return Err(AbciError::sdk(
                    32,
                    format!(
                        "account sequence mismatch, expected {}, got {}",
                        account.sequence, info.sequence
                    ),
                ));
            }
            if simulate {
                continue;
            }
            let direct = matches!(
                info.mode_info.as_ref().and_then(|m| m.sum.as_ref()),
                Some(mode_info::Sum::Single(s)) if s.mode == SignMode::Direct as i32
            );
            let doc = SignDoc {
                body_bytes: body_bytes.clone(),
                auth_info_bytes: auth_info_bytes.clone(),
                chain_id: self.genesis.chain_id.clone(),
                account_number: account.number,
            }
            .encode_to_vec();
            if !direct || !verify(&key, &doc, &signatures[i]) {
                return Err(AbciError::sdk(
                    4,
                    format!(
                        "signature verification failed; please verify account number ({}), sequence ({}) and chain-id ({})",
                        account.number, account.sequence, self.genesis.chain_id
                    ),
                ));
            }
        }
        // The ante's gas and the fee transfer, then the messages (Chain::deliver).
        let chain_fee = Fee {
            payer: Addr::unchecked(&payer),
            collector: self.fee_collector.clone(),
            amount: fee_coins.clone(),
        };
        let ante = ante_gas(tx.len(), signatures.len(), simulate);
        let chain_msgs: Vec<_> = msgs.iter().map(|m| m.msg.clone()).collect();
        let delivered =
            self.chain
                .deliver(gas_wanted, ante, Some(&chain_fee), &chain_msgs, simulate);
        if let Err(DeliverError::Ante(error)) = &delivered.result {
            let mut e = chain_error(error, gas_wanted, delivered.gas.total());
            e.log = e.log.replace("location: wasm", "location: ante");
            return Err(e);
        }
        let mut ante_events = vec![Event::new("tx")
            .add_attribute("fee", coins_string(&fee_coins))
            .add_attribute("fee_payer", &payer)];
        for (i, signer) in signers.iter().enumerate() {
            let seq = self.accounts.get(signer).map_or(0, |a| a.sequence);
            ante_events.push(Event::new("tx").add_attribute("acc_seq", format!("{signer}/{seq}")));
            ante_events.push(Event::new("tx").add_attribute(
                "signature",
                Binary::from(signatures[i].as_slice()).to_base64(),
            ));
        }
        ante_events.extend(delivered.events.iter().cloned());
        if !simulate {
            for signer in &signers {
                if let Some(a) = self.accounts.get_mut(signer) {
                    a.sequence += 1;
                }
            }
            for (signer, key) in learned {
                if let Some(a) = self.accounts.get_mut(&signer) {
                    a.pubkey = Some(key);
                }
            }
            if delivered.result.is_ok() {
                self.create_accounts(&delivered);
            }
        }
        Ok(Ran {
            gas_wanted,
            ante_events,
            msg_meta: msgs
                .iter()
                .map(|m| (m.type_url.clone(), m.signer.clone()))
                .collect(),
            delivered,
        })
    }

    /// Accounts for new addresses that received coins and for new contracts, in event order
    /// (the SDK creates them on receipt, wasmd on instantiation).
    fn create_accounts(&mut self, delivered: &Delivered) {
        let Ok(outputs) = &delivered.result else {
            return;
        };
        let mut next = self
            .accounts
            .values()
            .map(|a| a.number + 1)
            .max()
            .unwrap_or(0);
        for e in outputs.iter().flat_map(|o| o.events.iter()) {
            let key = match e.ty.as_str() {
                "transfer" => "recipient",
                "instantiate" => "_contract_address",
                _ => continue,
            };
            for a in e.attributes.iter().filter(|a| a.key == key) {
                if a.value == self.fee_collector.as_str() || self.accounts.contains_key(&a.value) {
                    continue;
                }
                self.accounts.insert(
                    a.value.clone(),
                    Account {
                        address: a.value.clone(),
                        number: next,
                        sequence: 0,
                        pubkey: None,
                    },
                );
                next += 1;
            }
        }
    }
}

/// A transaction that passed the ante checks.
pub struct Ran {
    /// Gas limit.
    pub gas_wanted: u64,
    /// The ante's events (fee, sequences, signatures, fee transfer).
    pub ante_events: Vec<Event>,
    /// Type URL and signer of each message.
    pub msg_meta: Vec<(String, String)>,
    /// What the chain did.
    pub delivered: Delivered,
}

/// SIGN_MODE_DIRECT: a secp256k1 signature (64 bytes, low S) over sha256 of the sign doc.
fn verify(key: &[u8], doc: &[u8], signature: &[u8]) -> bool {
    let Ok(vk) = k256::ecdsa::VerifyingKey::from_sec1_bytes(key) else {
        return false;
    };
    let Ok(sig) = k256::ecdsa::Signature::from_slice(signature) else {
        return false;
    };
    // The SDK refuses high-S signatures (malleable).
    if sig.normalize_s().is_some() {
        return false;
    }
    vk.verify(doc, &sig).is_ok()
}

fn any<M: Message + Name>(msg: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: msg.encode_to_vec(),
    }
}

fn msg_response(result: &MsgResult) -> Any {
    let data = |d: &Option<Binary>| d.as_ref().map(|b| b.to_vec()).unwrap_or_default();
    match result {
        MsgResult::Sent => any(&MsgSendResponse {}),
        MsgResult::Stored { code_id, checksum } => any(&MsgStoreCodeResponse {
            code_id: *code_id,
            checksum: checksum.as_slice().to_vec(),
        }),
        MsgResult::Instantiated { address, data: d } => any(&MsgInstantiateContractResponse {
            address: address.clone(),
            data: data(d),
        }),
        MsgResult::Executed { data: d } => any(&MsgExecuteContractResponse { data: data(d) }),
        MsgResult::Migrated { data: d } => any(&MsgMigrateContractResponse { data: data(d) }),
        MsgResult::AdminUpdated => any(&MsgUpdateAdminResponse {}),
    }
}

/// `100uatom,5uusd`, as the SDK prints coins.
pub fn coins_string(coins: &[Coin]) -> String {
    coins
        .iter()
        .map(|c| format!("{}{}", c.amount, c.denom))
        .collect::<Vec<_>>()
        .join(",")
}
