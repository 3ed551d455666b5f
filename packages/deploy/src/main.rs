//! `perps-deploy --config deploy.toml [--rpc URL] [--max-steps N]`: deploys (or resumes deploying) the perps
//! protocol to a node; prints the state (code ids, contract addresses) as JSON at the end.
//! The mnemonic comes from the environment variable named in the config (`PERPS_MNEMONIC`).

use std::path::PathBuf;
use std::process::ExitCode;

use perps_deploy::{deploy, DeployConfig, Outcome};

const USAGE: &str = "usage: perps-deploy --config FILE [--rpc URL] [--max-steps N]";

fn run() -> Result<bool, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = None;
    let mut max_steps = None;
    let mut rpc = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
        match a.as_str() {
            "--config" => config = Some(PathBuf::from(value)),
            "--rpc" => rpc = Some(value.clone()),
            "--max-steps" => {
                max_steps = Some(value.parse().map_err(|e| format!("--max-steps: {e}"))?)
            }
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    let mut config = DeployConfig::load(&config.ok_or_else(|| USAGE.to_string())?)?;
    if let Some(rpc) = rpc {
        config.rpc = rpc;
    }
    let mnemonic = std::env::var(&config.mnemonic_env)
        .map_err(|_| format!("set {} to the deployer's mnemonic", config.mnemonic_env))?;
    let (state, complete) = match deploy(&config, &mnemonic, max_steps)? {
        Outcome::Complete(s) => (s, true),
        Outcome::Stopped(s) => (s, false),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&state).map_err(|e| e.to_string())?
    );
    Ok(complete)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("perps-deploy: stopped before the end; run it again to resume");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("perps-deploy: {e}");
            ExitCode::FAILURE
        }
    }
}
