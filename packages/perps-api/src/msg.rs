//! Deserialization of the contracts' message enums with one serde copy per enum instead of one
//! per variant (docs/size.md: a derived `Deserialize` instantiates serde_json's struct parser for
//! every struct variant, ~1 KB each plus its fields).
//!
//! A message is `{"<variant>": {<fields>}}`. The fields are read into one "superset" struct
//! holding every field of every variant as an `Option` (derived, so field names, `null` and
//! duplicate-field handling are serde's own), and the variant is built from it by a plain
//! function. The JSON accepted is the one of the derived form, with the same error texts for an
//! unknown variant and a missing field, except for fields a variant does not have: the derived
//! form ignored them (`#[cw_serde]` in cosmwasm-schema 2 and 3 adds no `deny_unknown_fields`),
//! and they are refused here (docs/decisions.md, "Message fields a variant does not have are
//! refused"), as the committed schema's `"additionalProperties": false` already said: a name of
//! no variant by the superset struct's own `#[serde(deny_unknown_fields)]` (`unknown field `x`,
//! expected one of` the superset's fields), a field of another variant by [`none_left`] once the
//! variant took its own (`unknown field `x`, not a field of this message`; a value of the wrong
//! type for that other variant is refused by its type first). One case stays accepted: a field
//! of another variant given as `null` reads as absent (it carries no value).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, EnumAccess, Error, Expected, IgnoredAny, MapAccess,
    VariantAccess, Visitor,
};

/// Reads `{"<variant>": <fields>}`: the variant's name (one of `variants`) and the fields as `F`.
pub fn tagged<'de, D, F>(
    d: D,
    variants: &'static [&'static str],
) -> Result<(&'static str, F), D::Error>
where
    D: Deserializer<'de>,
    F: Deserialize<'de>,
{
    d.deserialize_map(Tagged(variants, PhantomData))
}

/// [`tagged`], reading the fields with [`crate::record::read_only`] and `names` (a field struct
/// shared by several messages).
pub fn tagged_only<'de, D, F>(
    d: D,
    variants: &'static [&'static str],
    names: &'static [&'static str],
) -> Result<(&'static str, F), D::Error>
where
    D: Deserializer<'de>,
    F: crate::record::Fields,
{
    d.deserialize_map(TaggedOnly(variants, names, PhantomData))
}

/// [`tagged_only`] (the fields as `F` with `names`), reading the fields of the variant `special` as `G` instead (a variant with many
/// fields of its own: in the superset they would make one function too large for the chain's
/// 100-locals limit).
pub fn tagged_or<'de, D, F, G>(
    d: D,
    variants: &'static [&'static str],
    names: &'static [&'static str],
    special: &'static str,
) -> Result<(&'static str, Result<F, G>), D::Error>
where
    D: Deserializer<'de>,
    F: crate::record::Fields,
    G: Deserialize<'de>,
{
    d.deserialize_map(TaggedOr(variants, names, special, PhantomData))
}

/// `Deserialize` for a message enum read through its superset struct: the variant's name, the
/// fields into `$fields`, then `$fields::into_msg(variant)` builds the message.
macro_rules! superset_deserialize {
    ($msg:ty, $fields:ty, $variants:expr, $names:expr, $into:ident) => {
        impl<'de> serde::Deserialize<'de> for $msg {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let (variant, fields) =
                    $crate::msg::tagged_only::<D, $fields>(d, $variants, $names)?;
                fields
                    .$into(variant)
                    .map_err($crate::msg::FieldError::into_de)
            }
        }
    };
    ($msg:ty, $fields:ty, $variants:expr) => {
        impl<'de> serde::Deserialize<'de> for $msg {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let (variant, fields) = $crate::msg::tagged::<D, $fields>(d, $variants)?;
                fields
                    .into_msg(variant)
                    .map_err($crate::msg::FieldError::into_de)
            }
        }
    };
}
pub(crate) use superset_deserialize;

