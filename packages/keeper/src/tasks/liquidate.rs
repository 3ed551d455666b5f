//! Liquidations: page through `liquidatable_accounts`; for each account found, decide whether
//! the reward covers the gas plus `min_profit` (the floor) and send `liquidate` with
//! `min_reward` = the floor, so a call that would pay less fails instead of paying less.
//!
//! The reward is known without a simulation when the engine guarantees it: a liquidation of a
//! cross book pays at least `min(min_liquidation_reward, equity)` (the reward is
//! `max(share · penalty, min_liquidation_reward)` capped at what the book holds), and the gas of
//! a book with the same number of positions at risk was seen before. Otherwise (isolated books,
//! a book at or below zero equity, the first of its kind) `liquidate` is simulated for its exact
//! reward and gas.
//!
//! Calls are broadcast back to back with the account's next sequences, and awaited by a second
//! thread, so the scan goes on while earlier calls wait for their block: many liquidations per
//! block from one account. An account whose call is in flight is not sent again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cosmwasm_std::Uint128;
use localnet::client::{Client, ClientError};
use perps_api::perps::{
    ConfigResponse, ExecuteMsg, LiquidatableAccount, LiquidatableAccountsResponse, PositionMode,
    QueryMsg,
};

use super::{count_events, sum_attr, Ctx, Task};
use crate::chain::{events, Pending, SendError, SignerAccount};
use crate::log;
use crate::metrics::Metrics;

/// A call waiting for its block.
struct Sent {
    account: String,
    at_risk: usize,
    pending: Pending,
}

/// What the scanning thread and the awaiting thread share.
#[derive(Clone, Default)]
struct Shared {
    /// Largest gas seen per number of positions at risk.
    gas_seen: Arc<Mutex<BTreeMap<usize, u64>>>,
    /// Accounts whose call is not in a block yet.
    inflight: Arc<Mutex<BTreeSet<String>>>,
}

/// The liquidation task.
pub struct Liquidate {
    /// Accounts scanned per page.
    pub page_limit: u32,
    /// Profit over gas, collateral base units.
    pub min_profit: Uint128,
    shared: Shared,
    awaiter: Option<(mpsc::Sender<Sent>, JoinHandle<()>)>,
}

impl Liquidate {
    /// A task with nothing learned yet.
    pub fn new(page_limit: u32, min_profit: Uint128) -> Self {
        Liquidate {
            page_limit,
            min_profit,
            shared: Shared::default(),
            awaiter: None,
        }
    }
}

