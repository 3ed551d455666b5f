//! Deserialization of stored records with one small map reader instead of serde's derived struct
//! reader (docs/size.md: a derived `Deserialize` instantiates serde_json's struct parser per type,
//! ~1.5–3 KB each with its array form and field matching).
//!
//! A record type lists its fields in a [`Fields`] struct of `Option`s (several record types can
//! share one such struct when they are read in the same places); [`read`] walks the JSON object
//! once and hands each key to [`Fields::field`], which stores the value with [`put`] or skips
//! it. Then the record is built from the fields ([`need`] for the required ones: serde's
//! `missing field` text). What is accepted is what the derived form accepted for a record its
//! contract wrote: an object, unknown keys ignored (a reader must survive a newer writer's added
//! field), `null` for an optional field. Differences only for JSON no contract writes: a record
//! as an array is refused, and a required field given as `null` reads as missing. A missing
//! field's error is raised once the object is read, so it carries the position of the enclosing
//! value (none for a top-level record) instead of the object's closing brace; the text is serde's.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, Visitor,
};

/// The fields of one or more record types, each an `Option` filled by [`read`].
pub trait Fields: Default {
    /// Reads the value of `key` into its field with [`put`], or skips it with [`skip`].
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Reads a JSON object into `F` (keys `F` does not have are skipped).
pub fn read<'de, D: Deserializer<'de>, F: Fields>(d: D) -> Result<F, D::Error> {
    d.deserialize_map(Reader(None, PhantomData))
}

/// Reads a JSON object into `F`, refusing a key not in `names` with the text of serde's
/// `deny_unknown_fields` (`unknown field `x`, expected one of` `names`): several messages can
/// share one field struct (one reader in the artifact), each read with its own names.
pub fn read_only<'de, D: Deserializer<'de>, F: Fields>(
    d: D,
    names: &'static [&'static str],
) -> Result<F, D::Error> {
    d.deserialize_map(Reader(Some(names), PhantomData))
}

/// [`read_only`] as a seed (a message's fields read inside another reader).
pub struct Only<F>(pub &'static [&'static str], pub PhantomData<F>);

impl<'de, F: Fields> DeserializeSeed<'de> for Only<F> {
    type Value = F;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<F, D::Error> {
        read_only(d, self.0)
    }
}

/// The value of a field: `null` reads as absent. A key seen twice is refused as the derived form
/// refused it (`duplicate field`).
pub fn put<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = map.next_value()?;
    Ok(())
}

/// A key the record does not have: its value is skipped (stored records: a newer writer may have
/// added it).
pub fn skip<'de, A: MapAccess<'de>>(
    _key: &str,
    _names: &'static [&'static str],
    map: &mut A,
) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// A key the message does not have: refused with the text of serde's `deny_unknown_fields`
/// (`unknown field `x`, expected one of ...`, the names in declaration order).
pub fn refuse<'de, A: MapAccess<'de>>(
    key: &str,
    names: &'static [&'static str],
    _map: &mut A,
) -> Result<(), A::Error> {
    Err(A::Error::unknown_field(key, names))
}

#[doc(hidden)]
pub use serde as __serde;

/// Declares a struct of `Option` fields read with [`read`] (its `Default`, [`Fields`] and
/// `Deserialize`): `record_fields! { skip struct S { a: Option<T>, ... } }` ignores unknown keys
/// (stored records), `refuse` refuses them (messages, as `#[serde(deny_unknown_fields)]`).
#[macro_export]
macro_rules! record_fields {
    ($unknown:ident $(#[$m:meta])* $vis:vis struct $name:ident {
        $($fvis:vis $field:ident : Option<$ty:ty>),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(Default)]
        $vis struct $name {
            $($fvis $field: Option<$ty>,)*
        }

        impl $crate::record::Fields for $name {
            fn field<'de, A: $crate::record::__serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match key {
                    $(stringify!($field) => $crate::record::put(&mut self.$field, stringify!($field), map),)*
                    _ => $crate::record::$unknown(key, &[$(stringify!($field)),*], map),
                }
            }
        }

        impl<'de> $crate::record::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::record::__serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Self, D::Error> {
                $crate::record::read(d)
            }
        }
    };
}

/// A required field (serde's `missing field` text when absent).
pub fn need<T, E: Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(name))
}

struct Reader<F>(Option<&'static [&'static str]>, PhantomData<F>);

