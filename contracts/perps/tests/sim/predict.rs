//! The reference model's PREDICTIONS of the solvency rules (DESIGN 6.7, 6.8, 6.10): before a
//! message runs, the model says from the observed state whether the engine must refuse or accept
//! it on these grounds, and what it pays; after it ran, the simulation asserts the engine agreed.
//!
//! - Exposure caps: a trade that increases `|K_m|` is refused when afterwards `|K_m|·P_m >
//!   max_skew_to_vault_m · V` or `Σ|K|·P > max_total_skew_to_vault · V`, V and P valued as the
//!   message sees them (its account's markets at the oracle, every other market at its stored last
//!   price and funding index: [`engine_world`]). V after the trade lies between V before and V
//!   before plus the fee, so only a trade within that band of a cap is left undecided.
//! - `min_position_notional`: a position left open below the floor at the fill is refused (the
//!   fill lies within the impact cap and the confidence of the oracle price).
//! - The haircut: while V < 0 a realized profit is paid `(U − A)·h`, `h = 1 + V/Σ profits`
//!   (Σ with the pending payouts), as far as the vault holds the cash (issue 12): a profit the
//!   cash cannot pay in full is settled in part and the rest stays pending at face value; the
//!   model asserts the exact figure when the cash clearly suffices and counts the others
//!   (`payouts_deferred`). A message of an account with a pending payout (paid first) is not
//!   predicted.
//! - LP claims: not yet claimable, lapsed, or paid `min(price at request, price now)` as far as
//!   cash, the caps and the backing allow, exactly (`perps_risk::solvency::claim` in integers).
//! - `mark_bad_debt`: the shortfall of the account's bankrupt books, or `NotBankrupt`.
//! - `auto_deleverage`: the first account closed (index order, in profit, never the caller), the
//!   size (`adl_close_size` or whole) and price, and its realized PnL (haircut while V < 0).
//!
//! Everything is exact over `10^36` base units; a decision within [`BAND`] of its boundary is not
//! predicted (counted as undecided).

use cosmwasm_std::{Addr, Decimal256, Int128, Int256, Int512};
use cw_multi_test::AppResponse;
use perps::state::{Config, BAD_DEBT, CONFIG, LP_REQUESTS};
use perps_api::events::{AutoDeleverageEvent, TradeEvent};
use perps_api::perps::{ExecuteMsg, MarketStatus};

use super::actions::TRADERS;
use super::model::{
    self, ceil_div, dec, e18, floor_bu, floor_div, from_bu, scale, sdec, World, TOL,
};
use super::world::{Obs, Sim, IDS};
use crate::suite::Suite;

/// Base units within which a boundary is not predicted.
const BAND: i128 = 1_000;

/// The model's verdict on one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Refuse,
    Accept,
    Undecided,
}

/// What the model predicts of one message.
#[derive(Debug, Clone)]
pub enum Prediction {
    Trade {
        trader: usize,
        cap: Option<Verdict>,
        floor: Option<Verdict>,
        /// `(V, Σ profits, entry)` while V is clearly below zero (`None`: clearly not).
        haircut: Option<Haircut>,
    },
    Claim(ClaimPrediction),
    MarkBadDebt {
        /// `None`: not bankrupt (refused unless a record exists).
        shortfall: Option<i128>,
        had_record: bool,
    },
    Adl(AdlPrediction),
}

#[derive(Debug, Clone, Copy)]
pub enum Haircut {
    /// V > 0: profits paid in full (the entry price).
    Full(Decimal256),
    /// V < 0 (exact): `(V, Σ profits, entry price)`, and the cash the vault can pay the book
    /// (`payable`, base units, before the message's fee and funding).
    Cut {
        v: Int256,
        profits: Int256,
        entry: Decimal256,
        room: i128,
    },
}

#[derive(Debug, Clone, Copy)]
pub enum ClaimPrediction {
    NoRequest,
    NotYet,
    Lapsed,
    /// Paid `payout` (0: refused, recorded), `partial` when shares stay requested (not
    /// asserted on the `boundary` of the limit).
    Pays {
        payout: i128,
        partial: bool,
        boundary: bool,
    },
}

#[derive(Debug, Clone)]
pub enum AdlPrediction {
    /// Refused: not triggered, or no position in profit among the entries.
    Refused,
    /// The first account closed, the size closed (atoms), the price, the realized PnL.
    First {
        trader: usize,
        size: Int256,
        price: Decimal256,
        realized: i128,
        /// Index order of the side (traders).
        order: Vec<usize>,
        /// Paid with the haircut (V < 0).
        cut: bool,
        /// The cash does not clearly pay the whole profit at h: the figure is not asserted.
        deferred: bool,
    },
}

