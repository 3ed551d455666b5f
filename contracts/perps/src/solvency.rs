//! Solvency steps (DESIGN 6.10): the vault's equity `V` and exposure `Σ|K|·P` kept current one
//! market at a time, the exposure caps a trade must pass, the haircut of profits while V < 0,
//! and the record of bankrupt books (`unrecoverable`).
//!
//! Cheap by construction: the vault stores `claims = Σ_m liability_m` and `exposure =
//! Σ_m |K_m|·P_m`, each market's part taken as its state was last STORED (at its last price).
//! Every write of a market state replaces that market's part ([`restate`]); a check replaces the
//! parts of the markets the message holds in memory ([`current`]). No check iterates markets,
//! and other markets enter at their stored last price (no oracle of theirs is read) — except
//! where a stored price would move money (a pending payout's haircut, auto-deleveraging:
//! [`live_markets`], scenarios 63 and 66).

use cosmwasm_std::{Addr, Decimal256, Deps, Env, Int128, Order, Storage, Uint128};
use perps_api::perps::MarketStatus;
use perps_risk::num::{Quote, Round};
use perps_risk::solvency::grows_skew;
use perps_risk::vault::{market_exposure, market_liability, market_trader_pnl, VaultMarket};

use crate::account::AccountCtx;
use crate::error::{ContractError, ContractResult};
use crate::market::{aggregate, skew, MarketCtx};
use crate::state::{
    Config, Market, MarketState, Vault, BAD_DEBT, MARKETS, MARKET_HOLDERS, MARKET_STATES,
    PENDING_PAYOUTS,
};
use crate::vecmap::VecMap;
use cw_storage_plus::Bound;
use perps_risk::adl::SHORT_BIT;
use perps_risk::ledger::{self, Payout};
use perps_risk::solvency::Settled;

/// A market as the vault values it from its stored state: at the settlement price once settled,
/// else at its last price, with the funding index as stored.
pub fn view(market: &Market, state: &MarketState) -> VaultMarket {
    let price = match market.status {
        MarketStatus::Settled { price } => Some(price),
        _ => state.last_price,
    };
    VaultMarket {
        aggregate: aggregate(state),
        mark_price: price,
        funding_index: state.funding_index,
        skew_scale: market.config.skew_scale,
        max_price_impact: crate::market::impact_cap(&market.config),
    }
}

/// One market's part of the vault's `claims` and `exposure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Part {
    pub liability: Quote,
    pub exposure: Quote,
}

pub fn part(market: &Market, state: &MarketState, decimals: u8) -> ContractResult<Part> {
    let v = view(market, state);
    Ok(Part {
        liability: market_liability(&v, decimals)?,
        exposure: market_exposure(&v, decimals)?,
    })
}

/// Replaces one market's part in the vault's sums: call with the market and state as stored
/// before and as about to be stored.
pub fn restate(vault: &mut Vault, before: Part, after: Part) -> ContractResult<()> {
    let claims = Quote(vault.claims)
        .checked_sub(before.liability)?
        .checked_add(after.liability)?;
    let exposure = Quote(vault.exposure)
        .checked_sub(before.exposure)?
        .checked_add(after.exposure)?;
    vault.claims = claims.0;
    vault.exposure = exposure.0;
    Ok(())
}

/// The vault's equity (after `unrecoverable` and the pending payouts) and exposure with the account's markets as the
/// message holds them in memory and every other market as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    pub equity: Quote,
    pub exposure: Quote,
}

pub fn current(ctx: &AccountCtx, vault: &Vault, decimals: u8) -> ContractResult<Current> {
    current_with(&mut ctx.markets.values(), vault, decimals)
}

/// [`current`] with `markets` (as held in memory) in place of their stored state. A `dyn`
/// iterator: one copy of the function for every caller (docs/size.md).
pub fn current_with(
    markets: &mut dyn Iterator<Item = &MarketCtx>,
    vault: &Vault,
    decimals: u8,
) -> ContractResult<Current> {
    let mut claims = Quote(vault.claims);
    let mut exposure = Quote(vault.exposure);
    for m in markets {
        if m.state == m.stored {
            continue;
        }
        let before = part(&m.market, &m.stored, decimals)?;
        let after = part(&m.market, &m.state, decimals)?;
        claims = claims
            .checked_sub(before.liability)?
            .checked_add(after.liability)?;
        exposure = exposure
            .checked_sub(before.exposure)?
            .checked_add(after.exposure)?;
    }
    let equity = Quote::from_base_units(vault.cash)
        .checked_sub(claims)?
        .checked_sub(Quote::from_base_units_u(vault.debts()?))?;
    Ok(Current {
        equity,
        exposure: exposure.max_zero(),
    })
}

