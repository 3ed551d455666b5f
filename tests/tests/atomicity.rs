//! On the chain, a rejected transaction changes nothing: every store of the three contracts and
//! every balance are the same before and after, while the chain still reports the gas it used.

use perps_e2e::{Backend, Protocol, Setup, WasmBackend, USDC};

use crate::compare::wasm;

type State = Vec<(std::collections::BTreeMap<Vec<u8>, Vec<u8>>, u128)>;

fn state(p: &Protocol<WasmBackend>, users: &[&cosmwasm_std::Addr]) -> State {
    let contracts = [&p.feed, &p.fund, &p.engine];
    contracts
        .iter()
        .chain(users.iter())
        .map(|a| {
            (
                p.backend.chain.dump_storage(a),
                p.backend.balance(a, perps_e2e::DENOM),
            )
        })
        .collect()
}

#[test]
fn rejected_transactions_change_no_store_and_no_balance() {
    let mut p = wasm(&Setup::default());
    let alice = p.user("alice", 2_000 * USDC).unwrap();
    let keeper = p.user("keeper", 0).unwrap();
    p.deposit(&alice, 1_000 * USDC).unwrap();
    p.trade(&alice, "BTC", "0.1").unwrap();
    let before = state(&p, &[&alice, &keeper]);

    // Too large for the margin, with funds attached (they must come back too).
    let engine = p.engine.clone();
    let err = p
        .exec(
            &alice,
            &engine,
            &perps_api::perps::ExecuteMsg::Trade {
                market_id: "BTC".into(),
                size_delta: perps_e2e::protocol::sdec("1"),
                acceptable_price: None,
                mode: None,
            },
            &perps_e2e::protocol::usdc(500 * USDC),
        )
        .unwrap_err();
    assert!(err.error.contains("insufficient margin"), "{}", err.error);
    assert!(err.gas.is_some_and(|g| g.total() > 0));
    assert_eq!(state(&p, &[&alice, &keeper]), before);

    let err = p.liquidate(&keeper, &alice).unwrap_err();
    assert!(err.error.contains("healthy"), "{}", err.error);
    let err = p.withdraw(&alice, 1_000 * USDC).unwrap_err();
    assert!(err.error.contains("free collateral"), "{}", err.error);
    assert_eq!(state(&p, &[&alice, &keeper]), before);
}