fn skew(w: &World, id: &str) -> Int256 {
    World::skew(&w.markets[id])
}

/// The world as a message holding `ctx` in memory values the vault: those markets at the
/// oracle (funding accrued), every other market at its stored last price and funding index.
pub fn engine_world(w: &World, ctx: &[String]) -> World {
    let mut out = w.clone();
    let now = out.now;
    for (id, m) in out.markets.iter_mut() {
        if ctx.contains(id) || matches!(m.status, MarketStatus::Settled { .. }) {
            continue;
        }
        m.feed = m.last_price.map(|p| (p, now));
        m.last_funding_time = now;
    }
    out
}

/// What every book owes the vault (negative `C` and isolated `M`), base units.
pub fn receivables(pre: &Obs) -> i128 {
    pre.accounts
        .iter()
        .map(|a| {
            (-a.collateral).max(0)
                + a.positions
                    .iter()
                    .filter_map(|p| p.margin)
                    .map(|m| (-m).max(0))
                    .sum::<i128>()
        })
        .sum()
}

/// `perps_risk::solvency::payable` for trader `t`'s book (`isolated`: its margin in `id`):
/// `max(debt of the book, cash − what the other books owe)`.
fn room(pre: &Obs, t: usize, id: &str) -> i128 {
    let a = &pre.accounts[t];
    let book = a
        .positions
        .iter()
        .find(|p| p.market == id)
        .and_then(|p| p.margin)
        .unwrap_or(a.collateral);
    let debt = (-book).max(0);
    debt.max(pre.cash.max(0) - (receivables(pre) - debt)).max(0)
}

/// Pending payouts of the vault (base units).
pub fn pending(pre: &Obs) -> i128 {
    pre.vault.pending_payouts.unwrap_or_default().u128() as i128
}

/// The profits a haircut shares V among, exact: every market of `ctx` or with open skew in `w`,
/// each trader's positive PnL, plus the pending payouts.
fn haircut_profits(pre: &Obs, w: &World, ctx: &[String]) -> Int256 {
    IDS.iter()
        .filter(|id| ctx.iter().any(|c| c == *id) || !skew(w, id).is_zero())
        .map(|id| model::trader_pnl(w, id, &pre.all_positions).max(Int256::zero()))
        .sum::<Int256>()
        + from_bu(pending(pre))
}

/// V (net of `unrecoverable` and the pending payouts) and `Σ|K|·P` in `w`, exact.
fn vault_view(pre: &Obs, w: &World) -> (Int256, Int256) {
    let v = model::vault_equity_exact(w, pre.cash, &pre.all_positions)
        - from_bu(pre.vault.unrecoverable.u128() as i128)
        - from_bu(pending(pre));
    let e = IDS.iter().map(|id| model::market_exposure(w, id)).sum();
    (v, e)
}

/// `ratio · x` for a ratio in atoms.
fn times(x: Int256, ratio: Decimal256) -> Int256 {
    floor_div(x * dec(ratio), e18())
}

fn band() -> Int256 {
    from_bu(BAND)
}

impl Sim {
    /// Market ids of trader `t`'s positions plus `extra`.
    fn ctx_of(pre: &Obs, t: usize, extra: Option<&str>) -> Vec<String> {
        let mut ids: Vec<String> = pre.accounts[t]
            .positions
            .iter()
            .map(|p| p.market.clone())
            .collect();
        if let Some(x) = extra {
            if !ids.iter().any(|i| i == x) {
                ids.push(x.to_string());
            }
        }
        ids
    }

    /// Every market of `ctx` with open skew has a live price that passes the strict checks
    /// (no confidence, EMA at the price), or is settled.
    fn ctx_clean(&self, pre: &Obs, ctx: &[String]) -> bool {
        ctx.iter().all(|id| {
            let m = &pre.world.markets[id];
            let i = IDS.iter().position(|x| x == id).unwrap();
            matches!(m.status, MarketStatus::Settled { .. })
                || (pre.world.account_mark(id, Decimal256::one()).live && !self.doubtful[i])
        })
    }

    pub(super) fn config(&self) -> Config {
        let storage = self.s.app.contract_storage(&self.s.engine);
        CONFIG.load(storage.as_ref()).unwrap()
    }

    /// The model's prediction for `msg` from `sender` (None: nothing it predicts).
    pub(super) fn predict(&self, sender: &Addr, msg: &ExecuteMsg) -> Option<Prediction> {
        let trader = self.traders.iter().position(|a| a == sender);
        match msg {
            ExecuteMsg::Trade {
                market_id,
                size_delta,
                ..
            } => self.predict_trade(trader?, market_id, Some(sdec(*size_delta))),
            ExecuteMsg::ClosePosition { market_id, .. } => {
                self.predict_trade(trader?, market_id, None)
            }
            ExecuteMsg::ClaimLiquidity {} => Some(Prediction::Claim(self.predict_claim(sender))),
            ExecuteMsg::MarkBadDebt { account } => self.predict_mark(account),
            ExecuteMsg::AutoDeleverage { market_id, .. } => {
                self.predict_adl(market_id).map(Prediction::Adl)
            }
            _ => None,
        }
    }

