//! Queries: from outside, and from contracts to contracts (smart, raw) and to the bank.

use cosmwasm_std::{
    from_json, to_json_binary, Addr, BalanceResponse, BankQuery, Binary, ContractResult,
    QueryRequest, Response, SystemError, SystemResult, WasmQuery,
};
use localnet::{gas::INSTANCE_COST, Chain, ChainError};

use crate::harness::*;

/// A scripted contract whose every execute sends `request` to the querier.
fn querying(chain: &mut Chain, code: u64, request: &QueryRequest) -> Addr {
    let creator = chain.addr_make("creator");
    chain
        .instantiate(code, &creator, request, &[], "querying")
        .unwrap()
        .0
}

fn query_result(chain: &Chain, contract: &Addr) -> SystemResult<ContractResult<Binary>> {
    from_json(stored(chain, contract, "query_result").unwrap().as_bytes()).unwrap()
}

#[test]
fn smart_query_from_outside() {
    let (mut chain, code) = scripted_chain();
    let c = scripted(&mut chain, code, "c");
    let answer: ContractResult<Binary> = ContractResult::Ok(Binary::from(b"\"hi\"".to_vec()));
    let value: String = chain.query_smart(&c, &answer).unwrap();
    assert_eq!(value, "hi");
    let (_, gas) = chain.query_smart_with_gas(&c, &answer).unwrap();
    assert_eq!(gas.instance_loads, INSTANCE_COST);
    assert_eq!(
        gas.deserialization,
        serde_json::to_vec(&answer).unwrap().len() as u64
    );

    let err = chain
        .query_smart::<String>(&c, &ContractResult::<Binary>::Err("nope".into()))
        .unwrap_err();
    assert!(
        matches!(err, ChainError::Contract { entry_point: "query", ref msg, .. } if msg == "nope")
    );
    let nobody = chain.addr_make("nobody");
    let err = chain.query_smart::<String>(&nobody, &answer).unwrap_err();
    assert_eq!(err, ChainError::NoSuchContract(nobody.to_string()));
}

#[test]
fn contract_smart_queries_another_contract() {
    let (mut chain, code) = scripted_chain();
    let b = scripted(&mut chain, code, "b");
    let answer: ContractResult<Binary> = ContractResult::Ok(Binary::from(b"42".to_vec()));
    let request = QueryRequest::Wasm(WasmQuery::Smart {
        contract_addr: b.to_string(),
        msg: to_json_binary(&answer).unwrap(),
    });
    let a = querying(&mut chain, code, &request);
    let alice = chain.addr_make("alice");
    let tx = chain
        .execute(&alice, &a, &ok(Response::new()), &[])
        .unwrap();
    assert_eq!(
        query_result(&chain, &a),
        SystemResult::Ok(ContractResult::Ok(Binary::from(b"42".to_vec())))
    );
    // a's execute and b's query each load an instance.
    assert_eq!(tx.gas.instance_loads, 2 * INSTANCE_COST);

    // A contract error comes back to the caller as data, not as a failed transaction.
    let failing = QueryRequest::Wasm(WasmQuery::Smart {
        contract_addr: b.to_string(),
        msg: to_json_binary(&ContractResult::<Binary>::Err("bad".into())).unwrap(),
    });
    let a2 = querying(&mut chain, code, &failing);
    run_once(&mut chain, &alice, &a2);
    assert_eq!(
        query_result(&chain, &a2),
        SystemResult::Ok(ContractResult::Err("bad".into()))
    );
}

#[test]
fn smart_query_of_a_missing_contract_is_a_system_error() {
    let (mut chain, code) = scripted_chain();
    let nobody = chain.addr_make("nobody");
    let request = QueryRequest::Wasm(WasmQuery::Smart {
        contract_addr: nobody.to_string(),
        msg: Binary::from(b"{}".to_vec()),
    });
    let a = querying(&mut chain, code, &request);
    let alice = chain.addr_make("alice");
    run_once(&mut chain, &alice, &a);
    assert_eq!(
        query_result(&chain, &a),
        SystemResult::Err(SystemError::NoSuchContract {
            addr: nobody.to_string()
        })
    );
}

#[test]
fn raw_query_reads_storage_without_loading_an_instance() {
    let (mut chain, code, [b], alice) = scripted_contracts(["b"]);
    let b_answer = ok(Response::new());
    chain.execute(&alice, &b, &b_answer, &[]).unwrap();
    let request = QueryRequest::Wasm(WasmQuery::Raw {
        contract_addr: b.to_string(),
        key: Binary::from(b"last".to_vec()),
    });
    let a = querying(&mut chain, code, &request);
    let tx = chain
        .execute(&alice, &a, &ok(Response::new()), &[])
        .unwrap();
    let expected = serde_json::to_vec(&b_answer).unwrap();
    assert_eq!(
        query_result(&chain, &a),
        SystemResult::Ok(ContractResult::Ok(Binary::from(expected)))
    );
    assert_eq!(tx.gas.instance_loads, INSTANCE_COST);

    // A missing key reads as empty, as on wasmd.
    let missing = QueryRequest::Wasm(WasmQuery::Raw {
        contract_addr: b.to_string(),
        key: Binary::from(b"nothing".to_vec()),
    });
    let a2 = querying(&mut chain, code, &missing);
    run_once(&mut chain, &alice, &a2);
    assert_eq!(
        query_result(&chain, &a2),
        SystemResult::Ok(ContractResult::Ok(Binary::default()))
    );
}

#[test]
fn bank_balance_query_from_a_contract() {
    let (mut chain, code) = scripted_chain();
    let alice = chain.addr_make("alice");
    chain.mint(&alice, &[coin(777, DENOM)]).unwrap();
    let request = QueryRequest::Bank(BankQuery::Balance {
        address: alice.to_string(),
        denom: DENOM.to_string(),
    });
    let a = querying(&mut chain, code, &request);
    run_once(&mut chain, &alice, &a);
    let SystemResult::Ok(ContractResult::Ok(bin)) = query_result(&chain, &a) else {
        panic!("expected a balance")
    };
    let response: BalanceResponse = from_json(&bin).unwrap();
    assert_eq!(response.amount, coin(777, DENOM));
}

/// `sender` runs `contract` once, its answer an empty response (a querying contract queries).
fn run_once(chain: &mut Chain, sender: &Addr, contract: &Addr) {
    chain
        .execute(sender, contract, &ok(Response::new()), &[])
        .unwrap();
}
