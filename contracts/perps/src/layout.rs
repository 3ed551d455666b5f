//! Conversion of an engine stored before the compact layout ([`crate::compact`]): its hot records
//! (`cfg`, `m`, `ms`, `c`, `p`, `v`) are JSON under the same keys; `migrate` rewrites each in the
//! compact encoding and records [`LAYOUT`]. Every other record keeps its JSON.
//!
//! The old records are read by one small JSON reader driven by a table of each record's fields
//! (name, kind, serde default) rather than by a serde parser per record type (docs/size.md): the
//! fields are written in the compact encoding as they are read, in the order the compact record
//! lists them, with the values `#[derive(Deserialize)]` gave (a missing field with a serde default
//! takes it, an `Option` missing is `None`, a field of no record is ignored).

use cosmwasm_std::{Empty, Order, StdResult, Storage};
use cw_storage_plus::{range_with_prefix, Path};
use perps_api::perps::MarketConfig;

use crate::jsonrec::{record, serde_value, Field, Kind, NULL, ZERO};
use crate::state::{COMPACT_LAYOUT, LAYOUT};

/// Converts the hot records once (nothing when [`LAYOUT`] is already recorded).
pub fn convert(storage: &mut dyn Storage) -> StdResult<()> {
    if LAYOUT.may_load(storage)?.is_some() {
        return Ok(());
    }
    for (ns, fields) in [
        ("cfg", CONFIG),
        ("v", VAULT),
        ("m", MARKET),
        ("ms", MARKET_STATE),
        ("c", COLLATERAL),
        ("p", POSITION),
    ] {
        convert_records(storage, ns, fields)?;
    }
    LAYOUT.save(storage, &COMPACT_LAYOUT)
}

/// Rewrites the record `ns` (an item: `cfg`, `v`) or every record of the map `ns`.
fn convert_records(storage: &mut dyn Storage, ns: &str, fields: &[Field]) -> StdResult<()> {
    let records: Vec<(Vec<u8>, Vec<u8>)> = if ns == "cfg" || ns == "v" {
        storage
            .get(ns.as_bytes())
            .map(|json| (ns.as_bytes().to_vec(), json))
            .into_iter()
            .collect()
    } else {
        let prefix = Path::<Empty>::new(ns.as_bytes(), &[b""]).to_vec();
        range_with_prefix(storage, &prefix, None, None, Order::Ascending)
            .map(|(key, json)| ([prefix.as_slice(), &key].concat(), json))
            .collect()
    };
    for (key, json) in records {
        let mut out = Vec::with_capacity(64);
        record(&mut out, &json, fields)?;
        storage.set(&key, &out);
    }
    Ok(())
}