    fn predict_trade(&self, t: usize, id: &str, delta: Option<Int256>) -> Option<Prediction> {
        let pre = self.observe();
        let m = &pre.world.markets[id];
        if matches!(m.status, MarketStatus::Settled { .. }) || pre.holds_settled(t) {
            return None;
        }
        // a pending payout is paid first (cash, C and V move before the checks)
        if pre.resp[t].pending_payout.is_some() {
            return None;
        }
        let ctx = Self::ctx_of(&pre, t, Some(id));
        if !self.ctx_clean(&pre, &ctx) {
            return None;
        }
        let before = pre
            .position(t, id)
            .map(|p| sdec(p.size))
            .unwrap_or_default();
        let delta = match delta {
            Some(d) => d,
            None if before.is_zero() => return None,
            None => -before,
        };
        if delta.is_zero() {
            return None;
        }
        let cfg = self.config();
        let w = engine_world(&pre.world, &ctx);
        let (v, _) = vault_view(&pre, &w);
        let price = pre.world.markets[id].feed.map(|f| f.0)?;
        let cap = self.cap_verdict(&pre, &w, &cfg, id, delta, v, price);
        let floor = self.floor_verdict(&pre, &cfg, id, before + delta, price);
        let haircut = if v < -from_bu(TOL) {
            // the engine takes V < 0 at the stored prices again with every market with skew at
            // its live price (scenario 69); a market whose record may fail the strict rules
            // leaves the figure undecided
            let (ctx, unsure) = self.live_ctx(&pre, &w, ctx);
            let w = engine_world(&pre.world, &ctx);
            let (v, _) = vault_view(&pre, &w);
            let profits = haircut_profits(&pre, &w, &ctx);
            if unsure || v.abs() <= from_bu(TOL) {
                None
            } else if v > Int256::zero() {
                pre.position(t, id).map(|p| Haircut::Full(p.entry))
            } else {
                pre.position(t, id).map(|p| Haircut::Cut {
                    v,
                    profits,
                    entry: p.entry,
                    // the position's funding is settled first: the cash moves by up to what it
                    // accrued
                    room: room(&pre, t, id) - floor_bu(w.position(p).a.abs()) - 1,
                })
            }
        } else if v > from_bu(TOL) {
            pre.position(t, id).map(|p| Haircut::Full(p.entry))
        } else {
            None
        };
        Some(Prediction::Trade {
            trader: t,
            cap,
            floor,
            haircut,
        })
    }

    /// `ctx` and every other market with skew (in `w`) that has a live price, as the engine's
    /// `solvency::live_markets` reads them; `true` when one of them may fail the strict rules.
    fn live_ctx(&self, pre: &Obs, w: &World, mut ctx: Vec<String>) -> (Vec<String>, bool) {
        let mut unsure = false;
        for (i, x) in IDS.iter().enumerate() {
            let m = &pre.world.markets[*x];
            if skew(w, x).is_zero()
                || ctx.iter().any(|c| c == x)
                || matches!(m.status, MarketStatus::Settled { .. })
            {
                continue;
            }
            if self.doubtful[i] {
                unsure = true;
            } else if pre.world.account_mark(x, Decimal256::one()).live {
                ctx.push(x.to_string());
            }
        }
        (ctx, unsure)
    }

    /// The exposure caps (None: the trade does not increase |K|, no cap applies).
    #[allow(clippy::too_many_arguments)]
    fn cap_verdict(
        &self,
        pre: &Obs,
        w: &World,
        cfg: &Config,
        id: &str,
        delta: Int256,
        v: Int256,
        price: Decimal256,
    ) -> Option<Verdict> {
        let k = skew(w, id);
        let after = k + delta;
        // only a trade that leaves a larger |K| is judged (a crossing to no larger a skew is not)
        if after.abs() <= k.abs() {
            return None;
        }
        let d = Int256::from(10i128.pow(pre.world.decimals as u32));
        let mine = after.abs() * dec(price) * d;
        let others: Int256 = IDS
            .iter()
            .filter(|x| **x != id)
            .map(|x| model::market_exposure(w, x))
            .sum();
        let total = mine + others;
        // V after the trade: at least V − dust, at most V + the whole fee (and dust)
        let m = &pre.world.markets[id];
        // the fee, and what a crossing trade's reduction leg at the clamped impact leaves the
        // vault (at most the impact cap)
        let rate = dec(m.config.taker_fee) + dec(m.config.max_price_impact.unwrap_or_default());
        let fee = ceil_div(
            delta.abs() * dec(price) * d * rate * Int256::from(102i128),
            e18() * Int256::from(100i128),
        );
        let (v_lo, v_hi) = (v - band(), v + fee + band());
        let ratio = m.config.max_skew_to_vault.unwrap_or(Decimal256::one());
        let exceeds = |e: Int256, r: Decimal256, v: Int256| -> bool {
            if v <= Int256::zero() {
                e > Int256::zero()
            } else {
                e > times(v, r)
            }
        };
        let tr = cfg.max_total_skew_to_vault;
        if exceeds(mine, ratio, v_hi) || exceeds(total, tr, v_hi) {
            return Some(Verdict::Refuse);
        }
        if !exceeds(mine + band(), ratio, v_lo) && !exceeds(total + band(), tr, v_lo) {
            return Some(Verdict::Accept);
        }
        Some(Verdict::Undecided)
    }

