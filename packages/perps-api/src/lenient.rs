//! Records and responses of other code the contracts read, through the options reader of
//! [`crate::msg`] instead of their derived `Deserialize` (docs/size.md: ~1.5 KB of artifact each).
//! Unknown fields are skipped, as the derived forms do.

use cosmwasm_std::{
    from_json, BankQuery, Coin, CustomQuery, QuerierWrapper, QueryRequest, StdError, StdResult,
    Storage,
};

use crate::msg::{options_deserialize, read_fields};

/// cosmwasm-std's `BalanceResponse` as read.
#[derive(Default)]
struct BalanceFields {
    amount: Option<Coin>,
}

options_deserialize!(lenient BalanceFields as BalanceResponse { amount: required });

impl<'de> serde::Deserialize<'de> for BalanceFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_fields::<D, BalanceFields>(d)
    }
}

/// `QuerierWrapper::query_balance`: the bank balance of `address` in `denom`.
pub fn query_balance<C: CustomQuery>(
    querier: &QuerierWrapper<C>,
    address: impl Into<String>,
    denom: impl Into<String>,
) -> StdResult<Coin> {
    let request = QueryRequest::Bank(BankQuery::Balance {
        address: address.into(),
        denom: denom.into(),
    });
    let res: BalanceFields = querier.query(&request)?;
    got(res.amount)
}

/// cw2's `ContractVersion` as read.
#[derive(Default)]
pub struct ContractVersion {
    pub contract: Option<String>,
    pub version: Option<String>,
}

options_deserialize!(lenient ContractVersion as ContractVersion {
    contract: required,
    version: required,
});

impl<'de> serde::Deserialize<'de> for ContractVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_fields::<D, ContractVersion>(d)
    }
}

/// `cw2::get_contract_version`, with its error when nothing is stored: `(contract, version)`.
pub fn contract_version(storage: &dyn Storage) -> StdResult<(String, String)> {
    const KEY: &[u8] = b"contract_info";
    let Some(json) = storage.get(KEY) else {
        return Err(StdError::msg(format!(
            "type: cw2::ContractVersion; key: {KEY:02X?} not found"
        )));
    };
    let v: ContractVersion = from_json(json)?;
    Ok((got(v.contract)?, got(v.version)?))
}

/// A required field (checked by the reader: never absent).
fn got<T>(v: Option<T>) -> StdResult<T> {
    v.ok_or_else(|| StdError::msg("missing field"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::MockStorage;

    #[test]
    fn contract_version_reads_what_cw2_reads() {
        let mut st = MockStorage::new();
        let cw2_err = cw2::get_contract_version(&st).unwrap_err().to_string();
        assert_eq!(contract_version(&st).unwrap_err().to_string(), cw2_err);
        cw2::set_contract_version(&mut st, "crates.io:a", "1.2.3").unwrap();
        assert_eq!(
            contract_version(&st).unwrap(),
            ("crates.io:a".to_string(), "1.2.3".to_string())
        );
        st.set(
            b"contract_info",
            br#"{"version":"1","contract":"c","x":[1]}"#,
        );
        assert_eq!(contract_version(&st).unwrap(), ("c".into(), "1".into()));
        st.set(b"contract_info", br#"{"version":"1"}"#);
        let cw2_err = cw2::get_contract_version(&st).unwrap_err().to_string();
        assert_eq!(contract_version(&st).unwrap_err().to_string(), cw2_err);
    }
}
