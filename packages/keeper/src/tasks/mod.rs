//! The tasks. Each runs on its own thread with its own RPC client and signing account; a tick
//! does one round of work and returns a one-line summary (shown by `/healthz`).

pub mod adl;
pub mod liquidate;
pub mod maintenance;
pub mod orders;
pub mod prices;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cosmwasm_std::{Decimal256, Uint128};
use localnet::client::{msg_execute, TxOutcome};
use serde::Serialize;

use crate::chain::{events, Chain, Event, Pending, SendError, SignerAccount, Simulated};
use crate::metrics::{Health, Metrics};

/// What a task works with.
pub struct Ctx {
    /// The task's name (metric label).
    pub name: &'static str,
    /// Its connection.
    pub chain: Chain,
    /// Its signing account (shared with tasks configured on the same HD index).
    pub account: Arc<Mutex<SignerAccount>>,
    /// Its address.
    pub address: String,
    /// The engine.
    pub perps: String,
    /// Every address this keeper signs with (never liquidated or deleveraged by itself).
    pub own: Vec<String>,
    /// Value of a fee-denom base unit in collateral base units.
    pub fee_price: Decimal256,
    /// Metrics.
    pub metrics: Metrics,
    /// Health.
    pub health: Health,
    /// Set on shutdown.
    pub stop: Arc<AtomicBool>,
}

/// One round of a task.
pub trait Task: Send {
    /// Does one round; `Err` is retried with backoff.
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError>;
}

impl Ctx {
    /// Whether shutdown was asked for.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Forgets the account's sequence (a transaction of unknown fate).
    pub fn lock_resync(&self) {
        lock(&self.account).resync();
    }

    /// A smart query of the engine.
    pub fn query<T: serde::de::DeserializeOwned>(
        &self,
        msg: &impl Serialize,
    ) -> Result<T, SendError> {
        self.chain
            .client
            .smart(&self.perps, msg)
            .map_err(crate::chain::query_error)
    }

    /// Simulates `msg` on `contract`.
    pub fn simulate(
        &mut self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<Simulated, SendError> {
        let m = msg_execute(&self.address, contract, msg, &[])
            .map_err(|e| SendError::Contract(e.to_string()))?;
        let account = Arc::clone(&self.account);
        let mut guard = lock(&account);
        self.chain.simulate(&mut guard, vec![m])
    }

    /// Broadcasts `msg` on `contract` with `gas_limit` (no wait); one retry after a sequence
    /// mismatch (the account was resynchronised).
    pub fn broadcast(
        &mut self,
        contract: &str,
        msg: &impl Serialize,
        gas_limit: u64,
    ) -> Result<Pending, SendError> {
        let m = msg_execute(&self.address, contract, msg, &[])
            .map_err(|e| SendError::Contract(e.to_string()))?;
        let account = Arc::clone(&self.account);
        let mut guard = lock(&account);
        match self.chain.broadcast(&mut guard, vec![m.clone()], gas_limit) {
            Err(SendError::Sequence(log)) => {
                self.metrics.fail(self.name, "sequence_mismatch");
                crate::log::warn(self.name, &format!("sequence mismatch, resynced: {log}"));
                self.chain.broadcast(&mut guard, vec![m], gas_limit)
            }
            other => other,
        }
    }

    /// Simulates, sends and waits: the outcome of a transaction that made it into a block,
    /// counted in the metrics (gas, fee, and `reward` when it succeeded).
    pub fn send(
        &mut self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<(TxOutcome, Vec<Event>), SendError> {
        let sim = self.simulate(contract, msg)?;
        let pending = self.broadcast(contract, msg, self.chain.gas_limit(sim.gas_used))?;
        let out = self.chain.wait(&pending)?;
        self.count(&out, &pending, 0);
        if out.code != 0 {
            return Err(SendError::Contract(out.log));
        }
        let ev = events(&out);
        Ok((out, ev))
    }

    /// Counts an included transaction.
    pub fn count(&self, out: &TxOutcome, pending: &Pending, reward: u128) {
        self.metrics.transaction(
            self.name,
            out.gas_used,
            u64::try_from(pending.fee).unwrap_or(u64::MAX),
            u64::try_from(reward).unwrap_or(u64::MAX),
        );
    }

    /// What `gas_used` of simulated gas costs, in collateral base units (rounded up), and the
    /// gas limit it is sent with.
    pub fn cost(&self, gas_used: u64) -> (Uint128, u64) {
        let limit = self.chain.gas_limit(gas_used);
        let fee = cosmwasm_std::Uint256::from(self.chain.fee(limit)).mul_ceil(self.fee_price);
        (Uint128::try_from(fee).unwrap_or(Uint128::MAX), limit)
    }
}

fn lock(m: &Mutex<SignerAccount>) -> MutexGuard<'_, SignerAccount> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => {
            let mut g = p.into_inner();
            g.resync();
            g
        }
    }
}

/// Sum of attribute `key` over contract events of type `ty` (`wasm-<ty>`) whose `filter`
/// attribute, when given, has the value.
pub fn sum_attr(events: &[Event], ty: &str, key: &str, filter: Option<(&str, &str)>) -> u128 {
    let wasm_ty = format!("wasm-{ty}");
    events
        .iter()
        .filter(|e| e.ty == wasm_ty || e.ty == ty)
        .filter(|e| {
            filter.is_none_or(|(k, v)| e.attributes.iter().any(|a| a.key == k && a.value == v))
        })
        .flat_map(|e| e.attributes.iter().filter(|a| a.key == key))
        .filter_map(|a| a.value.parse::<u128>().ok())
        .sum()
}

/// Number of contract events of type `ty`.
pub fn count_events(events: &[Event], ty: &str) -> u64 {
    let wasm_ty = format!("wasm-{ty}");
    events
        .iter()
        .filter(|e| e.ty == wasm_ty || e.ty == ty)
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewards_are_summed_over_the_events_of_this_liquidator() {
        let ev = vec![
            Event::with(
                "wasm-liquidation",
                &[("liquidator", "me"), ("liquidator_reward", "300")],
            ),
            Event::with(
                "wasm-liquidation",
                &[("liquidator", "me"), ("liquidator_reward", "200")],
            ),
            Event::with(
                "wasm-liquidation",
                &[("liquidator", "other"), ("liquidator_reward", "1000")],
            ),
            Event::with("wasm-trade", &[("liquidator_reward", "7")]),
        ];
        assert_eq!(
            sum_attr(
                &ev,
                "liquidation",
                "liquidator_reward",
                Some(("liquidator", "me"))
            ),
            500
        );
        assert_eq!(
            sum_attr(&ev, "liquidation", "liquidator_reward", None),
            1500
        );
        assert_eq!(count_events(&ev, "liquidation"), 3);
    }
}
