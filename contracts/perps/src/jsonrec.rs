//! JSON records read through a table of their fields instead of a serde parser per record type
//! (docs/size.md: a derived `Deserialize` costs 2–8 KB of artifact per record type; one table is
//! a few dozen bytes). A record's JSON members are found by one small scanner, each field's value
//! is parsed by the serde parser of its primitive type (`Decimal256`, `u64`, `String`, …, linked
//! anyway) and written in the compact encoding of [`crate::compact`], in the order of the table,
//! which is the order the record's `Compact` decoder reads; the record is then decoded from those
//! bytes. The values are the ones `#[derive(Deserialize)]` gave: a missing field takes its serde
//! default (the table's JSON text), an `Option` missing is `None`, a field of no record is ignored.
//!
//! Used for the JSON records the engine reads and still writes with serde (orders, LP records,
//! the price feed's public records) and by the migration from the JSON layout ([`crate::layout`]).
//! [`JsonMap`] keeps `cw_storage_plus::Map`'s call shape and storage (serde JSON on `save`).

use cosmwasm_schema::serde::de::DeserializeOwned;
use cosmwasm_schema::serde::Serialize;
use cosmwasm_std::{
    from_json, Decimal256, Empty, Int128, Order, SignedDecimal256, StdError, StdResult, Storage,
    Uint128,
};
use cw_storage_plus::{Bound, KeyDeserialize, Map, Path, PrimaryKey};
use perps_api::perps::{TradeMode, Trigger};

use crate::compact::{not_found, range_method, Compact};
use crate::orders::StoredOrder;
use crate::state::{LpAccount, LpRequest};
use crate::{compact_enum, compact_struct};

