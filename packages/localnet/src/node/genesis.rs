//! The genesis file of `localnet serve`.

use cosmwasm_std::{Decimal256, Uint256};
use serde::{Deserialize, Serialize};

/// `{chain_id, bech32_prefix, fee_denom, min_gas_price, block_time_ms, accounts}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain id signatures commit to.
    pub chain_id: String,
    /// Bech32 prefix of every address.
    pub bech32_prefix: String,
    /// The denom fees are paid in.
    pub fee_denom: String,
    /// Minimum gas price in `fee_denom`, a decimal string ("0.025").
    pub min_gas_price: Decimal256,
    /// Milliseconds between blocks.
    pub block_time_ms: u64,
    /// Funded accounts; account numbers follow this order.
    pub accounts: Vec<GenesisAccount>,
}

/// One funded account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAccount {
    /// Bech32 address.
    pub address: String,
    /// Its coins.
    pub coins: Vec<GenesisCoin>,
}

/// `{denom, amount}` with the amount as an integer string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisCoin {
    /// Denom.
    pub denom: String,
    /// Amount, base units.
    pub amount: Uint256,
}

impl Genesis {
    /// Reads and checks a genesis file.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the genesis {}: {e}", path.display()))?;
        let genesis: Genesis = serde_json::from_str(&text)
            .map_err(|e| format!("invalid genesis {}: {e}", path.display()))?;
        genesis.check()?;
        Ok(genesis)
    }

    /// The checks a chain makes on its genesis.
    pub fn check(&self) -> Result<(), String> {
        if self.chain_id.trim().is_empty() {
            return Err("genesis: chain_id is empty".into());
        }
        let prefix_ok = !self.bech32_prefix.is_empty()
            && self
                .bech32_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !prefix_ok {
            return Err(format!(
                "genesis: bech32_prefix {:?} must be lower-case letters and digits",
                self.bech32_prefix
            ));
        }
        if self.fee_denom.is_empty() {
            return Err("genesis: fee_denom is empty".into());
        }
        if self.block_time_ms == 0 {
            return Err("genesis: block_time_ms must be positive".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.accounts {
            if !seen.insert(a.address.as_str()) {
                return Err(format!("genesis: account {} is listed twice", a.address));
            }
        }
        Ok(())
    }
}