/// The exposure caps (DESIGN 6.10), checked after a trade: every market of the account whose
/// `|K|` the message increased (`|K_after| > |K_before|`, [`grows_skew`]) must keep `|K_m|·P_m ≤
/// max_skew_to_vault_m · V`, and the vault `Σ|K|·P ≤ max_total_skew_to_vault · V`. A trade that
/// reduces `|K|` passes whatever V is.
pub fn check_exposure_caps(ctx: &AccountCtx, vault: &Vault, cfg: &Config) -> ContractResult<()> {
    let dec = cfg.collateral_decimals;
    let mut grown = Vec::new();
    for (id, m) in &ctx.markets {
        if !grows_skew(skew(&m.stored)?, skew(&m.state)?) {
            continue;
        }
        grown.push((id, m));
    }
    if grown.is_empty() {
        return Ok(());
    }
    let now = current(ctx, vault, dec)?;
    for (id, m) in grown {
        let ratio = m
            .market
            .config
            .max_skew_to_vault
            .unwrap_or(Decimal256::one());
        let exposure = part(&m.market, &m.state, dec)?.exposure;
        if exceeds(exposure, ratio, now.equity)? {
            return Err(ContractError::ExposureCap {
                market_id: id.clone(),
                exposure: exposure.to_base_units_u(Round::Up)?,
                ratio,
                equity: now.equity.floor()?,
            });
        }
    }
    if exceeds(now.exposure, cfg.max_total_skew_to_vault, now.equity)? {
        return Err(ContractError::TotalExposureCap {
            exposure: now.exposure.to_base_units_u(Round::Up)?,
            ratio: cfg.max_total_skew_to_vault,
            equity: now.equity.floor()?,
        });
    }
    Ok(())
}

/// `exposure > ratio · equity` (a non-positive equity allows no exposure).
fn exceeds(exposure: Quote, ratio: Decimal256, equity: Quote) -> ContractResult<bool> {
    if equity <= Quote::ZERO {
        return Ok(exposure > Quote::ZERO);
    }
    Ok(exposure > equity.mul_ratio(ratio, Round::Down)?)
}

/// What realized profits are paid against while V < 0 (DESIGN 6.10): `(V, Σ profits)`, or
/// `None` while V ≥ 0 (no haircut). Only then are the markets read: `Σ profits` is bounded from
/// below by `Σ_m max(0, Σ_m (U − A))` (traders' net per market; the account's markets as held
/// in memory, the others at their stored last price): a smaller sum gives a smaller `h`, so the
/// first out is never paid at the expense of the last.
///
/// Confirmed at live prices (scenario 69): when the stored prices say V < 0,
/// taken again with every other market that has skew at its live price ([`live_markets`]; one
/// without a price under the strict rules at its stored price), so that no profit is cut at a
/// price a market no longer has. V ≥ 0 at the stored prices reads nothing more (the cheap path).
pub fn haircut_terms_live(
    deps: Deps,
    env: &Env,
    ctx: &AccountCtx,
    vault: &Vault,
    cfg: &Config,
) -> ContractResult<Option<(Quote, Quote)>> {
    if current(ctx, vault, cfg.collateral_decimals)?.equity >= Quote::ZERO {
        return Ok(None);
    }
    let live = live_markets(deps, env, cfg, &|id| ctx.markets.contains_key(id))?;
    haircut_terms_with(deps, ctx, &live, vault, cfg)
}

