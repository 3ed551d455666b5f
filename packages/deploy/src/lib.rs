//! `perps-deploy`: deploys the three contracts to a node over RPC from a TOML file.
//!
//! Steps, in order, each recorded in the JSON state file as soon as it succeeded (a re-run
//! resumes after the last recorded step):
//! 1. store `price-feed`, `insurance-fund`, `perps` (a code whose checksum the chain already
//!    has is not stored again);
//! 2. instantiate them, the wasmd admin set to the deployer (the owner);
//! 3. register the engine with the insurance fund, add the feeds, add the markets.
//!
//! The signing key is account `account_index` of the mnemonic in the environment variable
//! `mnemonic_env` (default `PERPS_MNEMONIC`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use localnet::client::{Client, Signer, Wallet};
use perps_api::{insurance_fund, perps, price_feed};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The TOML file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployConfig {
    /// The node's RPC (`http://127.0.0.1:26657`).
    pub rpc: String,
    /// Gas price with its denom (`0.025uusdc`).
    pub gas_price: String,
    /// Environment variable holding the mnemonic.
    #[serde(default = "default_mnemonic_env")]
    pub mnemonic_env: String,
    /// HD account index of the deployer (m/44'/118'/0'/0/index).
    #[serde(default)]
    pub account_index: u32,
    /// Bech32 prefix of the chain's addresses.
    pub bech32_prefix: String,
    /// Directory of `price-feed.wasm`, `insurance-fund.wasm`, `perps.wasm` (relative paths are
    /// relative to the TOML file).
    #[serde(default = "default_artifacts")]
    pub artifacts: PathBuf,
    /// The JSON state file (relative to the TOML file).
    pub state: PathBuf,
    /// price-feed `instantiate` message.
    pub price_feed: Value,
    /// insurance-fund `instantiate` message (`engines` is filled in by the deploy).
    pub insurance_fund: Value,
    /// perps `instantiate` message without `price_feed` and `insurance_fund`.
    pub perps: Value,
    /// price-feed `add_feed` messages.
    #[serde(default)]
    pub feeds: Vec<Value>,
    /// perps `add_market` messages.
    #[serde(default)]
    pub markets: Vec<Value>,
}

fn default_mnemonic_env() -> String {
    "PERPS_MNEMONIC".to_string()
}

fn default_artifacts() -> PathBuf {
    PathBuf::from("artifacts")
}

impl DeployConfig {
    /// Reads a TOML file; relative paths become relative to its directory.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config: DeployConfig =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        if config.artifacts.is_relative() {
            config.artifacts = base.join(&config.artifacts);
        }
        if config.state.is_relative() {
            config.state = base.join(&config.state);
        }
        Ok(config)
    }
}

/// The three contracts, by artifact name.
pub const CONTRACTS: [&str; 3] = ["price-feed", "insurance-fund", "perps"];

/// A stored code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCode {
    /// Code id.
    pub code_id: u64,
    /// Lower-case hex sha256.
    pub checksum: String,
}

/// The JSON state file: what is done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployState {
    /// The chain it belongs to.
    pub chain_id: String,
    /// The deployer (owner and wasmd admin).
    pub owner: String,
    /// Codes by artifact name.
    pub codes: BTreeMap<String, StoredCode>,
    /// Contract addresses by artifact name.
    pub contracts: BTreeMap<String, String>,
    /// Configuration steps done (`add_engine`, `add_feed:<id>`, `add_market:<id>`).
    pub done: Vec<String>,
}

impl DeployState {
    fn load(path: &Path) -> Result<Option<Self>, String> {
        if !path.exists() {
            return Ok(None);
        }
        let text =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| format!("invalid state {}: {e}", path.display()))
    }

    fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every step is done.
    Complete(DeployState),
    /// Stopped after `max_steps` steps; run again to resume.
    Stopped(DeployState),
}

fn validate<T: serde::de::DeserializeOwned>(what: &str, v: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(v.clone())
        .map(|_| ())
        .map_err(|e| format!("{what}: {e}"))
}

