//! Harness basics shared by the test suites of the three contracts (cw-multi-test): the block
//! clock, wallets and the bank ([`ChainExt`] on `App`), decimals from text, event attributes,
//! error texts, and the zero-amount transfer guard (SECURITY 32). Each contract's own suite keeps
//! what is particular to it (messages, snapshots, invariants).

use cosmwasm_std::{
    coins, Addr, BankMsg, Coin, CosmosMsg, Decimal256, Response, SignedDecimal256, StdError,
    StdResult, WasmMsg,
};
use cw_multi_test::{App, AppResponse, BankSudo, SudoMsg};

/// A decimal from text (`d("60000.5")`).
pub fn d(s: &str) -> Decimal256 {
    s.parse().unwrap()
}

/// A signed decimal from text (`sd("-0.5")`).
pub fn sd(s: &str) -> SignedDecimal256 {
    s.parse().unwrap()
}

/// The addresses of `names` (bech32 with the mock chain's prefix, as `App::api().addr_make`
/// makes them), before or without an `App`.
pub fn addrs<const N: usize>(names: [&str; N]) -> [Addr; N] {
    let api = cosmwasm_std::testing::MockApi::default();
    names.map(|n| api.addr_make(n))
}

/// The chain as a test drives it.
pub trait ChainExt {
    /// Block time, seconds.
    fn now(&self) -> u64;
    /// Moves the block time forward by `secs` (and the height by one).
    fn advance(&mut self, secs: u64);
    /// A bech32 address for `name` (the chain's own prefix).
    fn addr(&self, name: &str) -> Addr;
    /// Mints `amount` of `denom` to `to`.
    fn mint(&mut self, to: &Addr, amount: u128, denom: &str);
    /// `who`'s bank balance of `denom`.
    fn bank(&self, who: &Addr, denom: &str) -> u128;
    /// `contract`'s cw2 record: (contract name, version).
    fn contract_version(&self, contract: &Addr) -> (String, String);
    /// Overwrites `contract`'s cw2 record (a migration test's "earlier version").
    fn set_contract_version(&mut self, contract: &Addr, name: &str, version: &str);
}

impl ChainExt for App {
    fn now(&self) -> u64 {
        self.block_info().time.seconds()
    }

    fn advance(&mut self, secs: u64) {
        self.update_block(move |b| {
            b.time = b.time.plus_seconds(secs);
            b.height += 1;
        });
    }

    fn addr(&self, name: &str) -> Addr {
        self.api().addr_make(name)
    }

    fn mint(&mut self, to: &Addr, amount: u128, denom: &str) {
        self.sudo(SudoMsg::Bank(BankSudo::Mint {
            to_address: to.to_string(),
            amount: coins(amount, denom),
        }))
        .unwrap();
    }

    fn bank(&self, who: &Addr, denom: &str) -> u128 {
        let amount = self.wrap().query_balance(who, denom).unwrap().amount;
        cosmwasm_std::Uint128::try_from(amount).unwrap().u128()
    }

    fn contract_version(&self, contract: &Addr) -> (String, String) {
        let v = cw2::query_contract_info(&self.wrap(), contract.to_string()).unwrap();
        (v.contract, v.version)
    }

    fn set_contract_version(&mut self, contract: &Addr, name: &str, version: &str) {
        let mut storage = self.contract_storage_mut(contract);
        cw2::set_contract_version(storage.as_mut(), name, version).unwrap();
    }
}

/// Inside `impl Suite { … }` of a suite with an `app: App` field: `addr(name)`, `now()` and
/// `advance(secs)` as the suite's own methods (the [`ChainExt`] of its app).
#[macro_export]
macro_rules! clock_and_wallets {
    () => {
        /// A bech32 address for `name`.
        pub fn addr(&self, name: &str) -> cosmwasm_std::Addr {
            $crate::ChainExt::addr(&self.app, name)
        }

        /// Block time, seconds.
        pub fn now(&self) -> u64 {
            $crate::ChainExt::now(&self.app)
        }

        /// Moves the block time forward by `secs` (and the height by one).
        pub fn advance(&mut self, secs: u64) {
            $crate::ChainExt::advance(&mut self.app, secs);
        }
    };
}

/// `(key, value)` pairs of every event of type `ty` (or `wasm-{ty}`), `_contract_address` left
/// out.
pub fn events(res: &AppResponse, ty: &str) -> Vec<Vec<(String, String)>> {
    res.events
        .iter()
        .filter(|e| e.ty == ty || e.ty.strip_prefix("wasm-") == Some(ty))
        .map(|e| {
            e.attributes
                .iter()
                .filter(|a| a.key != "_contract_address")
                .map(|a| (a.key.clone(), a.value.clone()))
                .collect()
        })
        .collect()
}

/// Asserts that `res` carries exactly one event of type `ty` (or `wasm-{ty}`), with exactly
/// these attributes in this order.
pub fn assert_event(res: &AppResponse, ty: &str, expected: &[(&str, &str)]) {
    assert_eq!(events(res, ty), vec![kv(expected)], "{ty} event");
}

/// Builds an expected attribute list for [`events`].
pub fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The text of the error `res` failed with (cw-multi-test hands contract errors back as text,
/// the contract's own last).
pub fn error_text<T: std::fmt::Debug>(res: StdResult<T>) -> String {
    let err: StdError = res.expect_err("expected an error");
    err.to_string()
}

/// Panics when a response carries a bank send, burn or attached funds with a zero (or no)
/// amount: a chain refuses them and would revert the whole transaction (SECURITY 32).
pub fn assert_no_zero_amounts(contract: &str, res: &Response) {
    for sub in &res.messages {
        let coins: &[Coin] = match &sub.msg {
            CosmosMsg::Bank(BankMsg::Send { amount, .. }) => amount,
            CosmosMsg::Bank(BankMsg::Burn { amount }) => amount,
            CosmosMsg::Wasm(WasmMsg::Execute { funds, .. }) if !funds.is_empty() => funds,
            CosmosMsg::Wasm(WasmMsg::Instantiate { funds, .. }) if !funds.is_empty() => funds,
            _ => continue,
        };
        assert!(
            !coins.is_empty() && coins.iter().all(|c| !c.amount.is_zero()),
            "{contract} emitted a zero-amount transfer: {:?}",
            sub.msg
        );
    }
}
