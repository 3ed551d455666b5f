//! `keeper.toml`: the node, the signing accounts, the contracts and the tasks.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use cosmwasm_std::{Decimal256, Uint128};
use serde::Deserialize;

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The node's CometBFT RPC (`http://127.0.0.1:26657`).
    pub rpc: String,
    /// When set, the keeper refuses to run against a node of another chain.
    #[serde(default)]
    pub chain_id: Option<String>,
    /// Gas price with its denom (`0.025uusdc`).
    pub gas_price: String,
    /// Gas limit = simulated gas × this.
    #[serde(default = "default_gas_adjustment")]
    pub gas_adjustment: Decimal256,
    /// Value of one base unit of the fee denom in base units of the engine's collateral (1 when
    /// fees are paid in the collateral denom). Used to compare a reward with the gas it costs.
    #[serde(default = "one")]
    pub fee_price: Decimal256,
    /// Bech32 prefix of the chain's addresses.
    pub bech32_prefix: String,
    /// Environment variable holding the mnemonic (never read from the file, never logged).
    #[serde(default = "default_mnemonic_env")]
    pub mnemonic_env: String,
    /// A `perps-deploy` state file to read the contract addresses from (relative to this file).
    #[serde(default)]
    pub deploy_state: Option<PathBuf>,
    /// Contract addresses (each overrides the deploy state file).
    #[serde(default)]
    pub contracts: ContractsConfig,
    /// Where `/healthz` and `/metrics` are served (`127.0.0.1:9464`); absent: not served.
    #[serde(default)]
    pub metrics_addr: Option<SocketAddr>,
    /// Timeout of one RPC request.
    #[serde(default = "default_rpc_timeout")]
    pub rpc_timeout_ms: u64,
    /// How long to wait for a transaction to be in a block.
    #[serde(default = "default_tx_timeout")]
    pub tx_timeout_secs: u64,
    /// First delay after a failure (node down, query error); doubles up to `backoff_max_ms`.
    #[serde(default = "default_backoff_initial")]
    pub backoff_initial_ms: u64,
    /// Largest delay between retries.
    #[serde(default = "default_backoff_max")]
    pub backoff_max_ms: u64,
    /// `/healthz` reports the node unhealthy when its latest block is older than this.
    #[serde(default = "default_max_block_age")]
    pub max_block_age_secs: u64,
    /// Liquidations.
    #[serde(default)]
    pub liquidate: LiquidateConfig,
    /// `sweep_fees`.
    #[serde(default)]
    pub sweep_fees: SweepConfig,
    /// `settle_positions` of settled markets.
    #[serde(default)]
    pub settle_positions: SettleConfig,
    /// `execute_orders` of pending orders.
    #[serde(default)]
    pub execute_orders: OrdersConfig,
    /// `auto_deleverage`.
    #[serde(default)]
    pub auto_deleverage: AdlConfig,
    /// Price publishing from an HTTP JSON source.
    #[serde(default)]
    pub prices: Option<PricesConfig>,
}

/// Contract addresses.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractsConfig {
    /// The engine.
    #[serde(default)]
    pub perps: Option<String>,
    /// The price feed (needed by the price task only).
    #[serde(default)]
    pub price_feed: Option<String>,
}

/// Liquidation task.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidateConfig {
    /// On or off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// HD index of the signing account (m/44'/118'/0'/0/index).
    #[serde(default)]
    pub account: u32,
    /// Pause between two scans.
    #[serde(default = "default_liquidate_interval")]
    pub interval_ms: u64,
    /// Accounts scanned per `liquidatable_accounts` page (max 30).
    #[serde(default = "default_page")]
    pub page_limit: u32,
    /// Profit over the gas cost a liquidation must bring, in collateral base units.
    #[serde(default)]
    pub min_profit: Uint128,
}

impl Default for LiquidateConfig {
    fn default() -> Self {
        LiquidateConfig {
            enabled: true,
            account: 0,
            interval_ms: default_liquidate_interval(),
            page_limit: default_page(),
            min_profit: Uint128::zero(),
        }
    }
}

