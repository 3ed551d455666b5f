//! A node over loopback with the protocol deployed by perps-deploy, traders with real signed
//! transactions, and the engine's invariants checked through queries.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cosmrs::tx::Fee;
use cosmwasm_std::{Coin, Decimal256, Int128, SignedDecimal256, Uint128, Uint256};
use localnet::client::{msg_execute, Client, Signer, TxOutcome, Wallet};
use localnet::node::genesis::GenesisCoin;
use localnet::node::{serve, Genesis, GenesisAccount, ServeOptions, Server};
use perps_api::perps::{
    AccountsResponse, ConfigResponse, ExecuteMsg, LiquidatableAccountsResponse, MarketResponse,
    QueryMsg, VaultResponse,
};
use perps_api::price_feed::{self, PriceUpdate};
use perps_deploy::{deploy, DeployConfig, Outcome};
use perps_keeper::config::Config;
use serde_json::json;

/// The test mnemonic (keys hold nothing anywhere but on these local chains).
pub const MNEMONIC: &str = "notice oak worry limit wrap speak medal online prefer cluster roof addict wrist behave treat actual wasp year salad speed social layer crew genius";
pub const PREFIX: &str = "wasm";
pub const DENOM: &str = "uusdc";
/// HD index of the first keeper's accounts (liquidate, prices, ...).
pub const KEEPER_A: u32 = 1;
/// HD index of a second keeper.
pub const KEEPER_B: u32 = 11;
/// One USDC.
pub const USDC: u128 = 1_000_000;

const DEPLOY: &str = r#"
rpc = "http://127.0.0.1:1"
gas_price = "0.025uusdc"
bech32_prefix = "wasm"
state = "deploy-state.json"

[price_feed]
publishers = []
max_future_secs = 5

[insurance_fund]
denom = "uusdc"

[perps]
collateral_denom = "uusdc"
collateral_decimals = 6
max_oracle_age_secs = 60
max_confidence_ratio = "0.01"
max_ema_deviation = "0.1"
liquidation_target_ratio = "1.25"
liquidator_reward_share = "0.5"
insurance_fee_share = "0.2"
vault_min_backing = "0.1"
min_liquidation_reward = "5000000"

[[feeds]]
feed_id = "BTC"
description = "BTC/USD"

[[markets]]
market_id = "BTC"
[markets.config]
feed_id = "BTC"
margin_tiers = [{ initial_margin_ratio = "0.1", maintenance_margin_ratio = "0.05" }]
taker_fee = "0.001"
skew_scale = "0"
max_funding_rate_per_day = "0"
max_long_oi = "100000000000000"
max_short_oi = "100000000000000"
min_order_size = "0.001"
liquidation_fee = "0.01"
"#;

/// Whether the engine's API (perps-api of this tree) has the query `q`.
pub fn engine_has_query(q: serde_json::Value) -> bool {
    serde_json::from_value::<QueryMsg>(q).is_ok()
}

/// Whether this tree's `MarketConfig` has `execution` (deferred orders, DESIGN 6.11).
fn markets_have_execution() -> bool {
    let cfg: toml::Value = toml::from_str(DEPLOY).unwrap();
    let mut market = serde_json::to_value(&cfg["markets"][0]["config"]).unwrap();
    market["execution"] = json!("immediate");
    serde_json::from_value::<perps_api::perps::MarketConfig>(market).is_ok()
}

/// A trader: its wallet and account number.
pub struct Trader {
    pub wallet: Wallet,
    pub address: String,
    pub number: u64,
}

/// One net at a time: the tests measure blocks and time, and two nodes with their keepers on
/// two cores would measure each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The node, the contracts and the traders.
pub struct Net {
    _turn: std::sync::MutexGuard<'static, ()>,
    pub server: Option<Server>,
    pub addr: SocketAddr,
    pub rpc: String,
    pub client: Client,
    pub genesis: Genesis,
    pub state: Option<PathBuf>,
    pub dir: PathBuf,
    pub owner: Wallet,
    pub perps: String,
    pub feed: String,
    pub deploy_state: PathBuf,
    pub traders: Vec<Trader>,
}

pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perps-keeper-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn coins(amount: u128) -> Vec<GenesisCoin> {
    vec![GenesisCoin {
        denom: DENOM.into(),
        amount: Uint256::from(amount),
    }]
}

pub fn coin(amount: u128) -> Coin {
    Coin::new(Uint256::from(amount), DENOM)
}

/// Trader wallets: m/44'/118'/0'/0/(1000 + i), the seed computed once.
pub fn trader_wallets(n: usize) -> Vec<Wallet> {
    (0..n)
        .map(|i| Wallet::from_mnemonic(MNEMONIC, 1000 + i as u32, PREFIX).unwrap())
        .collect()
}

impl Net {
    /// A node (`block_time_ms`), the protocol deployed, `traders` funded accounts, a price of
    /// 60,000 for BTC and 20M USDC in the vault. `state`: the node saves its chain there.
    pub fn start(name: &str, block_time_ms: u64, traders: usize, keep_state: bool) -> Net {
        Net::start_with(
            name,
            block_time_ms,
            traders,
            keep_state,
            "immediate",
            20_000_000,
        )
    }

    /// [`Net::start`] with the BTC market's `execution` (`immediate` or `deferred`; left out on
    /// an engine without orders, where every trade is immediate) and `vault_usdc` of liquidity.
    pub fn start_with(
        name: &str,
        block_time_ms: u64,
        traders: usize,
        keep_state: bool,
        execution: &str,
        vault_usdc: u128,
    ) -> Net {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempdir(name);
        let owner = Wallet::from_mnemonic(MNEMONIC, 0, PREFIX).unwrap();
        let keepers: Vec<String> = (KEEPER_A..KEEPER_A + 5)
            .chain(KEEPER_B..KEEPER_B + 5)
            .map(|i| {
                Wallet::from_mnemonic(MNEMONIC, i, PREFIX)
                    .unwrap()
                    .address()
                    .to_string()
            })
            .collect();
        let wallets = trader_wallets(traders);
        let mut accounts = vec![GenesisAccount {
            address: owner.address().to_string(),
            coins: coins(1_000_000_000 * USDC),
        }];
        accounts.extend(keepers.iter().map(|k| GenesisAccount {
            address: k.clone(),
            coins: coins(1_000 * USDC),
        }));
        let first_trader = accounts.len() as u64;
        accounts.extend(wallets.iter().map(|w| GenesisAccount {
            address: w.address().to_string(),
            coins: coins(2_000 * USDC),
        }));
        let genesis = Genesis {
            chain_id: format!("keeper-{name}"),
            bech32_prefix: PREFIX.into(),
            fee_denom: DENOM.into(),
            min_gas_price: "0.025".parse().unwrap(),
            block_time_ms,
            accounts,
        };
        let state = keep_state.then(|| dir.join("chain.json"));
        let server = serve(ServeOptions {
            genesis: genesis.clone(),
            rpc: Some("127.0.0.1:0".parse().unwrap()),
            state: state.clone(),
        })
        .unwrap();
        let addr = server.addr();
        let rpc = format!("http://{addr}");
        let client = Client::connect(&rpc).unwrap();

        let toml_path = dir.join("deploy.toml");
        let mut deploy_toml = DEPLOY.to_string();
        if markets_have_execution() {
            deploy_toml.push_str(&format!("execution = \"{execution}\"\n"));
        }
        std::fs::write(&toml_path, deploy_toml).unwrap();
        let mut cfg = DeployConfig::load(&toml_path).unwrap();
        cfg.rpc = rpc.clone();
        cfg.artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts");
        let deployed = match deploy(&cfg, MNEMONIC, None).unwrap() {
            Outcome::Complete(s) => s,
            Outcome::Stopped(s) => panic!("deploy stopped: {s:?}"),
        };
        let traders = wallets
            .into_iter()
            .enumerate()
            .map(|(i, wallet)| Trader {
                address: wallet.address().to_string(),
                wallet,
                number: first_trader + i as u64,
            })
            .collect();
        let net = Net {
            _turn: turn,
            server: Some(server),
            addr,
            rpc,
            client,
            genesis,
            state,
            dir,
            owner,
            perps: deployed.contracts["perps"].clone(),
            feed: deployed.contracts["price-feed"].clone(),
            deploy_state: cfg.state.clone(),
            traders,
        };
        let publishers: Vec<String> = std::iter::once(net.owner.address().to_string())
            .chain([keepers[3].clone(), keepers[8].clone()])
            .collect();
        net.owner_exec(
            &net.feed,
            &price_feed::ExecuteMsg::SetPublishers { publishers },
            &[],
        );
        net.publish("60000");
        net.owner_exec(
            &net.perps,
            &ExecuteMsg::ProvideLiquidity {},
            &[coin(vault_usdc * USDC)],
        );
        net
    }

