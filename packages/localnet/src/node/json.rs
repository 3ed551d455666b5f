//! CometBFT 0.38 JSON-RPC result shapes: integers as strings (`height`, `gas_used`), hashes as
//! upper-case hex, bytes as base64, events with plain-string attributes, RFC 3339 times with
//! nanoseconds.

use base64::Engine;
use cosmwasm_std::Event;
use serde_json::{json, Value};

use super::app::{App, BlockRecord, CheckResult, ExecResult, TxRecord};

/// The CometBFT version the node reports (cosmjs picks its client by it).
pub const COMET_VERSION: &str = "0.38.17";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hex_upper(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Nanoseconds since the epoch as RFC 3339 (`2026-01-02T03:04:05.123456789Z`).
pub fn rfc3339(nanos: u64) -> String {
    let secs = (nanos / 1_000_000_000) as i64;
    let sub = (nanos % 1_000_000_000) as u32;
    cosmrs::tendermint::Time::from_unix_timestamp(secs, sub)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// A fixed 20-byte id of the single validator (also the node id and proposer).
fn validator_address(app: &App) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(format!("validator/{}", app.genesis().chain_id));
    hex_upper(&h[..20])
}

fn validator_pubkey(app: &App) -> String {
    use sha2::Digest;
    b64(&sha2::Sha256::digest(format!(
        "pubkey/{}",
        app.genesis().chain_id
    )))
}

pub fn events(events: &[Event]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| {
                json!({
                    "type": e.ty,
                    "attributes": e.attributes.iter().map(|a| json!({
                        "key": a.key, "value": a.value, "index": true
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

pub fn exec_result(r: &ExecResult) -> Value {
    json!({
        "code": r.code,
        "data": if r.data.is_empty() { Value::Null } else { Value::String(b64(&r.data)) },
        "log": r.log,
        "info": "",
        "gas_wanted": r.gas_wanted.to_string(),
        "gas_used": r.gas_used.to_string(),
        "events": events(&r.events),
        "codespace": r.codespace,
    })
}

pub fn status(app: &App, rpc_address: &str) -> Value {
    let latest = app.latest();
    let earliest = app.earliest();
    let validator = validator_address(app);
    json!({
        "node_info": {
            "protocol_version": { "p2p": "8", "block": "11", "app": "0" },
            "id": validator.to_ascii_lowercase(),
            "listen_addr": "tcp://127.0.0.1:26656",
            "network": app.genesis().chain_id,
            "version": COMET_VERSION,
            "channels": "40202122233038606100",
            "moniker": "localnet",
            "other": { "tx_index": "on", "rpc_address": format!("tcp://{rpc_address}") },
        },
        "sync_info": {
            "latest_block_hash": hex_upper(&latest.hash),
            "latest_app_hash": hex_upper(&latest.app_hash),
            "latest_block_height": latest.height.to_string(),
            "latest_block_time": rfc3339(latest.time_nanos),
            "earliest_block_hash": hex_upper(&earliest.hash),
            "earliest_app_hash": hex_upper(&earliest.app_hash),
            "earliest_block_height": earliest.height.to_string(),
            "earliest_block_time": rfc3339(earliest.time_nanos),
            "catching_up": false,
        },
        "validator_info": {
            "address": validator,
            "pub_key": { "type": "tendermint/PubKeyEd25519", "value": validator_pubkey(app) },
            "voting_power": "10",
        },
    })
}

pub fn abci_info(app: &App) -> Value {
    let latest = app.latest();
    json!({
        "response": {
            "data": "localnet",
            "version": env!("CARGO_PKG_VERSION"),
            "app_version": "1",
            "last_block_height": latest.height.to_string(),
            "last_block_app_hash": b64(&latest.app_hash),
        }
    })
}

pub fn abci_query(height: u64, result: Result<Vec<u8>, super::app::AbciError>) -> Value {
    let (code, codespace, log, value) = match result {
        Ok(v) => (0, String::new(), String::new(), v),
        Err(e) => (e.code, e.codespace.to_string(), e.log, Vec::new()),
    };
    json!({
        "response": {
            "code": code,
            "log": log,
            "info": "",
            "index": "0",
            "key": Value::Null,
            "value": if value.is_empty() { Value::Null } else { Value::String(b64(&value)) },
            "proofOps": Value::Null,
            "height": height.to_string(),
            "codespace": codespace,
        }
    })
}

pub fn broadcast_sync(r: &CheckResult) -> Value {
    json!({
        "code": r.code,
        "data": "",
        "log": r.log,
        "codespace": r.codespace,
        "hash": r.hash,
    })
}

pub fn tx(t: &TxRecord) -> Value {
    json!({
        "hash": t.hash,
        "height": t.height.to_string(),
        "index": t.index,
        "tx_result": exec_result(&t.result),
        "tx": b64(&t.tx),
    })
}

fn block_id(hash: &[u8]) -> Value {
    if hash.is_empty() {
        return json!({ "hash": "", "parts": { "total": 0, "hash": "" } });
    }
    json!({ "hash": hex_upper(hash), "parts": { "total": 1, "hash": hex_upper(hash) } })
}

pub fn block(app: &App, b: &BlockRecord, txs: &[&[u8]]) -> Value {
    let prev = b
        .height
        .checked_sub(1)
        .and_then(|h| app.block(h))
        .map(|(p, _)| p.hash.to_vec())
        .unwrap_or_default();
    let empty = hex_upper(&{
        use sha2::Digest;
        sha2::Sha256::digest([])
    });
    let data_hash = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for t in txs {
            h.update(t);
        }
        hex_upper(&h.finalize())
    };
    let validator = validator_address(app);
    let last_commit = if prev.is_empty() {
        json!({ "height": "0", "round": 0, "block_id": block_id(&[]), "signatures": [] })
    } else {
        json!({
            "height": (b.height - 1).to_string(),
            "round": 0,
            "block_id": block_id(&prev),
            "signatures": [],
        })
    };
    json!({
        "block_id": block_id(&b.hash),
        "block": {
            "header": {
                "version": { "block": "11", "app": "0" },
                "chain_id": app.genesis().chain_id,
                "height": b.height.to_string(),
                "time": rfc3339(b.time_nanos),
                "last_block_id": block_id(&prev),
                "last_commit_hash": empty,
                "data_hash": data_hash,
                "validators_hash": validator_hash(&validator),
                "next_validators_hash": validator_hash(&validator),
                "consensus_hash": empty,
                "app_hash": hex_upper(&b.app_hash),
                "last_results_hash": empty,
                "evidence_hash": empty,
                "proposer_address": validator,
            },
            "data": { "txs": txs.iter().map(|t| b64(t)).collect::<Vec<_>>() },
            "evidence": { "evidence": [] },
            "last_commit": last_commit,
        }
    })
}

fn validator_hash(validator: &str) -> String {
    use sha2::Digest;
    hex_upper(&sha2::Sha256::digest(validator.as_bytes()))
}
