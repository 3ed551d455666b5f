//! Reference model of the margin rules (DESIGN 6.2), written from the spec and deliberately
//! simple: every value is computed EXACTLY as an integer numerator over the fixed denominator
//! `10^36` base units (`Int256`), and rounded only once, at the end, in the direction the spec
//! names (equity down, requirements up). It does not call `perps-risk`.
//!
//! Fills and funding follow the engine exactly, to the atom: [`fill`] is the impact rule of
//! DESIGN 6.5 (cap on the skew left, reductions of |K| never refused, impact clamped) and the
//! funding index moves by `P·r·Δt` rounded once, owed up (6.6).
//!
//! Tolerance: the engine rounds every product to 18 decimals of a base unit before summing a
//! book and rounding it. Those
//! differences are far below one base unit, but they can move a value that sits within 1e-12 of
//! an integer across the boundary, so one field may differ by one unit per rounding it passes
//! through: free collateral (`min(C, Q_im)` floored, `IM` ceiled) by two. Hence [`TOL`] = 2.

use std::collections::BTreeMap;

use cosmwasm_std::{Decimal256, Int128, Int256, Int512, SignedDecimal256, Uint128};
use perps_api::perps::{AccountResponse, Health, MarketConfig, MarketStatus, PositionMode};

/// Allowed difference, in base units, between the model and the engine (see the module doc).
pub const TOL: i128 = 2;

/// 10^18: atomics of one whole unit in `Decimal256`.
pub fn e18() -> Int256 {
    Int256::from(1_000_000_000_000_000_000i128)
}

/// Exact values are numerators over `10^36` base units.
pub fn scale() -> Int256 {
    e18() * e18()
}

pub fn dec(d: Decimal256) -> Int256 {
    Int256::try_from(d.atomics()).unwrap()
}

pub fn sdec(d: SignedDecimal256) -> Int256 {
    d.atomics()
}

fn pow10(n: u8) -> Int256 {
    Int256::from(10i128.pow(n as u32))
}

pub fn floor_div(a: Int256, b: Int256) -> Int256 {
    assert!(b > Int256::zero());
    let q = a / b;
    if a % b != Int256::zero() && a < Int256::zero() {
        q - Int256::one()
    } else {
        q
    }
}

pub fn ceil_div(a: Int256, b: Int256) -> Int256 {
    -floor_div(-a, b)
}

fn to_i128(x: Int256) -> i128 {
    Int128::try_from(x).unwrap().i128()
}

/// Rounds an exact value down to base units.
pub fn floor_bu(x: Int256) -> i128 {
    to_i128(floor_div(x, scale()))
}

/// Rounds an exact value up to base units.
pub fn ceil_bu(x: Int256) -> i128 {
    to_i128(ceil_div(x, scale()))
}

pub fn from_bu(x: i128) -> Int256 {
    Int256::from(x) * scale()
}

/// One market as the model needs it.
#[derive(Debug, Clone)]
pub struct MarketIn {
    pub config: MarketConfig,
    pub status: MarketStatus,
    pub long_oi: Decimal256,
    pub short_oi: Decimal256,
    pub funding_index: SignedDecimal256,
    pub last_funding_time: u64,
    pub last_price: Option<Decimal256>,
    /// Latest feed record: (price, publish_time).
    pub feed: Option<(Decimal256, u64)>,
    /// Its published confidence (0 without a record).
    pub conf: Decimal256,
    /// The feed refused to replace its record (`refused_publish_time`): `feed` is then `None`.
    pub unconfirmed: bool,
}

/// A stored position.
#[derive(Debug, Clone, PartialEq)]
pub struct PosIn {
    pub market: String,
    pub size: SignedDecimal256,
    pub entry: Decimal256,
    pub funding_at_entry: SignedDecimal256,
    /// `Some(M)` for an isolated position.
    pub margin: Option<i128>,
}

