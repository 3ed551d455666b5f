//! Gas: the exact SDK charges around the VM, and determinism.

use cosmwasm_std::{Event, Response, Uint128};
use localnet::gas::*;
use localnet::Gas;
use perps_api::{insurance_fund as fund, price_feed as feed};

use crate::artifacts;
use crate::harness::*;

#[test]
fn scripted_execute_pays_exactly_what_wasmd_charges_around_the_vm() {
    let (mut chain, _, [c], alice) = scripted_contracts(["c"]);
    let answer = ok(Response::new()
        .add_attribute("action", "go")
        .add_event(Event::new("moved").add_attribute("n", "1")));
    let len = serde_json::to_vec(&answer).unwrap().len() as u64;
    let tx = chain.execute(&alice, &c, &answer, &[]).unwrap();
    let g = tx.gas;
    assert_eq!(g.instance_loads, INSTANCE_COST);
    // write "last" = msg under the 33-byte contract prefix
    assert_eq!(
        g.kv_writes,
        KV_WRITE_FLAT + KV_WRITE_PER_BYTE * (33 + 4 + len)
    );
    // read of the absent "query" key
    assert_eq!(g.kv_reads, KV_READ_FLAT + KV_READ_PER_BYTE * (33 + 5));
    // execute returns the message itself
    assert_eq!(g.deserialization, len);
    // attribute "action"="go" (8 bytes, free tier): 10; custom event "moved": 20 + 5 + 10
    assert_eq!(g.events, 10 + 20 + 5 + 10);
    // A few hundred wasm operations and four host calls: far below one SDK gas of compute.
    assert_eq!(g.vm_compute, 0);
    assert_eq!(
        (g.kv_deletes, g.kv_iterator, g.kv_has, g.compile),
        (0, 0, 0, 0)
    );
    assert_eq!(
        g.total(),
        g.vm_compute + g.instance_loads + g.kv_reads + g.kv_writes + g.deserialization + g.events
    );
}

#[test]
fn attribute_data_beyond_the_free_tier_is_charged_per_byte() {
    let (mut chain, _, [c], alice) = scripted_contracts(["c"]);
    let answer = ok(Response::new().add_attribute("k", "x".repeat(200)));
    let tx = chain.execute(&alice, &c, &answer, &[]).unwrap();
    assert_eq!(tx.gas.events, EVENT_PER_ATTRIBUTE_COST + (201 - 100));
}

#[test]
fn the_transaction_gas_limit_aborts_and_reverts() {
    let (mut chain, _, [c], alice) = scripted_contracts_limited(70_000, ["c"]);
    let before = snapshot(&chain, &[&c]);
    let big = ok(Response::new().add_attribute("k", "x".repeat(20_000)));
    let err = chain.execute(&alice, &c, &big, &[]).unwrap_err();
    assert!(
        matches!(
            err.error,
            localnet::ChainError::OutOfGas { limit: 70_000, .. }
        ),
        "{err}"
    );
    assert_eq!(snapshot(&chain, &[&c]), before);
}

/// A fixed scenario on the real artifacts; the gas of every transaction.
fn scenario() -> Vec<Gas> {
    let mut env = artifacts::setup();
    let now = env.now();
    let mut gas = vec![env.add_feed("BTC").gas, env.add_feed("ETH").gas];
    let prices = feed::ExecuteMsg::UpdatePrices {
        prices: vec![
            feed::PriceUpdate {
                feed_id: "BTC".into(),
                price: "60000".parse().unwrap(),
                conf: "10".parse().unwrap(),
                ema_price: None,
                publish_time: now,
            },
            feed::PriceUpdate {
                feed_id: "ETH".into(),
                price: "3000".parse().unwrap(),
                conf: "2".parse().unwrap(),
                ema_price: None,
                publish_time: now,
            },
        ],
    };
    let publisher = env.publisher.clone();
    gas.push(
        env.chain
            .execute(&publisher, &env.feed, &prices, &[])
            .unwrap()
            .gas,
    );
    gas.push(env.deposit(10_000).gas);
    let cover = fund::InsuranceFund(env.fund.clone())
        .cover_msg(Uint128::new(2_500))
        .unwrap();
    let alice = env.alice.clone();
    let engine = env.engine.clone();
    let answer = ok(Response::new().add_message(cover));
    gas.push(
        env.chain
            .execute(&alice, &engine, &answer, &[])
            .unwrap()
            .gas,
    );
    gas
}

