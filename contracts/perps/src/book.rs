//! Loading an account and its markets once per message, and turning them into `perps-risk`
//! books. Funding of every loaded market is accrued in memory to the block time; only markets
//! the message changes are written back.

use std::collections::{BTreeMap, BTreeSet};

use cosmwasm_std::{Addr, Decimal256, Deps, Env, Int128, Order, SignedDecimal256};
use perps_api::perps::MarketStatus;
use perps_risk::book::{settled_isolated_return, Book, BookParams, BookPosition, MarketRisk};
use perps_risk::funding::accrue_funding_index;
use perps_risk::position::Position as RiskPosition;
use perps_risk::tiers::TierTable;
use perps_risk::vault::MarketAggregate;

use crate::error::{ContractError, ContractResult};
use crate::execute::markets::{impact_cap, tier_table};
use crate::oracle::{self, Mark};
use crate::state::{
    Config, Market, MarketState, Mode, Position, COLLATERAL, MARKETS, MARKET_HOLDERS,
    MARKET_STATES, POSITIONS,
};

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
    pub tiers: TierTable,
    /// The liveness verdict (and the strict one inside it).
    pub mark: ContractResult<Mark>,
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

pub fn load_market_ctx(deps: Deps, env: &Env, cfg: &Config, id: &str) -> ContractResult<MarketCtx> {
    let market =
        MARKETS
            .may_load(deps.storage, id)?
            .ok_or_else(|| ContractError::UnknownMarket {
                market_id: id.to_string(),
            })?;
    let mut state = MARKET_STATES.load(deps.storage, id)?;
    let mark = oracle::mark(deps, env, cfg, id, &market);
    if let Ok(m) = &mark {
        state = accrue(&market, state, m.price, env.block.time.seconds())?;
    }
    Ok(MarketCtx {
        id: id.to_string(),
        tiers: tier_table(&market.config)?,
        market,
        state,
        mark,
    })
}

impl MarketCtx {
    fn risk(&self) -> MarketRisk {
        MarketRisk {
            tiers: self.tiers.clone(),
            liquidation_fee: self.market.config.liquidation_fee,
            min_order_size: self.market.config.min_order_size,
        }
    }

    /// The live mark, or the liveness error.
    pub fn live(&self) -> ContractResult<&Mark> {
        self.mark.as_ref().map_err(clone_err)
    }