/// [`haircut_terms_live`]'s terms with the markets of `extra` (not the account's) as held in memory too.
pub fn haircut_terms_with(
    deps: Deps,
    ctx: &AccountCtx,
    extra: &VecMap<String, MarketCtx>,
    vault: &Vault,
    cfg: &Config,
) -> ContractResult<Option<(Quote, Quote)>> {
    let dec = cfg.collateral_decimals;
    let now = current_with(&mut with_extra(&ctx.markets, extra), vault, dec)?;
    if now.equity >= Quote::ZERO {
        return Ok(None);
    }
    let mut profits = Quote::ZERO;
    for item in MARKET_STATES.range(deps.storage, None, None, Order::Ascending) {
        let (id, stored) = item?;
        let pnl = match ctx.markets.get(&id).or_else(|| extra.get(&id)) {
            Some(m) => market_trader_pnl(&view(&m.market, &m.state), dec)?,
            None if skew(&stored)?.is_zero() => continue,
            None => {
                let market = MARKETS.load(deps.storage, &id)?;
                market_trader_pnl(&view(&market, &stored), dec)?
            }
        };
        profits = profits.checked_add(pnl.max_zero())?;
    }
    // pending payouts are profits realized at face value and not yet settled: they share `h`
    let profits = profits.checked_add(Quote::from_base_units_u(vault.pending_payouts))?;
    Ok(Some((now.equity, profits)))
}

/// The markets of `held`, then those of `extra` that `held` does not hold (each market once).
pub fn with_extra<'a>(
    held: &'a VecMap<String, MarketCtx>,
    extra: &'a VecMap<String, MarketCtx>,
) -> impl Iterator<Item = &'a MarketCtx> {
    let others = extra.iter().filter(|(id, _)| !held.contains_key(*id));
    held.values().chain(others.map(|(_, m)| m))
}

/// Every market with skew that `held` does not skip (the markets a message holds in memory),
/// read at its live price, for a value that must not rest on a stored price the market may no longer
/// have (scenarios 63, 66, 69). A market without a price under the strict rules (an outage) is
/// left out: the caller values it as stored. Settled markets need no price.
pub fn live_markets(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    held: &dyn Fn(&str) -> bool,
) -> ContractResult<VecMap<String, MarketCtx>> {
    let mut out = VecMap::new();
    for item in MARKET_STATES.range(deps.storage, None, None, Order::Ascending) {
        let (id, stored) = item?;
        if held(&id) || skew(&stored)?.is_zero() {
            continue;
        }
        let m = crate::market::load_market_ctx(deps, env, cfg, &id)?;
        if !m.is_settled() && m.live().is_ok_and(|mark| mark.is_strict()) {
            out.insert(id, m);
        }
    }
    Ok(out)
}

/// Pays the account's pending payout into `C` as far as the vault holds the cash (DESIGN 6.10,
/// issue 12): while V < 0 the part settled is paid at the haircut like any profit, the rest of
/// the claim stays pending at face value. V and the haircut are taken with every market that
/// has skew at its live price, never at a stored price the market may no longer have
/// (scenario 63); one without a price under the strict rules (an outage) enters at its stored
/// price, as in auto-deleveraging, so a liquidation still counts the claim. Reads nothing when
/// no payout is pending anywhere.
pub fn pay_pending(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    ctx: &mut AccountCtx,
    vault: &mut Vault,
) -> ContractResult<Settled> {
    if vault.pending_payouts.is_zero() {
        return Ok(Settled::default());
    }
    let claim = PENDING_PAYOUTS
        .may_load(deps.storage, &ctx.addr)?
        .unwrap_or_default();
    if claim.is_zero() {
        return Ok(Settled::default());
    }
    let live = live_markets(deps, env, cfg, &|id| ctx.markets.contains_key(id))?;
    let terms = Payout {
        haircut: haircut_terms_with(deps, ctx, &live, vault, cfg)?,
        owed_by_others: ctx.owed_by_others(vault, None)?,
    };
    let moved = ledger::pay_pending(ctx.balances(None, vault), claim, &terms)?;
    ctx.apply(vault, &moved);
    let settled = moved.payout.paid.checked_add(moved.payout.forgiven)?;
    ctx.record_payout(vault, Uint128::zero(), settled)?;
    Ok(moved.payout)
}