/// Fee sweep task.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// On or off.
    #[serde(default)]
    pub enabled: bool,
    /// HD index of the signing account.
    #[serde(default = "three")]
    pub account: u32,
    /// Pause between two checks.
    #[serde(default = "default_sweep_interval")]
    pub interval_ms: u64,
    /// Sweep only when at least this much is pending (collateral base units).
    #[serde(default = "one_u128")]
    pub min_pending: Uint128,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            enabled: false,
            account: 3,
            interval_ms: default_sweep_interval(),
            min_pending: Uint128::one(),
        }
    }
}

/// Settlement task.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleConfig {
    /// On or off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// HD index of the signing account (may be shared with another task).
    #[serde(default = "three")]
    pub account: u32,
    /// Pause between two checks.
    #[serde(default = "default_settle_interval")]
    pub interval_ms: u64,
    /// Positions per `settle_positions` call (max 30).
    #[serde(default = "default_page")]
    pub limit: u32,
}

impl Default for SettleConfig {
    fn default() -> Self {
        SettleConfig {
            enabled: true,
            account: 3,
            interval_ms: default_settle_interval(),
            limit: default_page(),
        }
    }
}

/// Order execution task.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersConfig {
    /// On or off (needs an engine with orders).
    #[serde(default)]
    pub enabled: bool,
    /// HD index of the signing account.
    #[serde(default = "one_u32")]
    pub account: u32,
    /// Pause between two scans.
    #[serde(default = "default_liquidate_interval")]
    pub interval_ms: u64,
    /// Orders per `execute_orders` call (max 10).
    #[serde(default = "default_orders_limit")]
    pub limit: u32,
    /// Orders per `pending_orders` page (max 30).
    #[serde(default = "default_page")]
    pub page_limit: u32,
    /// Profit over the gas cost an execution must bring (keeper fees), collateral base units.
    /// 0 executes every ready order, even at a loss: orders must fill at their first price.
    #[serde(default)]
    pub min_profit: Uint128,
    /// Execute even when the keeper fees do not cover the gas (default true: an order that waits
    /// for a profitable keeper still fills at its pinned price, but late).
    #[serde(default = "yes")]
    pub execute_unprofitable: bool,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            enabled: false,
            account: 1,
            interval_ms: default_liquidate_interval(),
            limit: default_orders_limit(),
            page_limit: default_page(),
            min_profit: Uint128::zero(),
            execute_unprofitable: true,
        }
    }
}

/// Auto-deleveraging task.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdlConfig {
    /// On or off (needs an engine with auto-deleveraging).
    #[serde(default)]
    pub enabled: bool,
    /// HD index of the signing account.
    #[serde(default = "two")]
    pub account: u32,
    /// Pause between two checks.
    #[serde(default = "default_settle_interval")]
    pub interval_ms: u64,
    /// Positions per `auto_deleverage` call.
    #[serde(default = "default_orders_limit")]
    pub limit: u32,
}

impl Default for AdlConfig {
    fn default() -> Self {
        AdlConfig {
            enabled: false,
            account: 2,
            interval_ms: default_settle_interval(),
            limit: default_orders_limit(),
        }
    }
}

/// Price publishing from an HTTP JSON source.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricesConfig {
    /// On or off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// HD index of the publishing account (a publisher of the price feed).
    #[serde(default = "four")]
    pub account: u32,
    /// Pause between two fetches.
    #[serde(default = "default_prices_interval")]
    pub interval_ms: u64,
    /// The source (GET, JSON body).
    pub url: String,
    /// Timeout of one fetch.
    #[serde(default = "default_fetch_timeout")]
    pub timeout_ms: u64,
    /// A price observed longer ago than this is stale: not published.
    #[serde(default = "default_max_age")]
    pub max_age_secs: u64,
    /// A publish time further than this in the future is garbage.
    #[serde(default = "default_max_future")]
    pub max_future_secs: u64,
    /// Largest move from the price on chain a single update may make (ratio); beyond it the
    /// source is not trusted and nothing is published for that feed. Absent: no bound.
    #[serde(default)]
    pub max_move: Option<Decimal256>,
    /// The feeds and where their numbers are in the JSON.
    pub feeds: Vec<FeedSource>,
}