/// How a field is stored in JSON and in the compact encoding.
#[derive(Clone, Copy)]
pub enum Kind {
    /// A string (`String`, `Addr`).
    Text,
    U8,
    U32,
    U64,
    Bool,
    Dec,
    SignedDec,
    I128,
    U128,
    /// `Option` of a kind: `null` or the value (tag byte 0 or 1).
    Opt(&'static Kind),
    /// An enum as serde writes it: its variants by name, tags 0, 1, …; unit variants as `"name"`;
    /// when the fields are given, the last variant holds them (`{"name":{…}}`).
    Enum(&'static [&'static str], Option<&'static [Field]>),
    /// A value read by its own serde parser (one linked anyway), then encoded.
    Serde(fn(&mut Vec<u8>, &[u8]) -> StdResult<()>),
    /// The record is the value itself (a map of numbers).
    Whole(&'static Kind),
}

/// A field of a record: its JSON name, kind, and the JSON of its serde default (`None`: required).
pub type Field = (&'static str, Kind, Option<&'static str>);

/// Default of an `Option` field.
pub const NULL: Option<&str> = Some("null");
/// Default of an amount or decimal (`#[serde(default)]`).
pub const ZERO: Option<&str> = Some("\"0\"");
const FALSE: Option<&str> = Some("false");

/// A record read through its table.
pub trait JsonRecord: Compact {
    const FIELDS: &'static [Field];
}

/// Reads a record from its JSON.
pub fn read<T: JsonRecord>(json: &[u8]) -> StdResult<T> {
    let mut out = Vec::with_capacity(64);
    record(&mut out, json, T::FIELDS)?;
    T::from_bytes(&out)
}

/// The value at `raw` read by its serde parser and encoded ([`Kind::Serde`]).
pub fn serde_value<T: DeserializeOwned + Compact>(out: &mut Vec<u8>, raw: &[u8]) -> StdResult<()> {
    from_json::<T>(raw)?.encode(out);
    Ok(())
}

fn bad_json() -> StdError {
    StdError::msg("malformed JSON record")
}

/// Writes the compact encoding of the JSON object `json` with `fields`.
pub fn record(out: &mut Vec<u8>, json: &[u8], fields: &[Field]) -> StdResult<()> {
    if let [(_, Kind::Whole(kind), _)] = fields {
        return value(out, **kind, json);
    }
    let members = object(json)?;
    for (name, kind, default) in fields {
        let raw = members
            .iter()
            .find(|(k, _)| *k == name.as_bytes())
            .map(|(_, v)| *v)
            .or(default.map(str::as_bytes))
            .ok_or_else(|| StdError::msg(format!("missing field `{name}`")))?;
        value(out, *kind, raw)?;
    }
    Ok(())
}

/// Writes the compact encoding of one JSON value of `kind`.
fn value(out: &mut Vec<u8>, kind: Kind, raw: &[u8]) -> StdResult<()> {
    match kind {
        Kind::Text => from_json::<String>(raw)?.encode(out),
        Kind::U8 => out.push(from_json::<u8>(raw)?),
        Kind::U32 => from_json::<u32>(raw)?.encode(out),
        Kind::U64 => from_json::<u64>(raw)?.encode(out),
        Kind::Bool => from_json::<bool>(raw)?.encode(out),
        Kind::Dec => from_json::<Decimal256>(raw)?.encode(out),
        Kind::SignedDec => from_json::<SignedDecimal256>(raw)?.encode(out),
        Kind::I128 => from_json::<Int128>(raw)?.encode(out),
        Kind::U128 => from_json::<Uint128>(raw)?.encode(out),
        Kind::Opt(_) if raw == b"null" => out.push(0),
        Kind::Opt(kind) => {
            out.push(1);
            value(out, *kind, raw)?
        }
        Kind::Enum(units, fields) => variant(out, raw, units, fields)?,
        Kind::Serde(f) => f(out, raw)?,
        Kind::Whole(kind) => value(out, *kind, raw)?,
    }
    Ok(())
}

/// An enum ([`Kind::Enum`]): `"unit"` or `{"name":{fields}}` (the last name, when it has fields).
fn variant(
    out: &mut Vec<u8>,
    raw: &[u8],
    names: &[&str],
    fields: Option<&[Field]>,
) -> StdResult<()> {
    let units = match fields {
        Some(_) => names.len().saturating_sub(1),
        None => names.len(),
    };
    if raw.first() == Some(&b'"') {
        let name = from_json::<String>(raw)?;
        let tag = names[..units]
            .iter()
            .position(|u| *u == name)
            .ok_or_else(bad_json)?;
        out.push(tag as u8);
        return Ok(());
    }
    let members = object(raw)?;
    let ([(name, inner)], Some(fields)) = (members.as_slice(), fields) else {
        return Err(bad_json());
    };
    if names.get(units).map(|n| n.as_bytes()) != Some(*name) {
        return Err(bad_json());
    }
    out.push(units as u8);
    record(out, inner, fields)
}

/// The members of a JSON object: each key's raw bytes (without quotes; the records' keys have no
/// escapes) and its value's raw JSON (checked when the value is read).
fn object(json: &[u8]) -> StdResult<Vec<(&[u8], &[u8])>> {
    let mut rest = json
        .trim_ascii()
        .strip_prefix(b"{")
        .and_then(|r| r.strip_suffix(b"}"))
        .ok_or_else(bad_json)?;
    let mut members = vec![];
    while !rest.trim_ascii().is_empty() {
        let r = rest.trim_ascii().strip_prefix(b"\"").ok_or_else(bad_json)?;
        let end = r.iter().position(|c| *c == b'"').ok_or_else(bad_json)?;
        let key = &r[..end];
        let r = r[end..]
            .strip_prefix(b"\"")
            .unwrap_or_default()
            .trim_ascii()
            .strip_prefix(b":")
            .ok_or_else(bad_json)?;
        let len = value_len(r);
        if len == 0 {
            return Err(bad_json());
        }
        members.push((key, r[..len].trim_ascii()));
        rest = r[len..].strip_prefix(b",").unwrap_or(&r[len..]);
    }
    Ok(members)
}

/// Length of the JSON value at the front of `s`: up to the `,` or the closing bracket of its
/// object at depth 0 (strings and nested brackets skipped).
fn value_len(s: &[u8]) -> usize {
    let (mut depth, mut in_str, mut esc) = (0u32, false, false);
    for (i, c) in s.iter().enumerate() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth = depth.saturating_add(1),
            b'}' | b']' if depth == 0 => return i,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => return i,
            _ => {}
        }
    }
    s.len()
}

