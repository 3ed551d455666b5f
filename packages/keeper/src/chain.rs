//! Signing and sending over `localnet::client`: one [`SignerAccount`] per HD index with its
//! sequence tracked locally, so a task can send several transactions in one block without
//! waiting for each; simulation for gas and for the outcome (the reward) before paying for it.

use std::time::Duration;

use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::tx::Fee;
use cosmrs::Any;
use cosmwasm_std::{Decimal256, Uint128, Uint256};
use localnet::client::{Client, ClientError, TxOutcome, Wallet};

/// Why a transaction was not sent or did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The node did not answer (down, restarting): retry later.
    #[error("node unreachable: {0}")]
    Node(String),
    /// The account's sequence moved under us (another process signs with it, or a transaction
    /// was dropped): resynchronised, retry.
    #[error("account sequence mismatch: {0}")]
    Sequence(String),
    /// The message itself fails (simulation or delivery): the contract's error.
    #[error("{0}")]
    Contract(String),
    /// The node refused the transaction for another reason (fees, funds, size).
    #[error("refused ({code}): {log}")]
    Refused {
        /// SDK code.
        code: u32,
        /// Log.
        log: String,
    },
    /// Not in a block in time.
    #[error("transaction {0} not in a block in time")]
    Timeout(String),
    /// The price source failed (unreachable, garbage, stale).
    #[error("price source: {0}")]
    Source(String),
}

impl SendError {
    /// The metric reason for this failure (`task_reason` classifies contract errors).
    pub fn reason(&self) -> &'static str {
        match self {
            SendError::Node(_) => "node_unreachable",
            SendError::Sequence(_) => "sequence_mismatch",
            SendError::Contract(_) => "contract_error",
            SendError::Refused { .. } => "refused",
            SendError::Timeout(_) => "tx_timeout",
            SendError::Source(_) => "price_source",
        }
    }
}

/// A query error as a [`SendError`]: unreachable nodes apart from failing queries.
pub fn query_error(e: ClientError) -> SendError {
    match e {
        ClientError::Rpc(m) => SendError::Node(m),
        ClientError::Query { log, .. } => SendError::Contract(log),
        other => SendError::Contract(other.to_string()),
    }
}

/// One signing account: its key, and its account number and next sequence as far as this
/// process knows (`None`: read it from the chain before the next signature).
pub struct SignerAccount {
    wallet: Wallet,
    address: String,
    number: Option<u64>,
    sequence: Option<u64>,
}

impl SignerAccount {
    /// Account `index` of `mnemonic`.
    pub fn new(mnemonic: &str, index: u32, prefix: &str) -> Result<Self, String> {
        let wallet = Wallet::from_mnemonic(mnemonic, index, prefix).map_err(|e| e.to_string())?;
        let address = wallet.address().to_string();
        Ok(SignerAccount {
            wallet,
            address,
            number: None,
            sequence: None,
        })
    }

    /// The bech32 address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Forgets the sequence: the next signature reads it from the chain.
    pub fn resync(&mut self) {
        self.sequence = None;
    }

    fn load(&mut self, client: &Client) -> Result<(u64, u64), SendError> {
        if let (Some(n), Some(s)) = (self.number, self.sequence) {
            return Ok((n, s));
        }
        let account = client
            .account(&self.address)
            .map_err(query_error)?
            .ok_or_else(|| SendError::Refused {
                code: 9,
                log: format!("account {} does not exist on chain: fund it", self.address),
            })?;
        self.number = Some(account.account_number);
        self.sequence = Some(account.sequence);
        Ok((account.account_number, account.sequence))
    }
}

/// A transaction accepted by CheckTx, not yet seen in a block.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Hash.
    pub hash: String,
    /// Fee paid, fee-denom base units.
    pub fee: u128,
}

/// What a simulation says.
#[derive(Clone, Debug)]
pub struct Simulated {
    /// Gas the messages used.
    pub gas_used: u64,
    /// Events, as a contract test sees them (`wasm-*` types from contracts).
    pub events: Vec<Event>,
}

/// One task's connection to the node and its gas settings.
pub struct Chain {
    /// The RPC client (this thread's own).
    pub client: Client,
    chain_id: Option<String>,
    expected_chain_id: Option<String>,
    gas_price: Decimal256,
    fee_denom: String,
    gas_adjustment: Decimal256,
    timeout: Duration,
    rpc_timeout: Duration,
}

