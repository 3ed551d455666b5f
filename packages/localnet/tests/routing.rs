//! Store, instantiate, execute, events, data, funds and bank routing, and atomic failure.

use cosmwasm_std::{Attribute, Binary, Event, Response};
use localnet::{Chain, ChainError};

use crate::harness::*;

#[test]
fn store_code_checks_the_wasm_and_numbers_codes() {
    let mut chain = Chain::new().unwrap();
    let err = chain.store_code(b"\0asm not really").unwrap_err();
    assert!(matches!(err, ChainError::StoreCode(_)), "{err:?}");
    // A module without the contract exports (what a build without entry points produces).
    let empty = wat::parse_str("(module (memory (export \"memory\") 1))").unwrap();
    let err = chain.store_code(&empty).unwrap_err();
    assert!(matches!(err, ChainError::StoreCode(_)), "{err:?}");
    assert_eq!(chain.store_code(&scripted_wasm()).unwrap(), 1);
    assert_eq!(chain.store_code(&scripted_wasm()).unwrap(), 2);
}

#[test]
fn instantiate_gives_distinct_bech32_addresses_and_events() {
    let (mut chain, code) = scripted_chain();
    let creator = chain.addr_make("creator");
    let (a, tx) = chain
        .instantiate(code, &creator, &serde_json::Value::Null, &[], "a")
        .unwrap();
    let (b, _) = chain
        .instantiate(code, &creator, &serde_json::Value::Null, &[], "b")
        .unwrap();
    assert_ne!(a, b);
    assert!(a.as_str().starts_with("cosmwasm1"));
    assert_eq!(
        tx.attribute("instantiate", "_contract_address"),
        Some(a.as_str())
    );
    assert_eq!(tx.attribute("instantiate", "code_id"), Some("1"));
    assert_eq!(chain.contract_info(&b), Some((1, "b".to_string())));
}

#[test]
fn instantiate_rejects_unknown_code_and_empty_label() {
    let (mut chain, code) = scripted_chain();
    let creator = chain.addr_make("creator");
    let err = chain
        .instantiate(9, &creator, &serde_json::Value::Null, &[], "x")
        .unwrap_err();
    assert_eq!(err.error, ChainError::NoSuchCode(9));
    let err = chain
        .instantiate(code, &creator, &serde_json::Value::Null, &[], " ")
        .unwrap_err();
    assert!(matches!(err.error, ChainError::InvalidMessage(_)));
    // The failed instantiations left no contract and did not use up an instance number.
    let (addr, _) = chain
        .instantiate(code, &creator, &serde_json::Value::Null, &[], "x")
        .unwrap();
    let again = Chain::new().unwrap().addr_make("contract/1/1");
    assert_eq!(addr, again);
}

#[test]
fn execute_returns_data_events_and_writes_state() {
    let (mut chain, _, [c], alice) = scripted_contracts(["c"]);
    let answer = ok(Response::new()
        .add_attribute("action", "go")
        .add_event(Event::new("moved").add_attribute("n", "1"))
        .set_data(Binary::from(b"out".to_vec())));
    let tx = chain.execute(&alice, &c, &answer, &[]).unwrap();
    assert_eq!(tx.data, Some(Binary::from(b"out".to_vec())));
    let types: Vec<&str> = tx.events.iter().map(|e| e.ty.as_str()).collect();
    assert_eq!(types, ["execute", "wasm", "wasm-moved"]);
    assert_eq!(
        tx.events[1].attributes,
        vec![
            Attribute {
                key: "_contract_address".into(),
                value: c.to_string()
            },
            Attribute::new("action", "go")
        ]
    );
    assert_eq!(tx.attribute("wasm-moved", "n"), Some("1"));
    assert_eq!(
        stored(&chain, &c, "last").unwrap(),
        serde_json::to_string(&answer).unwrap()
    );
}

#[test]
fn contract_error_reverts_state_and_funds() {
    let (mut chain, c, alice) = one_contract_and_alice_with_1000();
    chain
        .execute(&alice, &c, &ok(Response::new()), &[])
        .unwrap();
    let before = snapshot(&chain, &[&c, &alice]);

    let err = chain
        .execute(&alice, &c, &fail("boom"), &[coin(300, DENOM)])
        .unwrap_err();
    assert_eq!(contract_error(&err), "boom");
    assert!(err.gas.total() > 0);
    assert_eq!(snapshot(&chain, &[&c, &alice]), before);
    assert_eq!(chain.balance(&alice, DENOM), uusd(1_000));
}