    pub fn owner_exec(
        &self,
        contract: &str,
        msg: &impl serde::Serialize,
        funds: &[Coin],
    ) -> TxOutcome {
        let wallet = Wallet::from_mnemonic(MNEMONIC, 0, PREFIX).unwrap();
        let signer = Signer::new(&self.client, wallet, "0.025uusdc").unwrap();
        signer.execute(contract, msg, funds).unwrap()
    }

    /// The owner publishes a BTC price observed now (waits a second when the last publish
    /// time is this second: publish times must grow).
    pub fn publish(&self, price: &str) -> TxOutcome {
        let now = now_secs();
        let last = self
            .client
            .smart::<price_feed::PriceResponse>(
                &self.feed,
                &price_feed::QueryMsg::Price {
                    feed_id: "BTC".into(),
                },
            )
            .map_or(0, |p| p.publish_time);
        let mut t = now;
        while last >= t {
            std::thread::sleep(Duration::from_millis(200));
            t = now_secs();
        }
        let p: Decimal256 = price.parse().unwrap();
        self.owner_exec(
            &self.feed,
            &price_feed::ExecuteMsg::UpdatePrices {
                prices: vec![PriceUpdate {
                    feed_id: "BTC".into(),
                    price: p,
                    conf: Decimal256::zero(),
                    ema_price: None,
                    publish_time: t,
                }],
            },
            &[],
        )
    }

    /// Every trader opens a BTC long with 1,000 USDC attached: `size(i)` BTC. All broadcast
    /// back to back (one signed transaction each), then awaited.
    pub fn open_positions(&self, size: impl Fn(usize) -> &'static str) {
        let chain_id = self.genesis.chain_id.clone();
        let mut hashes = Vec::new();
        for (i, t) in self.traders.iter().enumerate() {
            let msg = ExecuteMsg::Trade {
                market_id: "BTC".into(),
                size_delta: size(i).parse::<SignedDecimal256>().unwrap(),
                acceptable_price: None,
                mode: None,
            };
            let any = msg_execute(&t.address, &self.perps, &msg, &[coin(1_000 * USDC)]).unwrap();
            let gas = 400_000u64;
            let fee = Fee::from_amount_and_gas(
                cosmrs::Coin {
                    denom: DENOM.parse().unwrap(),
                    amount: 10_000,
                },
                gas,
            );
            let tx = t
                .wallet
                .sign(vec![any], fee, &chain_id, t.number, 0)
                .unwrap();
            hashes.push(self.client.broadcast(tx).unwrap());
        }
        for h in hashes {
            let out = self.client.wait_tx(&h, Duration::from_secs(60)).unwrap();
            assert_eq!(out.code, 0, "{}", out.log);
        }
    }

    /// The liquidatable accounts, by a full scan.
    pub fn liquidatable(&self) -> Vec<String> {
        self.scan(|start_after, limit| {
            let page: LiquidatableAccountsResponse =
                self.query(&QueryMsg::LiquidatableAccounts { start_after, limit });
            let addresses = page.accounts.iter().map(|a| a.address.to_string());
            (addresses.collect(), page.next_start_after)
        })
    }