    /// `min_position_notional` at the fill (None: the trade leaves no position).
    fn floor_verdict(
        &self,
        pre: &Obs,
        cfg: &Config,
        id: &str,
        left: Int256,
        price: Decimal256,
    ) -> Option<Verdict> {
        if left.is_zero() {
            return None;
        }
        let m = &pre.world.markets[id];
        let mmr = m.config.margin_tiers[0].maintenance_margin_ratio;
        let floor = if !cfg.min_position_notional.is_zero() {
            cfg.min_position_notional.u128() as i128
        } else if cfg.min_liquidation_reward.is_zero() {
            return None;
        } else {
            let twice = Int256::from(2 * cfg.min_liquidation_reward.u128() as i128);
            model::ceil_div(twice * e18(), dec(mmr))
                .to_string()
                .parse::<i128>()
                .unwrap()
        };
        // the fill lies within the impact cap and the confidence around the oracle price
        let spread = dec(m.config.max_price_impact.unwrap_or_default())
            + floor_div(dec(m.conf) * e18(), dec(price).max(Int256::one()))
            + Int256::from(100_000_000_000_000i128);
        let d = Int256::from(10i128.pow(pre.world.decimals as u32));
        let at = left.abs() * dec(price) * d;
        let lo = floor_div(at * (e18() - spread), e18());
        let hi = floor_div(at * (e18() + spread), e18());
        if hi < from_bu(floor) {
            Some(Verdict::Refuse)
        } else if lo >= from_bu(floor) {
            Some(Verdict::Accept)
        } else {
            Some(Verdict::Undecided)
        }
    }

    /// `claim_liquidity` (DESIGN 6.7), exactly.
    fn predict_claim(&self, sender: &Addr) -> ClaimPrediction {
        let pre = self.observe();
        let cfg = self.config();
        let storage = self.s.app.contract_storage(&self.s.engine);
        let Some(req) = LP_REQUESTS.may_load(storage.as_ref(), sender).unwrap() else {
            return ClaimPrediction::NoRequest;
        };
        let now = pre.world.now;
        if now < req.claimable_at {
            return ClaimPrediction::NotYet;
        }
        if !req.refused && now > req.claimable_at + cfg.lp_claim_window_secs {
            return ClaimPrediction::Lapsed;
        }
        let (v, _) = vault_view(&pre, &pre.world);
        let total = Int256::from(pre.vault.total_shares.u128() as i128);
        let shares = Int256::from(req.shares.u128() as i128);
        let value = match req.value_at_request {
            Some(x) => from_bu(x.u128() as i128),
            None => from_bu(floor_bu(floor_div(shares * v, total))),
        };
        if v <= Int256::zero() {
            return ClaimPrediction::Pays {
                payout: 0,
                partial: true,
                boundary: false,
            };
        }
        // the lower of the two prices, as num/den (value over 10^36 base units per share)
        let (num, den) = if value * total <= v * shares {
            (value, shares)
        } else {
            (v, total)
        };
        let required = self.required_equity(&pre, &cfg);
        // the cash free of what books owe the vault and of the pending payouts (scenario 61)
        let free = (pre.cash - receivables(&pre) - pending(&pre)).max(0);
        let limit = from_bu(free).min(v - required).max(Int256::zero());
        let full = floor_div(shares * num, den);
        let paid_shares = if floor_div(full, scale()) * scale() <= limit {
            shares
        } else {
            floor_div(limit * den, num * Int256::one()).min(shares)
        };
        let payout = floor_bu(floor_div(paid_shares * num, den));
        // within TOL of the limit, full and partial payment are the same payout
        let boundary = (full - limit).abs() <= from_bu(TOL);
        ClaimPrediction::Pays {
            payout,
            partial: payout == 0 || paid_shares < shares,
            boundary,
        }
    }

