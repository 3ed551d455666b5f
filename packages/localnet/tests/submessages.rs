//! Submessages: replies on success, error and always, sub-tree reverts, data, gas limits.

use cosmwasm_std::{from_json, Binary, Reply, ReplyOn, Response, SubMsgResult, WasmMsg};
use localnet::ChainError;

use crate::harness::*;

fn reply_of(chain: &localnet::Chain, contract: &cosmwasm_std::Addr) -> Option<Reply> {
    stored(chain, contract, "reply").map(|r| from_json(r.as_bytes()).unwrap())
}

#[test]
fn reply_on_success_gets_events_msg_responses_and_gas() {
    let (mut chain, _, [a, b], alice) = scripted_contracts(["a", "b"]);
    let inner = ok(Response::new()
        .add_attribute("who", "b")
        .set_data(Binary::from(b"bd".to_vec())));
    let answer =
        ok(Response::new().add_submessage(sub(1, exec_msg(&b, &inner, vec![]), ReplyOn::Success)));
    let tx = chain.execute(&alice, &a, &answer, &[]).unwrap();

    let reply = reply_of(&chain, &a).unwrap();
    assert_eq!(reply.id, 1);
    assert_eq!(reply.payload, Binary::from(b"pl".to_vec()));
    assert!(reply.gas_used > 60_000, "gas_used {}", reply.gas_used);
    let SubMsgResult::Ok(response) = reply.result else {
        panic!("expected ok")
    };
    let types: Vec<&str> = response.events.iter().map(|e| e.ty.as_str()).collect();
    assert_eq!(types, ["execute", "wasm"]);
    assert_eq!(response.msg_responses.len(), 1);
    assert_eq!(
        response.msg_responses[0].type_url,
        "/cosmwasm.wasm.v1.MsgExecuteContractResponse"
    );
    // protobuf: field 1, length 2, "bd"
    assert_eq!(
        response.msg_responses[0].value,
        Binary::from(vec![0x0a, 2, b'b', b'd'])
    );
    // The parent's data stays (reply 1 returns none); b's events come before a's reply event.
    assert_eq!(tx.data, None);
    let types: Vec<&str> = tx.events.iter().map(|e| e.ty.as_str()).collect();
    assert_eq!(types, ["execute", "execute", "wasm", "reply"]);
    assert_eq!(
        stored(&chain, &b, "last").unwrap(),
        serde_json::to_string(&inner).unwrap()
    );
}

#[test]
fn reply_data_replaces_the_response_data() {
    let (mut chain, _, [a, b], alice) = scripted_contracts(["a", "b"]);
    let answer = ok(Response::new()
        .set_data(Binary::from(b"mine".to_vec()))
        .add_submessage(sub(
            2,
            exec_msg(&b, &ok(Response::new()), vec![]),
            ReplyOn::Always,
        )));
    let tx = chain.execute(&alice, &a, &answer, &[]).unwrap();
    assert_eq!(tx.data, Some(Binary::from(b"replied".to_vec())));
}

#[test]
fn reply_on_error_reverts_only_the_failed_subtree() {
    let (mut chain, _, [a, b, c], alice) = scripted_contracts(["a", "b", "c"]);
    let bob = chain.addr_make("bob");
    chain.mint(&b, &[coin(100, DENOM)]).unwrap();
    let b_before = snapshot(&chain, &[&b, &c, &bob]);
    // b pays bob, writes its state, then c fails: all of b's sub-tree must revert.
    let b_answer = ok(Response::new()
        .add_message(send_msg(bob.as_str(), 40))
        .add_message(exec_msg(&c, &fail("c fails"), vec![])));
    let answer = ok(Response::new()
        .add_attribute("a", "kept")
        .add_submessage(sub(7, exec_msg(&b, &b_answer, vec![]), ReplyOn::Error)));
    let tx = chain.execute(&alice, &a, &answer, &[]).unwrap();

    assert_eq!(snapshot(&chain, &[&b, &c, &bob]), b_before);
    assert_eq!(
        stored(&chain, &a, "last").unwrap(),
        serde_json::to_string(&answer).unwrap()
    );
    let reply = reply_of(&chain, &a).unwrap();
    assert_eq!(reply.id, 7);
    assert_eq!(
        reply.result,
        SubMsgResult::Err("codespace: wasm, code: 5".to_string())
    );
    // The failed sub-tree's events are dropped.
    let types: Vec<&str> = tx.events.iter().map(|e| e.ty.as_str()).collect();
    assert_eq!(types, ["execute", "wasm", "reply"]);
}

