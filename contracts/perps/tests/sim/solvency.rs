//! The solvency checks of every step (DESIGN 6.10, invariants 10 and 11): every account without
//! a position can withdraw its whole collateral; no trade, deposit, withdrawal or LP action
//! drives the vault's equity below zero (only a price move or a socialized loss can, and then the
//! simulation takes the ADL path); an LP who exits never takes more per share than the share
//! price of the LPs who stay; a liquidation pays its caller no more than the book held; whales,
//! dust farmers and stale LP requests meet the caps, the notional floor and the claim window.

use cosmwasm_std::{Decimal256, Int256, SignedDecimal256, Uint256};
use cw_multi_test::AppResponse;
use perps_api::perps::ExecuteMsg;

use crate::suite::USDC;

use super::actions::{Action, TRADERS};
use super::model::TOL;
use super::world::{Exec, Obs, Sim, IDS, LOT_ATOMICS};

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
        // Issue 12: the vault pays a profit only from cash it holds beyond what books owe it, so
        // the flat accounts can always withdraw everything together, whatever the prices did
        // (shocks beyond the caps, an exhausted ADL path, unmarked bankrupt books included).
        if flat_total > bank {
            return Err(format!(
                "bystanders hold {flat_total} but the engine holds {bank} (pending payouts {})",
                super::predict::pending(post)
            ));
        }
        let pending = super::predict::pending(post);
        if pending > 0 {
            self.stats.pending_steps += 1;
            self.stats.max_pending = self.stats.max_pending.max(pending as u64);
        }
        self.stats.solvency_checked += 1;
        // a stale claim moves time first (funding): V is taken right before its message
        let v0 = match a {
            Action::StaleClaim { .. } => self.vault_before.equity.i128(),
            _ => pre.vault.equity.i128(),
        };
        let v1 = post.vault.equity.i128();
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
    /// there is nothing to close; each call is predicted by the model), round after round until
    /// nothing closes; the vault's equity never falls by it. The path is then exhausted: V stays
    /// below zero only while no market holds a position in profit on the side the vault is
    /// short to (the next round closes nothing).
    fn adl_path(&mut self) {
        let before = self.s.vault().equity.i128();
        let skews = self.skews();
        for _ in 0..4 {
            if self.deleverage_round(None) == 0 {
                break;
            }
        }
        let after = self.s.vault().equity.i128();
        // ADL closes at most |K| of a position: no skew flips, and the vault's equity never falls
        let flipped = skews
            .iter()
            .zip(self.skews())
            .any(|(b, a)| *b != 0 && a != 0 && (*b < 0) != (a < 0));
        if flipped {
            self.stats.adl_flips += 1;
        }
        assert!(
            !flipped,
            "auto-deleveraging carried a skew across zero: {skews:?}"
        );
        assert!(
            after >= before - TOL,
            "auto-deleveraging lowered the vault's equity from {before} to {after}"
        );
        if after < 0 {
            self.adl_exhausted = true;
            assert_eq!(
                self.deleverage_round(None),
                0,
                "V = {after} < 0 after the ADL path, yet auto-deleveraging still closes"
            );
        }
        self.stats.adl_paths += 1;
    }

    /// `K` of every market (atoms).
    fn skews(&self) -> Vec<i128> {
        IDS.iter()
            .map(|id| {
                let st = self.s.market(id).state;
                let a = |d: Decimal256| d.atomics().to_string().parse::<i128>().unwrap();
                a(st.long_oi) - a(st.short_oi)
            })
            .collect()
    }

    /// One `auto_deleverage` per market (or on `only`), through the predicting `exec`; returns
    /// how many closed something.
    fn deleverage_round(&mut self, only: Option<usize>) -> u32 {
        let keeper = self.liquidator.clone();
        let mut closed = 0;
        for (m, id) in IDS.iter().enumerate() {
            if only.is_some_and(|o| o != m) {
                continue;
            }
            let msg = ExecuteMsg::AutoDeleverage {
                market_id: id.to_string(),
                limit: None,
            };
            let ex = self.exec(&keeper, &msg, 0);
            if ex.res.is_ok() {
                self.stats.adl_runs += 1;
                closed += 1;
            }
        }
        closed
    }

    /// Every market re-published one minute later: `market` at `price`, the others unchanged.
    fn publish_all(&mut self, market: usize, price: Decimal256) {
        self.s.advance(60);
        for m in 0..IDS.len() {
            let p = if m == market { price } else { self.prices[m] };
            self.publish_at_now(m, p);
        }
        self.doubtful = [false; IDS.len()];
    }

    /// The ADL path driven on purpose (see `Action::AdlShock`).
    pub(super) fn adl_shock(&mut self, who: usize, market: usize, short: bool, over: u32) {
        let id = IDS[market];
        // fresh prices everywhere (the caps value other markets at their stored last price)
        self.publish_all(market, self.prices[market]);
        let v = self.s.vault().equity.i128();
        let m = self.s.market(id);
        if v <= 0 || matches!(m.status, perps_api::perps::MarketStatus::Settled { .. }) {
            return;
        }
        let atoms = |d: Decimal256| d.atomics().to_string().parse::<i128>().unwrap();
        let k = atoms(m.state.long_oi) - atoms(m.state.short_oi);
        let price = self.prices[market];
        // the whale: |K|·P to 95 % of V, within the impact cap's skew where there is one
        let mut target =
            Uint256::from((v as u128) * 95 / 100) * Uint256::from(10u128.pow(30)) / price.atomics();
        let cap_skew =
            (m.config.max_price_impact.unwrap_or_default() * m.config.skew_scale).atomics();
        if !m.config.skew_scale.is_zero() {
            target = target.min(cap_skew);
        }
        let target = target.to_string().parse::<i128>().unwrap();
        let lot = LOT_ATOMICS[market] as i128;
        let target = target / lot * lot;
        let delta = if short { -target } else { target } - k;
        if delta.abs() >= lot {
            let msg = ExecuteMsg::Trade {
                market_id: id.to_string(),
                size_delta: SignedDecimal256::new(Int256::from(delta)),
                acceptable_price: None,
                mode: None,
            };
            let whale = self.traders[who].clone();
            self.s.mint(&whale, 2_000_000 * USDC);
            self.exec(&whale, &msg, 2_000_000 * USDC);
        }
        // the move that brings V to the trigger, beyond it by `over`‰
        let vault = self.s.vault();
        let m = self.s.market(id);
        let k = atoms(m.state.long_oi) - atoms(m.state.short_oi);
        if k == 0 {
            return;
        }
        let (v, e) = (vault.equity.i128(), vault.exposure.u128() as i128);
        let trigger = self.config().adl_trigger_ratio;
        let t_ppm = atoms(trigger) / 1_000_000_000_000;
        // |K|·P in base units
        let kp = (Uint256::from(k.unsigned_abs()) * price.atomics()
            / Uint256::from(10u128.pow(30)))
        .to_string()
        .parse::<i128>()
        .unwrap()
        .max(1);
        // f = (V − t·E) / ((1 + t)·|K|·P), in millionths, times (1 + over‰)
        let f_ppm = (v - e * t_ppm / 1_000_000).max(0) * 1_000_000
            / ((1_000_000 + t_ppm) * kp / 1_000_000).max(1);
        let f_ppm = f_ppm * (1_000 + over as i128) / 1_000 + 1;
        let up = k > 0;
        let factor = if up {
            1_000_000 + f_ppm
        } else {
            (1_000_000 - f_ppm).max(1)
        };
        let goal = Sim::bps(price, 0) * Decimal256::from_ratio(factor as u128, 1_000_000u128);
        let goal = self.clamped(market, goal);
        // SOL's feed takes at most 25 % a minute: move in steps of 20 %
        for _ in 0..16 {
            let cur = self.prices[market];
            if cur == goal {
                break;
            }
            let next = if up {
                goal.min(cur * Decimal256::percent(120))
            } else {
                goal.max(cur * Decimal256::percent(80))
            };
            self.publish_all(market, next);
        }
        self.stats.adl_shocks += 1;
        self.shocked = true;
        // a keeper marks the bankrupt books (the model says which), then deleverages
        let keeper = self.liquidator.clone();
        for t in 0..TRADERS {
            let msg = ExecuteMsg::MarkBadDebt {
                account: self.traders[t].to_string(),
            };
            self.exec(&keeper, &msg, 0);
        }
        for _ in 0..4 {
            if self.deleverage_round(Some(market)) == 0 {
                break;
            }
        }
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