/// A map of JSON records written by serde and read through their table (the shape and the
/// storage of `cw_storage_plus::Map`).
pub struct JsonMap<K, T> {
    namespace: &'static str,
    map: Map<K, T>,
}

impl<K, T> JsonMap<K, T> {
    pub const fn new(namespace: &'static str) -> Self {
        JsonMap {
            namespace,
            map: Map::new(namespace),
        }
    }
}

impl<'a, K: PrimaryKey<'a>, T: JsonRecord + Serialize + DeserializeOwned> JsonMap<K, T> {
    pub fn load(&self, store: &dyn Storage, k: K) -> StdResult<T> {
        let key = self.map.key(k);
        match store.get(&key) {
            Some(json) => read(&json),
            None => Err(not_found::<T>(&key)),
        }
    }

    pub fn may_load(&self, store: &dyn Storage, k: K) -> StdResult<Option<T>> {
        store.get(&self.map.key(k)).map(|j| read(&j)).transpose()
    }

    /// [`JsonMap::may_load`] through [`crate::compact::seek`] (cheaper for short records).
    pub fn seek_load(&self, store: &dyn Storage, k: K) -> StdResult<Option<T>> {
        crate::compact::seek(store, &self.map.key(k))
            .map(|j| read(&j))
            .transpose()
    }

    /// `cw_storage_plus::Map::save` (the same bytes), serialized by `perps_api::entry::json_vec`
    /// (one writer for every record type).
    pub fn save(&self, store: &mut dyn Storage, k: K, data: &T) -> StdResult<()> {
        store.set(&self.map.key(k), &perps_api::entry::json_vec(data)?);
        Ok(())
    }

    pub fn remove(&self, store: &mut dyn Storage, k: K) {
        self.map.remove(store, k)
    }
}

impl<'a, K: PrimaryKey<'a> + KeyDeserialize, T: JsonRecord> JsonMap<K, T> {
    range_method!(self => Path::<Empty>::new(self.namespace.as_bytes(), &[b""]), read::<T>);
}

// The tables of the JSON records the engine reads, and their compact decoders (the order of the
// table). The encoders serve only the table reader.

const OPT_U128: Kind = Kind::Opt(&Kind::U128);
const OPT_DEC: Kind = Kind::Opt(&Kind::Dec);
const TRIGGER: Kind = Kind::Enum(&["above", "below"], None);
const TRADE_MODE: Kind = Kind::Enum(
    &["cross", "isolated"],
    Some(&[("margin", Kind::U128, None)]),
);

/// A [`JsonRecord`] whose JSON keys are its field names, in the order of its compact encoding:
/// `field: kind, default;` per field (one list for the JSON table and `compact_struct!`).
macro_rules! json_record {
    ($t:ident { $($f:ident: $kind:expr, $default:expr;)* }) => {
        impl JsonRecord for $t {
            const FIELDS: &'static [Field] = &[$((stringify!($f), $kind, $default)),*];
        }
        compact_struct!($t { $($f),* });
    };
}

impl JsonRecord for StoredOrder {
    const FIELDS: &'static [Field] = &[
        ("o", Kind::Text, None),
        ("m", Kind::Text, Some("\"\"")),
        ("s", Kind::Opt(&Kind::SignedDec), NULL),
        ("p", OPT_DEC, NULL),
        ("g", Kind::Opt(&TRIGGER), NULL),
        ("ro", Kind::Bool, FALSE),
        ("a", OPT_DEC, NULL),
        ("md", Kind::Opt(&TRADE_MODE), NULL),
        ("t", Kind::U64, None),
        ("h", Kind::U64, None),
        ("q", Kind::U64, Some("0")),
        ("r", Kind::U128, ZERO),
        ("k", Kind::U128, ZERO),
        ("ls", OPT_U128, NULL),
        ("lv", OPT_U128, NULL),
        ("sf", OPT_DEC, NULL),
        ("sr", OPT_DEC, NULL),
        ("sp", Kind::Bool, FALSE),
    ];
}
compact_struct!(StoredOrder {
    owner,
    market_id,
    size_delta,
    trigger_price,
    trigger,
    reduce_only,
    acceptable_price,
    mode,
    placed_at,
    placed_height,
    placed_sequence,
    reserved,
    keeper_fee,
    lp_shares,
    lp_value,
    settle_fill,
    settle_record,
    settle_in_position,
});