#[test]
fn reply_on_error_is_not_called_on_success_and_never_propagates_errors() {
    let (mut chain, _, [a, b], alice) = scripted_contracts(["a", "b"]);
    let answer = ok(Response::new().add_submessage(sub(
        1,
        exec_msg(&b, &ok(Response::new()), vec![]),
        ReplyOn::Error,
    )));
    chain.execute(&alice, &a, &answer, &[]).unwrap();
    assert_eq!(reply_of(&chain, &a), None);

    let before = snapshot(&chain, &[&a, &b]);
    for reply_on in [ReplyOn::Never, ReplyOn::Success] {
        let answer =
            ok(Response::new().add_submessage(sub(1, exec_msg(&b, &fail("no"), vec![]), reply_on)));
        let err = chain.execute(&alice, &a, &answer, &[]).unwrap_err();
        assert_eq!(contract_error(&err), "no");
        assert_eq!(snapshot(&chain, &[&a, &b]), before);
    }
}

#[test]
fn a_failing_reply_fails_the_transaction() {
    let (mut chain, _, [a, b], alice) = scripted_contracts(["a", "b"]);
    let before = snapshot(&chain, &[&a, &b]);
    let answer = ok(Response::new().add_submessage(sub(
        3,
        exec_msg(&b, &ok(Response::new()), vec![]),
        ReplyOn::Success,
    )));
    let err = chain.execute(&alice, &a, &answer, &[]).unwrap_err();
    assert_eq!(contract_error(&err), "reply failed");
    assert!(matches!(
        err.error,
        ChainError::Contract {
            entry_point: "reply",
            ..
        }
    ));
    assert_eq!(snapshot(&chain, &[&a, &b]), before);
}

#[test]
fn contracts_instantiate_contracts() {
    let (mut chain, code, [a], alice) = scripted_contracts(["a"]);
    chain.mint(&a, &[coin(10, DENOM)]).unwrap();
    let msg = WasmMsg::Instantiate {
        admin: None,
        code_id: code,
        msg: Binary::from(b"null".to_vec()),
        funds: vec![coin(10, DENOM)],
        label: "child".to_string(),
    };
    let answer = ok(Response::new().add_submessage(sub(1, msg.into(), ReplyOn::Success)));
    let tx = chain.execute(&alice, &a, &answer, &[]).unwrap();
    let child =
        cosmwasm_std::Addr::unchecked(tx.attribute("instantiate", "_contract_address").unwrap());
    assert_eq!(
        chain.contract_info(&child),
        Some((code, "child".to_string()))
    );
    assert_eq!(chain.balance(&child, DENOM), uusd(10));
    assert_eq!(chain.balance(&a, DENOM), uusd(0));
    let SubMsgResult::Ok(response) = reply_of(&chain, &a).unwrap().result else {
        panic!("expected ok")
    };
    let mut proto = vec![0x0a, child.as_str().len() as u8];
    proto.extend_from_slice(child.as_str().as_bytes());
    assert_eq!(response.msg_responses[0].value, Binary::from(proto));
}

#[test]
fn submessage_gas_limit_is_catchable_but_the_transaction_limit_is_not() {
    let (mut chain, _, [a, b], alice) = scripted_contracts(["a", "b"]);
    let mut limited = sub(
        4,
        exec_msg(&b, &ok(Response::new()), vec![]),
        ReplyOn::Error,
    );
    // Out of gas at the instance load, and inside the VM at b's first write.
    for limit in [1_000, 60_500] {
        limited.gas_limit = Some(limit);
        let answer = ok(Response::new().add_submessage(limited.clone()));
        chain.execute(&alice, &a, &answer, &[]).unwrap();
        let reply = reply_of(&chain, &a).unwrap();
        assert_eq!(
            reply.result,
            SubMsgResult::Err("codespace: sdk, code: 11".to_string())
        );
        assert!(reply.gas_used >= limit, "{} < {limit}", reply.gas_used);
        assert_eq!(stored(&chain, &b, "last"), None);
    }
    limited.gas_limit = Some(1_000);
    limited.reply_on = ReplyOn::Never;
    let err = chain
        .execute(
            &alice,
            &a,
            &ok(Response::new().add_submessage(limited)),
            &[],
        )
        .unwrap_err();
    assert!(
        matches!(err.error, ChainError::SubMsgOutOfGas { limit: 1_000, .. }),
        "{err}"
    );

    // Out of the transaction's own gas: the reply cannot catch it.
    let (mut small, _, [a, b], _) = scripted_contracts_limited(150_000, ["a", "b"]);
    let three = ok(Response::new()
        .add_submessage(sub(
            5,
            exec_msg(&b, &ok(Response::new()), vec![]),
            ReplyOn::Error,
        ))
        .add_submessage(sub(
            6,
            exec_msg(&b, &ok(Response::new()), vec![]),
            ReplyOn::Error,
        )));
    let before = snapshot(&small, &[&a, &b]);
    let err = small.execute(&alice, &a, &three, &[]).unwrap_err();
    assert!(
        matches!(err.error, ChainError::OutOfGas { limit: 150_000, .. }),
        "{err}"
    );
    assert_eq!(snapshot(&small, &[&a, &b]), before);
}
