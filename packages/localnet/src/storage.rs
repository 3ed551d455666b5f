//! A contract's KV store as the VM sees it, charging the SDK's KV gas the way wasmd's prefixed
//! gas store does (the 33-byte contract prefix is part of every key that is paid for).

use std::ops::Bound;
use std::rc::Rc;

use cosmwasm_std::{Order, Record};
use cosmwasm_vm::{BackendError, BackendResult, GasInfo, Storage};

use crate::gas::{self, Kind, CONTRACT_KEY_PREFIX_LEN, GAS_MULTIPLIER, KV_DELETE};
use crate::state::{Ctx, KvAccess, KvOp};

const PREFIX: usize = CONTRACT_KEY_PREFIX_LEN as usize;

/// The store of one contract during one VM call.
pub(crate) struct ContractStorage {
    ctx: Rc<Ctx>,
    contract: String,
    /// Iterators of this call; id = index + 1, assigned in order (deterministic).
    iterators: Vec<(Vec<Record>, usize)>,
}

impl ContractStorage {
    pub fn new(ctx: Rc<Ctx>, contract: &str) -> Self {
        ContractStorage {
            ctx,
            contract: contract.to_string(),
            iterators: Vec::new(),
        }
    }

    /// Charges SDK gas and tells the VM, which lowers its remaining gas by the same amount.
    fn charge(&self, kind: Kind, sdk_gas: u64) -> GasInfo {
        self.ctx.charge(kind, sdk_gas);
        GasInfo::with_externally_used(sdk_gas.saturating_mul(GAS_MULTIPLIER))
    }

    fn record(&self, op: KvOp, key: &[u8], value_len: usize, gas: u64) {
        self.ctx.record(|| KvAccess {
            contract: self.contract.clone(),
            op,
            key: key.to_vec(),
            value_len,
            gas,
        });
    }
}

impl Storage for ContractStorage {
    fn get(&self, key: &[u8]) -> BackendResult<Option<Vec<u8>>> {
        let value = self
            .ctx
            .state
            .borrow()
            .contracts
            .get(&self.contract)
            .and_then(|c| c.storage.get(key).cloned());
        let value_len = value.as_ref().map_or(0, Vec::len);
        let sdk_gas = gas::kv_read(PREFIX + key.len() + value_len);
        self.record(KvOp::Read, key, value_len, sdk_gas);
        (Ok(value), self.charge(Kind::KvRead, sdk_gas))
    }

    fn scan(
        &mut self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        order: Order,
    ) -> BackendResult<u32> {
        let lower = start.map_or(Bound::Unbounded, |s| Bound::Included(s.to_vec()));
        let upper = end.map_or(Bound::Unbounded, |e| Bound::Excluded(e.to_vec()));
        let empty = matches!((start, end), (Some(s), Some(e)) if s >= e);
        let records: Vec<Record> = if empty {
            Vec::new()
        } else {
            let state = self.ctx.state.borrow();
            match state.contracts.get(&self.contract) {
                None => Vec::new(),
                Some(c) => {
                    let range = c.storage.range((lower, upper));
                    match order {
                        Order::Ascending => range.map(|(k, v)| (k.clone(), v.clone())).collect(),
                        Order::Descending => {
                            range.rev().map(|(k, v)| (k.clone(), v.clone())).collect()
                        }
                    }
                }
            }
        };
        // The SDK's gas iterator pays one seek when it is created (over the first entry, if any).
        let first = records
            .first()
            .map_or(0, |(k, v)| PREFIX + k.len() + v.len());
        let sdk_gas = gas::kv_iter_step(first);
        let value_len = records.first().map_or(0, |(_, v)| v.len());
        self.record(
            KvOp::IterSeek,
            start.unwrap_or_default(),
            value_len,
            sdk_gas,
        );
        let gas = self.charge(Kind::KvIterator, sdk_gas);
        self.iterators.push((records, 0));
        match u32::try_from(self.iterators.len()) {
            Ok(id) => (Ok(id), gas),
            Err(_) => (Err(BackendError::unknown("too many iterators")), gas),
        }
    }

    fn next(&mut self, iterator_id: u32) -> BackendResult<Option<Record>> {
        let index = (iterator_id as usize).checked_sub(1);
        let Some((records, pos)) = index.and_then(|i| self.iterators.get_mut(i)) else {
            return (
                Err(BackendError::iterator_does_not_exist(iterator_id)),
                GasInfo::free(),
            );
        };
        match records.get(*pos).cloned() {
            // wasmvm reads an invalid iterator without stepping it: no gas.
            None => (Ok(None), GasInfo::free()),
            Some(record) => {
                *pos += 1;
                let bytes = PREFIX + record.0.len() + record.1.len();
                let sdk_gas = gas::kv_iter_step(bytes);
                self.record(KvOp::IterNext, &record.0, record.1.len(), sdk_gas);
                (Ok(Some(record)), self.charge(Kind::KvIterator, sdk_gas))
            }
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> BackendResult<()> {
        let sdk_gas = gas::kv_write(PREFIX + key.len() + value.len());
        self.record(KvOp::Write, key, value.len(), sdk_gas);
        let gas = self.charge(Kind::KvWrite, sdk_gas);
        let mut state = self.ctx.state.borrow_mut();
        match state.contracts.get_mut(&self.contract) {
            Some(c) => {
                c.storage.insert(key.to_vec(), value.to_vec());
                (Ok(()), gas)
            }
            None => (Err(BackendError::unknown("no such contract")), gas),
        }
    }

    fn remove(&mut self, key: &[u8]) -> BackendResult<()> {
        self.record(KvOp::Delete, key, 0, KV_DELETE);
        let gas = self.charge(Kind::KvDelete, KV_DELETE);
        let mut state = self.ctx.state.borrow_mut();
        if let Some(c) = state.contracts.get_mut(&self.contract) {
            c.storage.remove(key);
        }
        (Ok(()), gas)
    }
}
