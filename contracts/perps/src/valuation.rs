//! The vault's valuation from market aggregates, in O(markets): shared by the LP handlers and
//! the queries.

use cosmwasm_std::{Decimal256, Deps, Env, Order};
use perps_api::perps::MarketStatus;
use perps_risk::num::Quote;
use perps_risk::vault::{vault_equity, VaultMarket};

use crate::error::{ContractError, ContractResult};
use crate::market::{accrue, aggregate, impact_cap, skew, Prices};
use crate::oracle;
use crate::state::{Config, Vault, MARKETS, MARKET_STATES};

/// Every market as the vault sees it, in O(markets). A market with `K = 0` values the same at
/// any price, funding index and skew scale (`Σ U = −entry_cost_sum`, `Σ A = −funding_basis_sum`,
/// no premium), so only markets with open skew load their config; of those, only the ones not
/// settled need a price, and `prices` says which rules it must pass.
pub fn vault_markets(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    prices: Prices,
) -> ContractResult<Vec<VaultMarket>> {
    let mut out = Vec::new();
    for item in MARKET_STATES.range(deps.storage, None, None, Order::Ascending) {
        let (id, mut state) = item?;
        let k = skew(&state)?;
        if k.is_zero() {
            out.push(VaultMarket {
                aggregate: aggregate(&state),
                mark_price: None,
                funding_index: state.funding_index,
                skew_scale: Decimal256::zero(),
                max_price_impact: Decimal256::zero(),
            });
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
                let mark = oracle::mark(deps, env, cfg, &id, &market);
                let price = match (prices, mark) {
                    (Prices::Strict, m) => m?.strict()?,
                    (Prices::Live, m) => m?.price,
                    (Prices::Any, Ok(m)) => m.price,
                    (Prices::Any, Err(e)) => state.last_price.ok_or(e)?,
                };
                state = accrue(&market, state, price, env.block.time.seconds())?;
                price
            }
        };
        out.push(VaultMarket {
            aggregate: aggregate(&state),
            mark_price: Some(mark_price),
            funding_index: state.funding_index,
            skew_scale: market.config.skew_scale,
            max_price_impact: impact_cap(&market.config),
        });
    }
    Ok(out)
}

/// Vault equity `V` (exact) under `prices`.
pub fn equity(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    vault: &Vault,
    prices: Prices,
) -> ContractResult<(Quote, Vec<VaultMarket>)> {
    let markets = vault_markets(deps, env, cfg, prices)?;
    Ok((
        vault_equity(vault.cash, &markets, cfg.collateral_decimals)?,
        markets,
    ))
}
