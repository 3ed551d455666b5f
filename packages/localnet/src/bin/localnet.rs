//! `localnet serve --genesis FILE [--rpc 127.0.0.1:26657] [--state FILE]`: the local chain as a
//! node (CometBFT JSON-RPC, Cosmos SDK transactions). Prints `rpc http://ADDR` once it listens;
//! SIGINT or SIGTERM stop it cleanly (the state is saved with `--state`).
//!
//! `localnet genesis --out FILE [--chain-id ID] [--prefix P] [--fee-denom D] [--min-gas-price X]
//! [--block-time-ms N] [--accounts N] [--coins 1000uusdc,5ustake]`: a genesis whose accounts
//! are the first N of the mnemonic in `$LOCALNET_MNEMONIC` (HD path m/44'/118'/0'/0/i).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use localnet::client::Wallet;
use localnet::node::genesis::GenesisCoin;
use localnet::node::{serve, Genesis, GenesisAccount, ServeOptions};

const USAGE: &str = "usage:
  localnet serve --genesis FILE [--rpc 127.0.0.1:26657] [--state FILE]
  localnet genesis --out FILE [--chain-id ID] [--prefix P] [--fee-denom D] [--min-gas-price X]
                   [--block-time-ms N] [--accounts N] [--coins 1000000000uusdc,...]
                   (accounts from the mnemonic in $LOCALNET_MNEMONIC)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => run_serve(&args[1..]),
        Some("genesis") => run_genesis(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("localnet: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` pairs.
fn flags(args: &[String], known: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let name = a
            .strip_prefix("--")
            .filter(|n| known.contains(n))
            .ok_or_else(|| format!("unknown argument {a}\n{USAGE}"))?;
        let value = it
            .next()
            .ok_or_else(|| format!("--{name} needs a value\n{USAGE}"))?;
        out.push((name.to_string(), value.clone()));
    }
    Ok(out)
}

fn get<'a>(flags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn run_serve(args: &[String]) -> Result<(), String> {
    let f = flags(args, &["genesis", "rpc", "state"])?;
    let genesis_path =
        get(&f, "genesis").ok_or_else(|| format!("--genesis is required\n{USAGE}"))?;
    let genesis = Genesis::load(std::path::Path::new(genesis_path))?;
    let rpc = get(&f, "rpc")
        .map(|a| a.parse().map_err(|e| format!("--rpc {a}: {e}")))
        .transpose()?;
    let state = get(&f, "state").map(PathBuf::from);
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).map_err(|e| e.to_string())?;
    }
    let chain_id = genesis.chain_id.clone();
    let server = serve(ServeOptions {
        genesis,
        rpc,
        state,
    })?;
    println!("rpc http://{} chain-id {chain_id}", server.addr());
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server.shutdown()?;
    println!("stopped");
    Ok(())
}

fn run_genesis(args: &[String]) -> Result<(), String> {
    let f = flags(
        args,
        &[
            "out",
            "chain-id",
            "prefix",
            "fee-denom",
            "min-gas-price",
            "block-time-ms",
            "accounts",
            "coins",
        ],
    )?;
    let out = get(&f, "out").ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    let mnemonic = std::env::var("LOCALNET_MNEMONIC")
        .map_err(|_| "set LOCALNET_MNEMONIC to the accounts' mnemonic".to_string())?;
    let prefix = get(&f, "prefix").unwrap_or("wasm").to_string();
    let fee_denom = get(&f, "fee-denom").unwrap_or("uusdc").to_string();
    let count: u32 = get(&f, "accounts")
        .unwrap_or("5")
        .parse()
        .map_err(|e| format!("--accounts: {e}"))?;
    let coins_arg = get(&f, "coins")
        .map(str::to_string)
        .unwrap_or_else(|| format!("1000000000000{fee_denom}"));
    let coins = parse_coins(&coins_arg)?;
    let mut accounts = Vec::new();
    for i in 0..count {
        let wallet = Wallet::from_mnemonic(&mnemonic, i, &prefix).map_err(|e| e.to_string())?;
        accounts.push(GenesisAccount {
            address: wallet.address().to_string(),
            coins: coins.clone(),
        });
    }
    let genesis = Genesis {
        chain_id: get(&f, "chain-id").unwrap_or("localnet-1").to_string(),
        bech32_prefix: prefix,
        fee_denom,
        min_gas_price: get(&f, "min-gas-price")
            .unwrap_or("0.025")
            .parse()
            .map_err(|e| format!("--min-gas-price: {e}"))?,
        block_time_ms: get(&f, "block-time-ms")
            .unwrap_or("1000")
            .parse()
            .map_err(|e| format!("--block-time-ms: {e}"))?,
        accounts,
    };
    genesis.check()?;
    let text = serde_json::to_string_pretty(&genesis).map_err(|e| e.to_string())?;
    std::fs::write(out, text + "\n").map_err(|e| format!("cannot write {out}: {e}"))?;
    for a in &genesis.accounts {
        println!("{}", a.address);
    }
    Ok(())
}

/// `1000uusdc,5ustake`.
fn parse_coins(s: &str) -> Result<Vec<GenesisCoin>, String> {
    s.split(',')
        .map(|c| {
            let c = c.trim();
            let split = c
                .find(|ch: char| !ch.is_ascii_digit())
                .ok_or_else(|| format!("coin {c:?} has no denom"))?;
            let (amount, denom) = c.split_at(split);
            Ok(GenesisCoin {
                denom: denom.to_string(),
                amount: amount.parse().map_err(|e| format!("coin {c:?}: {e}"))?,
            })
        })
        .collect()
}