    /// Every account of the engine.
    pub fn accounts(&self) -> Vec<perps_api::perps::AccountResponse> {
        self.scan(|start_after, limit| {
            let page: AccountsResponse = self.query(&QueryMsg::Accounts { start_after, limit });
            (page.accounts, page.next_start_after)
        })
    }

    fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.client.smart(&self.perps, msg).unwrap()
    }

    /// Every item of a paged engine query, 30 a page: `page(start_after, limit)` returns a
    /// page's items and where the next page starts (none after the last).
    fn scan<T>(
        &self,
        page: impl Fn(Option<String>, Option<u32>) -> (Vec<T>, Option<String>),
    ) -> Vec<T> {
        let mut out = Vec::new();
        let mut start_after = None;
        loop {
            let (items, next) = page(start_after, Some(30));
            out.extend(items);
            match next {
                Some(n) => start_after = Some(n),
                None => return out,
            }
        }
    }

    /// Invariants 1 and 2 of DESIGN 8 through queries: the engine's bank balance covers its
    /// ledger (Σ collateral + Σ isolated margin + vault cash + pending insurance fees) up to
    /// dust in its favour, and the market's open interest is the sum of the positions.
    pub fn check_invariants(&self) {
        let accounts = self.accounts();
        let mut ledger = Int128::zero();
        let (mut long, mut short) = (SignedDecimal256::zero(), SignedDecimal256::zero());
        for a in &accounts {
            ledger += a.collateral;
            for p in &a.positions {
                if let Some(m) = p.margin {
                    ledger += Int128::try_from(m).unwrap();
                }
                if p.size > SignedDecimal256::zero() {
                    long += p.size;
                } else {
                    short -= p.size;
                }
            }
        }
        let vault: VaultResponse = self.client.smart(&self.perps, &QueryMsg::Vault {}).unwrap();
        let cfg: ConfigResponse = self
            .client
            .smart(&self.perps, &QueryMsg::Config {})
            .unwrap();
        ledger += vault.cash;
        ledger += Int128::try_from(cfg.pending_insurance_fees).unwrap();
        let balance = self.client.balance(&self.perps, DENOM).unwrap();
        let balance = Int128::try_from(Uint128::try_from(balance).unwrap()).unwrap();
        assert!(
            ledger <= balance,
            "conservation: ledger {ledger} exceeds the engine's balance {balance}"
        );
        assert!(
            balance - ledger <= Int128::new(1_000),
            "conservation: balance {balance} − ledger {ledger} is more than dust"
        );
        let m: MarketResponse = self
            .client
            .smart(
                &self.perps,
                &QueryMsg::Market {
                    market_id: "BTC".into(),
                },
            )
            .unwrap();
        assert_eq!(
            SignedDecimal256::try_from(m.state.long_oi).unwrap(),
            long,
            "long OI"
        );
        assert_eq!(
            SignedDecimal256::try_from(m.state.short_oi).unwrap(),
            short,
            "short OI"
        );
    }

    pub fn height(&self) -> u64 {
        self.client.status().unwrap().height
    }

    /// Stops the node (its chain is saved when it has a state file).
    pub fn stop_node(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().unwrap();
        }
    }

    /// Starts the node again on the same port from its state file.
    pub fn restart_node(&mut self) {
        assert!(self.server.is_none());
        let server = serve(ServeOptions {
            genesis: self.genesis.clone(),
            rpc: Some(self.addr),
            state: self.state.clone(),
        })
        .unwrap();
        self.server = Some(server);
    }

    /// A keeper configuration for this net: liquidation on, signing with `first` (prices with
    /// `first + 3` when enabled later), fast intervals, metrics on a free port.
    pub fn keeper_config(&self, first: u32) -> Config {
        let text = format!(
            r#"
rpc = "{rpc}"
chain_id = "{chain}"
gas_price = "0.025uusdc"
bech32_prefix = "wasm"
deploy_state = "{state}"
metrics_addr = "127.0.0.1:0"
tx_timeout_secs = 10
backoff_initial_ms = 100
backoff_max_ms = 1000
max_block_age_secs = 5

[liquidate]
account = {first}
interval_ms = 100

[settle_positions]
enabled = false
"#,
            rpc = self.rpc,
            chain = self.genesis.chain_id,
            state = self.deploy_state.display(),
        );
        Config::parse(&text).unwrap()
    }

    pub fn finish(mut self) {
        self.stop_node();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Polls `f` every 50 ms until it is true or `timeout` passed.
/// Asserts that `task` has failed for none of the keeper's failure reasons.
pub fn assert_no_failures(k: &perps_keeper::Keeper, task: &str) {
    for reason in [
        "contract_error",
        "out_of_gas",
        "node_unreachable",
        "tx_timeout",
    ] {
        assert_eq!(k.metrics.failures_of(task, reason), 0, "{reason}");
    }
}

pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

/// Whether keeper `k` has scanned at least `pages` pages of accounts within `timeout`.
pub fn scans_at_least(k: &perps_keeper::Keeper, pages: u64, timeout: Duration) -> bool {
    wait_until(timeout, || k.metrics.scan_pages.get() >= pages)
}

/// `GET path` over plain HTTP/1.0: (status, body).
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// The value of metric line `name` (with labels) in an exposition.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[allow(dead_code)]
pub fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| json!({ "raw": body }))
}

