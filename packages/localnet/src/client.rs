//! A blocking RPC client of a Cosmos SDK node (this crate's `localnet serve`, or wasmd): queries
//! over `abci_query`, signed transactions (SIGN_MODE_DIRECT) broadcast with `broadcast_tx_sync`
//! and awaited with `tx`. Built on cosmrs (protobuf, keys, signing) and its tendermint-rpc
//! HTTP client; each [`Client`] drives that async client on its own single-threaded runtime.
//!
//! ```no_run
//! use localnet::client::{Client, Wallet, Signer};
//! let client = Client::connect("http://127.0.0.1:26657").unwrap();
//! let wallet = Wallet::from_mnemonic("...", 0, "wasm").unwrap();
//! let mut signer = Signer::new(&client, wallet, "0.025uusdc").unwrap();
//! let contract = "wasm1...";
//! let out = signer
//!     .execute(contract, &serde_json::json!({ "deposit": {} }), &[])
//!     .unwrap();
//! println!("gas used {}", out.gas_used);
//! ```

use std::time::{Duration, Instant};

use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{MsgSend, QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgExecuteContract, MsgInstantiateContract, MsgMigrateContract, MsgStoreCode, MsgUpdateAdmin,
    QueryCodesRequest, QueryCodesResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QueryRawContractStateRequest, QueryRawContractStateResponse, QuerySmartContractStateRequest,
    QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::{Message, Name};
use cosmrs::rpc::{Client as _, HttpClient};
use cosmrs::tx::{Body, Fee, SignDoc, SignerInfo};
use cosmrs::{AccountId, Any};
use cosmwasm_std::{Coin, Decimal256, Uint256};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached, or answered with a JSON-RPC error.
    #[error("rpc: {0}")]
    Rpc(String),
    /// A query answered with an error code.
    #[error("query failed with ({codespace} {code}): {log}")]
    Query {
        /// Codespace.
        codespace: String,
        /// Code.
        code: u32,
        /// Log.
        log: String,
    },
    /// The node refused the transaction (CheckTx): nothing was applied.
    #[error("broadcast refused ({codespace} {code}): {log}")]
    CheckTx {
        /// Codespace.
        codespace: String,
        /// Code.
        code: u32,
        /// Log.
        log: String,
    },
    /// The transaction was included in a block but failed (the fee was paid).
    #[error("transaction {hash} failed at height {height} ({codespace} {code}): {log}")]
    DeliverTx {
        /// Hash.
        hash: String,
        /// Block height.
        height: u64,
        /// Codespace.
        codespace: String,
        /// Code.
        code: u32,
        /// Log.
        log: String,
        /// Gas used.
        gas_used: u64,
    },
    /// The transaction was not in a block in time.
    #[error("transaction {0} not found in a block in time")]
    Timeout(String),
    /// Bad input or an answer that does not decode.
    #[error("{0}")]
    Invalid(String),
}

fn invalid(e: impl std::fmt::Display) -> ClientError {
    ClientError::Invalid(e.to_string())
}

fn rpc(e: impl std::fmt::Display) -> ClientError {
    ClientError::Rpc(e.to_string())
}

/// The node's chain id and latest block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// Chain id.
    pub chain_id: String,
    /// Latest block height.
    pub height: u64,
    /// Latest block time, seconds since the epoch.
    pub time_secs: u64,
    /// The node's CometBFT version.
    pub version: String,
}

/// A transaction included in a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    /// Upper-case hex hash.
    pub hash: String,
    /// Block height.
    pub height: u64,
    /// 0 on success.
    pub code: u32,
    /// Codespace of a failure.
    pub codespace: String,
    /// Log of a failure.
    pub log: String,
    /// Gas limit.
    pub gas_wanted: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Events: type and attributes.
    pub events: Vec<(String, Vec<(String, String)>)>,
}

