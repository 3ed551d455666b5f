//! Compact binary encoding of the engine's hot records (what a trade and a margin check read and
//! write): integers and decimals as a length byte and their minimal little-endian bytes (a sign
//! bit in the length byte for signed ones), strings and lists with a length, options and enums with
//! a tag byte, struct fields in declaration order. [`BinMap`] and [`BinItem`] store such records
//! with the `load` / `may_load` / `save` / `remove` / `has` / `range` / `keys` / `prefix` shape of
//! `cw_storage_plus::Map` and `Item`, under the same keys.
//!
//! A SDK read costs 3 gas and a write 30 gas per byte of key and value: the JSON of a market state
//! is 144–172 bytes, its compact record about 70.

use std::marker::PhantomData;

use cosmwasm_std::{
    Addr, Decimal256, Empty, Int128, Int256, Order, SignedDecimal256, StdError, StdResult, Storage,
    Uint128, Uint256,
};
use cw_storage_plus::{range_with_prefix, Bound, Key, KeyDeserialize, Path, Prefixer, PrimaryKey};

/// A record read from the front of a byte slice. A decoder never fails on its own: a short or
/// malformed record marks the reader bad (and yields zeros), and [`Compact::from_bytes`] refuses
/// it once at the end (one error path instead of one per field).
pub struct Reader<'a> {
    buf: &'a [u8],
    bad: bool,
}

fn corrupt() -> StdError {
    StdError::msg("corrupt compact record")
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, bad: false }
    }

    /// Marks the record malformed.
    pub fn fail(&mut self) {
        self.bad = true;
        self.buf = &[];
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        if n > self.buf.len() {
            self.fail();
            return &[];
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        head
    }

    /// True when the record has no bytes left (a trailing field written only when not zero).
    pub fn at_end(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn byte(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    /// `N` little-endian bytes of a magnitude after its header byte `head` (already read): the
    /// length, and when [`SCALED`] the power of ten the stored bytes are multiplied by.
    fn magnitude<const N: usize>(&mut self, head: u8) -> [u8; N] {
        let len = usize::from(head & LEN);
        let exponent = if head & SCALED != 0 { self.byte() } else { 0 };
        let mut out = [0u8; N];
        if len > N {
            self.fail();
            return out;
        }
        let bytes = self.take(len);
        out[..bytes.len()].copy_from_slice(bytes);
        for _ in 0..exponent {
            if !mul10(&mut out) {
                self.fail();
                break;
            }
        }
        out
    }

    /// The magnitude of an unsigned value (a sign bit is malformed).
    fn unsigned<const N: usize>(&mut self) -> [u8; N] {
        let head = self.byte();
        if head & NEGATIVE != 0 {
            self.fail();
        }
        self.magnitude(head)
    }
}

/// Encoding of one value.
pub trait Compact: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(r: &mut Reader) -> Self;

    /// The record of a value.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out);
        out
    }

    /// A whole record: every byte must be used.
    fn from_bytes(bytes: &[u8]) -> StdResult<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r);
        if r.bad || !r.buf.is_empty() {
            return Err(corrupt());
        }
        Ok(v)
    }
}

/// Header bits of a magnitude: its sign, whether a power-of-ten byte follows, its byte length.
const NEGATIVE: u8 = 0x80;
const SCALED: u8 = 0x40;
const LEN: u8 = 0x3f;

/// Bytes of `le` up to its last non-zero one.
fn len_of(le: &[u8]) -> usize {
    le.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1)
}

/// `le / 10` in place; returns the remainder.
fn div10(le: &mut [u8]) -> u16 {
    let mut rem: u16 = 0;
    for b in le.iter_mut().rev() {
        let cur = (rem << 8) | u16::from(*b);
        *b = u8::try_from(cur / 10).unwrap_or(0);
        rem = cur % 10;
    }
    rem
}

