//! Turns unchecked input (strings) into checked values, once, at the edge.

use cosmwasm_std::{Addr, Api};
use perps_api::insurance_fund::MAX_ENGINES;

use crate::error::{ContractError, ContractResult};

/// Validates one bech32 address.
pub fn addr(api: &dyn Api, address: &str) -> ContractResult<Addr> {
    api.addr_validate(address)
        .map_err(|source| ContractError::InvalidAddress {
            address: address.to_string(),
            source,
        })
}

/// The Cosmos SDK bank rule `[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`: a denom the bank refuses could
/// never be deposited, so the fund would be dead from birth.
pub fn denom(denom: &str) -> ContractResult<()> {
    let bytes = denom.as_bytes();
    let valid = (3..=128).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b':' | b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(ContractError::InvalidDenom {
            denom: denom.to_string(),
        })
    }
}

/// Validates the engine list: no duplicates (a removal must not leave a copy behind) and at most
/// `MAX_ENGINES`, so `config` stays bounded.
pub fn engines(api: &dyn Api, engines: &[String]) -> ContractResult<Vec<Addr>> {
    ensure_engine_count(engines.len())?;
    perps_api::addrs::unique(
        engines,
        |engine| addr(api, engine),
        |engine| ContractError::DuplicateEngine { engine },
    )
}

/// Fails when `count` engines would exceed `MAX_ENGINES`.
pub fn ensure_engine_count(count: usize) -> ContractResult<()> {
    if count > MAX_ENGINES {
        return Err(ContractError::TooManyEngines {
            count,
            max: MAX_ENGINES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denoms() {
        let long = format!("a{}", "b".repeat(127));
        for ok in [
            "uusdc",
            "ibc/27394FB092D2ECCD56123C74F36E4C1F",
            "factory/x:y.z_w-1",
            "abc",
            &long,
        ] {
            assert!(denom(ok).is_ok(), "{ok}");
        }
        let too_long = format!("a{}", "b".repeat(128));
        for bad in [
            "", "ab", "1usdc", "/usdc", "u usdc", "uusdc!", "üusdc", &too_long,
        ] {
            assert!(
                matches!(denom(bad), Err(ContractError::InvalidDenom { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn engine_count_bound() {
        assert!(ensure_engine_count(MAX_ENGINES).is_ok());
        assert!(matches!(
            ensure_engine_count(MAX_ENGINES + 1),
            Err(ContractError::TooManyEngines { count: 31, max: 30 })
        ));
    }
}