/// Engine-wide inputs.
#[derive(Debug, Clone)]
pub struct World {
    pub now: u64,
    pub max_oracle_age: u64,
    pub decimals: u8,
    pub profit_weight: Decimal256,
    pub markets: BTreeMap<String, MarketIn>,
    /// A mark price to use for one market instead of its oracle price (funding index unchanged):
    /// how a liquidation price is verified.
    pub price_override: Option<(String, Decimal256)>,
}

/// The mark of a market: price, funding index at `now`, and whether the price is live.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    pub price: Decimal256,
    pub funding_index: Int256,
    pub live: bool,
}

impl World {
    pub fn skew(m: &MarketIn) -> Int256 {
        dec(m.long_oi) - dec(m.short_oi)
    }

    /// `F_m += P·r·Δt`, `r = max_rate/86400 · clamp(K/(max_price_impact·S), −1, 1)`: the exact
    /// product rounded once, away from zero (funding owed rounds up).
    fn accrued(&self, m: &MarketIn, price: Decimal256) -> Int256 {
        let f = sdec(m.funding_index);
        let dt = self.now.saturating_sub(m.last_funding_time);
        let k = Self::skew(m);
        let s = dec(m.config.skew_scale);
        let cap = dec(m.config.max_price_impact.unwrap_or_default());
        let rate = dec(m.config.max_funding_rate_per_day);
        if dt == 0 || k.is_zero() || s.is_zero() || cap.is_zero() || rate.is_zero() {
            return f;
        }
        let w = |x: Int256| Int512::from(x);
        let e18w = w(e18());
        // clamp(K/(cap·S), −1, 1) = num/den in atoms
        let (num, den) = if w(k.abs()) * e18w >= w(cap) * w(s) {
            (
                if k < Int256::zero() {
                    -Int512::one()
                } else {
                    Int512::one()
                },
                Int512::one(),
            )
        } else {
            (w(k) * e18w, w(cap) * w(s))
        };
        let n = w(dec(price)) * w(rate) * num * Int512::from(dt);
        let dd = den * e18w * Int512::from(86_400i128);
        let q = n / dd;
        let delta = if n % dd == Int512::zero() {
            q
        } else if n > Int512::zero() {
            q + Int512::one()
        } else {
            q - Int512::one()
        };
        f + Int256::try_from(delta).unwrap()
    }

    /// The mark the account query uses: settled price; live oracle price with funding accrued
    /// to now; otherwise the last price (or the entry price) with no accrual, marked not live.
    pub fn account_mark(&self, market: &str, entry: Decimal256) -> Mark {
        let m = &self.markets[market];
        if let MarketStatus::Settled { price } = m.status {
            return Mark {
                price,
                funding_index: sdec(m.funding_index),
                live: true,
            };
        }
        match m.feed {
            Some((p, t)) if !p.is_zero() && self.now.saturating_sub(t) <= self.max_oracle_age => {
                let price = match &self.price_override {
                    Some((id, over)) if id == market => *over,
                    _ => p,
                };
                Mark {
                    price,
                    funding_index: self.accrued(m, p),
                    live: true,
                }
            }
            _ => Mark {
                price: m.last_price.unwrap_or(entry),
                funding_index: sdec(m.funding_index),
                live: false,
            },
        }
    }

    /// `IM(N)` or `MM(N)` as brackets (exact value of the sum; each bracket product rounded up).
    fn requirement(&self, cfg: &MarketConfig, notional: Int256, initial: bool) -> Int256 {
        let mut lo = Int256::zero();
        let mut total = Int256::zero();
        for t in &cfg.margin_tiers {
            let ratio = if initial {
                t.initial_margin_ratio
            } else {
                t.maintenance_margin_ratio
            };
            let hi = t.max_notional.map(|x| from_bu(x.u128() as i128));
            let top = match hi {
                Some(h) => notional.min(h),
                None => notional,
            };
            let part = (top - lo).max(Int256::zero());
            total += ceil_div(part * dec(ratio), e18());
            match hi {
                Some(h) => lo = h,
                None => break,
            }
        }
        total
    }

