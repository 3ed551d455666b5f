//! The solvency checks of every step (DESIGN 6.10, invariants 10 and 11): every account without
//! a position can withdraw its whole collateral; no trade, deposit, withdrawal or LP action
//! drives the vault's equity below zero (only a price move or a socialized loss can, and then the
//! simulation takes the ADL path); an LP who exits never takes more per share than the share
//! price of the LPs who stay; a liquidation pays its caller no more than the book held; whales,
//! dust farmers and stale LP requests meet the caps, the notional floor and the claim window.

use cw_multi_test::AppResponse;
use perps_api::perps::ExecuteMsg;

use super::actions::{Action, TRADERS};
use super::model::TOL;
use super::world::{Exec, Obs, Sim, IDS};

/// Attribute `key` of every event of type `ty` (`wasm-` prefixed), parsed as i128.
fn each(res: &AppResponse, ty: &str, key: &str) -> Vec<i128> {
    res.events
        .iter()
        .filter(|e| e.ty == format!("wasm-{ty}") || e.ty == ty)
        .filter_map(|e| e.attributes.iter().find(|a| a.key == key))
        .filter_map(|a| a.value.parse::<i128>().ok())
        .collect()
}

impl Sim {
    /// Invariant 10 (bystanders) and V ≥ 0 after every step; the ADL path when V < 0.
    pub(super) fn solvency_after_step(
        &mut self,
        a: &Action,
        pre: &Obs,
        post: &Obs,
    ) -> Result<(), String> {
        let engine = self.s.engine.clone();
        let bank = self.s.balance(&engine) as i128 - self.s.donations as i128;
        let mut flat_total = 0i128;
        for t in 0..TRADERS {
            if !post.accounts[t].positions.is_empty() {
                continue;
            }
            let c = post.accounts[t].collateral.max(0);
            let free = post.resp[t].free_collateral.u128() as i128;
            if free != c {
                return Err(format!(
                    "trader{t} holds no position: free collateral {free} != collateral {c}"
                ));
            }
            flat_total += c;
        }
        if flat_total > bank {
            return Err(format!(
                "bystanders hold {flat_total} but the engine holds {bank}"
            ));
        }
        self.stats.solvency_checked += 1;
        let (v0, v1) = (pre.vault.equity.i128(), post.vault.equity.i128());
        let money_step = matches!(
            a,
            Action::Deposit { .. }
                | Action::Withdraw { .. }
                | Action::Trade { .. }
                | Action::MaxTrade { .. }
                | Action::Close { .. }
                | Action::Whale { .. }
                | Action::Dust { .. }
                | Action::Provide { .. }
                | Action::Claim { .. }
                | Action::StaleClaim { .. }
                | Action::AddMargin { .. }
                | Action::RemoveMargin { .. }
                | Action::RoundTrip { .. }
                | Action::GroupRoundTrip { .. }
        );
        if money_step && v0 >= 0 && v1 < -TOL {
            return Err(format!("{a:?} drove the vault's equity from {v0} to {v1}"));
        }
        if v1 < 0 {
            self.adl_path();
        }
        Ok(())
    }

    /// V < 0: a keeper deleverages every market with open skew (errors are the engine saying
    /// there is nothing to close); the vault's equity never falls by it.
    fn adl_path(&mut self) {
        let before = self.s.vault().equity.i128();
        let keeper = self.liquidator.clone();
        for id in IDS {
            let msg = ExecuteMsg::AutoDeleverage {
                market_id: id.to_string(),
                limit: None,
            };
            if self.s.exec(&keeper, &msg).is_ok() {
                self.stats.adl_runs += 1;
            }
        }
        let after = self.s.vault().equity.i128();
        assert!(
            after >= before - TOL,
            "auto-deleveraging lowered the vault's equity from {before} to {after}"
        );
        self.stats.adl_paths += 1;
    }

    /// Invariants 10 and 11 and the new actors, after the message of a step.
    pub(super) fn solvency_after_message(
        &mut self,
        a: &Action,
        pre: &Obs,
        post: &Obs,
        ex: &Exec,
    ) -> Result<(), String> {
        if let Ok(res) = &ex.res {
            // 10: a liquidation pays its caller no more than the book it closed held
            let rewards = each(res, "liquidation", "liquidator_reward");
            let equities = each(res, "liquidation", "equity_before");
            for (r, e) in rewards.iter().zip(&equities) {
                if *r > (*e).max(0) + 1 {
                    return Err(format!(
                        "liquidation reward {r} above the book's equity {e}"
                    ));
                }
            }
        }
        let err = ex.res.as_ref().err().map(|e| format!("{e:?}"));
        match a {
            Action::Whale { .. } if err.as_deref().is_some_and(|e| e.contains("exposure cap")) => {
                self.stats.whales_capped += 1;
            }
            Action::Dust { who, lots } => {
                let had = pre.position(*who, IDS[2]).is_some();
                match &err {
                    Some(e) if e.contains("min_position_notional") => self.stats.dust_refused += 1,
                    None if !had && post.position(*who, IDS[2]).is_some() => {
                        // opened: its notional must reach the floor 2 × 1 USDC / mmr_1
                        let m = &pre.world.markets[IDS[2]];
                        let mmr = m.config.margin_tiers[0].maintenance_margin_ratio;
                        let floor = 2_000_000u128 * 10u128.pow(18)
                            / mmr
                                .atomics()
                                .to_string()
                                .parse::<u128>()
                                .unwrap_or(u128::MAX);
                        let price = self.prices[2]
                            .atomics()
                            .to_string()
                            .parse::<u128>()
                            .unwrap_or(u128::MAX);
                        // lots of 0.1 SOL at the oracle price, base units (6 decimals)
                        let notional = (*lots as u128) * price / 10u128.pow(13);
                        if notional < floor {
                            return Err(format!(
                                "a position of {notional} below the notional floor {floor} opened"
                            ));
                        }
                    }
                    _ => {}
                }
            }
            Action::StaleClaim { .. } if err.as_deref().is_some_and(|e| e.contains("lapsed")) => {
                self.stats.lapsed_claims += 1;
            }
            Action::Claim { .. } | Action::StaleClaim { .. } => {
                if let Ok(res) = &ex.res {
                    self.claim_check(pre, res)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// 11: the claim paid at most the share price of the LPs who stay (the vault's equity per
    /// share before the claim, rounded down).
    fn claim_check(&mut self, _pre: &Obs, res: &AppResponse) -> Result<(), String> {
        let (Some(paid), Some(shares)) = (
            each(res, "wasm", "payout").first().copied(),
            each(res, "wasm", "shares").first().copied(),
        ) else {
            return Ok(());
        };
        let v = self.vault_before.equity.i128().max(0);
        let total = self.vault_before.total_shares.u128() as i128;
        if paid * total > v * shares + total {
            return Err(format!(
                "an exiting LP took {paid} for {shares} shares, above V {v} / {total} shares"
            ));
        }
        self.stats.lp_exits_checked += 1;
        Ok(())
    }
}