impl<'de, F: Fields> Visitor<'de> for Reader<F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<F, A::Error> {
        let mut fields = F::default();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(names) = self.0 {
                if !names.contains(&key.as_str()) {
                    return Err(A::Error::unknown_field(&key, names));
                }
            }
            fields.field(&key, &mut map)?;
        }
        Ok(fields)
    }
}

crate::record_fields! {
    skip
    /// The fields of the records every contract stores: [`crate::ownership::Ownership`] and
    /// cw2's `ContractVersion` (`crate::migrate`), one reader for both.
    pub(crate) struct SharedFields {
        pub(crate) owner: Option<cosmwasm_std::Addr>,
        pub(crate) pending_owner: Option<cosmwasm_std::Addr>,
        pub(crate) contract: Option<String>,
        pub(crate) version: Option<String>,
    }
}

crate::record_fields! {
    skip
    /// What the engine reads from outside, one reader for all: the insurance fund's `config`
    /// answer ([`crate::insurance_fund::ConfigResponse`]), the bank's balance answer
    /// ([`crate::insurance_fund::InsuranceFund::bank_balance`]: `amount` is its coin) and the
    /// `Reply` of a submessage ([`crate::entry::ReplyMsg`]: `result` holds `ok` or `error`).
    pub(crate) struct ForeignFields {
        pub(crate) owner: Option<cosmwasm_std::Addr>,
        pub(crate) pending_owner: Option<cosmwasm_std::Addr>,
        pub(crate) denom: Option<String>,
        pub(crate) engines: Option<Vec<cosmwasm_std::Addr>>,
        pub(crate) amount: Option<cosmwasm_std::Coin>,
        pub(crate) id: Option<u64>,
        pub(crate) payload: Option<cosmwasm_std::Binary>,
        pub(crate) gas_used: Option<u64>,
        pub(crate) result: Option<Box<ForeignFields>>,
        pub(crate) ok: Option<IgnoredAny>,
        pub(crate) error: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::{from_json, Decimal256};
    use serde::Deserialize;

    use crate::price_feed::{HistoryRecord, PriceRecord, PriceUpdate};

    /// `PriceUpdate` as serde derived it before (the texts callers saw).
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Derived {
        feed_id: String,
        price: Decimal256,
        conf: Decimal256,
        ema_price: Option<Decimal256>,
        publish_time: u64,
    }

    #[test]
    fn a_message_is_refused_with_the_derived_texts() {
        for json in [
            r#"{"feed_id":"A","price":"1","conf":"0","publish_time":1,"x":1}"#,
            r#"{"feed_id":"A","price":"1","conf":"0"}"#,
            r#"{"feed_id":"A","feed_id":"B","price":"1","conf":"0","publish_time":1}"#,
            r#"{"feed_id":1,"price":"1","conf":"0","publish_time":1}"#,
            r#"{"feed_id":"A","price":"x","conf":"0","publish_time":1}"#,
        ] {
            // the same text; the position (` at line 1 column n`) of a missing field is not
            // reported for a top-level object (in a message, the enclosing object's is)
            let ours = from_json::<PriceUpdate>(json).unwrap_err().to_string();
            let derived = from_json::<Derived>(json).unwrap_err().to_string();
            let text = |e: &str| e.split(" at line").next().unwrap_or_default().to_string();
            assert_eq!(text(&ours), text(&derived), "{json}");
        }
        let ok = r#"{"feed_id":"A","price":"1","conf":"0","ema_price":null,"publish_time":1}"#;
        assert_eq!(from_json::<PriceUpdate>(ok).unwrap().ema_price, None);
    }

    #[test]
    fn a_record_ignores_unknown_keys_and_names_a_missing_field() {
        let json = r#"{"sequence":3,"price":"2","conf":"0","ema_price":"2","publish_time":5,
            "accepted_height":7,"accepted_time":6,"added_later":{"a":[1]}}"#;
        let record: HistoryRecord = from_json(json).unwrap();
        assert_eq!((record.sequence, record.accepted_height), (3, 7));
        let price: PriceRecord = from_json(json).unwrap();
        assert_eq!(
            (price.sequence, price.refused_publish_time),
            (Some(3), None)
        );
        let err = from_json::<HistoryRecord>(r#"{"sequence":3}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `price`"), "{err}");
        assert!(from_json::<PriceRecord>("[]").is_err());
    }
}