json_record!(LpAccount {
    shares: Kind::U128, None;
    last_provide_time: Kind::U64, None;
});

json_record!(LpRequest {
    shares: Kind::U128, None;
    claimable_at: Kind::U64, None;
    value_at_request: OPT_U128, NULL;
    refused: Kind::Bool, FALSE;
});

compact_enum!(Trigger { 0 => Above, 1 => Below });

compact_enum!(TradeMode { 0 => Cross, 1 => Isolated { margin } });

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::to_json_vec;
    use std::fmt::Debug;

    /// The table reads what serde's derived parser reads, and reads back what serde writes.
    fn same<T: JsonRecord + DeserializeOwned + Serialize + PartialEq + Debug>(json: &str) -> T {
        let v = read::<T>(json.as_bytes()).unwrap();
        assert_eq!(v, from_json::<T>(json).unwrap(), "{json}");
        assert_eq!(read::<T>(&to_json_vec(&v).unwrap()).unwrap(), v);
        v
    }

    #[test]
    fn records_read_as_the_derived_parsers_read_them() {
        let o = same::<StoredOrder>(r#"{"o":"alice","t":5,"h":7}"#);
        assert_eq!(
            (o.market_id.as_str(), o.reduce_only, o.lp_shares),
            ("", false, None)
        );
        same::<StoredOrder>(
            r#"{"o":"bob","m":"BTC","s":"-1.5","p":"60000","g":"below","ro":true,"a":"59000.1","md":{"isolated":{"margin":"100"}},"t":5,"h":7,"q":3,"r":"12","k":"2","x":[1,{"y":"}"}]}"#,
        );
        same::<StoredOrder>(r#"{"o":"c","m":"E","s":"2","g":"above","md":"cross","t":1,"h":1}"#);
        same::<StoredOrder>(r#"{"o":"d","t":1,"h":1,"r":"5","ls":"10","lv":"7"}"#);
        same::<LpAccount>(r#"{"shares":"10","last_provide_time":3}"#);
        same::<LpRequest>(r#"{"shares":"10","claimable_at":3}"#);
        same::<LpRequest>(
            r#"{"shares":"10","claimable_at":3,"value_at_request":"9","refused":true}"#,
        );
        same::<LpRequest>(r#"{"shares":"10","claimable_at":3,"value_at_request":null}"#);
    }

    #[test]
    fn records_the_derived_parsers_refuse_are_refused() {
        for json in [
            r#"{"o":"alice","t":5}"#,
            r#"{"o":"alice","t":-5,"h":7}"#,
            r#"{"o":"alice","t":5,"h":7,"g":"sideways"}"#,
            r#"{"o":"alice","t":5,"h":7,"md":{"isolated":{}}}"#,
            r#"{"o":"alice","t":5,"h":7,"md":{"cross":{"margin":"1"}}}"#,
            r#"{"o":"alice","t":5,"h":7,"ro":1}"#,
            r#"{"o":"alice","t":5,"h":7,"s":"x"}"#,
            r#"{"o":"alice","t":5,"h":7"#,
            r#"{"o":"alice",,"t":5,"h":7}"#,
            r#"{"o" "alice","t":5,"h":7}"#,
            r#"["alice",5,7]"#,
        ] {
            assert!(read::<StoredOrder>(json.as_bytes()).is_err(), "{json}");
            assert!(from_json::<StoredOrder>(json).is_err(), "{json}");
        }
    }
}
