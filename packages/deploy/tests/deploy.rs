//! perps-deploy against `localnet serve`: from scratch in two runs (stopped halfway, resumed),
//! and again with a lost state file (codes found on chain by checksum, not stored twice).

use std::path::PathBuf;

use cosmwasm_std::Uint256;
use localnet::client::{Client, Wallet};
use localnet::node::genesis::GenesisCoin;
use localnet::node::{serve, Genesis, GenesisAccount, ServeOptions};
use perps_deploy::{deploy, DeployConfig, DeployState, Outcome};
use serde_json::{json, Value};

const MNEMONIC: &str = "notice oak worry limit wrap speak medal online prefer cluster roof addict wrist behave treat actual wasp year salad speed social layer crew genius";

fn config(rpc: &str, state: PathBuf) -> DeployConfig {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy.example.toml");
    let mut config = DeployConfig::load(&path).unwrap();
    config.rpc = rpc.to_string();
    config.state = state;
    config
}

fn complete(outcome: Outcome) -> DeployState {
    match outcome {
        Outcome::Complete(s) => s,
        Outcome::Stopped(s) => panic!("stopped early: {s:?}"),
    }
}

#[test]
fn deploys_from_scratch_resumes_after_a_stop_and_skips_stored_code() {
    let owner = Wallet::from_mnemonic(MNEMONIC, 0, "wasm").unwrap();
    let owner = owner.address().to_string();
    let genesis = Genesis {
        chain_id: "deploy-1".into(),
        bech32_prefix: "wasm".into(),
        fee_denom: "uusdc".into(),
        min_gas_price: "0.025".parse().unwrap(),
        block_time_ms: 100,
        accounts: vec![GenesisAccount {
            address: owner.clone(),
            coins: vec![GenesisCoin {
                denom: "uusdc".into(),
                amount: Uint256::from(10_000_000_000_000u128),
            }],
        }],
    };
    let server = serve(ServeOptions {
        genesis,
        rpc: Some("127.0.0.1:0".parse().unwrap()),
        state: None,
    })
    .unwrap();
    let rpc = format!("http://{}", server.addr());
    let dir = std::env::temp_dir().join(format!("perps-deploy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state_path = dir.join("state.json");
    let cfg = config(&rpc, state_path.clone());

    // halfway: three codes and the first contract
    let stopped = match deploy(&cfg, MNEMONIC, Some(4)).unwrap() {
        Outcome::Stopped(s) => s,
        Outcome::Complete(_) => panic!("four steps cannot finish the deploy"),
    };
    assert_eq!(stopped.codes.len(), 3);
    assert_eq!(stopped.contracts.len(), 1);
    assert!(stopped.done.is_empty());
    let saved: DeployState = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    assert_eq!(saved, stopped);

    // resumed: the rest, nothing repeated
    let state = complete(deploy(&cfg, MNEMONIC, None).unwrap());
    assert_eq!(state.codes, stopped.codes);
    assert_eq!(
        state.contracts["price-feed"],
        stopped.contracts["price-feed"]
    );
    assert_eq!(
        state.done,
        [
            "add_engine",
            "add_feed:BTC",
            "add_feed:ETH",
            "add_market:BTC",
            "add_market:ETH"
        ]
    );
    let client = Client::connect(&rpc).unwrap();
    assert_eq!(client.codes().unwrap().len(), 3);
    for name in perps_deploy::CONTRACTS {
        let (code_id, admin) = client.contract_info(&state.contracts[name]).unwrap();
        assert_eq!(code_id, state.codes[name].code_id);
        assert_eq!(admin, owner, "the wasmd admin is the owner");
    }
    let fund: Value = client
        .smart(&state.contracts["insurance-fund"], &json!({ "config": {} }))
        .unwrap();
    assert_eq!(fund["engines"], json!([state.contracts["perps"]]));
    assert_eq!(fund["owner"], json!(owner));
    let market: Value = client
        .smart(
            &state.contracts["perps"],
            &json!({ "market": { "market_id": "ETH" } }),
        )
        .unwrap();
    assert_eq!(market["config"]["feed_id"], "ETH");
    let feeds: Value = client
        .smart(&state.contracts["price-feed"], &json!({ "feeds": {} }))
        .unwrap();
    assert_eq!(feeds["feeds"].as_array().unwrap().len(), 2);

    // a second run with the state is a no-op
    assert_eq!(complete(deploy(&cfg, MNEMONIC, Some(0)).unwrap()), state);

    // the state file lost: codes are found by checksum, new contracts instantiated
    std::fs::remove_file(&state_path).unwrap();
    let again = complete(deploy(&cfg, MNEMONIC, None).unwrap());
    assert_eq!(again.codes, state.codes);
    assert_eq!(client.codes().unwrap().len(), 3, "no code stored twice");
    assert_ne!(again.contracts["perps"], state.contracts["perps"]);

    drop(client);
    server.shutdown().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