    /// `max(max_m E_m/r_m, E/total_ratio, E·vault_min_backing)` at the oracle prices.
    fn required_equity(&self, pre: &Obs, cfg: &Config) -> Int256 {
        let mut need = Int256::zero();
        let mut total = Int256::zero();
        for id in IDS {
            let e = model::market_exposure(&pre.world, id);
            total += e;
            let r = pre.world.markets[id]
                .config
                .max_skew_to_vault
                .unwrap_or(Decimal256::one());
            if e > Int256::zero() {
                need = need.max(ceil_div(e * e18(), dec(r)));
            }
        }
        if total > Int256::zero() {
            need = need.max(ceil_div(total * e18(), dec(cfg.max_total_skew_to_vault)));
        }
        need.max(ceil_div(total * dec(cfg.vault_min_backing), e18()))
    }

    /// `mark_bad_debt`: the shortfall of the account's bankrupt books.
    fn predict_mark(&self, account: &str) -> Option<Prediction> {
        let t = self.traders.iter().position(|a| a.as_str() == account)?;
        let pre = self.observe();
        // a pending payout is paid first (and makes the call pass): not predicted
        if pre.holds_settled(t) || pre.resp[t].pending_payout.is_some() {
            return None;
        }
        let storage = self.s.app.contract_storage(&self.s.engine);
        let had_record = BAD_DEBT.has(storage.as_ref(), &self.traders[t]);
        let books = pre.books(t);
        // a book within TOL of zero equity is the boundary: not predicted
        if books.iter().any(|b| b.equity.abs() <= TOL) {
            return None;
        }
        let shortfall: i128 = books.iter().map(|b| (-b.equity).max(0)).sum();
        Some(Prediction::MarkBadDebt {
            shortfall: (shortfall > 0).then_some(shortfall),
            had_record,
        })
    }

    /// `auto_deleverage {market}`: the first account the engine must close, or a refusal.
    fn predict_adl(&self, id: &str) -> Option<AdlPrediction> {
        let pre = self.observe();
        let cfg = self.config();
        let m = &pre.world.markets[id];
        if matches!(m.status, MarketStatus::Settled { .. }) {
            return Some(AdlPrediction::Refused);
        }
        let mi = IDS.iter().position(|x| *x == id).unwrap();
        if !pre.world.account_mark(id, Decimal256::one()).live || self.doubtful[mi] {
            return None;
        }
        let price = m.feed?.0;
        let k = skew(&pre.world, id);
        let short = k < Int256::zero();
        let mut order: Vec<(u64, String, usize)> = (0..TRADERS)
            .filter_map(|t| {
                let p = pre.position(t, id)?;
                (p.size.is_negative() == short).then(|| {
                    (
                        perps_risk::adl::adl_rank(short, p.entry),
                        self.traders[t].to_string(),
                        t,
                    )
                })
            })
            .collect();
        order.sort();
        let order: Vec<usize> = order.into_iter().map(|x| x.2).collect();
        for &t in &order {
            // ADL values every market with skew at its live price (scenario 66), not only the
            // account's: those join the markets held in memory
            let mut ctx = Self::ctx_of(&pre, t, None);
            for i in IDS {
                if !skew(&pre.world, i).is_zero() && !ctx.iter().any(|c| c == i) {
                    ctx.push(i.to_string());
                }
            }
            if !self.ctx_clean(&pre, &ctx) {
                return None;
            }
            let w = engine_world(&pre.world, &ctx);
            let (v, e) = vault_view(&pre, &w);
            let line = times(e, cfg.adl_trigger_ratio);
            if v >= Int256::zero() && (v - line).abs() <= band() {
                return None;
            }
            if v >= Int256::zero() && v >= line {
                return Some(AdlPrediction::Refused);
            }
            let p = pre.position(t, id)?;
            let pv = w.position(p);
            let net = pv.u - pv.a;
            if net.abs() <= from_bu(TOL) {
                return None;
            }
            if net <= Int256::zero() {
                continue;
            }
            let size = sdec(p.size).abs();
            let d = Int256::from(10i128.pow(pre.world.decimals as u32));
            let mut x = if v < Int256::zero() {
                size
            } else {
                // adl_close_size: what brings the exposure down to V/trigger (rounded up)
                let supported = floor_div(v * e18(), dec(cfg.adl_trigger_ratio));
                let excess = e - supported;
                if excess <= Int256::zero() {
                    continue;
                }
                ceil_div(excess, dec(price) * d).min(size)
            };
            let rest = size - x;
            let floor = self.floor_verdict(&pre, &cfg, id, rest, price);
            let min_size = dec(m.config.min_order_size);
            if !rest.is_zero() && rest < min_size {
                x = size;
            } else if !rest.is_zero() {
                match floor {
                    Some(Verdict::Refuse) => x = size,
                    Some(Verdict::Undecided) => return None,
                    _ => {}
                }
            }
            // never more than the skew (the vault's exposure never flips to the other side)
            x = x.min(k.abs());
            if x.is_zero() {
                continue;
            }
            let sign = if short { -Int256::one() } else { Int256::one() };
            let raw = floor_bu(sign * x * (dec(price) - dec(p.entry)) * d);
            let realized = if v < Int256::zero() {
                haircut_paid(raw, v, haircut_profits(&pre, &w, &ctx))
            } else {
                raw
            };
            // paid in part when the cash does not clearly cover it (the position's funding is
            // settled first, moving the cash by up to what it accrued)
            let fund = floor_bu(pv.a.abs()) + 1;
            let deferred = v < Int256::zero() && realized + margin(raw) + fund > room(&pre, t, id);
            return Some(AdlPrediction::First {
                trader: t,
                size: x,
                price,
                realized,
                order,
                cut: v < Int256::zero(),
                deferred,
            });
        }
        Some(AdlPrediction::Refused)
    }

