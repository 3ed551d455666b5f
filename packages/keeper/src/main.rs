//! `perps-keeper --config keeper.toml`: runs the keeper until SIGINT or SIGTERM. The mnemonic
//! comes from the environment variable named by `mnemonic_env` (default `KEEPER_MNEMONIC`).

use std::path::PathBuf;
use std::process::ExitCode;

use perps_keeper::config::Config;

const USAGE: &str = "usage: perps-keeper --config FILE [--rpc URL]";

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = None;
    let mut rpc = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--help" || a == "-h" {
            println!("{USAGE}");
            return Ok(());
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
        match a.as_str() {
            "--config" => config = Some(PathBuf::from(value)),
            "--rpc" => rpc = Some(value.clone()),
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    let mut config = Config::load(&config.ok_or_else(|| USAGE.to_string())?)?;
    if let Some(rpc) = rpc {
        config.rpc = rpc;
    }
    let mnemonic = std::env::var(&config.mnemonic_env)
        .map_err(|_| format!("set {} to the keeper's mnemonic", config.mnemonic_env))?;
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
