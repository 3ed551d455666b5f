//! `perps-keeper`: the keeper bot of the perps protocol (DESIGN 12).
//!
//! Tasks, each switchable in `keeper.toml` and each on its own thread with its own RPC client and
//! signing account (HD accounts of one mnemonic, so no task waits on another's sequence):
//! liquidations ([`tasks::liquidate`]), order execution ([`tasks::orders`]), auto-deleveraging
//! ([`tasks::adl`]), fee sweeps and settlement ([`tasks::maintenance`]), price publishing
//! ([`tasks::prices`]). A heartbeat follows the node's latest block. A failed round is retried
//! with exponential backoff (the node down, a query error); a lost race or a sequence mismatch is
//! counted and the work goes on. `/healthz` and `/metrics` are served on `metrics_addr`.

pub mod chain;
pub mod config;
pub mod http;
pub mod log;
pub mod metrics;
pub mod price_source;
pub mod tasks;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chain::{Chain, SendError, SignerAccount};
use config::Config;
use metrics::{now_secs, Health, Metrics};
use tasks::{Ctx, Task};

/// A running keeper.
pub struct Keeper {
    /// Its metrics.
    pub metrics: Metrics,
    /// Its health.
    pub health: Health,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    http_addr: Option<SocketAddr>,
    addresses: Vec<(&'static str, String)>,
}

impl Keeper {
    /// Where `/healthz` and `/metrics` are served.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// Each task's signing address.
    pub fn addresses(&self) -> &[(&'static str, String)] {
        &self.addresses
    }

    /// The flag that stops it (set by SIGINT / SIGTERM in the binary).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Stops every task after its current round (transactions sent are awaited) and returns
    /// once every thread ended.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Runs until the stop flag is set, then shuts down.
    pub fn wait(self) {
        while !self.stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
        }
        log::info("keeper", "stopping: finishing the current rounds");
        self.shutdown();
        log::info("keeper", "stopped");
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, d: Duration) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::SeqCst) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

fn run_task(
    mut ctx: Ctx,
    mut task: Box<dyn Task>,
    interval: Duration,
    backoff: (Duration, Duration),
) {
    let mut delay = backoff.0;
    log::info(ctx.name, &format!("started, signing as {}", ctx.address));
    while !ctx.stopping() {
        // A panic in a round (a bug, or an answer nothing expected) is a failed round, not a
        // dead task.
        let round = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.tick(&mut ctx)))
            .unwrap_or_else(|_| Err(SendError::Contract("the round panicked".into())));
        match round {
            Ok(detail) => {
                ctx.health.set(ctx.name, true, detail);
                delay = backoff.0;
                sleep_unless_stopped(&ctx.stop, interval);
            }
            Err(SendError::Source(detail)) => {
                // the source's problem, not the chain's: keep the normal pace
                ctx.metrics.fail(ctx.name, "price_source");
                ctx.health
                    .set(ctx.name, false, format!("price source: {detail}"));
                sleep_unless_stopped(&ctx.stop, interval);
            }
            Err(e) => {
                ctx.metrics.fail(ctx.name, e.reason());
                ctx.health.set(ctx.name, false, e.to_string());
                log::warn(
                    ctx.name,
                    &format!("{e}; retrying in {} ms", delay.as_millis()),
                );
                ctx.lock_resync();
                sleep_unless_stopped(&ctx.stop, delay);
                delay = (delay * 2).min(backoff.1);
            }
        }
    }
    log::info(ctx.name, "stopped");
}

fn heartbeat(
    mut chain: Chain,
    metrics: Metrics,
    health: Health,
    stop: Arc<AtomicBool>,
    max_age: u64,
) {
    let mut was_up = true;
    while !stop.load(Ordering::SeqCst) {
        match chain.client.status() {
            Ok(s) => {
                let lag = now_secs().saturating_sub(s.time_secs);
                metrics.node_up.set(1);
                metrics
                    .last_block_height
                    .set(i64::try_from(s.height).unwrap_or(i64::MAX));
                metrics
                    .last_block_time
                    .set(i64::try_from(s.time_secs).unwrap_or(i64::MAX));
                metrics
                    .block_lag_seconds
                    .set(i64::try_from(lag).unwrap_or(i64::MAX));
                health.last_block_time.store(s.time_secs, Ordering::SeqCst);
                let ok = lag <= max_age;
                health.set("node", ok, format!("height {}, block {lag}s old", s.height));
                if !was_up {
                    log::info("node", &format!("reachable again at height {}", s.height));
                }
                was_up = true;
                let _ = chain.chain_id();
            }
            Err(e) => {
                metrics.node_up.set(0);
                health.set("node", false, format!("unreachable: {e}"));
                if was_up {
                    log::warn("node", &format!("unreachable: {e}"));
                }
                was_up = false;
            }
        }
        sleep_unless_stopped(&stop, Duration::from_millis(500));
    }
}

