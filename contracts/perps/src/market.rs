//! One market as a message loads it: its parameters, its state with funding accrued in memory to
//! the block time, its tier table and the oracle's verdict on its price; plus the conversions
//! between stored market values and the `perps-risk` views of them.

use crate::vecmap::VecMap as BTreeMap;

use cosmwasm_std::{Decimal256, Deps, Env, Order, SignedDecimal256, Storage};
use cw_storage_plus::Bound;
use perps_api::perps::{MarketConfig, MarketStatus};
use perps_api::price_feed::PriceRecord;
use perps_risk::book::MarketRisk;
use perps_risk::funding::accrue_funding_index;
use perps_risk::position::Position as RiskPosition;
use perps_risk::tiers::{MarginTier, TierTable};
use perps_risk::vault::MarketAggregate;

use crate::compact::{BinMap, Compact};
use crate::error::{ContractError, ContractResult, OracleError};
use crate::oracle::{self, Mark};
use crate::state::{Config, Market, MarketState, Position, MARKETS, MARKET_STATES};

/// Which oracle rules a book valuation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prices {
    /// Strict rules on every market of the book.
    Strict,
    /// Liveness rules on every market of the book.
    Live,
    /// Best effort (queries): a market without a live price is valued at its last price and
    /// counts losses only.
    Any,
}

/// One market as loaded for a message.
#[derive(Debug)]
pub struct MarketCtx {
    pub id: String,
    pub market: Market,
    /// State with funding accrued to the block time when a live price exists.
    pub state: MarketState,
    /// The state as stored before this message (the vault's `claims` and `exposure` hold its
    /// contribution: [`crate::solvency::restate`]).
    pub stored: MarketState,
    pub tiers: TierTable,
    /// The liveness verdict (and the strict one inside it).
    pub mark: Result<Mark, OracleError>,
}

/// The risk crate's view of a tier table.
pub fn tier_table(mc: &MarketConfig) -> ContractResult<TierTable> {
    let tiers: Vec<MarginTier> = mc
        .margin_tiers
        .iter()
        .map(|t| MarginTier {
            max_notional: t.max_notional,
            initial_margin_ratio: t.initial_margin_ratio,
            maintenance_margin_ratio: t.maintenance_margin_ratio,
        })
        .collect();
    Ok(TierTable::new(&tiers)?)
}

/// Impact cap in force (0 when there is no impact).
pub fn impact_cap(mc: &MarketConfig) -> Decimal256 {
    if mc.skew_scale.is_zero() {
        Decimal256::zero()
    } else {
        mc.max_price_impact.unwrap_or_default()
    }
}

/// Accrues a market's funding index to `now` at `price`, with the skew before the touch.
pub fn accrue(
    market: &Market,
    mut state: MarketState,
    price: Decimal256,
    now: u64,
) -> ContractResult<MarketState> {
    if matches!(market.status, MarketStatus::Settled { .. }) {
        return Ok(state);
    }
    let elapsed = now.saturating_sub(state.last_funding_time);
    state.funding_index = accrue_funding_index(
        state.funding_index,
        price,
        skew(&state)?,
        market.config.skew_scale,
        impact_cap(&market.config),
        market.config.max_funding_rate_per_day,
        elapsed,
    )?;
    state.last_funding_time = now.max(state.last_funding_time);
    state.last_price = Some(price);
    Ok(state)
}

/// `K = long_oi − short_oi`.
pub fn skew(state: &MarketState) -> ContractResult<SignedDecimal256> {
    Ok(aggregate(state).skew()?)
}

/// The risk crate's aggregate view of a market state.
pub fn aggregate(state: &MarketState) -> MarketAggregate {
    MarketAggregate {
        long_oi: state.long_oi,
        short_oi: state.short_oi,
        entry_cost_sum: state.entry_cost_sum,
        funding_basis_sum: state.funding_basis_sum,
    }
}

/// Writes an aggregate back into a market state.
pub fn set_aggregate(state: &mut MarketState, a: MarketAggregate) {
    state.long_oi = a.long_oi;
    state.short_oi = a.short_oi;
    state.entry_cost_sum = a.entry_cost_sum;
    state.funding_basis_sum = a.funding_basis_sum;
}

/// The risk crate's view of a stored position.
pub fn risk_position(p: &Position) -> RiskPosition {
    RiskPosition {
        size: p.size,
        entry_price: p.entry_price,
        funding_index_at_entry: p.funding_index_at_entry,
    }
}

/// Loads market `id` with its price verdict, funding accrued when the price is live.
pub fn load_market_ctx(deps: Deps, env: &Env, cfg: &Config, id: &str) -> ContractResult<MarketCtx> {
    let market = MARKETS.may_load(deps.storage, id)?;
    let stored = MARKET_STATES.may_load(deps.storage, id)?;
    market_ctx(deps, env, cfg, id, market, stored)
}