/// `le · 10` in place; false when it overflows.
fn mul10(le: &mut [u8]) -> bool {
    let mut carry: u16 = 0;
    for b in le.iter_mut() {
        let cur = u16::from(*b) * 10 + carry;
        *b = u8::try_from(cur & 0xff).unwrap_or(0);
        carry = cur >> 8;
    }
    carry == 0
}

/// Writes a magnitude (little-endian `le`) after a header byte carrying `flag`: its minimal bytes,
/// or, when shorter, the bytes of `le / 10^e` after a byte `e` (amounts and decimals with 18
/// places are mostly round: 0.05 is `5·10^16`, 3 bytes instead of 8).
fn put_magnitude(out: &mut Vec<u8>, le: &[u8], flag: u8) {
    let plain = len_of(le);
    let mut mantissa = le.to_vec();
    let mut exponent: u8 = 0;
    if plain > 2 {
        loop {
            let mut q = mantissa.clone();
            if div10(&mut q) != 0 {
                break;
            }
            mantissa = q;
            exponent += 1;
        }
    }
    let scaled = len_of(&mantissa);
    if exponent > 0 && scaled + 1 < plain {
        out.push(scaled as u8 | flag | SCALED);
        out.push(exponent);
        out.extend_from_slice(&mantissa[..scaled]);
    } else {
        out.push(plain as u8 | flag);
        out.extend_from_slice(&le[..plain]);
    }
}

/// Two's complement of a little-endian magnitude (negation).
fn negate_le<const N: usize>(mut b: [u8; N]) -> [u8; N] {
    let mut carry = true;
    for x in b.iter_mut() {
        let (v, c) = (!*x).overflowing_add(u8::from(carry));
        *x = v;
        carry = c;
    }
    b
}

macro_rules! compact_uint {
    ($($t:ty => $n:expr),*) => {$(
        impl Compact for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                put_magnitude(out, &self.to_le_bytes(), 0);
            }
            fn decode(r: &mut Reader) -> Self {
                <$t>::from_le_bytes(r.unsigned::<$n>())
            }
        }
    )*};
}
compact_uint!(u32 => 4, u64 => 8, u128 => 16, Uint256 => 32);

/// `Compact` for a number wrapping another (`$get` reads it, `new` builds it): the inner encoding.
macro_rules! compact_wrapper {
    ($($t:ty => $get:ident),*) => {$(
        impl Compact for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                self.$get().encode(out)
            }
            fn decode(r: &mut Reader) -> Self {
                <$t>::new(Compact::decode(r))
            }
        }
    )*};
}
compact_wrapper!(Uint128 => u128, Decimal256 => atomics, SignedDecimal256 => atomics);

impl Compact for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn decode(r: &mut Reader) -> Self {
        r.byte()
    }
}

impl Compact for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Reader) -> Self {
        match r.byte() {
            0 => false,
            1 => true,
            _ => {
                r.fail();
                false
            }
        }
    }
}

impl Compact for Int128 {
    fn encode(&self, out: &mut Vec<u8>) {
        let flag = if self.is_negative() { NEGATIVE } else { 0 };
        put_magnitude(out, &self.i128().unsigned_abs().to_le_bytes(), flag);
    }
    fn decode(r: &mut Reader) -> Self {
        let head = r.byte();
        let mag = r.magnitude::<16>(head);
        let neg = head & NEGATIVE != 0;
        let v = i128::from_le_bytes(if neg { negate_le(mag) } else { mag });
        // the sign bit must agree with the value (|i128::MIN| is the one negative magnitude)
        if neg != (v < 0) && v != 0 {
            r.fail();
        }
        Int128::new(v)
    }
}

impl Compact for Int256 {
    fn encode(&self, out: &mut Vec<u8>) {
        let neg = self.is_negative();
        let le = self.to_le_bytes();
        let mag = if neg { negate_le(le) } else { le };
        put_magnitude(out, &mag, if neg { NEGATIVE } else { 0 });
    }
    fn decode(r: &mut Reader) -> Self {
        let head = r.byte();
        let mag = r.magnitude::<32>(head);
        let neg = head & NEGATIVE != 0;
        let v = Int256::from_le_bytes(if neg { negate_le(mag) } else { mag });
        if neg != v.is_negative() && !v.is_zero() {
            r.fail();
        }
        v
    }
}

