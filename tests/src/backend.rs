//! What a scenario needs from a chain, so that it is written once and run on two: the local
//! chain executing the optimized wasm artifacts ([`crate::wasm::WasmBackend`]) and cw-multi-test
//! running the same contracts natively (in this crate's tests).

use cosmwasm_std::{Addr, Coin, Event};
use localnet::Gas;
use serde_json::Value;

/// The three contracts of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// `price-feed`
    PriceFeed,
    /// `insurance-fund`
    InsuranceFund,
    /// `perps`, the engine
    Perps,
}

impl Code {
    /// Every contract, in the order they are stored.
    pub const ALL: [Code; 3] = [Code::PriceFeed, Code::InsuranceFund, Code::Perps];

    /// The crate name, which is also the artifact's file name (`artifacts/<name>.wasm`).
    pub fn crate_name(self) -> &'static str {
        match self {
            Code::PriceFeed => "price-feed",
            Code::InsuranceFund => "insurance-fund",
            Code::Perps => "perps",
        }
    }
}

/// A successful transaction.
#[derive(Clone, Debug)]
pub struct Executed {
    /// Every event, in emission order (`execute`, `wasm`, `wasm-<type>`, `transfer`, ...).
    pub events: Vec<Event>,
    /// SDK gas as a chain charges it (`None` where the backend does not meter gas).
    pub gas: Option<Gas>,
}

impl Executed {
    /// Events of one type (`wasm-trade`, `transfer`, ...).
    pub fn events_of<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.ty == ty)
    }

    /// The value of attribute `key` in the first event of type `ty` that has it.
    pub fn attr<'a>(&'a self, ty: &str, key: &str) -> Option<&'a str> {
        localnet::first_attribute(&self.events, ty, key)
    }
}

/// A failed transaction: nothing changed.
#[derive(Clone, Debug)]
pub struct Failed {
    /// The contract's error message (or the chain's, when the chain refused the message).
    pub error: String,
    /// SDK gas used up to the failure (`None` where the backend does not meter gas).
    pub gas: Option<Gas>,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

impl std::error::Error for Failed {}

/// A chain the scenarios run on. Both implementations start at the same block (height 1, time
/// [`GENESIS_TIME`]) and derive user addresses the same way, so that their results can be
/// compared step by step.
pub trait Backend {
    /// A short name for reports (`wasm`, `native`).
    fn name(&self) -> &'static str;
    /// The address of a user named `name` (bech32, prefix `cosmwasm`, same on both backends).
    fn addr_make(&self, name: &str) -> Addr;
    /// Creates coins (test setup, outside any transaction).
    fn mint(&mut self, to: &Addr, coins: &[Coin]) -> Result<(), String>;
    /// Instantiates `code` (stored on first use) as `sender`.
    fn instantiate(
        &mut self,
        code: Code,
        sender: &Addr,
        msg: &Value,
        label: &str,
    ) -> Result<(Addr, Executed), Failed>;
    /// Executes `msg` on `contract` as `sender` with `funds` attached, atomically.
    fn execute(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &Value,
        funds: &[Coin],
    ) -> Result<Executed, Failed>;
    /// A smart query, as JSON.
    fn query(&self, contract: &Addr, msg: &Value) -> Result<Value, String>;
    /// Bank balance of one denom, in base units.
    fn balance(&self, address: &Addr, denom: &str) -> u128;
    /// Block time, seconds.
    fn now(&self) -> u64;
    /// `secs` later, in the next block.
    fn advance(&mut self, secs: u64);
}

/// Time of the first block of both backends (seconds since the epoch).
pub const GENESIS_TIME: u64 = 1_700_000_000;
/// Height of the first block of both backends.
pub const GENESIS_HEIGHT: u64 = 1;
/// Chain id of both backends.
pub const CHAIN_ID: &str = "localnet-1";