/// Why the fields read do not make the variant named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldError {
    /// A required field is absent (or `null`).
    Missing(&'static str),
    /// A field shared by variants with different types has the other variant's type.
    Type(&'static str, &'static str),
    /// A field of another variant (a name of no variant is refused by the superset struct's
    /// `deny_unknown_fields`).
    Unknown(&'static str),
}

impl FieldError {
    /// serde's error for it (`missing field `x`` as the derived form says).
    pub fn into_de<E: Error>(self) -> E {
        match self {
            FieldError::Missing(name) => E::missing_field(name),
            FieldError::Type(name, expected) => E::custom(format_args!(
                "invalid type of field `{name}`, expected {expected}"
            )),
            FieldError::Unknown(name) => E::custom(format_args!(
                "unknown field `{name}`, not a field of this message"
            )),
        }
    }
}

/// The first of `(name, present)` present: refused as [`FieldError::Unknown`]. Called with the
/// fields a variant left in the superset struct (not taken), so that a field of another variant
/// is refused as the derived form's `deny_unknown_fields` refused it.
pub fn none_left(fields: &[(&'static str, bool)]) -> Result<(), FieldError> {
    match fields.iter().find(|(_, present)| *present) {
        Some((name, _)) => Err(FieldError::Unknown(name)),
        None => Ok(()),
    }
}

/// A required field of the variant being built.
pub fn req<T>(value: Option<T>, name: &'static str) -> Result<T, FieldError> {
    value.ok_or(FieldError::Missing(name))
}

struct Tagged<F>(&'static [&'static str], PhantomData<F>);

impl<'de, F: Deserialize<'de>> Visitor<'de> for Tagged<F> {
    type Value = (&'static str, F);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with one key naming the message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let variant = variant(&mut map, self.0, &self)?;
        let fields = map.next_value::<F>()?;
        end(&mut map, &self)?;
        Ok((variant, fields))
    }
}

struct TaggedOnly<F>(
    &'static [&'static str],
    &'static [&'static str],
    PhantomData<F>,
);

impl<'de, F: crate::record::Fields> Visitor<'de> for TaggedOnly<F> {
    type Value = (&'static str, F);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with one key naming the message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let variant = variant(&mut map, self.0, &self)?;
        let fields = map.next_value_seed(crate::record::Only(self.1, PhantomData))?;
        end(&mut map, &self)?;
        Ok((variant, fields))
    }
}

struct TaggedOr<F, G>(
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    PhantomData<(F, G)>,
);

impl<'de, F: crate::record::Fields, G: Deserialize<'de>> Visitor<'de> for TaggedOr<F, G> {
    type Value = (&'static str, Result<F, G>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with one key naming the message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let variant = variant(&mut map, self.0, &self)?;
        let fields = if variant == self.2 {
            Err(map.next_value::<G>()?)
        } else {
            Ok(map.next_value_seed(crate::record::Only(self.1, PhantomData))?)
        };
        end(&mut map, &self)?;
        Ok((variant, fields))
    }
}

/// The first key: one of `variants`.
fn variant<'de, A: MapAccess<'de>>(
    map: &mut A,
    variants: &'static [&'static str],
    exp: &dyn Expected,
) -> Result<&'static str, A::Error> {
    let Some(key) = map.next_key::<String>()? else {
        return Err(A::Error::invalid_length(0, exp));
    };
    match variants.iter().find(|v| **v == key) {
        Some(variant) => Ok(variant),
        None => Err(A::Error::unknown_variant(&key, variants)),
    }
}

/// No second key.
fn end<'de, A: MapAccess<'de>>(map: &mut A, exp: &dyn Expected) -> Result<(), A::Error> {
    match map.next_key::<IgnoredAny>()? {
        Some(_) => Err(A::Error::invalid_length(2, exp)),
        None => Ok(()),
    }
}