impl Compact for String {
    fn encode(&self, out: &mut Vec<u8>) {
        (self.len() as u64).encode(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(r: &mut Reader) -> Self {
        let len = usize::try_from(u64::decode(r)).unwrap_or(usize::MAX);
        match std::str::from_utf8(r.take(len)) {
            Ok(s) => s.to_string(),
            Err(_) => {
                r.fail();
                String::new()
            }
        }
    }
}

impl Compact for Addr {
    fn encode(&self, out: &mut Vec<u8>) {
        self.to_string().encode(out)
    }
    fn decode(r: &mut Reader) -> Self {
        Addr::unchecked(String::decode(r))
    }
}

impl<T: Compact> Compact for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(r: &mut Reader) -> Self {
        match r.byte() {
            0 => None,
            1 => Some(T::decode(r)),
            _ => {
                r.fail();
                None
            }
        }
    }
}

impl<T: Compact> Compact for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        (self.len() as u64).encode(out);
        for v in self {
            v.encode(out);
        }
    }
    fn decode(r: &mut Reader) -> Self {
        let len = u64::decode(r);
        let mut out = Vec::new();
        // every element takes at least one byte: a corrupt length cannot loop long
        if len > r.buf.len() as u64 {
            r.fail();
            return out;
        }
        for _ in 0..len {
            out.push(T::decode(r));
        }
        out
    }
}

/// `Compact` for a struct: its fields in the order listed (every field: the decoder builds the
/// struct, so a field added to the struct and not here does not compile).
#[macro_export]
macro_rules! compact_struct {
    ($t:path { $($f:ident),* $(,)? }) => {
        impl $crate::compact::Compact for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                $( $crate::compact::Compact::encode(&self.$f, out); )*
            }
            fn decode(r: &mut $crate::compact::Reader) -> Self {
                Self { $( $f: $crate::compact::Compact::decode(r), )* }
            }
        }
    };
}

/// `Compact` for an enum: one tag byte (the number listed), then the one field of a struct variant.
/// An unknown tag fails the read (decoded as the first variant, which must be a unit variant).
#[macro_export]
macro_rules! compact_enum {
    ($t:ident { $tag0:literal => $v0:ident $(, $tag:literal => $v:ident $({ $f:ident })?)* $(,)? }) => {
        impl $crate::compact::Compact for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                match self {
                    $t::$v0 => out.push($tag0),
                    $($t::$v $({ $f })? => {
                        out.push($tag);
                        $($crate::compact::Compact::encode($f, out);)?
                    })*
                }
            }
            fn decode(r: &mut $crate::compact::Reader) -> Self {
                match r.byte() {
                    $tag0 => $t::$v0,
                    $($tag => $t::$v $({ $f: $crate::compact::Compact::decode(r) })?,)*
                    _ => {
                        r.fail();
                        $t::$v0
                    }
                }
            }
        }
    };
}

/// The records under `prefix` between `min` and `max`, their values read by `decode` (the
/// compact reader or [`crate::jsonrec::read`]).
#[inline(always)]
pub(crate) fn range_at<'a, 'c, K, T>(
    store: &'c dyn Storage,
    prefix: &[u8],
    min: Option<Bound<'a, K>>,
    max: Option<Bound<'a, K>>,
    order: Order,
    decode: impl Fn(&[u8]) -> StdResult<T> + 'c,
) -> Box<dyn Iterator<Item = StdResult<(K::Output, T)>> + 'c>
where
    K: PrimaryKey<'a> + KeyDeserialize,
    T: 'c,
    K::Output: 'static,
{
    let iter = range_with_prefix(
        store,
        prefix,
        min.map(|b| b.to_raw_bound()),
        max.map(|b| b.to_raw_bound()),
        order,
    )
    .map(move |(k, v)| Ok((K::from_vec(k)?, decode(&v)?)));
    Box::new(iter)
}

