//! Deferred execution (DESIGN 6.11): market orders placed by `trade` wait for a price record
//! accepted in a later block; the keeper executes every one of them at that first newer price.

use std::time::Duration;

use cosmwasm_std::Decimal256;
use perps_api::perps::{AccountResponse, QueryMsg};
use serde_json::{json, Value};

use crate::support::*;

fn pending(net: &Net) -> usize {
    let v: Value = net
        .client
        .smart(&net.perps, &json!({ "pending_orders": { "limit": 30 } }))
        .unwrap();
    v["orders"].as_array().unwrap().len()
}

#[test]
fn pending_orders_are_executed_at_the_first_newer_price() {
    if !engine_has_query(json!({ "pending_orders": {} })) {
        eprintln!("skipped: this engine has no orders (pending_orders / execute_orders)");
        return;
    }
    let net = Net::start_with("orders", 300, 20, false, "deferred", 20_000_000);
    net.open_positions(|_| "0.05");
    assert_eq!(pending(&net), 20, "every trade placed a market order");
    let mut cfg = net.keeper_config(KEEPER_A);
    cfg.execute_orders.enabled = true;
    cfg.execute_orders.account = KEEPER_A + 1;
    cfg.execute_orders.interval_ms = 100;
    let k = perps_keeper::start(&cfg, MNEMONIC).unwrap();
    // no price record after the orders' block: nothing is ready, nothing is sent
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(pending(&net), 20);
    assert_eq!(k.metrics.orders_executed.get(), 0);
    assert_eq!(k.metrics.gas_of("execute_orders"), 0);

    net.publish("60100");
    assert!(
        wait_until(Duration::from_secs(30), || pending(&net) == 0),
        "{} orders still pending",
        pending(&net)
    );
    assert!(wait_until(Duration::from_secs(10), || k
        .metrics
        .orders_executed
        .get()
        == 20));
    let fill: Decimal256 = "60100".parse().unwrap();
    for t in &net.traders {
        let a: AccountResponse = net
            .client
            .smart(
                &net.perps,
                &QueryMsg::Account {
                    address: t.address.clone(),
                },
            )
            .unwrap();
        assert_eq!(a.positions.len(), 1, "{}", t.address);
        assert_eq!(a.positions[0].entry_price, fill, "{}", t.address);
        assert_eq!(
            a.positions[0].size,
            "0.05".parse::<cosmwasm_std::SignedDecimal256>().unwrap()
        );
    }
    assert_no_failures(&k, "execute_orders");
    k.shutdown();
    net.check_invariants();
    net.finish();
}
