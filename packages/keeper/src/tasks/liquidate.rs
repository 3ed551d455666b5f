//! Liquidations: page through `liquidatable_accounts`; for each account found, simulate
//! `liquidate` (the reward and the gas, for free), skip it when the reward does not cover the
//! gas plus `min_profit`, otherwise send it with `min_reward` = that floor, so a call that would
//! pay less fails instead. The calls of one page are broadcast back to back with the account's
//! next sequences and awaited together: many liquidations per block from one account.

use std::time::Instant;

use cosmwasm_std::Uint128;
use perps_api::perps::{ExecuteMsg, LiquidatableAccountsResponse, QueryMsg};

use super::{count_events, sum_attr, Ctx, Task};
use crate::chain::{events, Pending, SendError};
use crate::log;

/// The liquidation task.
pub struct Liquidate {
    /// Accounts scanned per page.
    pub page_limit: u32,
    /// Profit over gas, collateral base units.
    pub min_profit: Uint128,
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
        let mut start_after: Option<String> = None;
        let (mut pages, mut scanned_found, mut done) = (0u64, 0u64, 0u64);
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
            let targets: Vec<String> = page
                .accounts
                .iter()
                .map(|a| a.address.to_string())
                .filter(|a| !ctx.own.contains(a))
                .collect();
            scanned_found += targets.len() as u64;
            if !targets.is_empty() {
                done += self.liquidate_all(ctx, &targets)?;
            }
            match page.next_start_after {
                Some(next) => start_after = Some(next),
                None => break,
            }
        }
        let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        ctx.metrics.last_scan_ms.set(ms);
        Ok(format!(
            "scan: {pages} pages in {ms} ms, {scanned_found} liquidatable, {done} liquidated"
        ))
    }
}

impl Liquidate {
    /// Simulates, filters and broadcasts every target, then awaits them; returns how many
    /// succeeded.
    fn liquidate_all(&mut self, ctx: &mut Ctx, targets: &[String]) -> Result<u64, SendError> {
        let mut sent: Vec<(String, Pending, u128)> = Vec::new();
        for account in targets {
            if ctx.stopping() {
                break;
            }
            let probe = ExecuteMsg::Liquidate {
                account: account.clone(),
                min_reward: None,
            };
            let sim = match ctx.simulate(&ctx.perps.clone(), &probe) {
                Ok(s) => s,
                Err(SendError::Contract(log)) => {
                    ctx.metrics.fail(ctx.name, reason(&log));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let reward = sum_attr(
                &sim.events,
                "liquidation",
                "liquidator_reward",
                Some(("liquidator", &ctx.address)),
            );
            let (cost, gas_limit) = ctx.cost(sim.gas_used);
            let floor = cost.saturating_add(self.min_profit);
            if reward == 0 || Uint128::new(reward) < floor {
                ctx.metrics.skip(ctx.name, "unprofitable");
                log::info(
                    ctx.name,
                    &format!("skip {account}: reward {reward} < gas {cost} + profit"),
                );
                continue;
            }
            let msg = ExecuteMsg::Liquidate {
                account: account.clone(),
                min_reward: (!floor.is_zero()).then_some(floor),
            };
            match ctx.broadcast(&ctx.perps.clone(), &msg, gas_limit) {
                Ok(p) => sent.push((account.clone(), p, reward)),
                Err(SendError::Node(e)) => {
                    // what was sent is awaited below; the rest waits for the node
                    log::warn(ctx.name, &format!("node unreachable while sending: {e}"));
                    break;
                }
                Err(e) => ctx.metrics.fail(ctx.name, e.reason()),
            }
        }
        let mut done = 0;
        for (account, pending, _) in sent {
            let out = match ctx.chain.wait(&pending) {
                Ok(o) => o,
                Err(e) => {
                    ctx.metrics.fail(ctx.name, e.reason());
                    ctx.lock_resync();
                    continue;
                }
            };
            let ev = events(&out);
            let reward = if out.code == 0 {
                sum_attr(
                    &ev,
                    "liquidation",
                    "liquidator_reward",
                    Some(("liquidator", &ctx.address)),
                )
            } else {
                0
            };
            ctx.count(&out, &pending, reward);
            if out.code == 0 {
                done += 1;
                ctx.metrics.liquidations.inc();
                ctx.metrics
                    .positions_liquidated
                    .inc_by(count_events(&ev, "liquidation"));
                log::info(
                    ctx.name,
                    &format!(
                        "liquidated {account} at height {}: reward {reward}, gas {}",
                        out.height, out.gas_used
                    ),
                );
            } else {
                let r = reason(&out.log);
                ctx.metrics.fail(ctx.name, r);
                log::info(ctx.name, &format!("{account}: {r} ({})", out.log));
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
