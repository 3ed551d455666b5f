//! Shared steps of account handlers: attached funds, position replacement with aggregate
//! upkeep, funding settlement, and writing back what changed.

use std::collections::{BTreeMap, BTreeSet};

use cosmwasm_std::{Int128, MessageInfo, Storage, Uint128};
use perps_risk::funding::funding_settlement;

use crate::book::{aggregate, risk_position, set_aggregate, AccountCtx};
use crate::error::{ContractError, ContractResult};
use crate::state::{
    Config, MarketState, Mode, Position, Vault, COLLATERAL, MARKET_HOLDERS, MARKET_STATES,
    POSITIONS, VAULT,
};

/// What a message loaded for an account (market states as accrued to the block time at load),
/// taken right after loading so that [`AccountCtx::save`] writes back only what changed.
#[derive(Debug)]
pub struct Loaded {
    collateral: Int128,
    positions: BTreeSet<String>,
    states: BTreeMap<String, MarketState>,
}

/// Writes the vault unless it equals the value the message loaded.
pub fn save_vault(storage: &mut dyn Storage, loaded: &Vault, vault: &Vault) -> ContractResult<()> {
    if vault != loaded {
        VAULT.save(storage, vault)?;
    }
    Ok(())
}

/// The collateral attached to a message that accepts funds (any other coin is refused).
pub fn attached_collateral(info: &MessageInfo, cfg: &Config) -> ContractResult<Uint128> {
    let paid = cw_utils::may_pay(info, &cfg.collateral_denom)?;
    Uint128::try_from(paid).map_err(|e| ContractError::invalid("funds", e.to_string()))
}

pub fn add_int(a: Int128, b: Int128) -> ContractResult<Int128> {
    a.checked_add(b)
        .map_err(|e| ContractError::invalid("amount", e.to_string()))
}

pub fn sub_int(a: Int128, b: Int128) -> ContractResult<Int128> {
    a.checked_sub(b)
        .map_err(|e| ContractError::invalid("amount", e.to_string()))
}

pub fn int(v: Uint128) -> ContractResult<Int128> {
    Ok(perps_risk::num::int128(v)?)
}

impl AccountCtx {
    /// Replaces (or removes) the position in `id`, keeping the market aggregate equal to the
    /// recomputation from stored positions.
    pub fn replace_position(&mut self, id: &str, new: Option<Position>) -> ContractResult<()> {
        let old = self.positions.get(id).cloned();
        let m = self.market_mut(id)?;
        let mut agg = aggregate(&m.state);
        if let Some(o) = &old {
            agg.remove(&risk_position(o))?;
        }
        if let Some(n) = &new {
            agg.add(&risk_position(n))?;
        }
        set_aggregate(&mut m.state, agg);
        match new {
            Some(n) => self.positions.insert(id.to_string(), n),
            None => self.positions.remove(id),
        };
        self.dirty_positions.insert(id.to_string());
        self.dirty_markets.insert(id.to_string());
        Ok(())
    }

    /// Settles accrued funding of the position in `id` into its book (C or M) and the vault.
    /// Returns what the position paid (negative: received).
    pub fn settle_funding(
        &mut self,
        id: &str,
        vault: &mut Vault,
        decimals: u8,
    ) -> ContractResult<Int128> {
        let Some(pos) = self.positions.get(id).cloned() else {
            return Ok(Int128::zero());
        };
        let index = self.market(id)?.state.funding_index;
        let paid = funding_settlement(&risk_position(&pos), index, decimals)?;
        let mut next = pos;
        next.funding_index_at_entry = index;
        next.mode = match next.mode {
            Mode::Cross => {
                self.collateral = sub_int(self.collateral, paid)?;
                Mode::Cross
            }
            Mode::Isolated { margin } => Mode::Isolated {
                margin: sub_int(margin, paid)?,
            },
        };
        vault.cash = add_int(vault.cash, paid)?;
        self.replace_position(id, Some(next))?;
        Ok(paid)
    }

    /// The snapshot [`AccountCtx::save`] compares with; take it right after loading.
    pub fn loaded(&self) -> Loaded {
        Loaded {
            collateral: self.collateral,
            positions: self.positions.keys().cloned().collect(),
            states: self
                .markets
                .iter()
                .map(|(id, m)| (id.clone(), m.state.clone()))
                .collect(),
        }
    }

    /// Writes the collateral when it differs from `loaded`, every changed position (the holder
    /// index only for a position that did not exist at load) and every market state the message
    /// changed (a market state equal to the loaded one is not rewritten).
    /// The collateral is also written when the account held no position at load, so that every
    /// account with a position has a collateral entry (the liquidation scan pages over them).
    pub fn save(&self, storage: &mut dyn Storage, loaded: &Loaded) -> ContractResult<()> {
        if self.collateral != loaded.collateral || loaded.positions.is_empty() {
            COLLATERAL.save(storage, &self.addr, &self.collateral)?;
        }
        for id in &self.dirty_positions {
            match self.positions.get(id) {
                Some(p) => {
                    POSITIONS.save(storage, (&self.addr, id), p)?;
                    if !loaded.positions.contains(id) {
                        MARKET_HOLDERS.save(storage, (id, &self.addr), &())?;
                    }
                }
                None => {
                    POSITIONS.remove(storage, (&self.addr, id));
                    MARKET_HOLDERS.remove(storage, (id, &self.addr));
                }
            }
        }
        for id in &self.dirty_markets {
            let state = &self.market(id)?.state;
            if loaded.states.get(id) != Some(state) {
                MARKET_STATES.save(storage, id, state)?;
            }
        }
        Ok(())
    }
}