/// Reads an externally tagged enum as serde's derived reader does (`"name"` for a unit variant,
/// `{"name": {fields}}` for a struct variant) and returns the variant's index in `variants` and,
/// for a struct variant, its fields as `F` (read with [`crate::record::read_only`] and the
/// variant's names). `fields[i]` lists the names of variant `i`'s fields, empty for a unit
/// variant. One reader for the message enums of a contract (called with the same `F`) instead of
/// a derived one per enum (~1.5 KB each); the texts are serde's (`unknown variant`, `expected
/// enum <name>`, `unknown field`, `missing field`) but one: a struct variant named as a plain
/// string is refused with `invalid type: unit variant, expected newtype variant` (derived:
/// `struct variant`). Not accepted any more: a struct variant's fields as an array (no client
/// writes it).
pub fn tagged_enum<'de, D, F>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
    fields: &'static [&'static [&'static str]],
) -> Result<(usize, Option<F>), D::Error>
where
    D: Deserializer<'de>,
    F: crate::record::Fields,
{
    d.deserialize_enum(
        name,
        variants,
        EnumVisitor(name, variants, fields, PhantomData),
    )
}

struct EnumVisitor<F>(
    &'static str,
    &'static [&'static str],
    &'static [&'static [&'static str]],
    PhantomData<F>,
);

impl<'de, F: crate::record::Fields> Visitor<'de> for EnumVisitor<F> {
    type Value = (usize, Option<F>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "enum {}", self.0)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let (index, variant) = data.variant_seed(VariantIndex(self.1))?;
        match self.2.get(index) {
            Some(names) if !names.is_empty() => {
                // as a newtype: serde_json reads it with the map reader of `read_only` (its
                // `struct_variant` would instantiate its struct parser for `F` once more)
                let fields = variant.newtype_variant_seed(crate::record::Only(names, PhantomData));
                Ok((index, Some(fields?)))
            }
            _ => variant.unit_variant().map(|()| (index, None)),
        }
    }
}

/// A variant's name read as its index in the list.
struct VariantIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for VariantIndex {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for VariantIndex {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<usize, E> {
        match self.0.iter().position(|name| *name == v) {
            Some(index) => Ok(index),
            None => Err(E::unknown_variant(v, self.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::{from_json, to_json_vec, Uint128};
    use serde_json::{json, Value};

    use crate::perps::{ExecuteMsg, QueryMsg};

    /// The variant names of a message in the committed schema (`schema/<contract>/<contract>.json`).
    fn schema_variants(schema: &str, msg: &str) -> Vec<String> {
        let schema: Value = serde_json::from_str(schema).unwrap();
        schema[msg]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["required"][0].as_str().unwrap().to_string())
            .collect()
    }

    /// The enums as serde derived them before (`tagged_enum` must read the same; compared
    /// through `Debug`).
    #[allow(dead_code)]
    mod derived {
        use cosmwasm_std::Uint128;
        use serde::Deserialize;

        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        pub enum TradeMode {
            Cross,
            Isolated { margin: Uint128 },
        }

        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "snake_case")]
        pub enum Trigger {
            Above,
            Below,
        }

        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "snake_case")]
        pub enum MarketStatusUpdate {
            Active,
            ReduceOnly,
        }
    }

    /// The value (`Debug`) or the error text without its position.
    fn read<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        match from_json::<T>(json) {
            Ok(v) => format!("{v:?}"),
            Err(e) => e
                .to_string()
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    }