/// The contexts of the markets `ids` (ascending, distinct), into `out`. Two or more are read with
/// ranges over the market and market-state records instead of a read each (an iterator step
/// costs 30 gas flat, a read 1,000): each range runs over markets stored next to each other and
/// stops at the first record not asked for, so it never reads more than one record too many per
/// gap. (Plain loops: collecting into maps and results costs the artifact kilobytes.)
pub fn load_market_ctxs(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    ids: &[&str],
    out: &mut BTreeMap<String, MarketCtx>,
) -> ContractResult<()> {
    if let [id] = ids {
        out.insert(id.to_string(), load_market_ctx(deps, env, cfg, id)?);
        return Ok(());
    }
    let markets = load_runs(deps.storage, &MARKETS, ids)?;
    let mut states = load_runs(deps.storage, &MARKET_STATES, ids)?.into_iter();
    for (id, market) in ids.iter().zip(markets) {
        let stored = states.next().flatten();
        out.insert(
            id.to_string(),
            market_ctx(deps, env, cfg, id, market, stored)?,
        );
    }
    Ok(())
}

/// The records of `ids` (ascending) in `map`, `None` where there is none, read in runs.
fn load_runs<T: Compact>(
    storage: &dyn Storage,
    map: &BinMap<&str, T>,
    ids: &[&str],
) -> ContractResult<Vec<Option<T>>> {
    let mut out: Vec<Option<T>> = Vec::with_capacity(ids.len());
    while let Some(first) = ids.get(out.len()) {
        let mut run = map.range(
            storage,
            Some(Bound::inclusive(*first)),
            None,
            Order::Ascending,
        );
        let mut found = false;
        while let Some(id) = ids.get(out.len()) {
            match run.next().transpose()? {
                Some((key, v)) if key == *id => {
                    out.push(Some(v));
                    found = true;
                }
                // the first key of a run is at least `first`: a larger one means no record
                _ if !found => {
                    out.push(None);
                    break;
                }
                _ => break,
            }
        }
    }
    Ok(out)
}

/// A market context from its records (`UnknownMarket` without them).
fn market_ctx(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    id: &str,
    market: Option<Market>,
    stored: Option<MarketState>,
) -> ContractResult<MarketCtx> {
    let (Some(market), Some(stored)) = (market, stored) else {
        return Err(ContractError::UnknownMarket {
            market_id: id.to_string(),
        });
    };
    let mark = oracle::mark(deps, env, cfg, id, &market);
    ctx_with_mark(env, id, market, stored, mark)
}

/// Market `id` from its record already read (`market`) and its feed's latest record (`latest`):
/// the context [`load_market_ctx`] builds, without reading either again (an order's execution
/// has read both to find its record; `state`: its market state when read too). Funding accrues
/// at the live mark, as for any message.
pub fn known_market_ctx(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    id: &str,
    market: Market,
    latest: Option<PriceRecord>,
    state: Option<MarketState>,
) -> ContractResult<MarketCtx> {
    let stored = match state {
        Some(s) => Some(s),
        None => MARKET_STATES.seek_load(deps.storage, id)?,
    };
    let Some(stored) = stored else {
        return Err(ContractError::UnknownMarket {
            market_id: id.to_string(),
        });
    };
    let mark = oracle::judge(cfg, env, id, &market, latest);
    ctx_with_mark(env, id, market, stored, mark)
}

/// A market context with its oracle verdict, funding accrued when the mark is live.
fn ctx_with_mark(
    env: &Env,
    id: &str,
    market: Market,
    stored: MarketState,
    mark: Result<Mark, OracleError>,
) -> ContractResult<MarketCtx> {
    let mut state = stored.clone();
    if let Ok(m) = &mark {
        state = accrue(&market, state, m.price, env.block.time.seconds())?;
    }
    Ok(MarketCtx {
        id: id.to_string(),
        tiers: tier_table(&market.config)?,
        market,
        state,
        stored,
        mark,
    })
}

impl MarketCtx {
    pub fn risk(&self) -> MarketRisk {
        MarketRisk {
            tiers: self.tiers.clone(),
            liquidation_fee: self.market.config.liquidation_fee,
            min_order_size: self.market.config.min_order_size,
        }
    }

    /// The live mark, or the liveness verdict.
    pub fn live(&self) -> Result<&Mark, OracleError> {
        self.mark.as_ref().map_err(Clone::clone)
    }

    /// Price and liveness for a valuation under `prices`.
    pub fn price_for(
        &self,
        prices: Prices,
        fallback: Decimal256,
    ) -> ContractResult<(Decimal256, bool)> {
        match prices {
            Prices::Strict => Ok((self.live()?.strict()?, true)),
            Prices::Live => Ok((self.live()?.price, true)),
            Prices::Any => Ok(match &self.mark {
                Ok(m) => (m.price, true),
                Err(_) => (self.state.last_price.unwrap_or(fallback), false),
            }),
        }
    }

    pub fn is_settled(&self) -> bool {
        matches!(self.market.status, MarketStatus::Settled { .. })
    }
}