impl Drop for Liquidate {
    fn drop(&mut self) {
        // the awaiter drains what was sent, then ends
        if let Some((tx, handle)) = self.awaiter.take() {
            drop(tx);
            let _ = handle.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The reward a liquidation of `a` pays at least, without simulating it: its cross books
/// only (isolated equity is not in the scan), and only while the cross equity is positive.
pub fn guaranteed_reward(a: &LiquidatableAccount, min_liquidation_reward: Uint128) -> Uint128 {
    let all_cross = a.positions.iter().all(|p| p.mode == PositionMode::Cross);
    if !all_cross || a.equity.is_negative() || a.equity.is_zero() {
        return Uint128::zero();
    }
    let equity = a.equity.unsigned_abs();
    min_liquidation_reward.min(equity)
}

/// Metric reason of a failed `liquidate`.
pub fn reason(log: &str) -> &'static str {
    if log.contains("is healthy") {
        // another keeper was first (or the price moved back)
        "lost_race"
    } else if log.contains("below min_reward") {
        "reward_below_min"
    } else if log.contains("out of gas") {
        "out_of_gas"
    } else if log.contains("cannot liquidate itself") {
        "self_liquidation"
    } else if log.contains("Oracle") || log.contains("oracle") || log.contains("Unconfirmed") {
        "oracle"
    } else {
        "contract_error"
    }
}

impl Task for Liquidate {
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError> {
        let started = Instant::now();
        let sender = self.awaiter(ctx)?;
        let cfg: ConfigResponse = ctx.query(&QueryMsg::Config {})?;
        let mut start_after: Option<String> = None;
        let (mut pages, mut found, mut sent) = (0u64, 0u64, 0u64);
        let mut timing = Timing::default();
        loop {
            if ctx.stopping() {
                break;
            }
            let page: LiquidatableAccountsResponse =
                ctx.query(&QueryMsg::LiquidatableAccounts {
                    start_after: start_after.clone(),
                    limit: Some(self.page_limit),
                })?;
            pages += 1;
            ctx.metrics.scan_pages.inc();
            let targets: Vec<LiquidatableAccount> = {
                let inflight = lock(&self.shared.inflight);
                page.accounts
                    .into_iter()
                    .filter(|a| {
                        let addr = a.address.to_string();
                        !ctx.own.contains(&addr) && !inflight.contains(&addr)
                    })
                    .collect()
            };
            found += targets.len() as u64;
            for a in &targets {
                if ctx.stopping() {
                    break;
                }
                if let Some(s) = self.send_one(ctx, a, cfg.min_liquidation_reward, &mut timing)? {
                    lock(&self.shared.inflight).insert(s.account.clone());
                    sent += 1;
                    let _ = sender.send(s);
                }
            }
            match page.next_start_after {
                Some(next) => start_after = Some(next),
                None => break,
            }
        }
        let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        ctx.metrics.last_scan_ms.set(ms);
        if sent > 0 {
            log::info(
                ctx.name,
                &format!(
                    "scan of {pages} pages in {ms} ms: {found} liquidatable, {sent} sent \
                     ({} simulations in {} ms, {} broadcasts in {} ms)",
                    timing.simulations, timing.simulate_ms, timing.broadcasts, timing.broadcast_ms,
                ),
            );
        }
        Ok(format!(
            "scan: {pages} pages in {ms} ms, {found} liquidatable, {sent} sent"
        ))
    }
}

/// Where a round's time went.
#[derive(Default)]
struct Timing {
    simulations: u64,
    simulate_ms: u128,
    broadcasts: u64,
    broadcast_ms: u128,
}

impl Liquidate {
    /// The channel to the awaiting thread (started on the first round).
    fn awaiter(&mut self, ctx: &Ctx) -> Result<mpsc::Sender<Sent>, SendError> {
        if let Some((tx, _)) = &self.awaiter {
            return Ok(tx.clone());
        }
        let client = ctx.chain.another_client()?;
        let (tx, rx) = mpsc::channel::<Sent>();
        let w = Awaiter {
            client,
            timeout: ctx.chain.timeout(),
            name: ctx.name,
            address: ctx.address.clone(),
            account: Arc::clone(&ctx.account),
            metrics: ctx.metrics.clone(),
            shared: self.shared.clone(),
        };
        let handle = std::thread::Builder::new()
            .name(format!("{}-await", ctx.name))
            .spawn(move || {
                for s in rx {
                    w.finish(s);
                }
            })
            .map_err(|e| SendError::Contract(e.to_string()))?;
        self.awaiter = Some((tx.clone(), handle));
        Ok(tx)
    }

    /// The reward (at least) and the gas of liquidating `a`: without a simulation when both are
    /// known, else simulated. `None`: the simulation failed (counted).
    fn estimate(
        &mut self,
        ctx: &mut Ctx,
        a: &LiquidatableAccount,
        min_liquidation_reward: Uint128,
        timing: &mut Timing,
    ) -> Result<Option<(Uint128, u64)>, SendError> {
        let guaranteed = guaranteed_reward(a, min_liquidation_reward);
        let known = lock(&self.shared.gas_seen).get(&a.positions.len()).copied();
        if let Some(gas) = known {
            let (cost, _) = ctx.cost(gas);
            if !guaranteed.is_zero() && guaranteed >= cost.saturating_add(self.min_profit) {
                return Ok(Some((guaranteed, gas)));
            }
        }
        let probe = ExecuteMsg::Liquidate {
            account: a.address.to_string(),
            min_reward: None,
        };
        let t = Instant::now();
        let sim = ctx.simulate(&ctx.perps.clone(), &probe);
        timing.simulations += 1;
        timing.simulate_ms += t.elapsed().as_millis();
        match sim {
            Ok(s) => {
                let reward = sum_attr(
                    &s.events,
                    "liquidation",
                    "liquidator_reward",
                    Some(("liquidator", &ctx.address)),
                );
                let mut seen = lock(&self.shared.gas_seen);
                let entry = seen.entry(a.positions.len()).or_default();
                *entry = (*entry).max(s.gas_used);
                Ok(Some((
                    Uint128::try_from(cosmwasm_std::Uint256::from(reward)).unwrap_or(Uint128::MAX),
                    s.gas_used,
                )))
            }
            Err(SendError::Contract(log)) => {
                ctx.metrics.fail(ctx.name, reason(&log));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Decides and broadcasts the liquidation of `a` (not awaited).
    fn send_one(
        &mut self,
        ctx: &mut Ctx,
        a: &LiquidatableAccount,
        min_liquidation_reward: Uint128,
        timing: &mut Timing,
    ) -> Result<Option<Sent>, SendError> {
        let account = a.address.to_string();
        let Some((reward, gas)) = self.estimate(ctx, a, min_liquidation_reward, timing)? else {
            return Ok(None);
        };
        let (cost, gas_limit) = ctx.cost(gas);
        let floor = cost.saturating_add(self.min_profit);
        if reward.is_zero() || reward < floor {
            ctx.metrics.skip(ctx.name, "unprofitable");
            log::info(
                ctx.name,
                &format!("skip {account}: reward {reward} < gas {cost} + profit"),
            );
            return Ok(None);
        }
        let msg = ExecuteMsg::Liquidate {
            account: account.clone(),
            min_reward: (!floor.is_zero()).then_some(floor),
        };
        let t = Instant::now();
        let res = ctx.broadcast(&ctx.perps.clone(), &msg, gas_limit);
        timing.broadcasts += 1;
        timing.broadcast_ms += t.elapsed().as_millis();
        match res {
            Ok(pending) => Ok(Some(Sent {
                account,
                at_risk: a.positions.len(),
                pending,
            })),
            Err(SendError::Node(e)) => Err(SendError::Node(e)),
            Err(e) => {
                ctx.metrics.fail(ctx.name, e.reason());
                Ok(None)
            }
        }
    }
}

/// The awaiting thread: the outcome of every call, in the metrics.
struct Awaiter {
    client: Client,
    timeout: Duration,
    name: &'static str,
    address: String,
    account: Arc<Mutex<SignerAccount>>,
    metrics: Metrics,
    shared: Shared,
}

impl Awaiter {
    fn finish(&self, s: Sent) {
        let out = self.client.wait_tx(&s.pending.hash, self.timeout);
        lock(&self.shared.inflight).remove(&s.account);
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                let reason = match e {
                    ClientError::Timeout(_) => "tx_timeout",
                    _ => "node_unreachable",
                };
                log::warn(
                    self.name,
                    &format!("{}: transaction {}: {e}", s.account, s.pending.hash),
                );
                self.metrics.fail(self.name, reason);
                lock(&self.account).resync();
                return;
            }
        };
        let ev = events(&out);
        let reward = if out.code == 0 {
            sum_attr(
                &ev,
                "liquidation",
                "liquidator_reward",
                Some(("liquidator", &self.address)),
            )
        } else {
            0
        };
        self.metrics.transaction(
            self.name,
            out.gas_used,
            u64::try_from(s.pending.fee).unwrap_or(u64::MAX),
            u64::try_from(reward).unwrap_or(u64::MAX),
        );
        if out.code == 11 {
            // out of gas: learn it again by simulating
            lock(&self.shared.gas_seen).remove(&s.at_risk);
        }
        if out.code == 0 {
            let mut seen = lock(&self.shared.gas_seen);
            let entry = seen.entry(s.at_risk).or_default();
            *entry = (*entry).max(out.gas_used);
            drop(seen);
            self.metrics.liquidations.inc();
            self.metrics
                .positions_liquidated
                .inc_by(count_events(&ev, "liquidation"));
            log::info(
                self.name,
                &format!(
                    "liquidated {} at height {}: reward {reward}, gas {}",
                    s.account, out.height, out.gas_used
                ),
            );
        } else {
            let r = reason(&out.log);
            self.metrics.fail(self.name, r);
            log::info(self.name, &format!("{}: {r} ({})", s.account, out.log));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_risk(equity: i128, modes: &[PositionMode]) -> LiquidatableAccount {
        LiquidatableAccount {
            address: cosmwasm_std::Addr::unchecked("wasm1x"),
            equity: cosmwasm_std::Int128::new(equity),
            maintenance_margin: Uint128::new(1_000),
            positions: modes
                .iter()
                .map(|m| perps_api::perps::PositionAtRisk {
                    market_id: "BTC".into(),
                    mode: m.clone(),
                    size: cosmwasm_std::SignedDecimal256::one(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_reward_is_guaranteed_only_for_cross_books_with_equity() {
        let min = Uint128::new(5_000_000);
        let cross = [PositionMode::Cross, PositionMode::Cross];
        assert_eq!(guaranteed_reward(&at_risk(9_000_000, &cross), min), min);
        assert_eq!(
            guaranteed_reward(&at_risk(1_234, &cross), min),
            Uint128::new(1_234),
            "capped at what the book holds"
        );
        assert!(guaranteed_reward(&at_risk(0, &cross), min).is_zero());
        assert!(guaranteed_reward(&at_risk(-5, &cross), min).is_zero());
        let mixed = [PositionMode::Cross, PositionMode::Isolated];
        assert!(
            guaranteed_reward(&at_risk(9_000_000, &mixed), min).is_zero(),
            "isolated equity is not in the scan: simulate"
        );
    }

    #[test]
    fn failures_are_classified_by_the_engine_error() {
        assert_eq!(
            reason("failed to execute message; message index: 0: account wasm1x is healthy: cross equity 5 ≥ maintenance 3"),
            "lost_race"
        );
        assert_eq!(
            reason("liquidator reward 10 is below min_reward 20"),
            "reward_below_min"
        );
        assert_eq!(reason("out of gas in location: wasm"), "out_of_gas");
        assert_eq!(reason("something else"), "contract_error");
    }
}
