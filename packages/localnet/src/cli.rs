//! The command line the two operator binaries share (`perps-deploy`, `perps-keeper`):
//! `--config FILE`, `--rpc URL`, a binary's own `--name VALUE` options, and the mnemonic read
//! from the environment variable the config names.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The parsed arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// `--config FILE`.
    pub config: PathBuf,
    /// `--rpc URL`, which replaces the config's `rpc`.
    pub rpc: Option<String>,
    /// The values of the binary's own options, by name (`"--max-steps"`).
    pub options: BTreeMap<&'static str, String>,
}

/// Parses `args` (without the program name). `options` are the binary's own `--name VALUE`
/// options besides `--config` and `--rpc`. With `help`, `--help`/`-h` where an option may stand
/// answers `Ok(None)` (print `usage`); without it, they are options like any other. A missing
/// value or `--config`, or an unknown option, is an error carrying `usage`.
pub fn parse(
    args: &[String],
    usage: &str,
    options: &[&'static str],
    help: bool,
) -> Result<Option<Args>, String> {
    let (mut config, mut rpc, mut values) = (None, None, BTreeMap::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if help && (a == "--help" || a == "-h") {
            return Ok(None);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{a} needs a value\n{usage}"))?;
        match a.as_str() {
            "--config" => config = Some(PathBuf::from(value)),
            "--rpc" => rpc = Some(value.clone()),
            _ => match options.iter().find(|o| **o == a.as_str()) {
                Some(name) => {
                    values.insert(*name, value.clone());
                }
                None => return Err(format!("unknown argument {a}\n{usage}")),
            },
        }
    }
    Ok(Some(Args {
        config: config.ok_or_else(|| usage.to_string())?,
        rpc,
        options: values,
    }))
}

/// The mnemonic in the environment variable `var`; the error names the variable and `whose`
/// mnemonic it should hold (`"the deployer's"`).
pub fn mnemonic(var: &str, whose: &str) -> Result<String, String> {
    std::env::var(var).map_err(|_| format!("set {var} to {whose} mnemonic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_config_rpc_and_own_options() {
        let parsed = parse(
            &args(&[
                "--rpc",
                "http://n",
                "--max-steps",
                "3",
                "--config",
                "d.toml",
            ]),
            "usage",
            &["--max-steps"],
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(parsed.config, PathBuf::from("d.toml"));
        assert_eq!(parsed.rpc.as_deref(), Some("http://n"));
        assert_eq!(parsed.options["--max-steps"], "3");
    }

    #[test]
    fn refusals_carry_the_usage() {
        let refused = |list: &[&str], help: bool| parse(&args(list), "U", &[], help).unwrap_err();
        assert_eq!(refused(&["--config"], false), "--config needs a value\nU");
        assert_eq!(refused(&["--x", "1"], false), "unknown argument --x\nU");
        assert_eq!(refused(&["--rpc", "r"], false), "U");
        assert_eq!(
            refused(&["--help", "1"], false),
            "unknown argument --help\nU"
        );
        assert_eq!(parse(&args(&["-h"]), "U", &[], true), Ok(None));
    }
}
