//! Shared helpers: chains, the scripted contract, artifacts, exact-state snapshots.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cosmwasm_std::{
    to_json_binary, Addr, Binary, Coin, ContractResult, CosmosMsg, Response, SubMsg, Uint256,
    WasmMsg,
};
use localnet::{Chain, ChainError, TxError};

pub const DENOM: &str = "uusd";

/// The scripted test contract (see `scripted.wat` for what it does).
pub fn scripted_wasm() -> Vec<u8> {
    wat::parse_str(include_str!("scripted.wat")).unwrap()
}

/// The workspace root (two levels above this crate).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An optimized artifact; fails with the command that builds it when it is missing.
pub fn artifact(name: &str) -> Vec<u8> {
    let path = workspace().join("artifacts").join(format!("{name}.wasm"));
    let wasm = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): run `bash scripts/build-wasm.sh` from the workspace root first",
            path.display()
        )
    });
    assert!(
        wasm.len() > 1024,
        "{} is only {} bytes (a placeholder without entry points?): run `bash scripts/build-wasm.sh`",
        path.display(),
        wasm.len()
    );
    wasm
}

pub fn coin(amount: u128, denom: &str) -> Coin {
    Coin::new(Uint256::from(amount), denom)
}

pub fn uusd(amount: u128) -> Uint256 {
    Uint256::from(amount)
}

/// A chain with the scripted code stored as code 1.
pub fn scripted_chain() -> (Chain, u64) {
    let mut chain = Chain::new().unwrap();
    let code = chain.store_code(&scripted_wasm()).unwrap();
    (chain, code)
}

/// [`scripted_chain`] with one scripted contract per label (instantiated in order) and the
/// address `alice` that sends to them.
pub fn scripted_contracts<const N: usize>(labels: [&str; N]) -> (Chain, u64, [Addr; N], Addr) {
    with_scripted_contracts(Chain::new().unwrap(), labels)
}

/// [`scripted_contracts`] on a chain whose transactions may use at most `tx_gas_limit`.
pub fn scripted_contracts_limited<const N: usize>(
    tx_gas_limit: u64,
    labels: [&str; N],
) -> (Chain, u64, [Addr; N], Addr) {
    let config = localnet::ChainConfig {
        tx_gas_limit,
        ..Default::default()
    };
    with_scripted_contracts(Chain::with_config(config).unwrap(), labels)
}

fn with_scripted_contracts<const N: usize>(
    mut chain: Chain,
    labels: [&str; N],
) -> (Chain, u64, [Addr; N], Addr) {
    let code = chain.store_code(&scripted_wasm()).unwrap();
    let contracts = labels.map(|label| scripted(&mut chain, code, label));
    let alice = chain.addr_make("alice");
    (chain, code, contracts, alice)
}

/// Instantiates the scripted contract (no query configured).
pub fn scripted(chain: &mut Chain, code: u64, label: &str) -> Addr {
    let creator = chain.addr_make("creator");
    chain
        .instantiate(code, &creator, &serde_json::Value::Null, &[], label)
        .unwrap()
        .0
}

/// A bank send of `amount` uusd to `to` (an address's text: the chain checks it).
pub fn send_msg(to: &str, amount: u128) -> CosmosMsg {
    CosmosMsg::Bank(cosmwasm_std::BankMsg::Send {
        to_address: to.to_string(),
        amount: vec![coin(amount, DENOM)],
    })
}

/// One scripted contract (`c`) and alice holding 1,000 uusd: (chain, contract, alice).
pub fn one_contract_and_alice_with_1000() -> (Chain, Addr, Addr) {
    let (mut chain, _, [c], alice) = scripted_contracts(["c"]);
    chain.mint(&alice, &[coin(1_000, DENOM)]).unwrap();
    (chain, c, alice)
}

/// The scripted contract's answer: this response.
pub fn ok(response: Response) -> ContractResult<Response> {
    ContractResult::Ok(response)
}

/// The scripted contract's answer: this error.
pub fn fail(msg: &str) -> ContractResult<Response> {
    ContractResult::Err(msg.to_string())
}

/// A `WasmMsg::Execute` telling a scripted contract to answer `answer`.
pub fn exec_msg(contract: &Addr, answer: &ContractResult<Response>, funds: Vec<Coin>) -> CosmosMsg {
    CosmosMsg::Wasm(WasmMsg::Execute {
        contract_addr: contract.to_string(),
        msg: to_json_binary(answer).unwrap(),
        funds,
    })
}

pub fn sub(id: u64, msg: CosmosMsg, reply_on: cosmwasm_std::ReplyOn) -> SubMsg {
    SubMsg {
        id,
        payload: Binary::from(b"pl".to_vec()),
        msg,
        gas_limit: None,
        reply_on,
    }
}

/// A value in a contract's store, as UTF-8.
pub fn stored(chain: &Chain, contract: &Addr, key: &str) -> Option<String> {
    chain
        .query_raw(contract, key.as_bytes())
        .map(|v| String::from_utf8(v).unwrap())
}

/// A contract's store and an address's balances.
pub type AccountState = (BTreeMap<Vec<u8>, Vec<u8>>, Vec<Coin>);

/// Everything a transaction could change for these addresses: stores and balances.
pub fn snapshot(chain: &Chain, addrs: &[&Addr]) -> Vec<AccountState> {
    addrs
        .iter()
        .map(|a| (chain.dump_storage(a), chain.balances(a)))
        .collect()
}

/// The contract error message of a failed transaction.
pub fn contract_error(err: &TxError) -> &str {
    match &err.error {
        ChainError::Contract { msg, .. } => msg,
        other => panic!("expected a contract error, got {other:?}"),
    }
}
