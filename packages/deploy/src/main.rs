//! `perps-deploy --config deploy.toml [--rpc URL] [--max-steps N]`: deploys (or resumes deploying) the perps
//! protocol to a node; prints the state (code ids, contract addresses) as JSON at the end.
//! The mnemonic comes from the environment variable named in the config (`PERPS_MNEMONIC`).

use std::process::ExitCode;

use localnet::cli;
use perps_deploy::{deploy, DeployConfig, Outcome};

const USAGE: &str = "usage: perps-deploy --config FILE [--rpc URL] [--max-steps N]";

fn run() -> Result<bool, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = cli::parse(&args, USAGE, &["--max-steps"], false)?.ok_or(USAGE)?;
    let max_steps = match args.options.get("--max-steps") {
        Some(v) => Some(v.parse().map_err(|e| format!("--max-steps: {e}"))?),
        None => None,
    };
    let mut config = DeployConfig::load(&args.config)?;
    if let Some(rpc) = args.rpc {
        config.rpc = rpc;
    }
    let mnemonic = cli::mnemonic(&config.mnemonic_env, "the deployer's")?;
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
