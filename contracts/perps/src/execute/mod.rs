//! Execute handlers by family, and the steps every handler shares.

pub mod account;
pub mod adl;
pub mod admin;
pub mod bad_debt;
pub mod liquidate;
pub mod markets;
pub mod orders;
pub mod settle;
pub mod solvency;
pub mod trade;
pub mod vault;

use cosmwasm_std::{MessageInfo, Storage, Uint128};

use crate::error::ContractResult;
use crate::state::{Config, Vault, VAULT};

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
    Ok(Uint128::try_from(paid)?)
}

/// The collateral a message must carry (`deposit`, `provide_liquidity`).
pub fn paid_collateral(info: &MessageInfo, cfg: &Config) -> ContractResult<Uint128> {
    let paid = cw_utils::must_pay(info, &cfg.collateral_denom)?;
    Ok(Uint128::try_from(paid)?)
}