/// The `range` method of a map of records (as `cw_storage_plus::Map::range`): the records under
/// the key prefix `$prefix`, their values read by `$decode` (through [`range_at`]); `root`: through
/// the map's root prefix.
macro_rules! range_method {
    ($self:ident => root) => {
        range_method!(@fn $self, store, min, max, order => $self.root().range(store, min, max, order));
    };
    ($self:ident => $prefix:expr, $decode:expr) => {
        range_method!(@fn $self, store, min, max, order =>
            $crate::compact::range_at(store, &$prefix, min, max, order, $decode));
    };
    (@fn $self:ident, $store:ident, $min:ident, $max:ident, $order:ident => $body:expr) => {
        pub fn range<'c>(
            &$self,
            $store: &'c dyn Storage,
            $min: Option<Bound<'a, K>>,
            $max: Option<Bound<'a, K>>,
            $order: Order,
        ) -> Box<dyn Iterator<Item = StdResult<(K::Output, T)>> + 'c>
        where
            T: 'c,
            K::Output: 'static,
        {
            $body
        }
    };
}
pub(crate) use range_method;

/// The storage key of `keys` under `namespace` (as `cw_storage_plus::Map` builds it: every part
/// but the last length-prefixed).
fn path(namespace: &str, keys: &[&[u8]]) -> Vec<u8> {
    Path::<Empty>::new(namespace.as_bytes(), keys).to_vec()
}

pub(crate) fn not_found<T>(key: &[u8]) -> StdError {
    StdError::msg(format!(
        "type: {}; key: {:02X?} not found",
        std::any::type_name::<T>(),
        key
    ))
}

fn load_at<T: Compact>(store: &dyn Storage, key: &[u8]) -> StdResult<T> {
    match store.get(key) {
        Some(v) => T::from_bytes(&v),
        None => Err(not_found::<T>(key)),
    }
}

/// The value under `key`, read through an iterator over exactly that key: the SDK charges a read
/// 1,000 gas flat and an iterator position 30 (both 3 per byte of key and value; the local chain
/// charges the position found on the seek and again on the step returning it). A missing key
/// costs 30 instead of about 1,300; a present one is cheaper below about 310 bytes of key and
/// value (a stored order of 196: 1,236 instead of 1,588).
pub fn seek(store: &dyn Storage, key: &[u8]) -> Option<Vec<u8>> {
    let mut end = key.to_vec();
    end.push(0);
    store
        .range(Some(key), Some(&end), Order::Ascending)
        .next()
        .map(|(_, v)| v)
}

fn may_load_at<T: Compact>(store: &dyn Storage, key: &[u8]) -> StdResult<Option<T>> {
    store.get(key).map(|v| T::from_bytes(&v)).transpose()
}

/// A single compact record (the shape of `cw_storage_plus::Item`).
pub struct BinItem<T> {
    key: &'static str,
    data: PhantomData<T>,
}

impl<T: Compact> BinItem<T> {
    pub const fn new(key: &'static str) -> Self {
        BinItem {
            key,
            data: PhantomData,
        }
    }

    pub fn load(&self, store: &dyn Storage) -> StdResult<T> {
        load_at(store, self.key.as_bytes())
    }

    pub fn may_load(&self, store: &dyn Storage) -> StdResult<Option<T>> {
        may_load_at(store, self.key.as_bytes())
    }

    pub fn save(&self, store: &mut dyn Storage, data: &T) -> StdResult<()> {
        store.set(self.key.as_bytes(), &data.to_bytes());
        Ok(())
    }
}

/// A map of compact records (the shape of `cw_storage_plus::Map`, the same keys).
pub struct BinMap<K, T> {
    namespace: &'static str,
    data: PhantomData<(K, T)>,
}