    /// Price and liveness for a valuation under `prices`.
    fn price_for(
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

/// Errors are not `Clone` (they can carry a `StdError`); oracle verdicts are re-created by text
/// only when a stored verdict has to be reported twice.
fn clone_err(e: &ContractError) -> ContractError {
    match e {
        ContractError::OracleStale {
            market_id,
            age,
            max_age,
        } => ContractError::OracleStale {
            market_id: market_id.clone(),
            age: *age,
            max_age: *max_age,
        },
        ContractError::OracleMissing { market_id, feed_id } => ContractError::OracleMissing {
            market_id: market_id.clone(),
            feed_id: feed_id.clone(),
        },
        ContractError::PriceUnconfirmed {
            market_id,
            refused_publish_time,
            publish_time,
        } => ContractError::PriceUnconfirmed {
            market_id: market_id.clone(),
            refused_publish_time: *refused_publish_time,
            publish_time: *publish_time,
        },
        other => ContractError::invalid("oracle", other.to_string()),
    }
}

/// An account with every position and the markets they are in.
#[derive(Debug)]
pub struct AccountCtx {
    pub addr: Addr,
    pub collateral: Int128,
    pub positions: BTreeMap<String, Position>,
    pub markets: BTreeMap<String, MarketCtx>,
    /// Markets whose position of this account changed (saved or removed at the end).
    pub dirty_positions: BTreeSet<String>,
    /// Markets whose state changed.
    pub dirty_markets: BTreeSet<String>,
    /// Decimals of the collateral (for the settled isolated values in the cross book).
    pub collateral_decimals: u8,
}

/// An account, its positions and their markets, plus `extra_market` (the market a message is
/// about, which the account may not hold yet).
pub fn load_account(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    extra_market: Option<&str>,
) -> ContractResult<AccountCtx> {
    let collateral = COLLATERAL.may_load(deps.storage, addr)?.unwrap_or_default();
    let mut ctx = load_account_cached(deps, env, cfg, addr, collateral, &mut BTreeMap::new())?;
    if let Some(id) = extra_market {
        if !ctx.markets.contains_key(id) {
            ctx.markets
                .insert(id.to_string(), load_market_ctx(deps, env, cfg, id)?);
        }
    }
    Ok(ctx)
}

/// Like [`load_account`] for an account whose collateral the caller already read, taking market
/// contexts from `cache` first (one price read per market for a whole page of accounts); give
/// them back with [`AccountCtx::return_markets`].
pub fn load_account_cached(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    collateral: Int128,
    cache: &mut BTreeMap<String, MarketCtx>,
) -> ContractResult<AccountCtx> {
    let positions: BTreeMap<String, Position> = POSITIONS
        .prefix(addr)
        .range(deps.storage, None, None, Order::Ascending)
        .collect::<Result<_, _>>()?;
    let mut markets = BTreeMap::new();
    for id in positions.keys() {
        let m = match cache.remove(id) {
            Some(m) => m,
            None => load_market_ctx(deps, env, cfg, id)?,
        };
        markets.insert(id.clone(), m);
    }
    Ok(AccountCtx {
        addr: addr.clone(),
        collateral,
        positions,
        markets,
        dirty_positions: BTreeSet::new(),
        dirty_markets: BTreeSet::new(),
        collateral_decimals: cfg.collateral_decimals,
    })
}

impl AccountCtx {
    pub fn market(&self, id: &str) -> ContractResult<&MarketCtx> {
        self.markets
            .get(id)
            .ok_or_else(|| ContractError::UnknownMarket {
                market_id: id.to_string(),
            })
    }

    /// Hands the loaded market contexts back to a page cache.
    pub fn return_markets(self, cache: &mut BTreeMap<String, MarketCtx>) {
        cache.extend(self.markets);
    }

    pub fn market_mut(&mut self, id: &str) -> ContractResult<&mut MarketCtx> {
        self.markets
            .get_mut(id)
            .ok_or_else(|| ContractError::UnknownMarket {
                market_id: id.to_string(),
            })
    }

    fn book_position(
        &self,
        id: &str,
        p: &Position,
        prices: Prices,
    ) -> ContractResult<BookPosition> {
        let m = self.market(id)?;
        // A settled position is valued as its close books it, at the settlement price with the
        // funding index frozen at settlement, whatever rules the caller asks for.
        let (mark_price, price_live, settled) = match m.market.status {
            MarketStatus::Settled { price } => (price, true, true),
            _ => {
                let (price, live) = m.price_for(prices, p.entry_price)?;
                (price, live, false)
            }
        };
        Ok(BookPosition {
            position: risk_position(p),
            mark_price,
            funding_index: m.state.funding_index,
            market: m.risk(),
            price_live,
            settled,
        })
    }

    /// The cross book: every cross position, and `C` plus what each settled isolated position
    /// returns to `C` on its close (`max(0, M + settled value)`; a loss beyond the margin goes
    /// to the bad-debt waterfall). Every message that moves money closes settled positions
    /// first, so the book is valued as that touch leaves it.
    pub fn cross_book(&self, prices: Prices) -> ContractResult<Book> {
        let mut positions = Vec::new();
        let mut collateral = self.collateral;
        for (id, p) in &self.positions {
            match p.mode {
                Mode::Cross => positions.push(self.book_position(id, p, prices)?),
                Mode::Isolated { margin } if self.market(id)?.is_settled() => {
                    let bp = self.book_position(id, p, prices)?;
                    let back = settled_isolated_return(margin, &bp, self.collateral_decimals)?;
                    collateral = collateral
                        .checked_add(back)
                        .map_err(|e| ContractError::invalid("collateral", e.to_string()))?;
                }
                Mode::Isolated { .. } => {}
            }
        }
        Ok(Book {
            collateral,
            positions,
        })
    }

    /// The isolated book of the position in `id`.
    pub fn isolated_book(&self, id: &str, prices: Prices) -> ContractResult<Book> {
        let p = self
            .positions
            .get(id)
            .ok_or_else(|| ContractError::NoPosition {
                market_id: id.to_string(),
            })?;
        match p.mode {
            Mode::Isolated { margin } => Ok(Book {
                collateral: margin,
                positions: vec![self.book_position(id, p, prices)?],
            }),
            Mode::Cross => Err(ContractError::NotIsolated {
                market_id: id.to_string(),
            }),
        }
    }

    /// One isolated position as a risk book position (for `remove_margin`).
    pub fn position_entry(&self, id: &str, prices: Prices) -> ContractResult<BookPosition> {
        let p = self
            .positions
            .get(id)
            .ok_or_else(|| ContractError::NoPosition {
                market_id: id.to_string(),
            })?;
        self.book_position(id, p, prices)
    }
}

pub fn book_params(cfg: &Config) -> BookParams {
    BookParams {
        collateral_decimals: cfg.collateral_decimals,
        unrealized_profit_weight: cfg.unrealized_profit_weight,
    }
}

/// Books touching `market_id` that are liquidatable, valued with `candidate` in place of the
/// stored market when given (best-effort prices). Used to refuse an update that would make open
/// positions liquidatable at once.
pub fn count_liquidatable_books(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    market_id: &str,
    candidate: Option<&Market>,
) -> ContractResult<u32> {
    let holders: Vec<Addr> = MARKET_HOLDERS
        .prefix(market_id)
        .keys(deps.storage, None, None, Order::Ascending)
        .collect::<Result<_, _>>()?;
    let params = book_params(cfg);
    let mut count = 0u32;
    for addr in holders {
        let mut ctx = load_account(deps, env, cfg, &addr, None)?;
        if let (Some(c), Some(m)) = (candidate, ctx.markets.get_mut(market_id)) {
            m.market = c.clone();
            m.tiers = tier_table(&c.config)?;
        }
        let Some(pos) = ctx.positions.get(market_id) else {
            continue;
        };
        let book = match pos.mode {
            Mode::Cross => ctx.cross_book(Prices::Any)?,
            Mode::Isolated { .. } => ctx.isolated_book(market_id, Prices::Any)?,
        };
        if perps_risk::book::book_health(&book, &params)?.liquidatable {
            count = count.saturating_add(1);
        }
    }
    Ok(count)
}