    #[test]
    fn the_migrate_message_reads_as_the_derived_one() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct MigrateMsg {}
        for json in ["{}", r#"{"x":1}"#] {
            let ours = read::<crate::perps::MigrateMsg>(json);
            assert_eq!(ours, read::<MigrateMsg>(json), "{json}");
        }
        // not an object: refused (`expected an object`, as every record-reader message)
        for json in ["1", "null", "[]"] {
            assert!(read::<crate::perps::MigrateMsg>(json).contains("expected an object"));
        }
    }

    #[test]
    fn the_message_enums_read_as_the_derived_ones() {
        use crate::perps::{MarketStatusUpdate, TradeMode, Trigger};
        for json in [
            r#""cross""#,
            r#"{"isolated":{"margin":"5"}}"#,
            r#"{"cross":null}"#,
            r#"{"cross":{}}"#,
            r#""x""#,
            r#"{"x":{}}"#,
            "1",
            "null",
            r#"{"isolated":{}}"#,
            r#"{"isolated":{"margin":"5","x":1}}"#,
            r#"{"isolated":{"margin":"5","margin":"6"}}"#,
            r#"{"isolated":{"margin":"-1"}}"#,
            r#"{"isolated":{"margin":"5"},"cross":null}"#,
        ] {
            assert_eq!(
                read::<TradeMode>(json),
                read::<derived::TradeMode>(json),
                "{json}"
            );
        }
        // a struct variant named alone: refused, with serde_json's newtype text
        assert!(read::<TradeMode>(r#""isolated""#).contains("invalid type: unit variant"));
        for json in [
            r#""above""#,
            r#""below""#,
            r#"{"below":null}"#,
            r#""x""#,
            "2",
            r#"{"above":1}"#,
        ] {
            assert_eq!(
                read::<Trigger>(json),
                read::<derived::Trigger>(json),
                "{json}"
            );
        }
        for json in [r#""active""#, r#""reduce_only""#, r#""settled""#, "[]"] {
            let (ours, theirs) = (
                read::<MarketStatusUpdate>(json),
                read::<derived::MarketStatusUpdate>(json),
            );
            assert_eq!(ours, theirs, "{json}");
        }
    }

    #[test]
    fn every_variant_of_the_schema_is_read() {
        let perps = include_str!("../../../schema/perps/perps.json");
        assert_eq!(
            schema_variants(perps, "execute"),
            crate::perps::EXECUTE_VARIANTS
        );
        assert_eq!(
            schema_variants(perps, "query"),
            crate::perps::QUERY_VARIANTS
        );
        let fund = include_str!("../../../schema/insurance-fund/insurance-fund.json");
        assert_eq!(
            schema_variants(fund, "execute"),
            crate::insurance_fund::EXECUTE_VARIANTS
        );
        assert_eq!(
            schema_variants(fund, "query"),
            crate::insurance_fund::QUERY_VARIANTS
        );
        let feed = include_str!("../../../schema/price-feed/price-feed.json");
        assert_eq!(
            schema_variants(feed, "execute"),
            crate::price_feed::EXECUTE_VARIANTS
        );
        assert_eq!(
            schema_variants(feed, "query"),
            crate::price_feed::QUERY_VARIANTS
        );
    }

    /// Reads `json` as `T`, writes it back, and expects the same JSON.
    fn round_trip<T>(json: Value)
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let msg: T = from_json(json.to_string()).unwrap_or_else(|e| panic!("{json}: {e}"));
        let back: Value = serde_json::from_slice(&to_json_vec(&msg).unwrap()).unwrap();
        assert_eq!(back, json);
    }

    fn market_config() -> Value {
        json!({
            "feed_id": "BTC",
            "margin_tiers": [
                {"max_notional": "100", "initial_margin_ratio": "0.1", "maintenance_margin_ratio": "0.05"},
                {"max_notional": null, "initial_margin_ratio": "0.2", "maintenance_margin_ratio": "0.1"}
            ],
            "taker_fee": "0.001",
            "skew_scale": "1000",
            "max_price_impact": "0.01",
            "max_funding_rate_per_day": "0.1",
            "max_long_oi": "5",
            "max_short_oi": "6",
            "max_position_notional": "7",
            "min_order_size": "0.001",
            "liquidation_fee": "0.01",
            "max_skew_to_vault": "1",
            "execution": "immediate"
        })
    }

    #[test]
    fn perps_execute_messages_read_back() {
        let u = "10";
        let samples = [
            json!({"deposit": {}}),
            json!({"withdraw": {"amount": u}}),
            json!({"trade": {"market_id": "BTC", "size_delta": "-1.5", "acceptable_price": "2", "mode": {"isolated": {"margin": u}}}}),
            json!({"trade": {"market_id": "BTC", "size_delta": "1", "acceptable_price": null, "mode": "cross"}}),
            json!({"close_position": {"market_id": "BTC", "acceptable_price": "3"}}),
            json!({"execute_orders": {"order_ids": [1, 2], "limit": 3}}),
            json!({"place_order": {"market_id": "ETH", "size_delta": "2", "trigger_price": "5", "trigger": "below", "reduce_only": true, "acceptable_price": "6", "mode": "cross"}}),
            json!({"cancel_order": {"order_id": 9}}),
            json!({"add_margin": {"market_id": "BTC", "amount": u}}),
            json!({"remove_margin": {"market_id": "BTC", "amount": "11"}}),
            json!({"liquidate": {"account": "a", "min_reward": "1"}}),
            json!({"provide_liquidity": {}}),
            json!({"withdraw_liquidity": {"shares": "4"}}),
            json!({"claim_liquidity": {}}),
            json!({"cancel_withdraw_liquidity": {}}),
            json!({"sweep_fees": {}}),
            json!({"settle_positions": {"market_id": "BTC", "limit": 4}}),
            json!({"add_market": {"market_id": "BTC", "config": market_config()}}),
            json!({"update_market": {"market_id": "BTC", "config": market_config(), "force": false}}),
            json!({"set_market_status": {"market_id": "BTC", "status": "reduce_only"}}),
            json!({"settle_market": {"market_id": "BTC", "price": "100"}}),
            json!({"update_config": {
                "price_feed": "f", "insurance_fund": "i", "max_oracle_age_secs": 1,
                "max_confidence_ratio": "0.1", "max_ema_deviation": "0.2",
                "max_positions_per_account": 2, "max_order_age_secs": 3, "max_orders_per_account": 4,
                "keeper_fee": "5", "liquidation_target_ratio": "0.3", "liquidator_reward_share": "0.4",
                "insurance_fee_share": "0.5", "vault_min_backing": "0.6", "min_liquidation_reward": "6",
                "default_max_slippage": "0.7", "unrealized_profit_weight": "0.8",
                "lp_withdraw_delay_secs": 7, "min_position_notional": "8",
                "max_total_skew_to_vault": "0.9", "adl_trigger_ratio": "0.05", "lp_claim_window_secs": 9
            }}),
            json!({"transfer_ownership": {"new_owner": "o"}}),
            json!({"accept_ownership": {}}),
            json!({"auto_deleverage": {"market_id": "BTC", "limit": 5}}),
            json!({"mark_bad_debt": {"account": "b"}}),
        ];
        for json in samples {
            round_trip::<ExecuteMsg>(json);
        }
        // optional fields absent read as None
        let msg: ExecuteMsg = from_json(r#"{"update_config":{}}"#).unwrap();
        let back: Value = serde_json::from_slice(&to_json_vec(&msg).unwrap()).unwrap();
        assert!(back["update_config"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_null));
        let err = from_json::<ExecuteMsg>(
            r#"{"place_order":{"market_id":"A","size_delta":"1","trigger_price":"1"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing field `trigger`"), "{err}");
    }

    #[test]
    fn perps_queries_read_back() {
        let samples = [
            json!({"config": {}}),
            json!({"market": {"market_id": "BTC"}}),
            json!({"markets": {"start_after": "A", "limit": 1}}),
            json!({"account": {"address": "a"}}),
            json!({"accounts": {"start_after": "a", "limit": 2}}),
            json!({"liquidatable_accounts": {"start_after": "b", "limit": 3}}),
            json!({"simulate_trade": {"address": "a", "market_id": "BTC", "size_delta": "-1", "mode": "cross"}}),
            json!({"orders": {"address": "a"}}),
            json!({"pending_orders": {"start_after": 7, "limit": 4}}),
            json!({"pending_orders": {"start_after": null, "limit": null}}),
            json!({"vault": {}}),
            json!({"lp_position": {"address": "a"}}),
            json!({"adl_ranking": {"market_id": "BTC", "start_after": "c", "limit": 5}}),
        ];
        for json in samples {
            round_trip::<QueryMsg>(json);
        }
        // `start_after` is an order id in `pending_orders` and text elsewhere
        let err = |json: &str| from_json::<QueryMsg>(json).unwrap_err().to_string();
        assert!(err(r#"{"pending_orders":{"start_after":"7"}}"#)
            .contains("invalid type of field `start_after`, expected u64"));
        assert!(err(r#"{"markets":{"start_after":7}}"#)
            .contains("invalid type of field `start_after`, expected a string"));
        assert!(err(r#"{"markets":{"start_after":-7}}"#)
            .contains("invalid type: integer `-7`, expected a string or an unsigned integer"));
        assert!(err(r#"{"market":{}}"#).contains("missing field `market_id`"));
        assert!(err(r#"{"markt":{}}"#).contains("unknown variant `markt`"));
    }

    #[test]
    fn insurance_fund_messages_read_back() {
        use crate::insurance_fund::{ExecuteMsg, QueryMsg};
        for json in [
            json!({"deposit": {}}),
            json!({"cover_bad_debt": {"amount": "5"}}),
            json!({"withdraw": {"amount": "6", "recipient": "r"}}),
            json!({"add_engine": {"engine": "e"}}),
            json!({"remove_engine": {"engine": "e"}}),
            json!({"transfer_ownership": {"new_owner": "o"}}),
            json!({"accept_ownership": {}}),
        ] {
            round_trip::<ExecuteMsg>(json);
        }
        for json in [
            json!({"config": {}}),
            json!({"balance": {}}),
            json!({"payouts": {"start_after": 3, "limit": 4}}),
            json!({"payouts": {"start_after": null, "limit": null}}),
        ] {
            round_trip::<QueryMsg>(json);
        }
        let err = from_json::<ExecuteMsg>(r#"{"withdraw":{"amount":"6"}}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `recipient`"),
            "{err}"
        );
    }

    #[test]
    fn perps_instantiate_reads_back() {
        use crate::perps::InstantiateMsg;
        let full = json!({
            "owner": "o", "collateral_denom": "uusdc", "collateral_decimals": 6,
            "price_feed": "f", "insurance_fund": "i", "max_oracle_age_secs": 60,
            "max_confidence_ratio": "0.01", "max_ema_deviation": "0.05",
            "max_positions_per_account": 16, "liquidation_target_ratio": "1.5",
            "liquidator_reward_share": "0.3", "insurance_fee_share": "0.2",
            "vault_min_backing": "0.1", "min_liquidation_reward": "100",
            "default_max_slippage": "0.02", "unrealized_profit_weight": "0.5",
            "lp_withdraw_delay_secs": 86400, "min_position_notional": "10",
            "max_total_skew_to_vault": "2", "adl_trigger_ratio": "0.05",
            "lp_claim_window_secs": 3600
        });
        round_trip::<InstantiateMsg>(full.clone());
        // optional fields absent: null when written back; a required one absent: refused
        let mut min = full.clone();
        for key in ["owner", "max_positions_per_account", "lp_claim_window_secs"] {
            min.as_object_mut().unwrap().remove(key);
        }
        let msg: InstantiateMsg = from_json(min.to_string()).unwrap();
        assert_eq!((msg.owner, msg.max_positions_per_account), (None, None));
        let mut bad = full;
        bad.as_object_mut().unwrap().remove("collateral_decimals");
        let err = from_json::<InstantiateMsg>(bad.to_string()).unwrap_err();
        assert!(
            err.to_string()
                .contains("missing field `collateral_decimals`"),
            "{err}"
        );
    }

    /// `from_json::<T>(json)` fails with an error naming `field` as unknown.
    fn refuses<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: Value, field: &str) {
        let err = from_json::<T>(json.to_string())
            .expect_err(&format!("{json} accepted"))
            .to_string();
        assert!(
            err.contains(&format!("unknown field `{field}`")),
            "{json}: {err}"
        );
    }

    /// The derived form (`#[cw_serde]`: `deny_unknown_fields`) refused every field its variant
    /// does not have; so does the superset reader: a field of no variant, and a field of another.
    #[test]
    fn perps_messages_refuse_fields_their_variant_does_not_have() {
        use crate::perps::InstantiateMsg;
        let trade = |extra: Value| {
            let mut t = json!({"market_id": "BTC", "size_delta": "1"});
            for (k, v) in extra.as_object().unwrap() {
                t[k] = v.clone();
            }
            json!({ "trade": t })
        };
        let execute = [
            // (a) a name no variant has: a wallet's typo
            (trade(json!({"reduce_onyl": true})), "reduce_onyl"),
            (
                json!({"place_order": {"market_id": "A", "size_delta": "1", "trigger_price": "1",
                    "trigger": "below", "reduceonly": true}}),
                "reduceonly",
            ),
            (json!({"deposit": {"x": 1}}), "x"),
            // (b) a field of another variant
            (trade(json!({"shares": "1"})), "shares"),
            (trade(json!({"reduce_only": true})), "reduce_only"),
            (trade(json!({"limit": 3})), "limit"),
            (json!({"deposit": {"amount": "1"}}), "amount"),
            (
                json!({"withdraw": {"amount": "1", "market_id": "BTC"}}),
                "market_id",
            ),
            (json!({"accept_ownership": {"new_owner": "o"}}), "new_owner"),
            (
                json!({"mark_bad_debt": {"account": "a", "min_reward": "1"}}),
                "min_reward",
            ),
            // (c) update_config: a name of neither it nor instantiate, and instantiate's own fields
            (json!({"update_config": {"keeper_fe": "3"}}), "keeper_fe"),
            (
                json!({"update_config": {"collateral_denom": "x", "keeper_fee": "3"}}),
                "collateral_denom",
            ),
            (json!({"update_config": {"owner": "o"}}), "owner"),
            (json!({"update_config": {"market_id": "BTC"}}), "market_id"),
        ];
        for (json, field) in execute {
            refuses::<ExecuteMsg>(json, field);
        }
        let query = [
            (json!({"markets": {"limt": 1}}), "limt"),
            (json!({"config": {"market_id": "BTC"}}), "market_id"),
            (json!({"market": {"market_id": "BTC", "limit": 1}}), "limit"),
            (
                json!({"pending_orders": {"address": "a", "limit": 1}}),
                "address",
            ),
        ];
        for (json, field) in query {
            refuses::<QueryMsg>(json, field);
        }
        // (c) instantiate: a name of neither it nor update_config
        let full = json!({
            "owner": "o", "collateral_denom": "uusdc", "collateral_decimals": 6,
            "price_feed": "f", "insurance_fund": "i", "max_oracle_age_secs": 60,
            "max_confidence_ratio": "0.01", "max_ema_deviation": "0.05",
            "liquidation_target_ratio": "1.5", "liquidator_reward_share": "0.3",
            "insurance_fee_share": "0.2", "vault_min_backing": "0.1"
        });
        from_json::<InstantiateMsg>(full.to_string()).unwrap();
        // the order parameters are instantiate fields too (DESIGN 6.11)
        let mut with_orders = full.clone();
        with_orders["keeper_fee"] = json!("3");
        with_orders["max_order_age_secs"] = json!(3);
        with_orders["max_orders_per_account"] = json!(4);
        let msg = from_json::<InstantiateMsg>(with_orders.to_string()).unwrap();
        assert_eq!(
            (
                msg.keeper_fee,
                msg.max_order_age_secs,
                msg.max_orders_per_account
            ),
            (Some(Uint128::new(3)), Some(3), Some(4))
        );
        let mut typo = full.clone();
        typo["colateral_denom"] = json!("x");
        refuses::<InstantiateMsg>(typo, "colateral_denom");
        // (d) nested inputs refuse unknown fields too
        let mut config = market_config();
        config["taker_fe"] = json!("0.1");
        refuses::<ExecuteMsg>(
            json!({"add_market": {"market_id": "BTC", "config": config}}),
            "taker_fe",
        );
        let mut config = market_config();
        config["margin_tiers"][0]["max_notionl"] = json!("1");
        refuses::<ExecuteMsg>(
            json!({"update_market": {"market_id": "BTC", "config": config}}),
            "max_notionl",
        );
        refuses::<ExecuteMsg>(
            trade(json!({"mode": {"isolated": {"margin": "1", "margn": "2"}}})),
            "margn",
        );
        refuses::<QueryMsg>(
            json!({"simulate_trade": {"address": "a", "market_id": "BTC", "size_delta": "1",
                "mode": {"isolated": {"margin": "1", "x": 1}}}}),
            "x",
        );
        // an optional field of the variant given as null still reads as absent
        let msg: ExecuteMsg = from_json(trade(json!({"mode": null})).to_string()).unwrap();
        assert!(matches!(msg, ExecuteMsg::Trade { mode: None, .. }));
    }

    #[test]
    fn insurance_fund_messages_refuse_fields_their_variant_does_not_have() {
        use crate::insurance_fund::{ExecuteMsg, InstantiateMsg, QueryMsg};
        refuses::<ExecuteMsg>(json!({"deposit": {"amout": "1"}}), "amout");
        refuses::<ExecuteMsg>(json!({"deposit": {"amount": "1"}}), "amount");
        refuses::<ExecuteMsg>(
            json!({"cover_bad_debt": {"amount": "1", "recipient": "r"}}),
            "recipient",
        );
        refuses::<ExecuteMsg>(
            json!({"withdraw": {"amount": "1", "recipient": "r", "engine": "e"}}),
            "engine",
        );
        refuses::<ExecuteMsg>(json!({"accept_ownership": {"new_owner": "o"}}), "new_owner");
        refuses::<QueryMsg>(json!({"payouts": {"limt": 1}}), "limt");
        refuses::<QueryMsg>(json!({"balance": {"limit": 1}}), "limit");
        refuses::<InstantiateMsg>(
            json!({"denom": "uusdc", "engines": [], "ownr": "o"}),
            "ownr",
        );
    }

    #[test]
    fn price_feed_messages_refuse_fields_their_variant_does_not_have() {
        use crate::price_feed::{ExecuteMsg, InstantiateMsg, QueryMsg};
        refuses::<ExecuteMsg>(
            json!({"add_feed": {"feed_id": "A", "description": "", "other": [1]}}),
            "other",
        );
        refuses::<ExecuteMsg>(
            json!({"remove_feed": {"feed_id": "A", "publishers": []}}),
            "publishers",
        );
        refuses::<ExecuteMsg>(
            json!({"reset_price": {"feed_id": "A", "price": "1", "conf": "0", "publish_time": 1,
                "max_price_jump": "0.1"}}),
            "max_price_jump",
        );
        refuses::<ExecuteMsg>(
            json!({"update_prices": {"prices": [], "feed_id": "A"}}),
            "feed_id",
        );
        // nested `PriceUpdate` is `#[cw_serde]`
        refuses::<ExecuteMsg>(
            json!({"update_prices": {"prices": [{"feed_id": "A", "price": "1", "conf": "0",
                "publish_time": 1, "ema": "1"}]}}),
            "ema",
        );
        refuses::<QueryMsg>(json!({"price": {"feed_id": "A", "limit": 1}}), "limit");
        refuses::<QueryMsg>(json!({"feeds": {"feed_id": "A"}}), "feed_id");
        refuses::<QueryMsg>(json!({"config": {"x": 1}}), "x");
        refuses::<InstantiateMsg>(
            json!({"publishers": [], "max_future_sec": 5}),
            "max_future_sec",
        );
    }
}
