//! Trades at an unchanged price (DESIGN 8.8, 8.9): the vault moves by its fee share only, and
//! round trips of one wallet or of a group never leave them richer.

use cosmwasm_std::{Addr, Decimal256, Int256, SignedDecimal256, StdResult};
use cw_multi_test::AppResponse;
use perps::state::{MARKETS, MARKET_STATES, POSITIONS};
use perps_api::perps::{ExecuteMsg, MarketStatus};

use super::actions::ModeChoice;
use super::checks::{attr_sum, VAULT_DUST};
use super::model::{self, TOL};
use super::world::{Exec, Obs, Sim, IDS};

/// A trade or close as the market stood before it: what the impact rule is checked on.
pub(super) struct SkewTrade {
    k: SignedDecimal256,
    delta: SignedDecimal256,
    skew_scale: Decimal256,
    cap: Decimal256,
    conf: Decimal256,
}

fn event_attr(r: &AppResponse, ty: &str, key: &str) -> Option<String> {
    r.events
        .iter()
        .filter(|e| e.ty == format!("wasm-{ty}"))
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
}

impl Sim {
    /// The skew, size and impact parameters of a trade or close on an open market (from the
    /// stored state before the message).
    pub(super) fn skew_trade(&self, sender: &Addr, msg: &ExecuteMsg) -> Option<SkewTrade> {
        let storage = self.s.app.contract_storage(&self.s.engine);
        let st = storage.as_ref();
        let (id, delta) = match msg {
            ExecuteMsg::Trade {
                market_id,
                size_delta,
                ..
            } => (market_id.clone(), *size_delta),
            ExecuteMsg::ClosePosition { market_id, .. } => {
                let p = POSITIONS.may_load(st, (sender, market_id)).ok()??;
                (
                    market_id.clone(),
                    SignedDecimal256::zero().checked_sub(p.size).ok()?,
                )
            }
            _ => return None,
        };
        let m = MARKETS.may_load(st, &id).ok()??;
        if matches!(m.status, MarketStatus::Settled { .. }) || delta.is_zero() {
            return None;
        }
        let state = MARKET_STATES.load(st, &id).ok()?;
        let k = SignedDecimal256::try_from(state.long_oi)
            .ok()?
            .checked_sub(SignedDecimal256::try_from(state.short_oi).ok()?)
            .ok()?;
        let pre = self.observe_conf(&m.config.feed_id);
        Some(SkewTrade {
            k,
            delta,
            skew_scale: m.config.skew_scale,
            cap: m.config.max_price_impact.unwrap_or_default(),
            conf: pre,
        })
    }

    /// DESIGN 6.5 on every trade of a sequence: a reduction of |K| is never refused for impact,
    /// a refusal for impact is one the rule makes, and a fill is the model's to the atom.
    pub(super) fn check_impact_rule(
        &mut self,
        t: &SkewTrade,
        res: &StdResult<AppResponse>,
    ) -> Result<(), String> {
        let reduces = model::reduces_skew(t.k, t.delta);
        let above_cap = !t.skew_scale.is_zero() && {
            let cap_skew = t.cap * t.skew_scale;
            Decimal256::new(t.k.atomics().unsigned_abs()) > cap_skew
        };
        match res {
            Err(e) => {
                let text = format!("{e}");
                if text.contains("price impact") {
                    if reduces {
                        return Err(format!(
                            "a reduction of |K| {} by {} was refused for impact: {text}",
                            t.k, t.delta
                        ));
                    }
                    let any = Decimal256::one();
                    if model::fill(any, t.k, t.delta, t.skew_scale, t.cap) != model::Fill::Refused {
                        return Err(format!("refused for impact, the model accepts: {text}"));
                    }
                    self.stats.impact_refused += 1;
                }
                Ok(())
            }
            Ok(r) => {
                let (Some(oracle), Some(got), Some(before), Some(after)) = (
                    event_attr(r, "trade", "oracle_price"),
                    event_attr(r, "trade", "fill_price"),
                    event_attr(r, "trade", "size_before"),
                    event_attr(r, "trade", "size_after"),
                ) else {
                    return Ok(());
                };
                let (oracle, got): (Decimal256, Decimal256) =
                    (oracle.parse().unwrap(), got.parse().unwrap());
                let (before, after): (SignedDecimal256, SignedDecimal256) =
                    (before.parse().unwrap(), after.parse().unwrap());
                // a voluntary reduction on a doubtful price fills from `price ∓ conf` (6.3)
                let reduces_position = !before.is_zero()
                    && after.atomics().abs() < before.atomics().abs()
                    && (after.is_zero() || after.is_negative() == before.is_negative());
                let mut bases = vec![oracle];
                if reduces_position && !t.conf.is_zero() {
                    bases.push(if t.delta.is_negative() {
                        oracle.checked_sub(t.conf).unwrap_or_default()
                    } else {
                        oracle + t.conf
                    });
                }
                let fills: Vec<model::Fill> = bases
                    .iter()
                    .map(|b| model::fill(*b, t.k, t.delta, t.skew_scale, t.cap))
                    .collect();
                let matched = fills
                    .iter()
                    .find(|f| matches!(f, model::Fill::At { price, .. } if *price == got));
                let Some(model::Fill::At { clamped, .. }) = matched else {
                    return Err(format!(
                        "fill {got} against K {} for Δs {}: the model gives {fills:?}",
                        t.k, t.delta
                    ));
                };
                self.stats.fills_checked += 1;
                if reduces && above_cap {
                    self.stats.reductions_above_cap += 1;
                }
                if *clamped {
                    self.stats.clamped_fills += 1;
                }
                Ok(())
            }
        }
    }

