//! Conversion of an engine stored before the compact layout ([`crate::compact`]): its hot records
//! (`cfg`, `m`, `ms`, `c`, `p`, `v`) are JSON under the same keys; `migrate` rewrites each in the
//! compact encoding and records [`LAYOUT`]. Every other record keeps its JSON.

use cosmwasm_schema::serde::de::DeserializeOwned;
use cosmwasm_std::{from_json, Empty, Int128, Order, StdResult, Storage};
use cw_storage_plus::{range_with_prefix, Path};

use crate::compact::Compact;
use crate::state::{Config, Market, MarketState, Position, Vault, COMPACT_LAYOUT, LAYOUT};

/// Converts the hot records once (nothing when [`LAYOUT`] is already recorded).
pub fn convert(storage: &mut dyn Storage) -> StdResult<()> {
    if LAYOUT.may_load(storage)?.is_some() {
        return Ok(());
    }
    convert_item::<Config>(storage, "cfg")?;
    convert_item::<Vault>(storage, "v")?;
    convert_map::<Market>(storage, "m")?;
    convert_map::<MarketState>(storage, "ms")?;
    convert_map::<Int128>(storage, "c")?;
    convert_map::<Position>(storage, "p")?;
    LAYOUT.save(storage, &COMPACT_LAYOUT)
}

fn convert_item<T: Compact + DeserializeOwned>(
    storage: &mut dyn Storage,
    key: &str,
) -> StdResult<()> {
    if let Some(json) = storage.get(key.as_bytes()) {
        let v: T = from_json(&json)?;
        storage.set(key.as_bytes(), &v.to_bytes());
    }
    Ok(())
}

fn convert_map<T: Compact + DeserializeOwned>(
    storage: &mut dyn Storage,
    ns: &str,
) -> StdResult<()> {
    let prefix = Path::<Empty>::new(ns.as_bytes(), &[b""]).to_vec();
    let records: Vec<_> =
        range_with_prefix(storage, &prefix, None, None, Order::Ascending).collect();
    for (key, json) in records {
        let v: T = from_json(&json)?;
        let mut full = prefix.clone();
        full.extend_from_slice(&key);
        storage.set(&full, &v.to_bytes());
    }
    Ok(())
}