    /// Asserts the engine agreed with the prediction; counts what was predicted.
    pub(super) fn check_prediction(
        &mut self,
        p: &Prediction,
        res: &Result<AppResponse, cosmwasm_std::StdError>,
    ) -> Result<(), String> {
        let err = res.as_ref().err().map(|e| e.to_string());
        match p {
            Prediction::Trade {
                trader,
                cap,
                floor,
                haircut,
            } => {
                for (rule, verdict, text) in [
                    ("exposure cap", cap, "exposure cap"),
                    ("min_position_notional", floor, "min_position_notional"),
                ] {
                    match (verdict, &err) {
                        (Some(Verdict::Refuse), None) => {
                            return Err(format!("the model refuses by {rule}, the engine filled"))
                        }
                        (Some(Verdict::Refuse), Some(_)) => self.stats.predicted_refusals += 1,
                        (Some(Verdict::Accept), Some(e)) if e.contains(text) => {
                            return Err(format!("the model passes {rule}, the engine refused: {e}"))
                        }
                        (Some(Verdict::Accept), _) => self.stats.predicted_passes += 1,
                        (Some(Verdict::Undecided), _) => self.stats.predictions_undecided += 1,
                        (None, _) => {}
                    }
                }
                if let (Ok(r), Some(h)) = (res, haircut) {
                    self.check_haircut(*trader, r, h)?;
                }
                Ok(())
            }
            Prediction::Claim(c) => self.check_claim(c, res),
            Prediction::MarkBadDebt {
                shortfall,
                had_record,
            } => {
                self.stats.mark_bad_debt_calls += 1;
                match (shortfall, res) {
                    (None, Ok(_)) if !had_record => {
                        Err("mark_bad_debt on a solvent account without a record passed".into())
                    }
                    (None, Err(_)) if !had_record => Ok(()),
                    (Some(_), Err(e)) => Err(format!(
                        "mark_bad_debt refused on a bankrupt account ({shortfall:?}): {e}"
                    )),
                    (Some(s), Ok(r)) => {
                        let got = attr(r, "mark_bad_debt", "shortfall")
                            .ok_or("mark_bad_debt without its event")?;
                        let books = 1 + TRADERS as i128;
                        if (got - s).abs() > TOL * books {
                            return Err(format!("mark_bad_debt recorded {got}, the model {s}"));
                        }
                        self.stats.bad_debt_marked += 1;
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
            Prediction::Adl(a) => self.check_adl(a, res),
        }
    }

    fn check_haircut(&mut self, t: usize, r: &AppResponse, h: &Haircut) -> Result<(), String> {
        let addr = self.traders[t].clone();
        for e in Suite::typed::<TradeEvent>(r)
            .into_iter()
            .filter(|e| e.account == addr)
        {
            let (b, a) = (sdec(e.size_before), sdec(e.size_after));
            let same_side = !a.is_zero() && (a < Int256::zero()) == (b < Int256::zero());
            let closed = if b.is_zero() || (same_side && a.abs() >= b.abs()) {
                Int256::zero()
            } else if same_side {
                b.abs() - a.abs()
            } else {
                b.abs()
            };
            if closed.is_zero() {
                continue;
            }
            let got = e.realized_pnl.i128();
            let d = Int256::from(10i128.pow(6));
            let sign = if b < Int256::zero() {
                -Int256::one()
            } else {
                Int256::one()
            };
            let entry = match h {
                Haircut::Full(entry) | Haircut::Cut { entry, .. } => *entry,
            };
            let raw = floor_bu(sign * closed * (dec(e.fill_price) - dec(entry)) * d);
            if raw <= 0 {
                continue;
            }
            let expected = match h {
                Haircut::Full(_) => raw,
                Haircut::Cut { v, profits, .. } => haircut_paid(raw, *v, *profits),
            };
            // while V < 0 a profit the cash does not clearly cover is settled in part
            if let Haircut::Cut { room, .. } = h {
                if expected + margin(raw) > *room {
                    self.stats.payouts_deferred += 1;
                    continue;
                }
            }
            if (got - expected).abs() > TOL {
                return Err(format!(
                    "while V < 0 the profit was paid {got}, the haircut gives {expected} ({h:?})"
                ));
            }
            if matches!(h, Haircut::Cut { .. }) {
                self.stats.haircut_payments += 1;
            } else {
                self.stats.profits_predicted += 1;
            }
        }
        Ok(())
    }

    fn check_claim(
        &mut self,
        c: &ClaimPrediction,
        res: &Result<AppResponse, cosmwasm_std::StdError>,
    ) -> Result<(), String> {
        let err = res.as_ref().err().map(|e| e.to_string());
        match (c, res) {
            (ClaimPrediction::NoRequest, Err(_)) => Ok(()),
            (ClaimPrediction::NotYet, Err(e)) if e.to_string().contains("claimable at") => Ok(()),
            (ClaimPrediction::Lapsed, Err(e)) if e.to_string().contains("lapsed") => {
                self.stats.claims_predicted += 1;
                Ok(())
            }
            (
                ClaimPrediction::Pays {
                    payout,
                    partial,
                    boundary,
                },
                Ok(r),
            ) => {
                let got = attr(r, "wasm", "payout").unwrap_or(0);
                let left = attr(r, "wasm", "shares_left").unwrap_or(0);
                if (got - payout).abs() > TOL {
                    return Err(format!("claim paid {got}, the model {payout}"));
                }
                // a payout within TOL of the limit is the boundary of full vs partial
                if !*partial && !*boundary && left != 0 {
                    return Err(format!("claim left {left} shares, the model pays them all"));
                }
                if *partial && !*boundary && *payout > TOL && left == 0 && got < *payout {
                    return Err("claim paid in full, the model pays in part".into());
                }
                self.stats.claims_predicted += 1;
                if *partial {
                    self.stats.claims_partial += 1;
                }
                Ok(())
            }
            // strict prices fail (stale or doubtful): the engine refuses, the model abstains
            (ClaimPrediction::Pays { .. }, Err(e))
                if e.to_string().contains_oracle() || self.doubtful.iter().any(|d| *d) =>
            {
                Ok(())
            }
            _ => Err(format!("claim: model {c:?}, engine {err:?}")),
        }
    }

    fn check_adl(
        &mut self,
        a: &AdlPrediction,
        res: &Result<AppResponse, cosmwasm_std::StdError>,
    ) -> Result<(), String> {
        match (a, res) {
            (AdlPrediction::Refused, Err(_)) => Ok(()),
            (AdlPrediction::Refused, Ok(_)) => {
                Err("auto_deleverage closed something the model says it must not".into())
            }
            (AdlPrediction::First { .. }, Err(e)) => Err(format!(
                "auto_deleverage refused, the model closes {a:?}: {e}"
            )),
            (
                AdlPrediction::First {
                    trader,
                    size,
                    price,
                    realized,
                    order,
                    cut,
                    deferred,
                },
                Ok(r),
            ) => {
                let ev = Suite::typed::<AutoDeleverageEvent>(r);
                let first = ev.first().ok_or("auto_deleverage without its event")?;
                let who = self.traders.iter().position(|x| *x == first.account);
                if who != Some(*trader) || first.price != *price {
                    return Err(format!("auto_deleverage closed {first:?}, the model {a:?}"));
                }
                let got = sdec(first.size_closed).abs();
                // adl_close_size rounds at 18 decimals: a few atoms
                if (got - *size).abs() > Int256::from(1_000i128) {
                    return Err(format!(
                        "auto_deleverage closed {got} atoms, the model {size}"
                    ));
                }
                if *deferred {
                    self.stats.payouts_deferred += 1;
                } else if (first.realized_pnl.i128() - realized).abs() > TOL {
                    return Err(format!(
                        "auto_deleverage realized {}, the model {realized}",
                        first.realized_pnl
                    ));
                }
                // every later entry follows the index order
                let mut at = 0;
                for e in &ev {
                    let w = self.traders.iter().position(|x| *x == e.account);
                    let Some(pos) = order[at..].iter().position(|t| Some(*t) == w) else {
                        return Err(format!("auto_deleverage out of index order: {ev:?}"));
                    };
                    at += pos + 1;
                    if e.price != *price {
                        return Err(format!("auto_deleverage at {} not {price}", e.price));
                    }
                }
                self.stats.adl_predicted += 1;
                if *cut {
                    self.stats.haircut_payments += 1;
                }
                Ok(())
            }
        }
    }
}

/// What the model leaves undecided around the cash a payout needs: the message's fee and
/// funding move the cash before the profit is paid.
fn margin(raw: i128) -> i128 {
    raw.abs() / 50 + 10 * TOL
}

/// `haircut_profit`: `raw·(P + V)/max(P, raw)` rounded down, 0 when nothing is left.
fn haircut_paid(raw: i128, v: Int256, profits: Int256) -> i128 {
    if raw <= 0 || v >= Int256::zero() {
        return raw;
    }
    let own = from_bu(raw);
    let total = profits.max(own);
    let kept = total + v;
    if kept <= Int256::zero() {
        return 0;
    }
    let q = Int512::from(raw) * Int512::from(kept) / Int512::from(total);
    Int128::try_from(q).unwrap().i128()
}

impl Sim {
    /// Issue 12: a liquidation pays the liquidated book's net gain (realized PnL less funding
    /// over its closes) only up to `payable` ([`room`], from the state before the message) and
    /// the rest becomes the account's pending payout, exactly — less any debt the book is left
    /// with, which the claim pays first; the vault's cash moves by what it paid, and what it holds
    /// beyond what books owe it does not fall below zero (or its level before, if lower).
    /// Asserted when the call liquidated one book of an account that held no claim and no
    /// settled position before, and booked no bad debt.
    pub(super) fn check_liquidation_payout(
        &mut self,
        t: usize,
        pre: &Obs,
        post: &Obs,
        res: &AppResponse,
    ) -> Result<(), String> {
        if pre.resp[t].pending_payout.is_some() || pre.holds_settled(t) {
            return Ok(());
        }
        let mut books = Vec::new();
        let (mut net, mut charged) = (0i128, 0i128);
        for e in res.events.iter().filter(|e| e.ty == "wasm-liquidation") {
            let get = |k: &str| Suite::event_attr(e, k);
            let mode = get("mode");
            let book = if mode == "cross" {
                mode
            } else {
                get("market_id")
            };
            if !books.contains(&book) {
                books.push(book);
            }
            let num = |k: &str| get(k).parse::<i128>().unwrap_or(0);
            net += num("realized_pnl") - num("funding_paid");
            charged += num("liquidator_reward") + num("insurance_share");
        }
        if books.len() != 1 || attr(res, "bad_debt", "shortfall").is_some() {
            return Ok(());
        }
        let id = match books[0].as_str() {
            "cross" => "",
            id => id,
        };
        // the claim: the net gain beyond payable, less a debt the book is left with (paid from
        // the claim first)
        let payable = room(pre, t, id);
        let over = (net - payable).max(0);
        let book = pre
            .position(t, id)
            .and_then(|p| p.margin)
            .unwrap_or(pre.accounts[t].collateral);
        let left = book + net.min(payable) - charged;
        let model = over - over.min((-left).max(0));
        let pending = post.resp[t].pending_payout.map_or(0, |p| p.u128() as i128);
        if pending != model {
            return Err(format!(
                "liquidation of trader{t} ({}): pending payout {pending}, model {model} (net \
                 gain {net}, payable {payable}, charged {charged})",
                books[0]
            ));
        }
        // what the vault holds beyond what books owe it never falls below min(before, 0): the
        // penalty and the reward are paid from the book's cash, not from its claim
        let real = |o: &Obs| o.cash - receivables(o);
        if real(post) < real(pre).min(0) {
            return Err(format!(
                "liquidation of trader{t}: the vault's own cash {} -> {}",
                real(pre),
                real(post)
            ));
        }
        let paid = pre.cash - post.cash;
        if paid != net - pending {
            return Err(format!(
                "liquidation of trader{t}: the vault paid {paid}, model {} (net gain {net} less \
                 pending {pending})",
                net - pending
            ));
        }
        self.stats.liquidation_payouts_checked += 1;
        if pending > 0 {
            self.stats.liquidation_payouts_deferred += 1;
        }
        Ok(())
    }
}

/// Attribute `key` of the first event of type `ty` (as emitted, or `wasm-` prefixed).
fn attr(res: &AppResponse, ty: &str, key: &str) -> Option<i128> {
    res.events
        .iter()
        .filter(|e| e.ty == ty || e.ty == format!("wasm-{ty}"))
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .and_then(|a| a.value.parse().ok())
}

trait OracleText {
    fn contains_oracle(&self) -> bool;
}

impl OracleText for String {
    fn contains_oracle(&self) -> bool {
        ["price", "oracle", "stale", "confidence", "ema"]
            .iter()
            .any(|w| self.contains(w))
    }
}