    fn observe_conf(&self, feed_id: &str) -> Decimal256 {
        self.s
            .app
            .wrap()
            .query_wasm_smart::<perps_api::price_feed::PriceResponse>(
                self.s.feed.clone(),
                &perps_api::price_feed::QueryMsg::Price {
                    feed_id: feed_id.to_string(),
                },
            )
            .map(|p| p.conf)
            .unwrap_or_default()
    }

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
            let get = |k: &str| crate::suite::Suite::event_attr(e, k);
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
            // a reduction from a skew above the cap fills at the clamped impact: the vault keeps
            // `|Δs|·P·(|K + Δs/2|/S − cap)` of the premium it no longer owes
            spread += model::clamp_surplus(
                m,
                b.atomics() - a.atomics(),
                m.feed.map(|f| f.0).unwrap_or_default() + m.conf,
                pre.world.decimals,
            );
        }
        // a bankrupt owner close takes the bad-debt path: the socialized part is the vault's loss
        let socialized = attr_sum(r, "bad_debt", "socialized").unwrap_or(0)
            + attr_sum(r, "bad_debt_cover_failed", "socialized").unwrap_or(0);
        // V net of `unrecoverable`: a bankrupt close clears the account's mark (the fund's cover
        // then lifts V by it), so the rule is on the aggregate `V + unrecoverable`
        let marks =
            self.s.vault().unrecoverable.u128() as i128 - pre.vault.unrecoverable.u128() as i128;
        let dv = v1 + marks - pre.vault.equity.i128() - (fee - ins) + socialized;
        // while V < 0 a realized profit is paid with the haircut: the vault keeps the rest
        // (as the message values it: other markets at their stored last price, DESIGN 6.10)
        let haircut = pre.vault.equity.i128() < 0 || self.haircut_seen;
        if dv < -VAULT_DUST || (dv > VAULT_DUST + spread && !haircut) {
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

    /// DESIGN 6.5 and 6.9: a forced twentieth of the skew scale leaves the open skew far above
    /// the cap; the largest holder on its side sells `permille` of his position, which must fill
    /// (at the clamped impact) and move the vault by its fee share plus the clamp surplus only;
    /// then the scale is forced back.
    pub(super) fn squeeze(&mut self, pre: &Obs, market: usize, permille: u32) {
        let id = IDS[market];
        let m = &pre.world.markets[id];
        if matches!(m.status, MarketStatus::Settled { .. }) || m.config.skew_scale.is_zero() {
            return;
        }
        let k = m.long_oi.atomics().to_string().parse::<i128>().unwrap()
            - m.short_oi.atomics().to_string().parse::<i128>().unwrap();
        if k == 0 {
            return;
        }
        let holder = (0..super::actions::TRADERS)
            .filter_map(|t| {
                pre.position(t, id)
                    .filter(|p| p.size.is_negative() == (k < 0))
                    .map(|p| (t, p.size.atomics().abs()))
            })
            .max_by_key(|(_, s)| *s);
        let Some((who, size)) = holder else { return };
        let owner = self.s.owner.clone();
        let to = |variant| ExecuteMsg::UpdateMarket {
            market_id: id.to_string(),
            config: super::messages::market_config(market, variant),
            force: Some(true),
        };
        if self.exec(&owner, &to(7), 0).res.is_err() {
            return;
        }
        // the skew is now far above the cap: the vault owes the clamped liability
        super::checks::vault_matches_model(&self.observe())
            .unwrap_or_else(|e| panic!("forced skew scale: {e}"));
        let min = Int256::try_from(m.config.min_order_size.atomics()).unwrap();
        let mut amount = size * Int256::from(permille as i128) / Int256::from(1_000i128);
        if amount < min || size - amount < min {
            amount = size;
        }
        let long = k > 0;
        let delta = SignedDecimal256::new(if long { -amount } else { amount });
        let trader = self.traders[who].clone();
        let sale = ExecuteMsg::Trade {
            market_id: id.to_string(),
            size_delta: delta,
            acceptable_price: Some(if long {
                Decimal256::new(cosmwasm_std::Uint256::one())
            } else {
                Decimal256::MAX
            }),
            mode: None,
        };
        let before = self.observe();
        let ex = self.exec(&trader, &sale, 0);
        if ex.res.is_ok() {
            let v = self.vault_now();
            self.vault_fee_check(who, &before, v, &ex)
                .unwrap_or_else(|e| panic!("squeezed reduction: {e}"));
            super::checks::vault_matches_model(&self.observe())
                .unwrap_or_else(|e| panic!("squeezed reduction: {e}"));
        }
        self.exec(&owner, &to(0), 0);
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