/// Where one feed's numbers are in the source's JSON (RFC 6901 JSON pointers, e.g.
/// `/bitcoin/usd`). Numbers may be JSON numbers or decimal strings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSource {
    /// The price-feed's feed id.
    pub feed_id: String,
    /// Pointer to the price.
    pub price: String,
    /// Pointer to the observation time (Unix seconds). Absent: the fetch time, which cannot tell
    /// a frozen source from a live one: give it whenever the source has it.
    #[serde(default)]
    pub publish_time: Option<String>,
    /// Pointer to the confidence interval (price units).
    #[serde(default)]
    pub conf: Option<String>,
    /// Pointer to an EMA price.
    #[serde(default)]
    pub ema_price: Option<String>,
    /// Confidence as a ratio of the price when the source gives none (default 0).
    #[serde(default)]
    pub conf_ratio: Option<Decimal256>,
}

fn default_gas_adjustment() -> Decimal256 {
    Decimal256::percent(130)
}
fn one() -> Decimal256 {
    Decimal256::one()
}
fn one_u128() -> Uint128 {
    Uint128::one()
}
fn default_mnemonic_env() -> String {
    "KEEPER_MNEMONIC".to_string()
}
fn default_rpc_timeout() -> u64 {
    5_000
}
fn default_tx_timeout() -> u64 {
    30
}
fn default_backoff_initial() -> u64 {
    250
}
fn default_backoff_max() -> u64 {
    10_000
}
fn default_max_block_age() -> u64 {
    30
}
fn yes() -> bool {
    true
}
fn one_u32() -> u32 {
    1
}
fn two() -> u32 {
    2
}
fn three() -> u32 {
    3
}
fn four() -> u32 {
    4
}
fn default_liquidate_interval() -> u64 {
    500
}
fn default_page() -> u32 {
    30
}
fn default_sweep_interval() -> u64 {
    3_600_000
}
fn default_settle_interval() -> u64 {
    10_000
}
fn default_orders_limit() -> u32 {
    10
}
fn default_prices_interval() -> u64 {
    1_000
}
fn default_fetch_timeout() -> u64 {
    2_000
}
fn default_max_age() -> u64 {
    30
}
fn default_max_future() -> u64 {
    5
}

/// The contracts the keeper talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contracts {
    /// The engine.
    pub perps: String,
    /// The price feed, when known.
    pub price_feed: Option<String>,
}