/// `(amount, denom)` of `0.025uusdc`.
pub fn parse_gas_price(text: &str) -> Result<(Decimal256, String), String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("gas price {text:?} has no denom"))?;
    let (amount, denom) = text.split_at(split);
    let amount = amount
        .parse()
        .map_err(|e| format!("gas price {text:?}: {e}"))?;
    Ok((amount, denom.to_string()))
}

/// One attribute of a chain event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Key (chain events have reserved keys such as `_contract_address`).
    pub key: String,
    /// Value.
    pub value: String,
}

/// An event as the chain reports it (a contract's event `x` arrives as `wasm-x`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Type.
    pub ty: String,
    /// Attributes in order.
    pub attributes: Vec<Attribute>,
}

impl Event {
    /// An event without attributes.
    pub fn new(ty: impl Into<String>) -> Self {
        Event {
            ty: ty.into(),
            attributes: Vec::new(),
        }
    }

    /// An event with `attributes` in order.
    pub fn with(ty: impl Into<String>, attributes: &[(&str, &str)]) -> Self {
        attributes
            .iter()
            .fold(Self::new(ty), |e, (k, v)| e.add_attribute(*k, *v))
    }

    /// With one more attribute.
    pub fn add_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push(Attribute {
            key: key.into(),
            value: value.into(),
        });
        self
    }
}

