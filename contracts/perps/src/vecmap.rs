//! Small ordered maps and sets over a sorted `Vec`: what a message holds per account (a handful
//! of positions and markets) with `BTreeMap`'s iteration order and the subset of its API the
//! engine uses, for a fraction of its code (docs/size.md: `BTreeMap`/`BTreeSet` node handling
//! was ~42 KB of the artifact). Lookups are binary searches; inserts and removes shift the tail,
//! which for the few entries an account has costs less than a tree's allocations.

use std::borrow::Borrow;

/// An ordered map: entries sorted by key, keys unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.0.get(i).map(|(_, v)| v)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.0.get_mut(i).map(|(_, v)| v)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        Some(self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        map.extend(iter);
        map
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// An ordered set: elements sorted, unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecSet<K>(VecMap<K, ()>);

impl<K> Default for VecSet<K> {
    fn default() -> Self {
        Self(VecMap::default())
    }
}

impl<K: Ord> VecSet<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key`; false when it was there already.
    pub fn insert(&mut self, key: K) -> bool {
        self.0.insert(key, ()).is_none()
    }

    /// Removes `key`; false when it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.remove(key).is_some()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.0.keys()
    }
}

impl<'a, K> IntoIterator for &'a VecSet<K> {
    type Item = &'a K;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, ())>, fn(&'a (K, ())) -> &'a K>;

    fn into_iter(self) -> Self::IntoIter {
        self.0 .0.iter().map(|(k, _)| k)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// The same operations on a `BTreeMap` and a `VecMap` give the same answers and order.
    #[test]
    fn behaves_like_btreemap() {
        let mut b = BTreeMap::new();
        let mut v = VecMap::new();
        // a fixed pseudo-random walk over a few keys
        let mut x: u32 = 7;
        for step in 0..400u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = format!("m{}", (x >> 16) % 9);
            match (x >> 8) % 4 {
                0 | 1 => assert_eq!(v.insert(key.clone(), step), b.insert(key, step)),
                2 => assert_eq!(v.remove(key.as_str()), b.remove(key.as_str())),
                _ => {
                    if let (Some(a), Some(c)) = (v.get_mut(key.as_str()), b.get_mut(key.as_str())) {
                        *a += 1;
                        *c += 1;
                    }
                }
            }
            assert_eq!(v.len(), b.len());
            assert_eq!(v.is_empty(), b.is_empty());
            assert!(v.iter().eq(b.iter()));
            assert!((&v).into_iter().eq(&b));
            assert!(v.keys().eq(b.keys()) && v.values().eq(b.values()));
            assert_eq!(v.get("m3"), b.get("m3"));
            assert_eq!(v.contains_key("m4"), b.contains_key("m4"));
        }
        let pairs = [("b", 2), ("a", 1), ("c", 3), ("a", 4)];
        let v: VecMap<&str, i32> = pairs.into_iter().collect();
        let b: BTreeMap<&str, i32> = pairs.into_iter().collect();
        assert!(v.clone().into_iter().eq(b.clone()));
        let mut v2 = VecMap::new();
        v2.insert("z", 0);
        v2.extend(v);
        assert_eq!(v2.keys().copied().collect::<Vec<_>>(), ["a", "b", "c", "z"]);
        assert_eq!(v2.get("a"), Some(&4));
    }

    #[test]
    fn set_behaves_like_btreeset() {
        let mut b = BTreeSet::new();
        let mut v = VecSet::new();
        for (i, k) in ["c", "a", "c", "b", "a", "d"].into_iter().enumerate() {
            if i % 3 == 2 {
                assert_eq!(v.remove(k), b.remove(k));
            } else {
                assert_eq!(v.insert(k.to_string()), b.insert(k.to_string()));
            }
            assert!(v.iter().eq(b.iter()) && (&v).into_iter().eq(&b));
            assert_eq!((v.len(), v.is_empty()), (b.len(), b.is_empty()));
            assert_eq!(v.contains("a"), b.contains("a"));
        }
    }
}
