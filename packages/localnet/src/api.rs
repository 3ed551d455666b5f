//! Bech32 addresses as the contracts see them, charged at wasmd's prices.

use cosmwasm_vm::testing::MockApi;
use cosmwasm_vm::{BackendApi, BackendResult, GasInfo};

use crate::gas::GAS_MULTIPLIER;

/// wasmd `DefaultGasCostHumanAddress`, SDK gas.
const COST_HUMANIZE: u64 = 5;
/// wasmd `DefaultGasCostCanonicalAddress`, SDK gas.
const COST_CANONICALIZE: u64 = 4;

/// The VM's bech32 codec (`cosmwasm_vm::testing::MockApi`) with wasmd's gas: the mock charges
/// a pre-1.0 multiplier, a chain charges these SDK amounts times [`GAS_MULTIPLIER`] as VM gas.
#[derive(Clone, Copy)]
pub(crate) struct ChainApi {
    inner: MockApi,
}

impl ChainApi {
    pub fn new(prefix: &'static str) -> Self {
        ChainApi {
            inner: MockApi::default().with_prefix(prefix),
        }
    }

    /// The address of `name` (sha256 of it, bech32-encoded with the chain's prefix).
    pub fn addr_make(&self, name: &str) -> String {
        self.inner.addr_make(name)
    }
}

fn vm_cost(sdk_gas: u64) -> GasInfo {
    GasInfo::with_cost(sdk_gas.saturating_mul(GAS_MULTIPLIER))
}

impl BackendApi for ChainApi {
    fn addr_validate(&self, input: &str) -> BackendResult<()> {
        let (result, _) = self.inner.addr_validate(input);
        (result, vm_cost(COST_HUMANIZE + COST_CANONICALIZE))
    }

    fn addr_canonicalize(&self, human: &str) -> BackendResult<Vec<u8>> {
        let (result, _) = self.inner.addr_canonicalize(human);
        (result, vm_cost(COST_CANONICALIZE))
    }

    fn addr_humanize(&self, canonical: &[u8]) -> BackendResult<String> {
        let (result, _) = self.inner.addr_humanize(canonical);
        (result, vm_cost(COST_HUMANIZE))
    }
}