/// Events of a transaction.
pub fn events(outcome: &TxOutcome) -> Vec<Event> {
    outcome
        .events
        .iter()
        .map(|(ty, attrs)| Event {
            ty: ty.clone(),
            attributes: attrs
                .iter()
                .map(|(k, v)| Attribute {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
        })
        .collect()
}

impl Chain {
    /// A connection to `rpc`; `chain_id`, when given, is checked against the node's.
    pub fn new(
        rpc: &str,
        chain_id: Option<String>,
        gas_price: &str,
        gas_adjustment: Decimal256,
        timeouts: (Duration, Duration),
    ) -> Result<Self, String> {
        let (gas_price, fee_denom) = parse_gas_price(gas_price)?;
        let client = Client::connect_with_timeout(rpc, timeouts.0).map_err(|e| e.to_string())?;
        let timeout = timeouts.1;
        Ok(Chain {
            client,
            chain_id: None,
            expected_chain_id: chain_id,
            gas_price,
            fee_denom,
            gas_adjustment,
            timeout,
            rpc_timeout: timeouts.0,
        })
    }

    /// The node's chain id (read once), refused when it is not the configured one.
    pub fn chain_id(&mut self) -> Result<String, SendError> {
        if let Some(id) = &self.chain_id {
            return Ok(id.clone());
        }
        let id = self.client.status().map_err(query_error)?.chain_id;
        if let Some(expected) = &self.expected_chain_id {
            if *expected != id {
                return Err(SendError::Refused {
                    code: 0,
                    log: format!("the node is on chain {id}, the config says {expected}"),
                });
            }
        }
        self.chain_id = Some(id.clone());
        Ok(id)
    }

    /// How long a transaction is awaited.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A client of the same node with the same request timeout.
    pub fn another_client(&self) -> Result<Client, SendError> {
        Client::connect_with_timeout(self.client.url(), self.rpc_timeout).map_err(query_error)
    }

    /// Gas limit for `gas_used` simulated gas: × `gas_adjustment`, rounded up.
    pub fn gas_limit(&self, gas_used: u64) -> u64 {
        let limit = Uint256::from(gas_used).mul_ceil(self.gas_adjustment);
        Uint128::try_from(limit)
            .ok()
            .and_then(|l| u64::try_from(l.u128()).ok())
            .unwrap_or(u64::MAX)
    }

    /// Fee of `gas_limit` at the gas price, rounded up (what the node requires).
    pub fn fee(&self, gas_limit: u64) -> u128 {
        let fee = Uint256::from(gas_limit).mul_ceil(self.gas_price);
        Uint128::try_from(fee).map_or(u128::MAX, |f| f.u128())
    }

    fn sign(
        &mut self,
        account: &SignerAccount,
        msgs: Vec<Any>,
        gas_limit: u64,
        sequence: u64,
    ) -> Result<Vec<u8>, SendError> {
        let chain_id = self.chain_id()?;
        let amount = self.fee(gas_limit);
        let denom = self
            .fee_denom
            .parse()
            .map_err(|e| SendError::Contract(format!("fee denom: {e}")))?;
        let mut fee = Fee::from_amount_and_gas(cosmrs::Coin { denom, amount }, gas_limit);
        if amount == 0 {
            fee.amount.clear();
        }
        let number = account.number.unwrap_or_default();
        account
            .wallet
            .sign(msgs, fee, &chain_id, number, sequence)
            .map_err(|e| SendError::Contract(e.to_string()))
    }

    /// Simulates `msgs` signed by `account` (nothing is paid or changed).
    pub fn simulate(
        &mut self,
        account: &mut SignerAccount,
        msgs: Vec<Any>,
    ) -> Result<Simulated, SendError> {
        let (_, mut sequence) = account.load(&self.client)?;
        // A node simulates against its committed state, where the sequence may still be
        // behind ours (transactions of the open block): retry once with the one it expects.
        for attempt in 0..2 {
            let tx = self.sign(account, msgs.clone(), 0, sequence)?;
            #[allow(deprecated)]
            let req = SimulateRequest {
                tx: None,
                tx_bytes: tx,
            };
            match self
                .client
                .query::<_, SimulateResponse>("/cosmos.tx.v1beta1.Service/Simulate", &req)
            {
                Ok(res) => {
                    let gas_used = res.gas_info.map_or(0, |g| g.gas_used);
                    let events = res
                        .result
                        .map(|r| {
                            r.events
                                .into_iter()
                                .map(|e| Event {
                                    ty: e.r#type,
                                    attributes: e
                                        .attributes
                                        .into_iter()
                                        .map(|a| Attribute {
                                            key: a.key,
                                            value: a.value,
                                        })
                                        .collect(),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    return Ok(Simulated { gas_used, events });
                }
                Err(ClientError::Query { code: 32, log, .. }) if attempt == 0 => {
                    match expected_sequence(&log) {
                        Some(s) => sequence = s,
                        None => return Err(SendError::Sequence(log)),
                    }
                }
                Err(ClientError::Query { code: 32, log, .. }) => {
                    return Err(SendError::Sequence(log))
                }
                Err(e) => return Err(query_error(e)),
            }
        }
        Err(SendError::Sequence("simulation".into()))
    }

    /// Signs with the account's next sequence and broadcasts (CheckTx); the sequence moves on
    /// only when the node accepted the transaction.
    pub fn broadcast(
        &mut self,
        account: &mut SignerAccount,
        msgs: Vec<Any>,
        gas_limit: u64,
    ) -> Result<Pending, SendError> {
        let (_, sequence) = account.load(&self.client)?;
        let tx = self.sign(account, msgs, gas_limit, sequence)?;
        match self.client.broadcast(tx) {
            Ok(hash) => {
                account.sequence = Some(sequence + 1);
                Ok(Pending {
                    hash,
                    fee: self.fee(gas_limit),
                })
            }
            Err(ClientError::CheckTx { code: 32, log, .. }) => {
                account.resync();
                Err(SendError::Sequence(log))
            }
            Err(ClientError::CheckTx { code, log, .. }) => {
                account.resync();
                Err(SendError::Refused { code, log })
            }
            Err(e) => {
                // It may or may not have arrived: read the sequence again next time.
                account.resync();
                Err(query_error(e))
            }
        }
    }

    /// Waits for `pending` to be in a block. A transaction that failed in its block comes back
    /// as `Ok` with a non-zero code: the caller classifies it.
    pub fn wait(&self, pending: &Pending) -> Result<TxOutcome, SendError> {
        self.client
            .wait_tx(&pending.hash, self.timeout)
            .map_err(|e| match e {
                ClientError::Timeout(h) => SendError::Timeout(h),
                other => query_error(other),
            })
    }

    /// Simulates, sends with the simulated gas × adjustment, waits for the block.
    pub fn send(
        &mut self,
        account: &mut SignerAccount,
        msgs: Vec<Any>,
    ) -> Result<(TxOutcome, Pending), SendError> {
        let sim = self.simulate(account, msgs.clone())?;
        let pending = self.broadcast(account, msgs, self.gas_limit(sim.gas_used))?;
        let out = self.wait(&pending)?;
        Ok((out, pending))
    }
}

/// `N` of "account sequence mismatch, expected N, got M".
fn expected_sequence(log: &str) -> Option<u64> {
    let rest = &log[log.find("expected ")? + "expected ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_sequence_is_read_from_the_sdk_log() {
        assert_eq!(
            expected_sequence(
                "account sequence mismatch, expected 17, got 15: incorrect account sequence"
            ),
            Some(17)
        );
        assert_eq!(expected_sequence("out of gas"), None);
    }

    #[test]
    fn gas_prices_split_into_amount_and_denom() {
        assert_eq!(
            parse_gas_price("0.025uusdc").unwrap(),
            (Decimal256::permille(25), "uusdc".to_string())
        );
        assert!(parse_gas_price("0.025").is_err());
    }
}
