//! `perps-keeper --config keeper.toml`: runs the keeper until SIGINT or SIGTERM. The mnemonic
//! comes from the environment variable named by `mnemonic_env` (default `KEEPER_MNEMONIC`).

use std::process::ExitCode;

use localnet::cli;
use perps_keeper::config::Config;

const USAGE: &str = "usage: perps-keeper --config FILE [--rpc URL]";

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(args) = cli::parse(&args, USAGE, &[], true)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut config = Config::load(&args.config)?;
    if let Some(rpc) = args.rpc {
        config.rpc = rpc;
    }
    let mnemonic = cli::mnemonic(&config.mnemonic_env, "the keeper's")?;
    let keeper = perps_keeper::start(&config, &mnemonic)?;
    drop(mnemonic);
    for (task, address) in keeper.addresses() {
        perps_keeper::log::info("keeper", &format!("{task} signs as {address}"));
    }
    let stop = keeper.stop_flag();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .map_err(|e| format!("cannot handle signal {signal}: {e}"))?;
    }
    keeper.wait();
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("perps-keeper: {e}");
            ExitCode::FAILURE
        }
    }
}
