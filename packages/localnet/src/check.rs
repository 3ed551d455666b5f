//! The static chain check every optimized artifact must pass before it could be stored on a
//! mainstream CosmWasm chain: the same verdict `cosmwasm-check` gives, from the VM that wasmd
//! embeds (`cosmwasm-vm`).

use std::collections::HashSet;

use cosmwasm_vm::capabilities_from_csv;
use cosmwasm_vm::internals::{check_wasm, compile_module, Logger};

/// Capabilities that mainstream chains (wasmd 0.5x, Osmosis, Neutron, Injective) offer today.
/// An artifact that requires anything else would be refused by `store_code` on them.
pub const MAINSTREAM_CAPABILITIES: &str =
    "iterator,staking,stargate,cosmwasm_1_1,cosmwasm_1_2,cosmwasm_1_3,cosmwasm_1_4,cosmwasm_2_0";

/// wasmd's default upload limit in bytes (`MaxWasmSize`), less a margin we keep for growth.
pub const MAX_ARTIFACT_BYTES: usize = 800 * 1024;

/// Why an artifact fails the chain check.
#[derive(Debug)]
pub enum CheckError {
    /// Larger than [`MAX_ARTIFACT_BYTES`].
    TooLarge { bytes: usize, max: usize },
    /// Refused by the VM's static validation (capabilities, imports, exports, locals, floats...).
    Invalid(String),
    /// Passed validation but the VM could not compile it.
    Compile(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::TooLarge { bytes, max } => {
                write!(f, "artifact is {bytes} bytes, above the limit of {max}")
            }
            CheckError::Invalid(e) => write!(f, "static check failed: {e}"),
            CheckError::Compile(e) => write!(f, "compilation failed: {e}"),
        }
    }
}

/// The capability set of a comma-separated list.
pub fn capabilities(csv: &str) -> HashSet<String> {
    capabilities_from_csv(csv)
}

/// Checks one wasm blob the way a chain does on `store_code`, then compiles it.
pub fn check_artifact(wasm: &[u8], available: &HashSet<String>) -> Result<(), CheckError> {
    if wasm.len() > MAX_ARTIFACT_BYTES {
        return Err(CheckError::TooLarge {
            bytes: wasm.len(),
            max: MAX_ARTIFACT_BYTES,
        });
    }
    check_wasm(wasm, available, &Default::default(), Logger::Off)
        .map_err(|e| CheckError::Invalid(e.to_string()))?;
    compile_module(wasm, None).map_err(|e| CheckError::Compile(e.to_string()))?;
    Ok(())
}
