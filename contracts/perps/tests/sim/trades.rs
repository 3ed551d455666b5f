//! Trades at an unchanged price (DESIGN 8.8, 8.9): the vault moves by its fee share only, and
//! round trips of one wallet or of a group never leave them richer.

use cosmwasm_std::{Decimal256, Int256, SignedDecimal256};
use perps_api::perps::ExecuteMsg;

use super::actions::ModeChoice;
use super::checks::{attr_sum, VAULT_DUST};
use super::model::{self, TOL};
use super::world::{Exec, Obs, Sim, IDS};

impl Sim {
    /// 9: a trade at an unchanged price moves vault equity by the vault's share of its fee.
    pub(super) fn vault_fee_check(
        &mut self,
        who: usize,
        pre: &Obs,
        v1: i128,
        ex: &Exec,
    ) -> Result<(), String> {
        let Ok(r) = &ex.res else { return Ok(()) };
        if pre.holds_settled(who) {
            return Ok(());
        }
        let (Some(fee), Some(ins)) = (
            attr_sum(r, "trade", "fee"),
            attr_sum(r, "trade", "insurance_fee"),
        ) else {
            return Err("trade without a trade event".into());
        };
        // A voluntary reduction whose price fails the strict rules fills `conf` worse (DESIGN
        // 6.3); that spread is the vault's, so V may rise by up to `conf·|Δs|` more.
        let mut spread = 0i128;
        for e in r.events.iter().filter(|e| e.ty == "wasm-trade") {
            let get = |k: &str| {
                e.attributes
                    .iter()
                    .find(|a| a.key == k)
                    .map(|a| a.value.clone())
                    .unwrap_or_default()
            };
            let (Ok(b), Ok(a)) = (
                get("size_before").parse::<SignedDecimal256>(),
                get("size_after").parse::<SignedDecimal256>(),
            ) else {
                return Err("trade event without sizes".into());
            };
            // the skew impact applies on top of the degraded price: at most max_price_impact
            let m = &pre.world.markets[&get("market_id")];
            let impact = m.config.max_price_impact.unwrap_or_default();
            let conf = m.conf * (Decimal256::one() + impact);
            let ds = (a.atomics() - b.atomics()).abs();
            let d = Int256::from(10i128.pow(pre.world.decimals as u32));
            spread += model::ceil_bu(ds * Int256::try_from(conf.atomics()).unwrap() * d);
        }
        // a bankrupt owner close takes the bad-debt path: the socialized part is the vault's loss
        let socialized = attr_sum(r, "bad_debt", "socialized").unwrap_or(0)
            + attr_sum(r, "bad_debt_cover_failed", "socialized").unwrap_or(0);
        let dv = v1 - pre.vault.equity.i128() - (fee - ins) + socialized;
        if dv < -VAULT_DUST || dv > VAULT_DUST + spread {
            return Err(format!(
                "vault equity moved by {} for a vault fee share of {} (degraded-fill spread \
                 {spread}, socialized {socialized})",
                v1 - pre.vault.equity.i128(),
                fee - ins
            ));
        }
        self.stats.vault_fee_checked += 1;
        Ok(())
    }

    pub(super) fn vault_now(&self) -> i128 {
        self.s.vault().equity.i128()
    }

    /// 8 (one wallet): open then close at the same price and time; never richer.
    pub(super) fn round_trip(&mut self, pre: &Obs, who: usize, market: usize, lots: i64) {
        if lots == 0 || pre.holds_settled(who) {
            return;
        }
        let id = IDS[market];
        let had = pre.position(who, id).is_some();
        let t = self.traders[who].clone();
        let msg = self.trade_msg(market, lots, &ModeChoice::Default, None);
        let open = self.exec(&t, &msg, 0);
        if open.res.is_err() {
            return;
        }
        let mid = self.observe();
        self.vault_fee_check(who, pre, mid.vault.equity.i128(), &open)
            .unwrap_or_else(|e| panic!("round trip open: {e}"));
        let back = if had {
            self.trade_msg(market, -lots, &ModeChoice::Default, None)
        } else {
            Self::close_msg(market)
        };
        let ex = self.exec(&t, &back, 0);
        if ex.res.is_err() {
            return;
        }
        let v2 = self.vault_now();
        self.vault_fee_check(who, &mid, v2, &ex)
            .unwrap_or_else(|e| panic!("round trip close: {e}"));
        let post = self.observe();
        if had {
            assert!(
                post.total_equity(who) <= pre.total_equity(who) + TOL,
                "round trip made trader{who} richer: equity {} -> {}",
                pre.total_equity(who),
                post.total_equity(who)
            );
        } else {
            assert!(
                post.held(who) <= pre.held(who),
                "round trip made trader{who} richer: {} -> {}",
                pre.held(who),
                post.held(who)
            );
        }
        self.stats.round_trips += 1;
    }

    /// 8 (a group): two wallets open, then both close; together never richer.
    pub(super) fn group_round_trip(
        &mut self,
        pre: &Obs,
        a: usize,
        b: usize,
        market: usize,
        la: i64,
        lb: i64,
    ) {
        let id = IDS[market];
        if a == b
            || la == 0
            || lb == 0
            || pre.holds_settled(a)
            || pre.holds_settled(b)
            || pre.position(a, id).is_some()
            || pre.position(b, id).is_some()
        {
            return;
        }
        let (ta, tb) = (self.traders[a].clone(), self.traders[b].clone());
        let legs = [
            (
                a,
                ta.clone(),
                self.trade_msg(market, la, &ModeChoice::Default, None),
            ),
            (
                b,
                tb.clone(),
                self.trade_msg(market, lb, &ModeChoice::Default, None),
            ),
            (a, ta, Self::close_msg(market)),
            (b, tb, Self::close_msg(market)),
        ];
        let mut all_ok = true;
        for (who, addr, msg) in legs {
            if matches!(msg, ExecuteMsg::ClosePosition { .. })
                && self.observe().position(who, id).is_none()
            {
                all_ok = false;
                continue;
            }
            let before = self.observe();
            let ex = self.exec(&addr, &msg, 0);
            if ex.res.is_err() {
                all_ok = false;
                continue;
            }
            let v = self.vault_now();
            self.vault_fee_check(who, &before, v, &ex)
                .unwrap_or_else(|e| panic!("group round trip leg: {e}"));
        }
        if !all_ok {
            return;
        }
        let post = self.observe();
        let (h0, h1) = (pre.held(a) + pre.held(b), post.held(a) + post.held(b));
        assert!(
            h1 <= h0,
            "group round trip made trader{a}+trader{b} richer: {h0} -> {h1}"
        );
        self.stats.group_round_trips += 1;
    }
}