impl<K, T> BinMap<K, T> {
    pub const fn new(namespace: &'static str) -> Self {
        BinMap {
            namespace,
            data: PhantomData,
        }
    }
}

impl<'a, K: PrimaryKey<'a>, T: Compact> BinMap<K, T> {
    /// The storage key of `k`.
    pub fn key(&self, k: K) -> Vec<u8> {
        let parts = k.key();
        let keys: Vec<&[u8]> = parts.iter().map(Key::as_ref).collect();
        path(self.namespace, &keys)
    }

    pub fn load(&self, store: &dyn Storage, k: K) -> StdResult<T> {
        load_at(store, &self.key(k))
    }

    pub fn may_load(&self, store: &dyn Storage, k: K) -> StdResult<Option<T>> {
        may_load_at(store, &self.key(k))
    }

    /// [`BinMap::may_load`] through [`seek`] (cheaper for short records and missing keys).
    pub fn seek_load(&self, store: &dyn Storage, k: K) -> StdResult<Option<T>> {
        seek(store, &self.key(k))
            .map(|v| T::from_bytes(&v))
            .transpose()
    }

    pub fn save(&self, store: &mut dyn Storage, k: K, data: &T) -> StdResult<()> {
        store.set(&self.key(k), &data.to_bytes());
        Ok(())
    }

    pub fn remove(&self, store: &mut dyn Storage, k: K) {
        store.remove(&self.key(k))
    }

    pub fn has(&self, store: &dyn Storage, k: K) -> bool {
        store.get(&self.key(k)).is_some()
    }

    /// The records under `p` (the first parts of the key).
    pub fn prefix(&self, p: K::Prefix) -> BinPrefix<K::Suffix, T> {
        let parts = p.prefix();
        let mut keys: Vec<&[u8]> = parts.iter().map(Key::as_ref).collect();
        keys.push(b"");
        BinPrefix {
            prefix: path(self.namespace, &keys),
            data: PhantomData,
        }
    }

    fn root(&self) -> BinPrefix<K, T> {
        BinPrefix {
            prefix: path(self.namespace, &[b""]),
            data: PhantomData,
        }
    }
}

impl<'a, K: PrimaryKey<'a> + KeyDeserialize, T: Compact> BinMap<K, T> {
    range_method!(self => root);

    pub fn keys<'c>(
        &self,
        store: &'c dyn Storage,
        min: Option<Bound<'a, K>>,
        max: Option<Bound<'a, K>>,
        order: Order,
    ) -> Box<dyn Iterator<Item = StdResult<K::Output>> + 'c>
    where
        T: 'c,
        K::Output: 'static,
    {
        Box::new(
            self.root()
                .range(store, min, max, order)
                .map(|r| r.map(|(k, _)| k)),
        )
    }
}

/// The records of a [`BinMap`] under a key prefix.
pub struct BinPrefix<K, T> {
    prefix: Vec<u8>,
    data: PhantomData<(K, T)>,
}

