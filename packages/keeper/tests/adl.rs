//! Auto-deleveraging (DESIGN 6.10): the vault's equity falls below its trigger; the keeper runs
//! `auto_deleverage` until the ratio is restored, the positions taken in `adl_ranking` order.

use std::time::Duration;

use perps_api::perps::{QueryMsg, VaultResponse};
use serde_json::{json, Value};

use crate::support::*;

fn ranking(net: &Net) -> Vec<String> {
    let v: Value = net
        .client
        .smart(
            &net.perps,
            &json!({ "adl_ranking": { "market_id": "BTC", "limit": 30 } }),
        )
        .unwrap();
    v["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["address"].as_str().unwrap().to_string())
        .collect()
}

fn deleveraged(net: &Net) -> Vec<String> {
    let (status, body) = http_get(
        net.addr,
        "/tx_search?query=%22wasm-auto_deleverage.market_id%3D%27BTC%27%22&per_page=100",
    );
    assert_eq!(status, 200);
    let v = json_of(&body);
    let mut out = Vec::new();
    for tx in v["result"]["txs"].as_array().unwrap() {
        for e in tx["tx_result"]["events"].as_array().unwrap() {
            if e["type"] == "wasm-auto_deleverage" {
                let a = e["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["key"] == "account")
                    .unwrap();
                out.push(a["value"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn the_keeper_deleverages_in_rank_order_when_the_vault_runs_low() {
    if !engine_has_query(json!({ "adl_ranking": { "market_id": "BTC" } })) {
        eprintln!("skipped: this engine has no auto-deleveraging (adl_ranking / auto_deleverage)");
        return;
    }
    let net = Net::start_with("adl", 300, 20, false, "immediate", 200_000);
    net.open_positions(|_| "0.15");
    // the longs double their money: the vault (200,000) owes them 195,000
    net.publish("125000");
    let vault: VaultResponse = net.client.smart(&net.perps, &QueryMsg::Vault {}).unwrap();
    let skew_value = 3 * 125_000 * USDC as i128;
    assert!(
        vault.equity.i128() < skew_value / 20,
        "vault equity {} is above 5 % of the skew",
        vault.equity
    );
    let order = ranking(&net);
    assert_eq!(order.len(), 20);

    let mut cfg = net.keeper_config(KEEPER_A);
    cfg.auto_deleverage.enabled = true;
    cfg.auto_deleverage.account = KEEPER_A + 2;
    cfg.auto_deleverage.interval_ms = 200;
    let k = perps_keeper::start(&cfg, MNEMONIC).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || k
            .metrics
            .positions_deleveraged
            .get()
            > 0),
        "nothing deleveraged"
    );
    // until the ratio holds again
    assert!(wait_until(Duration::from_secs(30), || {
        let v: VaultResponse = net.client.smart(&net.perps, &QueryMsg::Vault {}).unwrap();
        let m: perps_api::perps::MarketResponse = net
            .client
            .smart(
                &net.perps,
                &QueryMsg::Market {
                    market_id: "BTC".into(),
                },
            )
            .unwrap();
        let k_value = m
            .state
            .long_oi
            .checked_mul("125000".parse().unwrap())
            .unwrap();
        let k_value = cosmwasm_std::Uint128::try_from(k_value.to_uint_floor())
            .unwrap()
            .u128() as i128
            * USDC as i128;
        v.equity.i128() >= k_value / 20
    }));
    std::thread::sleep(Duration::from_secs(1));
    let done = deleveraged(&net);
    eprintln!("deleveraged {} positions: {done:?}", done.len());
    assert_eq!(done.len() as u64, k.metrics.positions_deleveraged.get());
    // in rank order: a prefix of the ranking taken before
    let mut seen: Vec<String> = Vec::new();
    for a in &done {
        if seen.last() != Some(a) {
            seen.push(a.clone());
        }
    }
    assert_eq!(seen, order[..seen.len()].to_vec());
    assert_no_failures(&k, "auto_deleverage");
    k.shutdown();
    net.check_invariants();
    net.finish();
}
