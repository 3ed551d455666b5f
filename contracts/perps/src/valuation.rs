//! The vault's valuation from market aggregates, in O(markets): shared by the LP handlers and
//! the queries.

use cosmwasm_std::{Decimal256, Deps, Env, Order};
use perps_api::perps::MarketStatus;
use perps_risk::num::Quote;
use perps_risk::solvency::MarketExposure;
use perps_risk::vault::{market_exposure, vault_equity, VaultMarket};

use crate::error::{ContractError, ContractResult};
use crate::market::{accrue, aggregate, impact_cap, skew, Prices};
use crate::oracle;
use crate::state::{Config, Market, MarketState, Vault, MARKETS, MARKET_STATES};

/// The price an LP order is pinned to in a market with open skew (DESIGN 6.11), instead of the
/// oracle's latest.
pub type PinnedPrice<'a> = &'a dyn Fn(&str, &Market, &MarketState) -> ContractResult<Decimal256>;

/// Every market as the vault sees it, in O(markets). A market with `K = 0` values the same at
/// any price, funding index and skew scale (`Σ U = −entry_cost_sum`, `Σ A = −funding_basis_sum`,
/// no premium), so only markets with open skew load their config; of those, only the ones not
/// settled need a price, and `prices` says which rules it must pass (or `pinned` gives it). Each market comes with its
/// `max_skew_to_vault` (1 when unset; irrelevant with `K = 0`).
pub fn vault_markets(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    prices: Prices,
    pinned: Option<PinnedPrice>,
) -> ContractResult<Vec<(VaultMarket, Decimal256)>> {
    let mut out = Vec::new();
    for item in MARKET_STATES.range(deps.storage, None, None, Order::Ascending) {
        let (id, mut state) = item?;
        let k = skew(&state)?;
        if k.is_zero() {
            let m = VaultMarket {
                aggregate: aggregate(&state),
                mark_price: None,
                funding_index: state.funding_index,
                skew_scale: Decimal256::zero(),
                max_price_impact: Decimal256::zero(),
            };
            out.push((m, Decimal256::one()));
            continue;
        }
        let market =
            MARKETS
                .may_load(deps.storage, &id)?
                .ok_or_else(|| ContractError::UnknownMarket {
                    market_id: id.clone(),
                })?;
        let mark_price = match market.status {
            MarketStatus::Settled { price } => price,
            _ => {
                let price = match pinned {
                    Some(pin) => pin(&id, &market, &state)?,
                    None => oracle_price(deps, env, cfg, &id, &market, &state, prices)?,
                };
                state = accrue(&market, state, price, env.block.time.seconds())?;
                price
            }
        };
        let m = VaultMarket {
            aggregate: aggregate(&state),
            mark_price: Some(mark_price),
            funding_index: state.funding_index,
            skew_scale: market.config.skew_scale,
            max_price_impact: impact_cap(&market.config),
        };
        let ratio = market.config.max_skew_to_vault.unwrap_or(Decimal256::one());
        out.push((m, ratio));
    }
    Ok(out)
}

/// The latest oracle price of a market with open skew under `prices`.
fn oracle_price(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    id: &str,
    market: &Market,
    state: &MarketState,
    prices: Prices,
) -> ContractResult<Decimal256> {
    let mark = oracle::mark(deps, env, cfg, id, market);
    Ok(match (prices, mark) {
        (Prices::Strict, m) => m?.strict()?,
        (Prices::Live, m) => m?.price,
        (Prices::Any, Ok(m)) => m.price,
        (Prices::Any, Err(e)) => state.last_price.ok_or(e)?,
    })
}

/// The equity an LP payout must leave: the backing and every exposure cap (DESIGN 6.7).
pub fn required_equity(
    cfg: &Config,
    markets: &[(VaultMarket, Decimal256)],
) -> ContractResult<Quote> {
    let mut exposures = Vec::with_capacity(markets.len());
    for (m, ratio) in markets {
        exposures.push(MarketExposure {
            exposure: market_exposure(m, cfg.collateral_decimals)?,
            max_skew_to_vault: *ratio,
        });
    }
    Ok(perps_risk::solvency::required_equity(
        &exposures,
        cfg.max_total_skew_to_vault,
        cfg.vault_min_backing,
    )?)
}

/// Vault equity `V` (exact) under `prices` (or at the `pinned` prices), net of `unrecoverable`
/// (DESIGN 6.10: the shortfall of books found bankrupt and not yet covered) and of the pending
/// payouts (profits owed and not yet paid).
pub fn equity(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    vault: &Vault,
    prices: Prices,
    pinned: Option<PinnedPrice>,
) -> ContractResult<(Quote, Vec<(VaultMarket, Decimal256)>)> {
    let markets = vault_markets(deps, env, cfg, prices, pinned)?;
    let plain: Vec<VaultMarket> = markets.iter().map(|(m, _)| m.clone()).collect();
    let v = vault_equity(vault.cash, &plain, cfg.collateral_decimals)?
        .checked_sub(Quote::from_base_units_u(vault.debts()?))?;
    Ok((v, markets))
}