fn string_field(v: &Value, field: &str, what: &str) -> Result<String, String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("{what}: missing {field}"))
}

fn with_fields(v: &Value, fields: &[(&str, Value)]) -> Result<Value, String> {
    let mut map = v
        .as_object()
        .cloned()
        .ok_or_else(|| "expected a table".to_string())?;
    for (k, val) in fields {
        map.insert((*k).to_string(), val.clone());
    }
    Ok(Value::Object(map))
}

/// Runs the deploy (at most `max_steps` steps that change the chain when given).
pub fn deploy(
    config: &DeployConfig,
    mnemonic: &str,
    max_steps: Option<usize>,
) -> Result<Outcome, String> {
    // Check every message before touching the chain.
    validate::<price_feed::InstantiateMsg>("price_feed", &config.price_feed)?;
    let fund_msg = with_fields(&config.insurance_fund, &[("engines", Value::Array(vec![]))])?;
    validate::<insurance_fund::InstantiateMsg>("insurance_fund", &fund_msg)?;
    let placeholder = Value::String(String::new());
    let engine_probe = with_fields(
        &config.perps,
        &[
            ("price_feed", placeholder.clone()),
            ("insurance_fund", placeholder),
        ],
    )?;
    validate::<perps::InstantiateMsg>("perps", &engine_probe)?;
    let mut feeds = Vec::new();
    for f in &config.feeds {
        let msg = serde_json::json!({ "add_feed": f });
        validate::<price_feed::ExecuteMsg>("feeds", &msg)?;
        feeds.push((string_field(f, "feed_id", "feeds")?, msg));
    }
    let mut markets = Vec::new();
    for m in &config.markets {
        let msg = serde_json::json!({ "add_market": m });
        validate::<perps::ExecuteMsg>("markets", &msg)?;
        markets.push((string_field(m, "market_id", "markets")?, msg));
    }

    let client = Client::connect(&config.rpc).map_err(|e| e.to_string())?;
    let wallet = Wallet::from_mnemonic(mnemonic, config.account_index, &config.bech32_prefix)
        .map_err(|e| e.to_string())?;
    let signer = Signer::new(&client, wallet, &config.gas_price).map_err(|e| e.to_string())?;
    let chain_id = client.status().map_err(|e| e.to_string())?.chain_id;
    let owner = signer.address();
    let mut state = match DeployState::load(&config.state)? {
        Some(s) => {
            if s.chain_id != chain_id || s.owner != owner {
                return Err(format!(
                    "the state {} is of chain {} and owner {}, not {chain_id} and {owner}",
                    config.state.display(),
                    s.chain_id,
                    s.owner
                ));
            }
            s
        }
        None => DeployState {
            chain_id,
            owner: owner.clone(),
            ..DeployState::default()
        },
    };
    let mut steps = 0usize;
    let budget_left = |steps: usize| max_steps.is_none_or(|m| steps < m);
    let err = |e: localnet::client::ClientError| e.to_string();

    // 1. codes
    let mut on_chain: Option<Vec<(u64, String)>> = None;
    for name in CONTRACTS {
        if state.codes.contains_key(name) {
            continue;
        }
        let path = config.artifacts.join(format!("{name}.wasm"));
        let wasm = std::fs::read(&path).map_err(|e| {
            format!(
                "cannot read {} ({e}): run scripts/build-wasm.sh",
                path.display()
            )
        })?;
        let checksum = sha256_hex(&wasm);
        let codes = match &on_chain {
            Some(c) => c.clone(),
            None => {
                let c = client.codes().map_err(err)?;
                on_chain = Some(c.clone());
                c
            }
        };
        let code_id = match codes.iter().find(|(_, c)| *c == checksum) {
            Some((id, _)) => {
                println!("{name}: code {id} already stored (checksum {checksum})");
                *id
            }
            None => {
                if !budget_left(steps) {
                    state.save(&config.state)?;
                    return Ok(Outcome::Stopped(state));
                }
                let (id, out) = signer.store_code(wasm).map_err(err)?;
                steps += 1;
                println!("{name}: stored as code {id} (gas {})", out.gas_used);
                on_chain = None;
                id
            }
        };
        state
            .codes
            .insert(name.to_string(), StoredCode { code_id, checksum });
        state.save(&config.state)?;
    }

    // 2. contracts
    for name in CONTRACTS {
        if state.contracts.contains_key(name) {
            continue;
        }
        if !budget_left(steps) {
            return Ok(Outcome::Stopped(state));
        }
        let msg = match name {
            "price-feed" => config.price_feed.clone(),
            "insurance-fund" => fund_msg.clone(),
            _ => with_fields(
                &config.perps,
                &[
                    (
                        "price_feed",
                        Value::String(state.contracts["price-feed"].clone()),
                    ),
                    (
                        "insurance_fund",
                        Value::String(state.contracts["insurance-fund"].clone()),
                    ),
                ],
            )?,
        };
        let code_id = state.codes[name].code_id;
        let (address, out) = signer
            .instantiate(code_id, Some(&owner), &msg, name)
            .map_err(err)?;
        steps += 1;
        println!("{name}: {address} (gas {})", out.gas_used);
        state.contracts.insert(name.to_string(), address);
        state.save(&config.state)?;
    }

    // 3. configuration
    let engine = state.contracts["perps"].clone();
    let mut config_steps = vec![(
        "add_engine".to_string(),
        state.contracts["insurance-fund"].clone(),
        serde_json::json!({ "add_engine": { "engine": engine } }),
    )];
    for (id, msg) in feeds {
        config_steps.push((
            format!("add_feed:{id}"),
            state.contracts["price-feed"].clone(),
            msg,
        ));
    }
    for (id, msg) in markets {
        config_steps.push((format!("add_market:{id}"), engine.clone(), msg));
    }
    for (step, contract, msg) in config_steps {
        if state.done.contains(&step) {
            continue;
        }
        if already_applied(&client, &state, &step)? {
            println!("{step}: already on chain");
            state.done.push(step);
            state.save(&config.state)?;
            continue;
        }
        if !budget_left(steps) {
            return Ok(Outcome::Stopped(state));
        }
        let out = signer.execute(&contract, &msg, &[]).map_err(err)?;
        steps += 1;
        println!("{step}: done (gas {})", out.gas_used);
        state.done.push(step);
        state.save(&config.state)?;
    }
    state.save(&config.state)?;
    Ok(Outcome::Complete(state))
}