impl<'a, K: PrimaryKey<'a> + KeyDeserialize, T: Compact> BinPrefix<K, T> {
    range_method!(self => self.prefix, T::from_bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round<T: Compact + PartialEq + std::fmt::Debug>(v: T) -> usize {
        let b = v.to_bytes();
        assert_eq!(T::from_bytes(&b).unwrap(), v);
        b.len()
    }

    #[test]
    fn seek_reads_exactly_its_key() {
        let mut store = cosmwasm_std::testing::MockStorage::new();
        let map: BinMap<&str, u64> = BinMap::new("m");
        assert_eq!(map.seek_load(&store, "BTC").unwrap(), None);
        // keys sharing its bytes as a prefix, before and after it
        map.save(&mut store, "BT", &1).unwrap();
        map.save(&mut store, "BTCX", &2).unwrap();
        store.set(b"on", b"7");
        store.set(b"on\0", b"8");
        store.set(b"onx", b"9");
        assert_eq!(map.seek_load(&store, "BTC").unwrap(), None);
        map.save(&mut store, "BTC", &3).unwrap();
        assert_eq!(map.seek_load(&store, "BTC").unwrap(), Some(3));
        assert_eq!(map.seek_load(&store, "BT").unwrap(), Some(1));
        assert_eq!(seek(&store, b"on"), Some(b"7".to_vec()));
        assert_eq!(seek(&store, b"o"), None);
    }

    #[test]
    fn integers_and_decimals_round_trip_at_their_minimal_length() {
        assert_eq!(round(0u64), 1);
        assert_eq!(round(u64::MAX), 9);
        assert_eq!(round(300u32), 3);
        assert_eq!(round(Uint128::MAX), 17);
        assert_eq!(round(Int128::new(-1)), 2);
        assert_eq!(round(Int128::MIN), 17);
        assert_eq!(round(Int128::MAX), 17);
        assert_eq!(round(Int128::zero()), 1);
        assert_eq!(round(Int256::MIN), 33);
        assert_eq!(round(Int256::MAX), 33);
        assert_eq!(round(Int256::from(-256i64)), 3);
        assert_eq!(round(Decimal256::MAX), 33);
        assert_eq!(round(Decimal256::percent(5)), 3);
        assert_eq!(round(Decimal256::from_ratio(123_456_789u64, 1_000u64)), 6);
        assert_eq!(round(Uint128::new(1_000_000_000_000)), 3);
        assert_eq!(round(Uint128::new(10u128.pow(38))), 3);
        assert_eq!(round(Int128::new(-20_000_000_000)), 3);
        assert_eq!(round(12_000u64), 3);
        assert_eq!(round(SignedDecimal256::MIN), 33);
        assert_eq!(round(SignedDecimal256::percent(-5)), 3);
        assert_eq!(round(Some(Decimal256::one())), 4);
        assert_eq!(round(None::<Decimal256>), 1);
        assert_eq!(round("BTC".to_string()), 5);
        assert_eq!(round(vec![1u64, 2]), 6);
    }

    #[test]
    fn corrupt_records_are_refused() {
        assert!(u64::from_bytes(&[9, 1, 2, 3, 4, 5, 6, 7, 8, 9]).is_err());
        assert!(u64::from_bytes(&[2, 1]).is_err());
        assert!(u64::from_bytes(&[1, 1, 0]).is_err());
        assert!(bool::from_bytes(&[2]).is_err());
        // 10^40 does not fit a u64; a sign on an unsigned value
        assert!(u64::from_bytes(&[0x41, 40, 1]).is_err());
        assert!(u64::from_bytes(&[0x81, 1]).is_err());
        assert!(Option::<u8>::from_bytes(&[2]).is_err());
        assert!(Vec::<u8>::from_bytes(&[1, 200]).is_err());
        assert!(String::from_bytes(&[1, 2, 0xff, 0xfe]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn every_value_round_trips(a: u128, b: i128, hi: [u8; 32], zeros in 0u32..30, neg: bool) {
            let scaled = |v: u128| v.checked_mul(10u128.pow(zeros % 20)).unwrap_or(v);
            round(Uint128::new(scaled(a)));
            round(Int128::new(b));
            round(Int128::new(b.checked_mul(10i128.pow(zeros % 20)).unwrap_or(b)));
            let u = Uint256::from_le_bytes(hi);
            round(Decimal256::new(u));
            let d = Uint256::from(scaled(a)).checked_mul(Uint256::from(10u128.pow(zeros % 20))).unwrap_or(u);
            round(Decimal256::new(d));
            let i = Int256::from_le_bytes(hi);
            round(SignedDecimal256::new(if neg { Int256::zero().checked_sub(i).unwrap_or(i) } else { i }));
            let j = Int256::try_from(d).unwrap_or(Int256::MIN);
            round(SignedDecimal256::new(if neg { Int256::zero().checked_sub(j).unwrap_or(j) } else { j }));
        }
    }
}