const CONFIG: &[Field] = &[
    ("collateral_denom", Kind::Text, None),
    ("collateral_decimals", Kind::U8, None),
    ("price_feed", Kind::Text, None),
    ("insurance_fund", Kind::Text, None),
    ("max_oracle_age_secs", Kind::U64, None),
    ("max_confidence_ratio", Kind::Dec, None),
    ("max_ema_deviation", Kind::Dec, None),
    ("max_positions_per_account", Kind::U32, None),
    ("max_order_age_secs", Kind::U64, Some("300")),
    ("max_orders_per_account", Kind::U32, Some("16")),
    ("keeper_fee", Kind::U128, ZERO),
    ("liquidation_target_ratio", Kind::Dec, None),
    ("liquidator_reward_share", Kind::Dec, None),
    ("insurance_fee_share", Kind::Dec, None),
    ("vault_min_backing", Kind::Dec, None),
    ("min_liquidation_reward", Kind::U128, None),
    ("default_max_slippage", Kind::Dec, None),
    ("unrealized_profit_weight", Kind::Dec, None),
    ("lp_withdraw_delay_secs", Kind::U64, None),
    ("min_position_notional", Kind::U128, ZERO),
    ("max_total_skew_to_vault", Kind::Dec, Some("\"2\"")),
    ("adl_trigger_ratio", Kind::Dec, Some("\"0.05\"")),
    ("lp_claim_window_secs", Kind::U64, Some("86400")),
];
const VAULT: &[Field] = &[
    ("cash", Kind::I128, None),
    ("total_shares", Kind::U128, None),
    ("insurance_fees", Kind::U128, None),
    ("cl", Kind::SignedDec, ZERO),
    ("ex", Kind::SignedDec, ZERO),
    ("ur", Kind::U128, ZERO),
];
const MARKET: &[Field] = &[
    ("config", Kind::Serde(serde_value::<MarketConfig>), None),
    (
        "status",
        Kind::Enum(&["active", "reduce_only", "settled"], Some(SETTLED)),
        None,
    ),
];
const MARKET_STATE: &[Field] = &[
    ("long_oi", Kind::Dec, None),
    ("short_oi", Kind::Dec, None),
    ("entry_cost_sum", Kind::SignedDec, None),
    ("funding_index", Kind::SignedDec, None),
    ("funding_basis_sum", Kind::SignedDec, None),
    ("last_funding_time", Kind::U64, None),
    ("last_price", Kind::Opt(&Kind::Dec), NULL),
];
const COLLATERAL: &[Field] = &[("", Kind::Whole(&Kind::I128), None)];
const POSITION: &[Field] = &[
    ("size", Kind::SignedDec, None),
    ("entry_price", Kind::Dec, None),
    ("funding_index_at_entry", Kind::SignedDec, None),
    (
        "mode",
        Kind::Enum(&["cross", "isolated"], Some(ISOLATED)),
        None,
    ),
];
const ISOLATED: &[Field] = &[("margin", Kind::I128, None)];
const SETTLED: &[Field] = &[("price", Kind::Dec, None)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::Compact;
    use crate::state::{Config, Market, MarketState, Position, Vault};
    use cosmwasm_schema::serde::de::DeserializeOwned;
    use cosmwasm_std::{from_json, Int128};

    /// The table reader writes what serde's derived parser of the old record type gives.
    fn same<T: Compact + DeserializeOwned>(json: &str, fields: &[Field]) {
        let mut out = vec![];
        record(&mut out, json.as_bytes(), fields).unwrap();
        assert_eq!(out, from_json::<T>(json).unwrap().to_bytes(), "{json}");
    }

    #[test]
    fn the_table_reader_agrees_with_the_derived_parsers() {
        let cfg = r#"{"collateral_denom":"factory/x/u\"sd","collateral_decimals":6,"price_feed":"feed","insurance_fund":"fund","max_oracle_age_secs":60,"max_confidence_ratio":"0.01","max_ema_deviation":"0.05","max_positions_per_account":16,"liquidation_target_ratio":"1.25","liquidator_reward_share":"0.3","insurance_fee_share":"0.1","vault_min_backing":"0.5","min_liquidation_reward":"5000000","default_max_slippage":"0.01","unrealized_profit_weight":"1","lp_withdraw_delay_secs":86400,"unknown":{"a":[1,"}"]}}"#;
        same::<Config>(cfg, CONFIG);
        same::<Config>(
            &cfg.replace(r#","unknown""#, r#","keeper_fee":"7","max_order_age_secs":9,"adl_trigger_ratio":"0.2","lp_claim_window_secs":5,"max_orders_per_account":3,"min_position_notional":"10","max_total_skew_to_vault":"3","unknown""#),
            CONFIG,
        );
        same::<Vault>(
            r#"{"cash":"-5","total_shares":"10","insurance_fees":"0"}"#,
            VAULT,
        );
        same::<Vault>(
            r#" { "cash" : "5" , "total_shares":"10","insurance_fees":"3","cl":"-1.5","ex":"2.25","ur":"4" } "#,
            VAULT,
        );
        same::<MarketState>(
            r#"{"long_oi":"1.5","short_oi":"0","entry_cost_sum":"-3","funding_index":"0.000001","funding_basis_sum":"0","last_funding_time":1700000000,"last_price":null}"#,
            MARKET_STATE,
        );
        same::<MarketState>(
            r#"{"long_oi":"1.5","short_oi":"0","entry_cost_sum":"-3","funding_index":"0.000001","funding_basis_sum":"0","last_funding_time":1,"last_price":"60000.5"}"#,
            MARKET_STATE,
        );
        same::<Position>(
            r#"{"size":"-2","entry_price":"3000","funding_index_at_entry":"0.1","mode":{"isolated":{"margin":"-20"}}}"#,
            POSITION,
        );
        same::<Position>(
            r#"{"size":"1","entry_price":"3000","funding_index_at_entry":"0","mode":"cross"}"#,
            POSITION,
        );
        let config = r#"{"feed_id":"BTC","margin_tiers":[{"max_notional":null,"initial_margin_ratio":"0.1","maintenance_margin_ratio":"0.05"}],"taker_fee":"0.001","skew_scale":"0","max_price_impact":null,"max_funding_rate_per_day":"0.1","max_long_oi":"1","max_short_oi":"1","max_position_notional":null,"min_order_size":"0.001","liquidation_fee":"0.01","max_skew_to_vault":null}"#;
        for status in [
            r#""active""#,
            r#""reduce_only""#,
            r#"{"settled":{"price":"105"}}"#,
        ] {
            same::<Market>(
                &format!(r#"{{"config":{config},"status":{status}}}"#),
                MARKET,
            );
        }
        same::<Int128>(r#""-42""#, COLLATERAL);
    }

    #[test]
    fn malformed_records_are_refused() {
        for json in [
            r#"{"size":"1","entry_price":"3000","funding_index_at_entry":"0"}"#,
            r#"{"size":"1","entry_price":"3000","funding_index_at_entry":"0","mode":"crossed"}"#,
            r#"{"size":"1","entry_price":"3000","funding_index_at_entry":"0","mode":{"isolated":{}}}"#,
            r#"{"size":1,"entry_price":"3000","funding_index_at_entry":"0","mode":"cross"}"#,
            r#"{"size":"1","entry_price":"3000","funding_index_at_entry":"0","mode":"cross""#,
            r#"{"size":"1",,"entry_price":"3000","funding_index_at_entry":"0","mode":"cross"}"#,
            r#"["1"]"#,
        ] {
            assert!(
                record(&mut vec![], json.as_bytes(), POSITION).is_err(),
                "{json}"
            );
        }
    }
}