/// Whether a configuration step is already in the contracts' state (a run stopped between the
/// broadcast and the state file's write).
fn already_applied(client: &Client, state: &DeployState, step: &str) -> Result<bool, String> {
    let err = |e: localnet::client::ClientError| e.to_string();
    if step == "add_engine" {
        let config: Value = client
            .smart(
                &state.contracts["insurance-fund"],
                &serde_json::json!({ "config": {} }),
            )
            .map_err(err)?;
        let engine = Value::String(state.contracts["perps"].clone());
        return Ok(config["engines"]
            .as_array()
            .is_some_and(|e| e.contains(&engine)));
    }
    if let Some(id) = step.strip_prefix("add_feed:") {
        let price: Result<Value, _> = client.smart(
            &state.contracts["price-feed"],
            &serde_json::json!({ "feeds": {} }),
        );
        let feeds = price.map_err(err)?;
        return Ok(feeds["feeds"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["feed_id"] == id)));
    }
    if let Some(id) = step.strip_prefix("add_market:") {
        let market: Result<Value, _> = client.smart(
            &state.contracts["perps"],
            &serde_json::json!({ "market": { "market_id": id } }),
        );
        return Ok(market.is_ok());
    }
    Ok(false)
}

/// Lower-case hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    cosmwasm_std::Checksum::generate(bytes).to_hex()
}