impl Config {
    /// Reads and checks a TOML file; relative paths become relative to its directory.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config = Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(state) = &config.deploy_state {
            if state.is_relative() {
                config.deploy_state = Some(base.join(state));
            }
        }
        Ok(config)
    }

    /// Parses and checks TOML text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// The checks that need no chain.
    pub fn check(&self) -> Result<(), String> {
        if self.gas_adjustment < Decimal256::one() {
            return Err(format!(
                "gas_adjustment {} must be at least 1",
                self.gas_adjustment
            ));
        }
        if self.liquidate.page_limit == 0 || self.liquidate.page_limit > 30 {
            return Err("liquidate.page_limit must be in 1..=30".into());
        }
        if self.settle_positions.limit == 0 || self.settle_positions.limit > 30 {
            return Err("settle_positions.limit must be in 1..=30".into());
        }
        if self.execute_orders.limit == 0 || self.execute_orders.limit > 10 {
            return Err("execute_orders.limit must be in 1..=10".into());
        }
        if self.execute_orders.page_limit == 0 || self.execute_orders.page_limit > 30 {
            return Err("execute_orders.page_limit must be in 1..=30".into());
        }
        if self.backoff_initial_ms == 0 || self.backoff_max_ms < self.backoff_initial_ms {
            return Err("backoff_initial_ms must be > 0 and ≤ backoff_max_ms".into());
        }
        if let Some(p) = &self.prices {
            if p.enabled && p.feeds.is_empty() {
                return Err("prices.feeds is empty".into());
            }
            for f in &p.feeds {
                for pointer in [Some(&f.price), f.publish_time.as_ref(), f.conf.as_ref()]
                    .into_iter()
                    .chain([f.ema_price.as_ref()])
                    .flatten()
                {
                    if !pointer.is_empty() && !pointer.starts_with('/') {
                        return Err(format!(
                            "prices.feeds {}: {pointer:?} is not a JSON pointer (starts with /)",
                            f.feed_id
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The contract addresses: `[contracts]` first, then the deploy state file.
    pub fn contracts(&self) -> Result<Contracts, String> {
        let mut perps = self.contracts.perps.clone();
        let mut price_feed = self.contracts.price_feed.clone();
        if let Some(path) = &self.deploy_state {
            let text = std::fs::read(path)
                .map_err(|e| format!("cannot read the deploy state {}: {e}", path.display()))?;
            let state: serde_json::Value = serde_json::from_slice(&text)
                .map_err(|e| format!("invalid deploy state {}: {e}", path.display()))?;
            let get = |name: &str| state["contracts"][name].as_str().map(str::to_string);
            perps = perps.or_else(|| get("perps"));
            price_feed = price_feed.or_else(|| get("price-feed"));
        }
        let perps = perps
            .ok_or_else(|| "no engine address: set contracts.perps or deploy_state".to_string())?;
        Ok(Contracts { perps, price_feed })
    }

    /// Every enabled task's name and signing account.
    pub fn task_accounts(&self) -> Vec<(&'static str, u32)> {
        let mut out = Vec::new();
        if self.liquidate.enabled {
            out.push(("liquidate", self.liquidate.account));
        }
        if self.execute_orders.enabled {
            out.push(("execute_orders", self.execute_orders.account));
        }
        if self.auto_deleverage.enabled {
            out.push(("auto_deleverage", self.auto_deleverage.account));
        }
        if self.sweep_fees.enabled {
            out.push(("sweep_fees", self.sweep_fees.account));
        }
        if self.settle_positions.enabled {
            out.push(("settle_positions", self.settle_positions.account));
        }
        if let Some(p) = self.prices.as_ref().filter(|p| p.enabled) {
            out.push(("prices", p.account));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_with_its_defaults() {
        let text = include_str!("../keeper.example.toml");
        let c = Config::parse(text).unwrap();
        assert_eq!(c.gas_adjustment, Decimal256::percent(130));
        assert!(c.liquidate.enabled);
        assert_eq!(c.liquidate.page_limit, 30);
        let p = c.prices.unwrap();
        assert_eq!(p.feeds.len(), 2);
        assert_eq!(p.feeds[0].price, "/BTC/price");
        assert_eq!(c.liquidate.account, 1);
        // markets are deferred by default: the example executes their orders, and deleverages
        assert!(c.execute_orders.enabled);
        assert!(c.auto_deleverage.enabled);
    }

    #[test]
    fn bad_values_are_refused_with_the_field_named() {
        let base = "rpc = \"http://x\"\ngas_price = \"0.025uusdc\"\nbech32_prefix = \"wasm\"\n";
        assert!(Config::parse(base).is_ok());
        let e = Config::parse(&format!("{base}[liquidate]\npage_limit = 31\n")).unwrap_err();
        assert!(e.contains("liquidate.page_limit"), "{e}");
        let e = Config::parse(&format!("{base}gas_adjustment = \"0.9\"\n")).unwrap_err();
        assert!(e.contains("gas_adjustment"), "{e}");
        let e = Config::parse(&format!("{base}mnemonic = \"abandon\"\n")).unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
        let e = Config::parse(&format!(
            "{base}[prices]\nurl = \"http://p\"\n[[prices.feeds]]\nfeed_id = \"BTC\"\nprice = \"BTC.price\"\n"
        ))
        .unwrap_err();
        assert!(e.contains("JSON pointer"), "{e}");
    }

    #[test]
    fn addresses_come_from_the_table_before_the_state_file() {
        let dir = std::env::temp_dir().join(format!("keeper-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let state = dir.join("state.json");
        std::fs::write(
            &state,
            r#"{"contracts": {"perps": "wasm1engine", "price-feed": "wasm1feed"}}"#,
        )
        .unwrap();
        let text = format!(
            "rpc = \"http://x\"\ngas_price = \"0.025uusdc\"\nbech32_prefix = \"wasm\"\ndeploy_state = {:?}\n",
            state.display().to_string()
        );
        let c = Config::parse(&text).unwrap();
        assert_eq!(
            c.contracts().unwrap(),
            Contracts {
                perps: "wasm1engine".into(),
                price_feed: Some("wasm1feed".into())
            }
        );
        let c = Config::parse(&format!("{text}[contracts]\nperps = \"wasm1other\"\n")).unwrap();
        assert_eq!(c.contracts().unwrap().perps, "wasm1other");
        let _ = std::fs::remove_dir_all(dir);
    }
}