/// Every liquidation event of the chain: (height, account, liquidator).
pub fn liquidation_events(node: SocketAddr) -> Vec<(u64, String, String)> {
    tx_events(node, "wasm-liquidation", "mode", "cross")
        .into_iter()
        .filter(|(_, ty, _)| ty == "wasm-liquidation")
        .map(|(height, _, attrs)| {
            let attr = |k: &str| attrs.get(k).cloned().unwrap_or_default();
            (height, attr("account"), attr("liquidator"))
        })
        .collect()
}

/// The attributes of every `ty` event of the chain's successful transactions with attribute
/// `key` = `value`, oldest first.
pub fn events_where(
    node: SocketAddr,
    ty: &str,
    key: &str,
    value: &str,
) -> Vec<std::collections::BTreeMap<String, String>> {
    tx_events(node, ty, key, value)
        .into_iter()
        .filter(|(_, t, attrs)| t == ty && attrs.get(key).map(String::as_str) == Some(value))
        .map(|(_, _, attrs)| attrs)
        .collect()
}

/// Every event (height, type, attributes) of the chain's successful transactions that hold a
/// `ty` event with attribute `key` = `value` (`tx_search`, all pages), oldest first.
fn tx_events(
    node: SocketAddr,
    ty: &str,
    key: &str,
    value: &str,
) -> Vec<(u64, String, std::collections::BTreeMap<String, String>)> {
    let mut out = Vec::new();
    for page in 1.. {
        let (status, body) = http_get(
            node,
            &format!("/tx_search?query=%22{ty}.{key}%3D%27{value}%27%22&per_page=100&page={page}"),
        );
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let txs = v["result"]["txs"].as_array().cloned().unwrap_or_default();
        for tx in txs
            .iter()
            .filter(|t| t["tx_result"]["code"].as_u64().unwrap_or(0) == 0)
        {
            let height: u64 = tx["height"].as_str().unwrap().parse().unwrap();
            for e in tx["tx_result"]["events"].as_array().unwrap() {
                let attrs = e["attributes"].as_array().unwrap();
                let map = attrs
                    .iter()
                    .map(|a| {
                        let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
                        (s("key"), s("value"))
                    })
                    .collect();
                let kind = e["type"].as_str().unwrap_or_default().to_string();
                out.push((height, kind, map));
            }
        }
        if txs.len() < 100 {
            break;
        }
    }
    out
}
