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
//! as an array is refused, and a required field given as `null` reads as missing.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, Visitor};

/// The fields of one or more record types, each an `Option` filled by [`read`].
pub trait Fields: Default {
    /// Reads the value of `key` into its field with [`put`], or skips it with [`skip`].
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Reads a JSON object into `F`.
pub fn read<'de, D: Deserializer<'de>, F: Fields>(d: D) -> Result<F, D::Error> {
    d.deserialize_map(Reader(PhantomData))
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

struct Reader<F>(PhantomData<F>);

impl<'de, F: Fields> Visitor<'de> for Reader<F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<F, A::Error> {
        let mut fields = F::default();
        while let Some(key) = map.next_key::<String>()? {
            fields.field(&key, &mut map)?;
        }
        Ok(fields)
    }
}