#[test]
fn gas_is_deterministic_and_every_part_is_charged() {
    let first = scenario();
    let second = scenario();
    assert_eq!(first, second);
    for g in &first {
        assert!(g.instance_loads >= INSTANCE_COST, "{g:?}");
        assert!(g.kv_reads > 0 && g.kv_writes > 0, "{g:?}");
        assert!(g.events > 0 && g.deserialization > 0, "{g:?}");
    }
    // The cover: the engine's execute, then the fund's (two instances); the fund asks the bank.
    let cover = first.last().unwrap();
    assert_eq!(cover.instance_loads, 2 * INSTANCE_COST);
    assert_eq!(cover.kv_has, KV_HAS);
}

#[test]
fn address_checks_are_vm_compute_at_wasmd_prices() {
    let mut chain = localnet::Chain::new().unwrap();
    let code = chain.store_code(&artifact("price-feed")).unwrap();
    let owner = chain.addr_make("owner");
    let publishers: Vec<String> = (0..3)
        .map(|i| chain.addr_make(&format!("p{i}")).to_string())
        .collect();
    let msg = feed::InstantiateMsg {
        owner: None,
        publishers,
        max_future_secs: None,
    };
    let (_, tx) = chain.instantiate(code, &owner, &msg, &[], "feed").unwrap();
    // addr_validate costs 9 SDK gas (canonicalize 4 + humanize 5) inside the VM.
    assert!(tx.gas.vm_compute >= 3 * 9, "{:?}", tx.gas);
}

#[test]
fn gas_prints_its_total_and_non_zero_parts() {
    let g = Gas {
        instance_loads: 60_000,
        kv_reads: 1_114,
        ..Gas::default()
    };
    assert_eq!(g.to_string(), "61114 (instances 60000, kv_reads 1114)");
    assert_eq!(Gas::default().to_string(), "0");
}

#[test]
fn store_code_gas_is_the_compile_cost() {
    let wasm = scripted_wasm();
    let g = localnet::Chain::store_code_gas(&wasm);
    assert_eq!(g.compile, COMPILE_COST_PER_BYTE * wasm.len() as u64);
    assert_eq!(g.total(), g.compile);
}

#[test]
fn the_kv_trace_lists_every_store_access_with_its_gas() {
    let (mut chain, _, [c], alice) = scripted_contracts(["c"]);
    let answer = ok(Response::new());
    let len = serde_json::to_vec(&answer).unwrap().len();
    // off by default: nothing is recorded
    chain.execute(&alice, &c, &answer, &[]).unwrap();
    assert_eq!(chain.take_kv_trace(), vec![]);

    chain.start_kv_trace();
    let tx = chain.execute(&alice, &c, &answer, &[]).unwrap();
    let trace = chain.take_kv_trace();
    let read = KV_READ_FLAT + KV_READ_PER_BYTE * (33 + 5);
    let write = KV_WRITE_FLAT + KV_WRITE_PER_BYTE * (33 + 4 + len as u64);
    let access = |op, key: &str, value_len, gas| localnet::KvAccess {
        contract: c.to_string(),
        op,
        key: key.as_bytes().to_vec(),
        value_len,
        gas,
    };
    assert_eq!(
        trace,
        vec![
            access(localnet::KvOp::Write, "last", len, write),
            access(localnet::KvOp::Read, "query", 0, read),
        ]
    );
    assert_eq!(tx.gas.kv_total(), read + write);
    // taken: recording stopped
    chain.execute(&alice, &c, &answer, &[]).unwrap();
    assert_eq!(chain.take_kv_trace(), vec![]);
}

#[test]
fn the_kv_trace_records_a_raw_query_as_a_read_of_the_queried_store() {
    let (mut chain, code, [target], alice) = scripted_contracts(["target"]);
    let answer = ok(Response::new());
    let len = serde_json::to_vec(&answer).unwrap().len();
    chain.execute(&alice, &target, &answer, &[]).unwrap();
    let request =
        cosmwasm_std::QueryRequest::<cosmwasm_std::Empty>::Wasm(cosmwasm_std::WasmQuery::Raw {
            contract_addr: target.to_string(),
            key: b"last".to_vec().into(),
        });
    let creator = chain.addr_make("creator");
    let (reader, _) = chain
        .instantiate(code, &creator, &request, &[], "reader")
        .unwrap();
    chain.start_kv_trace();
    chain.execute(&alice, &reader, &answer, &[]).unwrap();
    let trace = chain.take_kv_trace();
    let raw: Vec<_> = trace
        .iter()
        .filter(|a| a.contract == target.as_str())
        .collect();
    assert_eq!(
        raw,
        vec![&localnet::KvAccess {
            contract: target.to_string(),
            op: localnet::KvOp::Read,
            key: b"last".to_vec(),
            value_len: len,
            gas: KV_READ_FLAT + KV_READ_PER_BYTE * (33 + 4 + len as u64),
        }]
    );
    assert!(trace.iter().any(|a| a.contract == reader.as_str()));
}
