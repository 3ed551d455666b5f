//! Whole-state snapshots: what a rejected message must leave unchanged.

use std::collections::BTreeMap;

use cosmwasm_std::{Addr, Coin, Order, Storage, Uint128};

use super::Suite;

/// Raw `(key, value)` pairs of one storage, in key order.
pub type Raw = Vec<(Vec<u8>, Vec<u8>)>;

/// Everything a rejected message must leave unchanged: the raw storage of each of the three
/// contracts, every bank balance of every address in every denom, and (as a catch-all) the
/// whole chain state of the multi-test app, which holds both plus contract metadata.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    /// The engine's storage.
    pub raw: Raw,
    pub engine_balance: Uint128,
    pub feed_raw: Raw,
    pub fund_raw: Raw,
    /// Every address the bank knows, with all its coins.
    pub balances: BTreeMap<String, Vec<Coin>>,
    pub chain: Raw,
}

/// cw-multi-test's bank keeps `Map<&Addr, NativeBalance>` "balances" under the namespace "bank".
const BANK_BALANCES_PREFIX: &[u8] = b"\x00\x04bank\x00\x08balances";

fn first_difference(what: &str, before: &Raw, after: &Raw) -> Option<String> {
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let n = before.len().max(after.len());
    (0..n).find_map(|i| match (before.get(i), after.get(i)) {
        (Some(b), Some(a)) if b == a => None,
        (b, a) => Some(format!(
            "{what}: entry {i} was {:?}, now {:?}",
            b.map(|(k, v)| (show(k), show(v))),
            a.map(|(k, v)| (show(k), show(v)))
        )),
    })
}

impl Snapshot {
    /// Panics naming the first difference (storage key or balance) from `before`.
    pub fn assert_unchanged_since(&self, before: &Snapshot) {
        if self == before {
            return;
        }
        let diff = first_difference("perps storage", &before.raw, &self.raw)
            .or_else(|| first_difference("price-feed storage", &before.feed_raw, &self.feed_raw))
            .or_else(|| {
                first_difference("insurance-fund storage", &before.fund_raw, &self.fund_raw)
            })
            .or_else(|| {
                (before.balances != self.balances).then(|| {
                    format!(
                        "bank balances: before {:?}, after {:?}",
                        before.balances, self.balances
                    )
                })
            })
            .or_else(|| first_difference("chain state", &before.chain, &self.chain))
            .unwrap_or_else(|| "engine balance".to_string());
        panic!("a rejected message changed state: {diff}");
    }
}

impl Suite {
    /// Raw storage of one contract.
    pub fn raw_storage(&self, contract: &Addr) -> Raw {
        let storage = self.app.contract_storage(contract);
        storage.range(None, None, Order::Ascending).collect()
    }

    /// Every bank balance of every address, read from the bank module's storage.
    pub fn all_balances(&self) -> BTreeMap<String, Vec<Coin>> {
        let end = {
            let mut e = BANK_BALANCES_PREFIX.to_vec();
            e.push(0xff);
            e
        };
        self.app
            .storage()
            .range(Some(BANK_BALANCES_PREFIX), Some(&end), Order::Ascending)
            .map(|(k, v)| {
                let addr = String::from_utf8(k[BANK_BALANCES_PREFIX.len()..].to_vec()).unwrap();
                let coins: Vec<Coin> = cosmwasm_std::from_json(&v).unwrap();
                (addr, coins)
            })
            .collect()
    }

    /// The three contracts' storage, every bank balance and the whole chain state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            raw: self.raw_storage(&self.engine),
            engine_balance: Uint128::new(self.balance(&self.engine)),
            feed_raw: self.raw_storage(&self.feed),
            fund_raw: self.raw_storage(&self.fund),
            balances: self.all_balances(),
            chain: self
                .app
                .storage()
                .range(None, None, Order::Ascending)
                .collect(),
        }
    }
}