#[test]
fn funds_move_with_execute_and_bank_send_is_routed() {
    let (mut chain, c, alice) = one_contract_and_alice_with_1000();
    let bob = chain.addr_make("bob");
    let answer = ok(Response::new().add_message(send_msg(bob.as_str(), 120)));
    let tx = chain
        .execute(&alice, &c, &answer, &[coin(500, DENOM)])
        .unwrap();
    assert_eq!(chain.balance(&alice, DENOM), uusd(500));
    assert_eq!(chain.balance(&c, DENOM), uusd(380));
    assert_eq!(chain.balance(&bob, DENOM), uusd(120));
    let transfers: Vec<&Event> = tx.events_of("transfer").collect();
    assert_eq!(transfers.len(), 2);
    assert_eq!(tx.attribute("transfer", "amount"), Some("500uusd"));
    assert_eq!(transfers[1].attributes[0].value, bob.as_str());
}

#[test]
fn insufficient_funds_anywhere_reverts_the_whole_transaction() {
    let (mut chain, c, alice) = one_contract_and_alice_with_1000();
    let bob = chain.addr_make("bob");
    let before = snapshot(&chain, &[&c, &alice, &bob]);
    // The contract receives 500 and tries to send 501.
    let answer = ok(Response::new().add_message(send_msg(bob.as_str(), 501)));
    let err = chain
        .execute(&alice, &c, &answer, &[coin(500, DENOM)])
        .unwrap_err();
    assert_eq!(
        err.error,
        ChainError::InsufficientFunds {
            address: c.to_string(),
            denom: DENOM.to_string(),
            available: uusd(500),
            required: uusd(501),
        }
    );
    assert_eq!(snapshot(&chain, &[&c, &alice, &bob]), before);

    // Sending more than the sender holds fails before the contract runs.
    let err = chain
        .execute(&alice, &c, &ok(Response::new()), &[coin(1_001, DENOM)])
        .unwrap_err();
    assert!(matches!(err.error, ChainError::InsufficientFunds { .. }));
    assert_eq!(snapshot(&chain, &[&c, &alice, &bob]), before);
}

#[test]
fn invalid_coins_and_addresses_are_rejected() {
    let (mut chain, c, alice) = one_contract_and_alice_with_1000();
    let before = snapshot(&chain, &[&c, &alice]);
    let err = chain
        .execute(&alice, &c, &ok(Response::new()), &[coin(0, DENOM)])
        .unwrap_err();
    assert!(matches!(err.error, ChainError::InvalidMessage(_)));
    let bad = ok(Response::new().add_message(send_msg("cosmwasm1notanaddress", 1)));
    let err = chain
        .execute(&alice, &c, &bad, &[coin(5, DENOM)])
        .unwrap_err();
    assert!(
        matches!(err.error, ChainError::InvalidAddress { .. }),
        "{err}"
    );
    let mut reserved = Response::new();
    reserved.attributes.push(Attribute {
        key: "_secret".into(),
        value: "x".into(),
    });
    let reserved = ok(reserved);
    let err = chain.execute(&alice, &c, &reserved, &[]).unwrap_err();
    assert!(matches!(err.error, ChainError::InvalidMessage(_)));
    assert_eq!(snapshot(&chain, &[&c, &alice]), before);
}

#[test]
fn bank_send_transaction_and_mint() {
    let mut chain = Chain::new().unwrap();
    let alice = chain.addr_make("alice");
    let bob = chain.addr_make("bob");
    chain
        .mint(&alice, &[coin(70, "uatom"), coin(1_000, DENOM)])
        .unwrap();
    let tx = chain.send(&alice, &bob, &[coin(250, DENOM)]).unwrap();
    assert_eq!(
        chain.balances(&alice),
        vec![coin(70, "uatom"), coin(750, DENOM)]
    );
    assert_eq!(chain.balances(&bob), vec![coin(250, DENOM)]);
    assert!(tx.gas.kv_reads > 0 && tx.gas.kv_writes > 0);
    let err = chain.send(&bob, &alice, &[coin(251, DENOM)]).unwrap_err();
    assert!(matches!(err.error, ChainError::InsufficientFunds { .. }));
    assert_eq!(chain.balance(&bob, DENOM), uusd(250));
}

#[test]
fn blocks_advance_height_and_time() {
    let mut chain = Chain::new().unwrap();
    let start = chain.block();
    chain.next_block();
    chain.advance_blocks(9);
    assert_eq!(chain.block().height, start.height + 10);
    assert_eq!(chain.block().time, start.time.plus_seconds(50));
    chain.advance_time(3_600);
    assert_eq!(chain.block().height, start.height + 11);
    assert_eq!(chain.block().time, start.time.plus_seconds(3_650));
}