impl TxOutcome {
    /// The first value of attribute `key` in an event of type `ty`.
    pub fn attribute(&self, ty: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|(t, _)| t == ty)
            .flat_map(|(_, attrs)| attrs.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A blocking client of one node.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    http: HttpClient,
    url: String,
}

impl Client {
    /// A client of the node at `url` (`http://127.0.0.1:26657`); a request times out after 30 s.
    pub fn connect(url: &str) -> Result<Self, ClientError> {
        Client::connect_with_timeout(url, Duration::from_secs(30))
    }

    /// A client whose requests time out after `timeout` (connecting until the whole answer).
    pub fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, ClientError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(rpc)?;
        let parsed: cosmrs::rpc::HttpClientUrl = url.parse().map_err(rpc)?;
        let http = HttpClient::builder(parsed)
            .timeout(timeout)
            .build()
            .map_err(rpc)?;
        Ok(Client {
            runtime,
            http,
            url: url.to_string(),
        })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `status`.
    pub fn status(&self) -> Result<Status, ClientError> {
        let s = self.runtime.block_on(self.http.status()).map_err(rpc)?;
        Ok(Status {
            chain_id: s.node_info.network.to_string(),
            height: s.sync_info.latest_block_height.value(),
            time_secs: s.sync_info.latest_block_time.unix_timestamp().max(0) as u64,
            version: s.node_info.version.to_string(),
        })
    }

    /// `abci_query` of a gRPC path with a protobuf request.
    pub fn query<Req: Message, Res: Message + Default>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Res, ClientError> {
        let q = self
            .runtime
            .block_on(self.http.abci_query(
                Some(path.to_string()),
                request.encode_to_vec(),
                None,
                false,
            ))
            .map_err(rpc)?;
        if q.code.is_err() {
            return Err(ClientError::Query {
                codespace: q.codespace,
                code: q.code.value(),
                log: q.log,
            });
        }
        Res::decode(q.value.as_slice()).map_err(invalid)
    }