/// Scenario 90: a loss of the account's cross book beyond what `C` holds is taken from its own
/// pending payout first (`ledger::net_pending`: the claim's record and `Vault::pending_payouts`
/// reduced by the same amount, at face value; `booked`: a shortfall the vault's cash was credited
/// with, which leaves it again as covered). Returns what was netted; the caller sends the rest
/// down the bad-debt waterfall, or drops it as before (a settlement charge). Reads nothing when
/// no payout is pending anywhere.
#[inline(never)]
pub fn net_pending(
    storage: &dyn Storage,
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    loss: Uint128,
    booked: bool,
) -> ContractResult<Uint128> {
    if loss.is_zero() || vault.pending_payouts.is_zero() {
        return Ok(Uint128::zero());
    }
    let claim = PENDING_PAYOUTS
        .may_load(storage, &ctx.addr)?
        .unwrap_or_default()
        .checked_add(ctx.pending_added)?
        .checked_sub(ctx.pending_settled)?;
    let moved = ledger::net_pending(vault.balances(), loss, claim, booked)?;
    vault.apply(&moved.after);
    ctx.record_payout(vault, Uint128::zero(), moved.payout.paid)?;
    Ok(moved.payout.paid)
}

/// Books how a fill's realized profit was settled: its pending part on the account and the
/// vault. Returns the realized PnL as the account is credited with it (face value less what
/// the haircut forgave).
pub fn book_payout(
    ctx: &mut AccountCtx,
    vault: &mut Vault,
    pnl: Int128,
    payout: &Settled,
) -> ContractResult<Int128> {
    ctx.record_payout(vault, payout.pending, Uint128::zero())?;
    Ok(pnl.checked_sub(perps_risk::num::int128(payout.forgiven)?)?)
}

/// The shortfall of every bankrupt book of the account (`Σ max(0, −equity)`), valued like a
/// liquidation: a market without a live price at its last price, losses only.
pub fn shortfall(ctx: &AccountCtx, cfg: &Config) -> ContractResult<Uint128> {
    let params = crate::account::book_params(cfg);
    let mut total = Uint128::zero();
    let mut books = vec![ctx.cross_book(crate::market::Prices::Any)?];
    for (id, p) in &ctx.positions {
        if matches!(p.mode, crate::state::Mode::Isolated { .. }) {
            books.push(ctx.isolated_book(id, crate::market::Prices::Any)?);
        }
    }
    for book in books {
        let h = perps_risk::book::book_health(&book, &params)?;
        if h.equity.is_negative() {
            total = total.checked_add(Uint128::new(h.equity.i128().unsigned_abs()))?;
        }
    }
    Ok(total)
}

/// Records `amount` as the account's unrecovered shortfall (0 removes the record), keeping
/// `Vault::unrecoverable` equal to the sum of the records.
pub fn set_mark(
    storage: &mut dyn Storage,
    vault: &mut Vault,
    addr: &Addr,
    amount: Uint128,
) -> ContractResult<Uint128> {
    let old = BAD_DEBT.may_load(storage, addr)?.unwrap_or_default();
    vault.unrecoverable = vault
        .unrecoverable
        .checked_sub(old.min(vault.unrecoverable))?
        .checked_add(amount)?;
    if amount.is_zero() {
        if !old.is_zero() {
            BAD_DEBT.remove(storage, addr);
        }
    } else {
        BAD_DEBT.save(storage, addr, &amount)?;
    }
    Ok(old)
}

/// Entries of `market_id`'s index on one side (`short`), in auto-deleveraging order, after
/// `start` (exclusive), at most `limit`: each account with its rank.
pub fn ranked(
    storage: &dyn Storage,
    market_id: &str,
    short: bool,
    start: Option<(u64, Addr)>,
    limit: usize,
) -> ContractResult<Vec<(Addr, u64)>> {
    let empty = Addr::unchecked("");
    let (side_start, side_end) = if short {
        (SHORT_BIT, None)
    } else {
        (0, Some(SHORT_BIT))
    };
    let min = match &start {
        Some((rank, addr)) => Bound::exclusive((*rank, addr)),
        None => Bound::inclusive((side_start, &empty)),
    };
    let max = side_end.map(|end| Bound::exclusive((end, &empty)));
    MARKET_HOLDERS
        .sub_prefix(market_id)
        .keys(storage, Some(min), max, Order::Ascending)
        .take(limit)
        .map(|k| Ok(k.map(|(rank, addr)| (addr, rank))?))
        .collect()
}
