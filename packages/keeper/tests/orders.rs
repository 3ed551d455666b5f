//! Deferred execution (DESIGN 6.11): market orders placed by `trade` wait for a price record
//! accepted in a later block; the keeper executes every one of them at that first newer price.

use std::time::Duration;

use cosmwasm_std::{Decimal256, Uint128};
use localnet::client::{Signer, Wallet};
use perps_api::perps::{
    AccountResponse, ConfigResponse, ExecuteMsg, LpPositionResponse, QueryMsg, VaultResponse,
};
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
    lp_orders_are_executed_at_their_first_newer_price(&net, &k);
    assert_no_failures(&k, "execute_orders");
    k.shutdown();
    net.check_invariants();
    net.finish();
}

fn vault(net: &Net) -> VaultResponse {
    net.client.smart(&net.perps, &QueryMsg::Vault {}).unwrap()
}

fn lp_shares(net: &Net, who: &str) -> Uint128 {
    let p: LpPositionResponse = net
        .client
        .smart(
            &net.perps,
            &QueryMsg::LpPosition {
                address: who.to_string(),
            },
        )
        .unwrap();
    p.shares
}

/// The one `order_lp_executed` event of `kind` on the chain.
fn lp_executed(net: &Net, kind: &str) -> std::collections::BTreeMap<String, String> {
    let find = || events_where(net.addr, "wasm-order_lp_executed", "kind", kind);
    // a transaction is searchable once its block closed
    wait_until(Duration::from_secs(10), || !find().is_empty());
    let mut ev = find();
    assert_eq!(ev.len(), 1, "{kind}: {ev:?}");
    ev.remove(0)
}

/// With the 20 longs open (K = 1 BTC at 60,100; no impact, no funding, so V moves by exactly
/// 1 BTC × the price move), trader 0 provides 500 USDC and later claims the shares it got: each
/// is an order (BTC is deferred) that waits for the first record of a later block, and the keeper
/// executes it at the worse share price for the LP: the provide mints at 59,000 (V higher than at
/// the request), the claim pays at 61,000 (V lower than at the request and at the claim).
fn lp_orders_are_executed_at_their_first_newer_price(net: &Net, k: &perps_keeper::Keeper) {
    let before = k.metrics.orders_executed.get();
    // a keeper fee of 0.5 USDC (the deployment pays none), no LP withdrawal delay
    let update =
        json!({ "update_config": { "lp_withdraw_delay_secs": 0, "keeper_fee": "500000" } });
    net.owner_exec(&net.perps, &update, &[]);
    let cfg: ConfigResponse = net.client.smart(&net.perps, &QueryMsg::Config {}).unwrap();
    let fee = cfg.keeper_fee.u128();
    assert_eq!(fee, 500_000);
    let lp = &net.traders[0].address;
    let wallet = Wallet::from_mnemonic(MNEMONIC, 1000, PREFIX).unwrap();
    let signer = Signer::new(&net.client, wallet, "0.025uusdc").unwrap();
    let v0 = vault(net);
    let (v0_equity, t0) = (v0.equity.i128() as u128, v0.total_shares.u128());
    let funds = 500 * USDC;
    let out = signer
        .execute(&net.perps, &ExecuteMsg::ProvideLiquidity {}, &[coin(funds)])
        .unwrap();
    assert_eq!(out.code, 0, "{}", out.log);
    assert_eq!(
        lp_shares(net, lp),
        Uint128::zero(),
        "the provide is an order"
    );
    // V at 59,000: +1,100 USDC. The request's share price (V0) is the lower: it mints at V_exec.
    net.publish("59000");
    assert!(wait_until(Duration::from_secs(30), || !lp_shares(net, lp).is_zero()));
    let amount = funds - fee;
    let v_exec = v0_equity + 1_100 * USDC;
    let minted = amount * t0 / v_exec;
    assert!(minted < amount * t0 / v0_equity);
    assert_eq!(lp_shares(net, lp).u128(), minted);
    let e = lp_executed(net, "provide");
    assert_eq!(
        (
            e["amount"].as_str(),
            e["shares"].as_str(),
            e["keeper_fee"].as_str()
        ),
        (
            amount.to_string().as_str(),
            minted.to_string().as_str(),
            fee.to_string().as_str()
        )
    );
    assert_eq!(vault(net).equity.i128() as u128, v_exec + amount);

    // The claim: requested and claimed at 59,000, executed at the next record, 61,000 (V falls
    // by 2,000 USDC): it pays the shares' value there, the keeper fee out of it.
    let t1 = t0 + minted;
    let shares = json!({ "withdraw_liquidity": { "shares": minted.to_string() } });
    assert_eq!(signer.execute(&net.perps, &shares, &[]).unwrap().code, 0);
    let out = signer
        .execute(&net.perps, &ExecuteMsg::ClaimLiquidity {}, &[])
        .unwrap();
    assert_eq!(out.code, 0, "{}", out.log);
    let cash = vault(net).cash.i128();
    net.publish("61000");
    let claimed = || !events_where(net.addr, "wasm-order_lp_executed", "kind", "claim").is_empty();
    assert!(wait_until(Duration::from_secs(30), claimed));
    assert_eq!(lp_shares(net, lp), Uint128::zero());
    let gross = minted * (v_exec + amount - 2_000 * USDC) / t1;
    assert!(gross < minted * (v_exec + amount) / t1);
    let e = lp_executed(net, "claim");
    assert_eq!(
        (
            e["amount"].as_str(),
            e["shares"].as_str(),
            e["keeper_fee"].as_str()
        ),
        (
            (gross - fee).to_string().as_str(),
            minted.to_string().as_str(),
            fee.to_string().as_str()
        )
    );
    let keeper = Wallet::from_mnemonic(MNEMONIC, KEEPER_A + 1, PREFIX).unwrap();
    assert_eq!(e["keeper"], keeper.address().to_string());
    assert_eq!(cash - vault(net).cash.i128(), gross as i128);
    assert!(wait_until(Duration::from_secs(10), || k
        .metrics
        .lp_orders_executed
        .get()
        == 2));
    assert_eq!(k.metrics.orders_executed.get(), before + 2);
}