    /// Values of one position (exact).
    pub fn position(&self, p: &PosIn) -> PosValues {
        let mark = self.account_mark(&p.market, p.entry);
        let cfg = &self.markets[&p.market].config;
        let d = pow10(self.decimals);
        let s = sdec(p.size);
        let notional = s.abs() * dec(mark.price) * d;
        let u = s * (dec(mark.price) - dec(p.entry)) * d;
        let a = s * (mark.funding_index - sdec(p.funding_at_entry)) * d;
        let net = u - a;
        if matches!(self.markets[&p.market].status, MarketStatus::Settled { .. }) {
            // valued as its close books it: realized PnL (down) minus funding owed (up), no
            // requirement
            return PosValues {
                mark,
                notional,
                u,
                a,
                contribution: from_bu(floor_bu(u) - ceil_bu(a)),
                im: Int256::zero(),
                mm: Int256::zero(),
                settled: true,
            };
        }
        PosValues {
            mark,
            notional,
            u,
            a,
            contribution: if mark.live {
                net
            } else {
                net.min(Int256::zero())
            },
            im: self.requirement(cfg, notional, true),
            mm: self.requirement(cfg, notional, false),
            settled: false,
        }
    }

    /// A book: collateral (C or M, base units) and its positions.
    /// A position of a settled market counts as closed: what its close books joins the
    /// collateral (`C' = C + Σ_settled value`) and it has no requirement.
    pub fn book(&self, collateral: i128, positions: &[&PosIn]) -> BookValues {
        let vals: Vec<PosValues> = positions.iter().map(|p| self.position(p)).collect();
        let open: Vec<&PosValues> = vals.iter().filter(|v| !v.settled).collect();
        let settled: Int256 = vals
            .iter()
            .filter(|v| v.settled)
            .map(|v| v.contribution)
            .sum();
        let collateral = floor_bu(from_bu(collateral) + settled);
        let c = from_bu(collateral);
        let x: Int256 = open.iter().map(|v| v.contribution).sum();
        let im: Int256 = open.iter().map(|v| v.im).sum();
        let mm: Int256 = open.iter().map(|v| v.mm).sum();
        let gain = floor_div(x.max(Int256::zero()) * dec(self.profit_weight), e18());
        let equity = floor_bu(c + x);
        let equity_for_im = floor_bu(c + x.min(Int256::zero()) + gain);
        let initial_margin = ceil_bu(im);
        let maintenance_margin = ceil_bu(mm);
        BookValues {
            equity_exact: c + x,
            mm_exact: mm,
            equity,
            equity_for_im,
            initial_margin,
            maintenance_margin,
            free_collateral: (collateral.min(equity_for_im) - initial_margin).max(0),
            liquidatable: if open.is_empty() {
                collateral < 0
            } else {
                equity < maintenance_margin
            },
            all_stale: !open.is_empty() && open.iter().all(|v| !v.mark.live),
            open_positions: open.len(),
            positions: vals,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PosValues {
    pub mark: Mark,
    pub notional: Int256,
    pub u: Int256,
    pub a: Int256,
    pub contribution: Int256,
    pub im: Int256,
    pub mm: Int256,
    /// In a settled market (valued as closed).
    pub settled: bool,
}

#[derive(Debug, Clone)]
pub struct BookValues {
    /// `Q` and `MM` before rounding (numerators over 10^36 base units).
    pub equity_exact: Int256,
    pub mm_exact: Int256,
    pub equity: i128,
    pub equity_for_im: i128,
    pub initial_margin: i128,
    pub maintenance_margin: i128,
    pub free_collateral: i128,
    pub liquidatable: bool,
    /// Every open position's price failed liveness (liquidation cannot close any of them).
    pub all_stale: bool,
    /// Positions not in a settled market.
    pub open_positions: usize,
    pub positions: Vec<PosValues>,
}

impl BookValues {
    /// `Q_im ≥ IM` with the model tolerance.
    pub fn meets_initial(&self) -> bool {
        self.equity_for_im + TOL >= self.initial_margin
    }

    /// Healthy with the model tolerance (a boundary case within TOL counts as healthy).
    pub fn clearly_liquidatable(&self) -> bool {
        if self.open_positions == 0 {
            self.equity < 0
        } else {
            self.equity + TOL < self.maintenance_margin
        }
    }
}

/// An account in the model: collateral and positions.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountIn {
    pub collateral: i128,
    pub positions: Vec<PosIn>,
}

impl AccountIn {
    /// The cross book, valued as the touch leaves it: a settled isolated position's close
    /// returns its margin plus realized PnL (down) minus funding owed (up) to C when that is
    /// positive; a loss beyond the margin goes to the bad-debt waterfall, not to C.
    pub fn cross(&self, w: &World) -> BookValues {
        let cross: Vec<&PosIn> = self
            .positions
            .iter()
            .filter(|p| p.margin.is_none())
            .collect();
        let returned: i128 = self
            .settled_isolated_returns(w)
            .iter()
            .map(|(_, r)| r)
            .sum();
        w.book(self.collateral + returned, &cross)
    }

    /// What each settled isolated position returns to C on its close, by market.
    pub fn settled_isolated_returns(&self, w: &World) -> Vec<(String, i128)> {
        self.positions
            .iter()
            .filter(|p| matches!(w.markets[&p.market].status, MarketStatus::Settled { .. }))
            .filter_map(|p| {
                let m = p.margin?;
                let v = w.position(p);
                Some((p.market.clone(), (m + floor_bu(v.u) - ceil_bu(v.a)).max(0)))
            })
            .collect()
    }

    pub fn isolated(&self, w: &World, market: &str) -> Option<BookValues> {
        let p = self.positions.iter().find(|p| p.market == market)?;
        p.margin.map(|m| w.book(m, &[p]))
    }

    /// Every isolated book, by market.
    pub fn isolated_books(&self, w: &World) -> Vec<(String, BookValues)> {
        self.positions
            .iter()
            .filter_map(|p| p.margin.map(|m| (p.market.clone(), w.book(m, &[p]))))
            .collect()
    }
}

fn close(what: &str, model: i128, engine: i128, errs: &mut Vec<String>) {
    if (model - engine).abs() > TOL {
        errs.push(format!("{what}: model {model} engine {engine}"));
    }
}

/// Compares the engine's `account` response with the model; returns the mismatches.
pub fn compare_account(w: &World, acct: &AccountIn, resp: &AccountResponse) -> Vec<String> {
    let mut errs = Vec::new();
    let cross = acct.cross(w);
    let i = |x: Int128| x.i128();
    let u = |x: Uint128| x.u128() as i128;
    if resp.collateral.i128() != acct.collateral {
        errs.push(format!(
            "collateral: stored {} reported {}",
            acct.collateral, resp.collateral
        ));
    }
    close("equity", cross.equity, i(resp.equity), &mut errs);
    close(
        "initial_margin",
        cross.initial_margin,
        u(resp.initial_margin),
        &mut errs,
    );
    close(
        "maintenance_margin",
        cross.maintenance_margin,
        u(resp.maintenance_margin),
        &mut errs,
    );
    close(
        "free_collateral",
        cross.free_collateral,
        u(resp.free_collateral),
        &mut errs,
    );
    let engine_liq = resp.health == Health::Liquidatable;
    let margin = cross.equity - cross.maintenance_margin;
    let boundary = cross.open_positions > 0 && margin.abs() <= TOL;
    if engine_liq != cross.liquidatable && !boundary {
        errs.push(format!(
            "health: model liquidatable={} (equity {} mm {}) engine {:?}",
            cross.liquidatable, cross.equity, cross.maintenance_margin, resp.health
        ));
    }
    if resp.positions.len() != acct.positions.len() {
        errs.push(format!(
            "positions: stored {} reported {}",
            acct.positions.len(),
            resp.positions.len()
        ));
        return errs;
    }
    for (p, r) in acct.positions.iter().zip(&resp.positions) {
        let tag = |f: &str| format!("{}.{f}", p.market);
        if r.market_id != p.market || r.size != p.size || r.entry_price != p.entry {
            errs.push(format!("{}: stored {p:?} reported {r:?}", p.market));
            continue;
        }
        let v = w.position(p);
        if r.mark_price != v.mark.price {
            errs.push(format!(
                "{}: model {} engine {}",
                tag("mark_price"),
                v.mark.price,
                r.mark_price
            ));
        }
        close(
            &tag("notional"),
            ceil_bu(v.notional),
            u(r.notional),
            &mut errs,
        );
        close(
            &tag("unrealized_pnl"),
            floor_bu(v.u),
            i(r.unrealized_pnl),
            &mut errs,
        );
        close(
            &tag("accrued_funding"),
            ceil_bu(v.a),
            i(r.accrued_funding),
            &mut errs,
        );
        match (p.margin, r.mode.clone()) {
            (None, PositionMode::Cross) => {
                if r.margin.is_some() || r.equity.is_some() {
                    errs.push(format!("{}: cross position with margin/equity", p.market));
                }
            }
            (Some(m), PositionMode::Isolated) => {
                let book = w.book(m, &[p]);
                if r.margin.map(u) != Some(m.max(0)) {
                    errs.push(format!(
                        "{}: model {m} engine {:?}",
                        tag("margin"),
                        r.margin
                    ));
                }
                match r.equity {
                    Some(e) => close(&tag("equity"), book.equity, e.i128(), &mut errs),
                    None => errs.push(format!("{}: isolated without equity", p.market)),
                }
            }
            (m, mode) => errs.push(format!("{}: stored margin {m:?}, mode {mode:?}", p.market)),
        }
    }
    errs
}

/// DESIGN 6.2: a position's liquidation price is the mark at which its book (other marks and
/// funding fixed) is exactly at maintenance. Checked by valuing the book at the reported price:
/// `|Q − MM| ≤ TOL` base units. Only positions in live, unsettled markets with a positive price.
pub fn check_liquidation_prices(
    w: &World,
    acct: &AccountIn,
    resp: &AccountResponse,
) -> (Vec<String>, u64) {
    let mut errs = Vec::new();
    let mut checked = 0u64;
    for (p, r) in acct.positions.iter().zip(&resp.positions) {
        let Some(lp) = r.liquidation_price else {
            continue;
        };
        let m = &w.markets[&p.market];
        if lp.is_zero()
            || matches!(m.status, MarketStatus::Settled { .. })
            || !w.account_mark(&p.market, p.entry).live
        {
            continue;
        }
        let mut at = w.clone();
        at.price_override = Some((p.market.clone(), lp));
        let book = match p.margin {
            Some(_) => acct.isolated(&at, &p.market).unwrap(),
            None => acct.cross(&at),
        };
        checked += 1;
        let gap = book.equity_exact - book.mm_exact;
        if gap.abs() > Int256::from(TOL) * scale() {
            errs.push(format!(
                "{}: at liquidation price {lp} the book is {} base units from maintenance \
                 (equity {} mm {})",
                p.market,
                floor_bu(gap),
                book.equity,
                book.maintenance_margin
            ));
        }
    }
    (errs, checked)
}

/// Vault equity `V = cash − Σ_m (U_m − A_m) − Σ_m L_m` (exact), `L_m` the impact liability
/// ([`impact_liability`]), with the markets' U and A summed from the positions themselves, not
/// from the engine's aggregates.
/// A market with open skew whose price is not live is valued at its last price (funding accrued
/// at it), a settled one at its settlement price.
pub fn vault_equity(w: &World, cash: i128, positions: &[PosIn]) -> i128 {
    floor_bu(vault_equity_exact(w, cash, positions))
}

/// [`vault_equity`] before rounding (a numerator over `10^36` base units).
pub fn vault_equity_exact(w: &World, cash: i128, positions: &[PosIn]) -> Int256 {
    let d = pow10(w.decimals);
    let mut v = from_bu(cash);
    for (id, m) in &w.markets {
        let k = World::skew(m);
        let (price, _) = vault_mark(w, id);
        v -= trader_pnl(w, id, positions);
        let cap = m.config.max_price_impact.unwrap_or_default();
        v -= impact_liability(price, k, m.config.skew_scale, cap, d);
    }
    v
}

/// The price and funding index the vault values market `id` at: the settlement price once
/// settled; with open skew the live oracle price (funding accrued to now) or else the last
/// price (funding accrued at it); nothing without skew.
pub fn vault_mark(w: &World, id: &str) -> (Decimal256, Int256) {
    let m = &w.markets[id];
    let k = World::skew(m);
    match m.status {
        MarketStatus::Settled { price } => (price, sdec(m.funding_index)),
        _ if k.is_zero() => (Decimal256::zero(), sdec(m.funding_index)),
        _ => {
            let price = match m.feed {
                Some((p, t)) if !p.is_zero() && w.now.saturating_sub(t) <= w.max_oracle_age => p,
                _ => m.last_price.expect("open skew without any price"),
            };
            (price, w.accrued(m, price))
        }
    }
}

/// Traders' `Σ (U − A)` in market `id` at the vault's mark (exact, over `10^36` base units).
pub fn trader_pnl(w: &World, id: &str, positions: &[PosIn]) -> Int256 {
    let d = pow10(w.decimals);
    let (price, f) = vault_mark(w, id);
    let mut total = Int256::zero();
    for p in positions.iter().filter(|p| p.market == id) {
        let s = sdec(p.size);
        total += s * (dec(price) - dec(p.entry)) * d - s * (f - sdec(p.funding_at_entry)) * d;
    }
    total
}

/// `|K|·P` of market `id` at the vault's mark (exact, over `10^36` base units).
pub fn market_exposure(w: &World, id: &str) -> Int256 {
    let m = &w.markets[id];
    let (price, _) = vault_mark(w, id);
    World::skew(m).abs() * dec(price) * pow10(w.decimals)
}

/// The most impact the vault can be made to pay back from skew `k` (atoms), exact over `10^36`
/// base units and rounded up: `P·(n²/(2S) + cap·(|K| − n))` with `n = min(|K|, 3·cap·S)` —
/// `P·K²/(2S)` for every skew trades can build, growing by `P·cap` per unit beyond (a reduction's
/// impact is clamped at the cap; a single trade to `∓cap·S` and its close take all of it).
fn impact_liability(
    price: Decimal256,
    k: Int256,
    skew_scale: Decimal256,
    cap: Decimal256,
    d: Int256,
) -> Int256 {
    let (s, c) = (dec(skew_scale), dec(cap));
    if s.is_zero() || k.is_zero() {
        return Int256::zero();
    }
    let abs_k = k.abs();
    let n = abs_k.min(ceil_div(Int256::from(3i128) * c * s, e18()));
    let quadratic = ceil_div(dec(price) * n * n * d, Int256::from(2i128) * s);
    let linear = ceil_div(dec(price) * c * (abs_k - n) * d, e18());
    quadratic + linear
}

/// What the impact rule of DESIGN 6.5 makes of a trade of `delta` against skew `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Filled at this price; `clamped` when the impact term was cut to the cap.
    At { price: Decimal256, clamped: bool },
    /// Refused: the trade does not reduce |K| and leaves it above the cap.
    Refused,
}

/// A trade reduces |K| when the skew it leaves lies between 0 and K (both included).
pub fn reduces_skew(k: SignedDecimal256, delta: SignedDecimal256) -> bool {
    let (k, d) = (sdec(k), sdec(delta));
    !k.is_zero() && (d < Int256::zero()) != (k < Int256::zero()) && d.abs() <= k.abs()
}

/// The fill of DESIGN 6.5, exact in atoms: refused when the trade does not reduce |K| and
/// `|K + Δs|/S > cap`; otherwise `P·(1 + clamp((K + Δs/2)/S, −cap, cap))`, rounded against the
/// trader (up for a buy, down for a sell).
pub fn fill(
    base: Decimal256,
    k: SignedDecimal256,
    delta: SignedDecimal256,
    skew_scale: Decimal256,
    cap: Decimal256,
) -> Fill {
    let s = dec(skew_scale);
    if s.is_zero() {
        return Fill::At {
            price: base,
            clamped: false,
        };
    }
    let w = |x: Int256| Int512::from(x);
    let (kk, dd, c, p) = (w(sdec(k)), w(sdec(delta)), w(dec(cap)), w(dec(base)));
    let e18w = w(e18());
    let left = kk + dd;
    if !reduces_skew(k, delta) && left.abs() * e18w > c * w(s) {
        return Fill::Refused;
    }
    let twice_mid = kk + kk + dd;
    let twice_s = w(s) + w(s);
    let buy = dd > Int512::zero();
    let round = |n: Int512, d: Int512| -> Int512 {
        let q = n / d;
        let exact = n % d == Int512::zero();
        match (exact, buy, n < Int512::zero()) {
            (true, _, _) => q,
            (false, true, false) => q + Int512::one(),
            (false, false, true) => q - Int512::one(),
            _ => q,
        }
    };
    let clamped = twice_mid.abs() * e18w > c * twice_s;
    let moved = if clamped {
        let signed_cap = if twice_mid < Int512::zero() { -c } else { c };
        round(p * signed_cap, e18w)
    } else {
        round(p * twice_mid, twice_s)
    };
    let atoms = Int256::try_from(p + moved).unwrap();
    Fill::At {
        price: Decimal256::new(cosmwasm_std::Uint256::try_from(atoms).unwrap()),
        clamped,
    }
}

/// What the vault keeps beyond the fee when a trade of `−sold` (atoms) against market `m`'s skew
/// fills at the clamped impact: `|Δs|·P·(|K + Δs/2|/S − cap)` in base units, rounded up, at the
/// price bound `price` (0 when the impact term is within the cap).
pub fn clamp_surplus(m: &MarketIn, sold: Int256, price: Decimal256, decimals: u8) -> i128 {
    let s = dec(m.config.skew_scale);
    if s.is_zero() {
        return 0;
    }
    let w = |x: Int256| Int512::from(x);
    let delta = -sold;
    let k = World::skew(m);
    let twice_mid = w(k) + w(k) + w(delta);
    let cap = w(dec(m.config.max_price_impact.unwrap_or_default()));
    // |mid|/S − cap = (|2K + Δs|·1e18 − cap·2S) / (2S·1e18)
    let excess = twice_mid.abs() * w(e18()) - cap * (w(s) + w(s));
    if excess <= Int512::zero() {
        return 0;
    }
    // base units: |Δs|_a·P_a·excess·10^dec / (2S_a·1e18·1e36)
    let n = w(delta.abs()) * w(dec(price)) * excess * w(pow10(decimals));
    let dd = (w(s) + w(s)) * w(e18()) * w(e18()) * w(e18());
    let q = n / dd;
    let up = if n % dd == Int512::zero() {
        q
    } else {
        q + Int512::one()
    };
    Int128::try_from(up)
        .map(|v| v.i128())
        .unwrap_or(i128::MAX / 4)
}
