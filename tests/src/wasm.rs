//! The local chain (`packages/localnet`): the optimized `artifacts/*.wasm` in cosmwasm-vm, with
//! wasmd's gas.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cosmwasm_std::{Addr, Coin, Uint256};
use localnet::{Chain, ChainConfig, ChainError, TxError};
use serde_json::Value;

use crate::backend::{Backend, Code, Executed, Failed, CHAIN_ID, GENESIS_HEIGHT, GENESIS_TIME};

/// The workspace's `artifacts/` directory, or `$PERPS_ARTIFACTS` when set.
pub fn artifacts_dir() -> PathBuf {
    match std::env::var_os("PERPS_ARTIFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts"),
    }
}

/// The optimized artifact of `code`, or an error naming the command that builds it.
pub fn artifact(code: Code) -> Result<Vec<u8>, String> {
    let path = artifacts_dir().join(format!("{}.wasm", code.crate_name()));
    let wasm = std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read {} ({e}): run `bash scripts/build-wasm.sh` from the workspace root first",
            path.display()
        )
    })?;
    if wasm.len() < 1024 {
        return Err(format!(
            "{} is only {} bytes, not a contract: run `bash scripts/build-wasm.sh`",
            path.display(),
            wasm.len()
        ));
    }
    Ok(wasm)
}

/// The contracts as a chain runs them: [`Chain`] over the artifacts.
pub struct WasmBackend {
    /// The chain (public for what the trait does not cover: raw queries, storage dumps).
    pub chain: Chain,
    codes: BTreeMap<Code, u64>,
}

impl WasmBackend {
    /// A fresh chain at the common genesis block. Artifacts are read and stored on first use.
    pub fn new() -> Result<Self, String> {
        let config = ChainConfig {
            chain_id: CHAIN_ID.to_string(),
            height: GENESIS_HEIGHT,
            time_secs: GENESIS_TIME,
            ..ChainConfig::default()
        };
        let chain = Chain::with_config(config).map_err(|e| e.to_string())?;
        Ok(WasmBackend {
            chain,
            codes: BTreeMap::new(),
        })
    }

    /// Stores every artifact now (fails early, with the build command, when one is missing).
    pub fn store_all(&mut self) -> Result<(), String> {
        for code in Code::ALL {
            self.code_id(code)?;
        }
        Ok(())
    }

    fn code_id(&mut self, code: Code) -> Result<u64, String> {
        if let Some(id) = self.codes.get(&code) {
            return Ok(*id);
        }
        let wasm = artifact(code)?;
        let id = self
            .chain
            .store_code(&wasm)
            .map_err(|e| format!("{}: {e}", code.crate_name()))?;
        self.codes.insert(code, id);
        Ok(id)
    }
}

fn failed(err: TxError) -> Failed {
    let error = match err.error {
        ChainError::Contract { msg, .. } => msg,
        other => other.to_string(),
    };
    Failed {
        error,
        gas: Some(*err.gas),
    }
}

impl Backend for WasmBackend {
    fn name(&self) -> &'static str {
        "wasm"
    }

    fn addr_make(&self, name: &str) -> Addr {
        self.chain.addr_make(name)
    }

    fn mint(&mut self, to: &Addr, coins: &[Coin]) -> Result<(), String> {
        self.chain.mint(to, coins).map_err(|e| e.to_string())
    }

    fn instantiate(
        &mut self,
        code: Code,
        sender: &Addr,
        msg: &Value,
        label: &str,
    ) -> Result<(Addr, Executed), Failed> {
        let id = self
            .code_id(code)
            .map_err(|error| Failed { error, gas: None })?;
        let (addr, tx) = self
            .chain
            .instantiate(id, sender, msg, &[], label)
            .map_err(failed)?;
        Ok((
            addr,
            Executed {
                events: tx.events,
                gas: Some(tx.gas),
            },
        ))
    }

    fn execute(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &Value,
        funds: &[Coin],
    ) -> Result<Executed, Failed> {
        let tx = self
            .chain
            .execute(sender, contract, msg, funds)
            .map_err(failed)?;
        Ok(Executed {
            events: tx.events,
            gas: Some(tx.gas),
        })
    }

    fn query(&self, contract: &Addr, msg: &Value) -> Result<Value, String> {
        self.chain.query_smart(contract, msg).map_err(|e| match e {
            ChainError::Contract { msg, .. } => msg,
            other => other.to_string(),
        })
    }

    fn balance(&self, address: &Addr, denom: &str) -> u128 {
        let amount: Uint256 = self.chain.balance(address, denom);
        // Balances in these scenarios stay far below u128::MAX; saturate rather than panic.
        cosmwasm_std::Uint128::try_from(amount).map_or(u128::MAX, |a| a.u128())
    }

    fn now(&self) -> u64 {
        self.chain.block().time.seconds()
    }

    fn advance(&mut self, secs: u64) {
        self.chain.advance_time(secs);
    }
}