/// Starts every enabled task, the heartbeat and the HTTP server.
pub fn start(config: &Config, mnemonic: &str) -> Result<Keeper, String> {
    config.check()?;
    let contracts = config.contracts()?;
    let task_accounts = config.task_accounts();
    if task_accounts.is_empty() {
        return Err("no task is enabled".into());
    }
    let mut accounts: BTreeMap<u32, Arc<Mutex<SignerAccount>>> = BTreeMap::new();
    for (_, index) in &task_accounts {
        if !accounts.contains_key(index) {
            let a = SignerAccount::new(mnemonic, *index, &config.bech32_prefix)?;
            accounts.insert(*index, Arc::new(Mutex::new(a)));
        }
    }
    let address_of = |i: u32| -> String {
        accounts[&i]
            .lock()
            .map(|a| a.address().to_string())
            .unwrap_or_default()
    };
    let own: Vec<String> = accounts.keys().map(|i| address_of(*i)).collect();
    let addresses: Vec<(&'static str, String)> = task_accounts
        .iter()
        .map(|(t, i)| (*t, address_of(*i)))
        .collect();
    let metrics = Metrics::new();
    let health = Health::default();
    let stop = Arc::new(AtomicBool::new(false));
    let timeouts = (
        Duration::from_millis(config.rpc_timeout_ms),
        Duration::from_secs(config.tx_timeout_secs),
    );
    let new_chain = || {
        Chain::new(
            &config.rpc,
            config.chain_id.clone(),
            &config.gas_price,
            config.gas_adjustment,
            timeouts,
        )
    };
    let mut threads = Vec::new();
    let http_addr = match config.metrics_addr {
        Some(addr) => {
            let (bound, t) = http::serve(addr, metrics.clone(), health.clone(), Arc::clone(&stop))?;
            threads.push(t);
            log::info(
                "keeper",
                &format!("/healthz and /metrics on http://{bound}"),
            );
            Some(bound)
        }
        None => None,
    };
    {
        let chain = new_chain()?;
        let (m, h, s) = (metrics.clone(), health.clone(), Arc::clone(&stop));
        let max_age = config.max_block_age_secs;
        threads.push(
            std::thread::Builder::new()
                .name("heartbeat".into())
                .spawn(move || heartbeat(chain, m, h, s, max_age))
                .map_err(|e| e.to_string())?,
        );
    }
    let backoff = (
        Duration::from_millis(config.backoff_initial_ms),
        Duration::from_millis(config.backoff_max_ms),
    );
    for (name, index) in task_accounts {
        // `Ctx::perps` is the engine for every task (prices publishes to the feed it holds)
        let (task, interval): (Box<dyn Task>, u64) = match name {
            "liquidate" => (
                Box::new(tasks::liquidate::Liquidate::new(
                    config.liquidate.page_limit,
                    config.liquidate.min_profit,
                )),
                config.liquidate.interval_ms,
            ),
            "execute_orders" => {
                let c = &config.execute_orders;
                (
                    Box::new(tasks::orders::ExecuteOrders {
                        limit: c.limit,
                        page_limit: c.page_limit,
                        min_profit: c.min_profit,
                        execute_unprofitable: c.execute_unprofitable,
                    }),
                    c.interval_ms,
                )
            }
            "auto_deleverage" => (
                Box::new(tasks::adl::AutoDeleverage {
                    limit: config.auto_deleverage.limit,
                }),
                config.auto_deleverage.interval_ms,
            ),
            "sweep_fees" => (
                Box::new(tasks::maintenance::SweepFees {
                    min_pending: config.sweep_fees.min_pending,
                }),
                config.sweep_fees.interval_ms,
            ),
            "settle_positions" => (
                Box::new(tasks::maintenance::SettlePositions {
                    limit: config.settle_positions.limit,
                }),
                config.settle_positions.interval_ms,
            ),
            _ => {
                let p = config
                    .prices
                    .clone()
                    .ok_or_else(|| "prices: no configuration".to_string())?;
                let feed = contracts.price_feed.clone().ok_or_else(|| {
                    "prices: no price-feed address (contracts.price_feed or deploy_state)"
                        .to_string()
                })?;
                let interval = p.interval_ms;
                (
                    Box::new(tasks::prices::Prices::new(p, feed.clone())?),
                    interval,
                )
            }
        };
        let ctx = Ctx {
            name,
            chain: new_chain()?,
            account: Arc::clone(&accounts[&index]),
            address: address_of(index),
            perps: contracts.perps.clone(),
            own: own.clone(),
            fee_price: config.fee_price,
            metrics: metrics.clone(),
            health: health.clone(),
            stop: Arc::clone(&stop),
        };
        threads.push(
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || run_task(ctx, task, Duration::from_millis(interval), backoff))
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(Keeper {
        metrics,
        health,
        stop,
        threads,
        http_addr,
        addresses,
    })
}