    /// The account number and sequence of `address`; `None` if the chain has no such account.
    pub fn account(&self, address: &str) -> Result<Option<BaseAccount>, ClientError> {
        let req = QueryAccountRequest {
            address: address.to_string(),
        };
        match self.query::<_, QueryAccountResponse>("/cosmos.auth.v1beta1.Query/Account", &req) {
            Ok(res) => {
                let any = res
                    .account
                    .ok_or_else(|| invalid("no account in the answer"))?;
                BaseAccount::decode(any.value.as_slice())
                    .map(Some)
                    .map_err(invalid)
            }
            Err(ClientError::Query { log, .. }) if log.contains("code = NotFound") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Balance of one denom.
    pub fn balance(&self, address: &str, denom: &str) -> Result<Uint256, ClientError> {
        let req = QueryBalanceRequest {
            address: address.to_string(),
            denom: denom.to_string(),
        };
        let res: QueryBalanceResponse = self.query("/cosmos.bank.v1beta1.Query/Balance", &req)?;
        res.balance
            .map_or(Ok(Uint256::zero()), |c| c.amount.parse().map_err(invalid))
    }

    /// A smart query, decoded.
    pub fn smart<T: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<T, ClientError> {
        let req = QuerySmartContractStateRequest {
            address: contract.to_string(),
            query_data: serde_json::to_vec(msg).map_err(invalid)?,
        };
        let res: QuerySmartContractStateResponse =
            self.query("/cosmwasm.wasm.v1.Query/SmartContractState", &req)?;
        serde_json::from_slice(&res.data).map_err(invalid)
    }

    /// The value under `key` in a contract's store (empty when absent).
    pub fn raw(&self, contract: &str, key: &[u8]) -> Result<Vec<u8>, ClientError> {
        let req = QueryRawContractStateRequest {
            address: contract.to_string(),
            query_data: key.to_vec(),
        };
        let res: QueryRawContractStateResponse =
            self.query("/cosmwasm.wasm.v1.Query/RawContractState", &req)?;
        Ok(res.data)
    }

    /// Every stored code: id and lower-case hex checksum.
    pub fn codes(&self) -> Result<Vec<(u64, String)>, ClientError> {
        let res: QueryCodesResponse = self.query(
            "/cosmwasm.wasm.v1.Query/Codes",
            &QueryCodesRequest::default(),
        )?;
        Ok(res
            .code_infos
            .into_iter()
            .map(|c| (c.code_id, hex::encode(c.data_hash)))
            .collect())
    }

    /// Code id and wasmd admin of a contract.
    pub fn contract_info(&self, address: &str) -> Result<(u64, String), ClientError> {
        let req = QueryContractInfoRequest {
            address: address.to_string(),
        };
        let res: QueryContractInfoResponse =
            self.query("/cosmwasm.wasm.v1.Query/ContractInfo", &req)?;
        let info = res
            .contract_info
            .ok_or_else(|| invalid("no contract info in the answer"))?;
        Ok((info.code_id, info.admin))
    }

    /// Gas a transaction would use (`/cosmos.tx.v1beta1.Service/Simulate`).
    pub fn simulate(&self, tx: Vec<u8>) -> Result<u64, ClientError> {
        #[allow(deprecated)]
        let req = SimulateRequest {
            tx: None,
            tx_bytes: tx,
        };
        let res: SimulateResponse = self.query("/cosmos.tx.v1beta1.Service/Simulate", &req)?;
        Ok(res.gas_info.map_or(0, |g| g.gas_used))
    }

    /// `broadcast_tx_sync`: the hash when CheckTx accepted the transaction.
    pub fn broadcast(&self, tx: Vec<u8>) -> Result<String, ClientError> {
        let r = self
            .runtime
            .block_on(self.http.broadcast_tx_sync(tx))
            .map_err(rpc)?;
        if r.code.is_err() {
            return Err(ClientError::CheckTx {
                codespace: r.codespace,
                code: r.code.value(),
                log: r.log,
            });
        }
        Ok(r.hash.to_string())
    }

    /// Waits until the transaction `hash` is in a block (polling `tx`), up to `timeout`.
    pub fn wait_tx(&self, hash: &str, timeout: Duration) -> Result<TxOutcome, ClientError> {
        let h: cosmrs::tendermint::Hash = hash.parse().map_err(invalid)?;
        let start = Instant::now();
        loop {
            if let Ok(r) = self.runtime.block_on(self.http.tx(h, false)) {
                let t = r.tx_result;
                return Ok(TxOutcome {
                    hash: hash.to_string(),
                    height: r.height.value(),
                    code: t.code.value(),
                    codespace: t.codespace,
                    log: t.log,
                    gas_wanted: t.gas_wanted.max(0) as u64,
                    gas_used: t.gas_used.max(0) as u64,
                    events: t
                        .events
                        .into_iter()
                        .map(|e| {
                            let attrs = e
                                .attributes
                                .iter()
                                .map(|a| {
                                    (
                                        a.key_str().unwrap_or_default().to_string(),
                                        a.value_str().unwrap_or_default().to_string(),
                                    )
                                })
                                .collect();
                            (e.kind, attrs)
                        })
                        .collect(),
                });
            }
            if start.elapsed() > timeout {
                return Err(ClientError::Timeout(hash.to_string()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A secp256k1 key and its address.
pub struct Wallet {
    key: SigningKey,
    address: AccountId,
}

impl Wallet {
    /// Account `index` of a BIP-39 mnemonic on the Cosmos HD path m/44'/118'/0'/0/index.
    pub fn from_mnemonic(phrase: &str, index: u32, prefix: &str) -> Result<Self, ClientError> {
        let mnemonic = bip32::Mnemonic::new(phrase.trim(), bip32::Language::English)
            .map_err(|e| invalid(format!("invalid mnemonic: {e}")))?;
        let seed = mnemonic.to_seed("");
        let path: bip32::DerivationPath = format!("m/44'/118'/0'/0/{index}")
            .parse()
            .map_err(invalid)?;
        let key = SigningKey::derive_from_path(seed, &path).map_err(invalid)?;
        let address = key.public_key().account_id(prefix).map_err(invalid)?;
        Ok(Wallet { key, address })
    }

    /// The bech32 address.
    pub fn address(&self) -> &AccountId {
        &self.address
    }

    /// A signed `TxRaw` of `msgs` with SIGN_MODE_DIRECT.
    pub fn sign(
        &self,
        msgs: Vec<Any>,
        fee: Fee,
        chain_id: &str,
        account_number: u64,
        sequence: u64,
    ) -> Result<Vec<u8>, ClientError> {
        let body = Body::new(msgs, "", 0u32);
        let auth = SignerInfo::single_direct(Some(self.key.public_key()), sequence).auth_info(fee);
        let chain_id: cosmrs::tendermint::chain::Id = chain_id.parse().map_err(invalid)?;
        let doc = SignDoc::new(&body, &auth, &chain_id, account_number).map_err(invalid)?;
        doc.sign(&self.key)
            .and_then(|raw| raw.to_bytes())
            .map_err(invalid)
    }
}

/// An [`Any`] of a protobuf message.
pub fn to_any<M: Message + Name>(msg: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: msg.encode_to_vec(),
    }
}

fn proto_coins(coins: &[Coin]) -> Vec<ProtoCoin> {
    coins
        .iter()
        .map(|c| ProtoCoin {
            denom: c.denom.clone(),
            amount: c.amount.to_string(),
        })
        .collect()
}

/// wasm `MsgExecuteContract`.
pub fn msg_execute(
    sender: &str,
    contract: &str,
    msg: &impl Serialize,
    funds: &[Coin],
) -> Result<Any, ClientError> {
    Ok(to_any(&MsgExecuteContract {
        sender: sender.to_string(),
        contract: contract.to_string(),
        msg: serde_json::to_vec(msg).map_err(invalid)?,
        funds: proto_coins(funds),
    }))
}

/// wasm `MsgInstantiateContract` (`admin` may migrate it).
pub fn msg_instantiate(
    sender: &str,
    admin: Option<&str>,
    code_id: u64,
    msg: &impl Serialize,
    label: &str,
) -> Result<Any, ClientError> {
    Ok(to_any(&MsgInstantiateContract {
        sender: sender.to_string(),
        admin: admin.unwrap_or_default().to_string(),
        code_id,
        label: label.to_string(),
        msg: serde_json::to_vec(msg).map_err(invalid)?,
        funds: Vec::new(),
    }))
}

/// wasm `MsgStoreCode`.
pub fn msg_store_code(sender: &str, wasm: Vec<u8>) -> Any {
    to_any(&MsgStoreCode {
        sender: sender.to_string(),
        wasm_byte_code: wasm,
        instantiate_permission: None,
    })
}

/// wasm `MsgMigrateContract`.
pub fn msg_migrate(
    sender: &str,
    contract: &str,
    code_id: u64,
    msg: &impl Serialize,
) -> Result<Any, ClientError> {
    Ok(to_any(&MsgMigrateContract {
        sender: sender.to_string(),
        contract: contract.to_string(),
        code_id,
        msg: serde_json::to_vec(msg).map_err(invalid)?,
    }))
}

/// wasm `MsgUpdateAdmin`.
pub fn msg_update_admin(sender: &str, contract: &str, new_admin: &str) -> Any {
    to_any(&MsgUpdateAdmin {
        sender: sender.to_string(),
        new_admin: new_admin.to_string(),
        contract: contract.to_string(),
    })
}

/// bank `MsgSend`.
pub fn msg_send(from: &str, to: &str, amount: &[Coin]) -> Any {
    to_any(&MsgSend {
        from_address: from.to_string(),
        to_address: to.to_string(),
        amount: proto_coins(amount),
    })
}

/// How much gas a transaction gets.
#[derive(Clone, Copy, Debug)]
pub enum GasLimit {
    /// Simulated gas times this factor (cosmjs uses 1.3 for "auto").
    Auto(f32),
    /// A fixed limit.
    Fixed(u64),
}

/// A wallet signing on one chain: reads its account number and sequence, simulates, pays
/// `gas_price` per gas, broadcasts and waits for the block.
pub struct Signer<'a> {
    client: &'a Client,
    wallet: Wallet,
    chain_id: String,
    price: Decimal256,
    denom: String,
    /// Gas limit of the next transactions.
    pub gas: GasLimit,
    /// How long to wait for a block.
    pub timeout: Duration,
}

impl<'a> Signer<'a> {
    /// A signer paying `gas_price` (`0.025uusdc`).
    pub fn new(client: &'a Client, wallet: Wallet, gas_price: &str) -> Result<Self, ClientError> {
        let split = gas_price
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| invalid(format!("gas price {gas_price:?} has no denom")))?;
        let (amount, denom) = gas_price.split_at(split);
        let chain_id = client.status()?.chain_id;
        Ok(Signer {
            client,
            wallet,
            chain_id,
            price: amount.parse().map_err(invalid)?,
            denom: denom.to_string(),
            gas: GasLimit::Auto(1.3),
            timeout: Duration::from_secs(30),
        })
    }

    /// The signer's address.
    pub fn address(&self) -> String {
        self.wallet.address().to_string()
    }

    /// The client.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// Signs `msgs` with the account's current number and sequence (no broadcast).
    pub fn sign(&self, msgs: Vec<Any>, gas_limit: u64) -> Result<Vec<u8>, ClientError> {
        let address = self.address();
        let account = self
            .client
            .account(&address)?
            .ok_or_else(|| invalid(format!("account {address} does not exist on chain")))?;
        let amount = Uint256::from(gas_limit)
            .checked_mul_ceil(self.price)
            .map_err(invalid)?;
        let amount = cosmwasm_std::Uint128::try_from(amount)
            .map_err(invalid)?
            .u128();
        let denom = self.denom.parse().map_err(invalid)?;
        let mut fee = Fee::from_amount_and_gas(cosmrs::Coin { denom, amount }, gas_limit);
        if amount == 0 {
            // a simulation probe: no fee coins (a zero coin is not a valid fee)
            fee.amount.clear();
        }
        self.wallet.sign(
            msgs,
            fee,
            &self.chain_id,
            account.account_number,
            account.sequence,
        )
    }

    /// Simulates, signs, broadcasts and waits for the block; a failed transaction is an error.
    pub fn send(&self, msgs: Vec<Any>) -> Result<TxOutcome, ClientError> {
        let gas_limit = match self.gas {
            GasLimit::Fixed(g) => g,
            GasLimit::Auto(factor) => {
                let probe = self.sign(msgs.clone(), 0)?;
                let used = self.client.simulate(probe)?;
                (used as f64 * f64::from(factor)).ceil() as u64
            }
        };
        let tx = self.sign(msgs, gas_limit)?;
        let hash = self.client.broadcast(tx)?;
        let out = self.client.wait_tx(&hash, self.timeout)?;
        if out.code != 0 {
            return Err(ClientError::DeliverTx {
                hash,
                height: out.height,
                codespace: out.codespace,
                code: out.code,
                log: out.log,
                gas_used: out.gas_used,
            });
        }
        Ok(out)
    }

    /// Executes `msg` on `contract` with `funds`.
    pub fn execute(
        &self,
        contract: &str,
        msg: &impl Serialize,
        funds: &[Coin],
    ) -> Result<TxOutcome, ClientError> {
        let m = msg_execute(&self.address(), contract, msg, funds)?;
        self.send(vec![m])
    }

    /// Stores `wasm`; returns the code id.
    pub fn store_code(&self, wasm: Vec<u8>) -> Result<(u64, TxOutcome), ClientError> {
        let out = self.send(vec![msg_store_code(&self.address(), wasm)])?;
        let id = out
            .attribute("store_code", "code_id")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| invalid("no store_code.code_id event"))?;
        Ok((id, out))
    }

    /// Instantiates `code_id` with `admin`; returns the contract address.
    pub fn instantiate(
        &self,
        code_id: u64,
        admin: Option<&str>,
        msg: &impl Serialize,
        label: &str,
    ) -> Result<(String, TxOutcome), ClientError> {
        let m = msg_instantiate(&self.address(), admin, code_id, msg, label)?;
        let out = self.send(vec![m])?;
        let addr = out
            .attribute("instantiate", "_contract_address")
            .ok_or_else(|| invalid("no instantiate._contract_address event"))?
            .to_string();
        Ok((addr, out))
    }
}
