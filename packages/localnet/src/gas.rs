//! Gas the way wasmd charges it, in Cosmos SDK gas. The VM meters only compute; everything a chain
//! adds around it (instance loads, the SDK's KV gas, events, result deserialization) is charged here
//! with wasmd's defaults, so the totals compare with what a transaction costs on a mainstream chain.

use cosmwasm_std::{Attribute, Event};

/// CosmWasm gas per SDK gas (wasmd `DefaultGasMultiplier`).
pub const GAS_MULTIPLIER: u64 = 140_000_000;
/// SDK gas for loading a (non-pinned) contract instance: every execute, instantiate, reply and
/// smart query to a contract (wasmd `DefaultInstanceCost`).
pub const INSTANCE_COST: u64 = 60_000;
/// SDK gas per byte of stored code (wasmd `DefaultCompileCost`).
pub const COMPILE_COST_PER_BYTE: u64 = 3;
/// SDK gas per byte of a result the VM hands back (wasmd `DefaultDeserializationCostPerByte`).
pub const DESERIALIZATION_COST_PER_BYTE: u64 = 1;

/// SDK `KVGasConfig` defaults.
pub const KV_READ_FLAT: u64 = 1_000;
/// SDK gas per byte of key and value read.
pub const KV_READ_PER_BYTE: u64 = 3;
/// SDK gas per write.
pub const KV_WRITE_FLAT: u64 = 2_000;
/// SDK gas per byte of key and value written.
pub const KV_WRITE_PER_BYTE: u64 = 30;
/// SDK gas per `Has`.
pub const KV_HAS: u64 = 1_000;
/// SDK gas per delete.
pub const KV_DELETE: u64 = 1_000;
/// SDK gas per iterator step (plus [`KV_READ_PER_BYTE`] per byte of the key and value under it).
pub const KV_ITER_NEXT_FLAT: u64 = 30;

/// wasmd event costs: per custom event, per attribute, per byte beyond the free tier.
pub const CUSTOM_EVENT_COST: u64 = 20;
/// SDK gas per attribute.
pub const EVENT_PER_ATTRIBUTE_COST: u64 = 10;
/// SDK gas per byte of attribute data (and of a custom event's type) beyond the free tier.
pub const EVENT_ATTRIBUTE_DATA_COST: u64 = 1;
/// Bytes of attribute data per contract response that are not charged.
pub const EVENT_ATTRIBUTE_DATA_FREE_TIER: u64 = 100;

/// Length of the prefix wasmd puts before every key of a contract's store
/// (`ContractStorePrefix` 0x03 followed by the 32-byte contract address). The SDK's gas KV store
/// sits under the prefix store, so the prefix is paid for on every read, write and iterator step.
pub const CONTRACT_KEY_PREFIX_LEN: u64 = 33;

/// SDK gas used by one transaction (or query), by where it went. All fields are SDK gas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gas {
    /// VM compute (wasm instructions and host calls such as address checks) / [`GAS_MULTIPLIER`].
    pub vm_compute: u64,
    /// [`INSTANCE_COST`] per contract instance loaded.
    pub instance_loads: u64,
    /// Results returned by the VM, [`DESERIALIZATION_COST_PER_BYTE`] per byte.
    pub deserialization: u64,
    /// KV reads (contract stores, raw queries, bank balances).
    pub kv_reads: u64,
    /// KV writes.
    pub kv_writes: u64,
    /// KV deletes.
    pub kv_deletes: u64,
    /// KV `Has` checks (bank: recipient account lookups).
    pub kv_has: u64,
    /// KV iterator steps.
    pub kv_iterator: u64,
    /// Contract events and attributes, and the events handed to `reply`.
    pub events: u64,
    /// Storing code ([`COMPILE_COST_PER_BYTE`]).
    pub compile: u64,
    /// The Cosmos SDK ante handler of a signed transaction (tx size, signature verification and
    /// the fee transfer's KV gas; see `node::ante`). Zero for in-process calls.
    pub ante: u64,
}

impl Gas {
    /// Total SDK gas.
    pub fn total(&self) -> u64 {
        [
            self.vm_compute,
            self.instance_loads,
            self.deserialization,
            self.kv_reads,
            self.kv_writes,
            self.kv_deletes,
            self.kv_has,
            self.kv_iterator,
            self.events,
            self.compile,
            self.ante,
        ]
        .iter()
        .fold(0u64, |acc, g| acc.saturating_add(*g))
    }

    /// All KV gas.
    pub fn kv_total(&self) -> u64 {
        self.kv_reads
            .saturating_add(self.kv_writes)
            .saturating_add(self.kv_deletes)
            .saturating_add(self.kv_has)
            .saturating_add(self.kv_iterator)
    }

    /// The gas used since `earlier` (a snapshot of the same meter).
    pub fn since(&self, earlier: &Gas) -> Gas {
        Gas {
            vm_compute: self.vm_compute.saturating_sub(earlier.vm_compute),
            instance_loads: self.instance_loads.saturating_sub(earlier.instance_loads),
            deserialization: self.deserialization.saturating_sub(earlier.deserialization),
            kv_reads: self.kv_reads.saturating_sub(earlier.kv_reads),
            kv_writes: self.kv_writes.saturating_sub(earlier.kv_writes),
            kv_deletes: self.kv_deletes.saturating_sub(earlier.kv_deletes),
            kv_has: self.kv_has.saturating_sub(earlier.kv_has),
            kv_iterator: self.kv_iterator.saturating_sub(earlier.kv_iterator),
            events: self.events.saturating_sub(earlier.events),
            compile: self.compile.saturating_sub(earlier.compile),
            ante: self.ante.saturating_sub(earlier.ante),
        }
    }
}

impl std::fmt::Display for Gas {
    /// One line for benchmark tables: the total, then every non-zero part.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.total())?;
        let parts = [
            ("compute", self.vm_compute),
            ("instances", self.instance_loads),
            ("deserialization", self.deserialization),
            ("kv_reads", self.kv_reads),
            ("kv_writes", self.kv_writes),
            ("kv_deletes", self.kv_deletes),
            ("kv_has", self.kv_has),
            ("kv_iterator", self.kv_iterator),
            ("events", self.events),
            ("compile", self.compile),
            ("ante", self.ante),
        ];
        let shown: Vec<String> = parts
            .iter()
            .filter(|(_, g)| *g > 0)
            .map(|(name, g)| format!("{name} {g}"))
            .collect();
        if !shown.is_empty() {
            write!(f, " ({})", shown.join(", "))?;
        }
        Ok(())
    }
}

/// Which bucket of [`Gas`] a charge goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    VmCompute,
    InstanceLoad,
    Deserialization,
    KvRead,
    KvWrite,
    KvDelete,
    KvHas,
    KvIterator,
    Events,
    Compile,
    Ante,
}

/// The SDK gas meter of one transaction. Limits nest: a submessage with a gas limit pushes one.
#[derive(Debug)]
pub(crate) struct GasMeter {
    used: Gas,
    /// Absolute limits on `used.total()`, outermost (the transaction's) first.
    limits: Vec<u64>,
}

impl GasMeter {
    pub fn new(limit: u64) -> Self {
        GasMeter {
            used: Gas::default(),
            limits: vec![limit],
        }
    }

    pub fn used(&self) -> Gas {
        self.used
    }

    /// The innermost limit, SDK gas.
    pub fn limit(&self) -> u64 {
        self.limits.iter().copied().min().unwrap_or(0)
    }

    /// SDK gas left under the innermost limit.
    pub fn remaining(&self) -> u64 {
        self.limit().saturating_sub(self.used.total())
    }

    /// True once the transaction's own limit (not only a submessage's) is exhausted: such an
    /// out-of-gas cannot be caught by a reply.
    pub fn tx_exhausted(&self) -> bool {
        self.limits.first().is_some_and(|l| self.used.total() > *l)
    }

    pub fn push_limit(&mut self, gas: u64) {
        let abs = self.used.total().saturating_add(gas);
        self.limits.push(abs);
    }

    pub fn pop_limit(&mut self) {
        if self.limits.len() > 1 {
            self.limits.pop();
        }
    }

    /// Moves everything charged since `earlier` (a snapshot of this meter) into `kind`: the
    /// ante handler's fee transfer is KV gas, but it belongs to the ante's share.
    pub fn reclassify_since(&mut self, earlier: &Gas, kind: Kind) {
        let delta = self.used.since(earlier);
        let moved = delta.total().saturating_sub(match kind {
            Kind::Ante => delta.ante,
            _ => 0,
        });
        self.used = *earlier;
        self.used.ante = earlier.ante.saturating_add(delta.ante);
        self.charge(kind, moved);
    }

    /// Adds a charge; returns false if it went over the limit (the charge stays recorded, as the
    /// SDK's meter records it before panicking).
    pub fn charge(&mut self, kind: Kind, gas: u64) -> bool {
        let slot = match kind {
            Kind::VmCompute => &mut self.used.vm_compute,
            Kind::InstanceLoad => &mut self.used.instance_loads,
            Kind::Deserialization => &mut self.used.deserialization,
            Kind::KvRead => &mut self.used.kv_reads,
            Kind::KvWrite => &mut self.used.kv_writes,
            Kind::KvDelete => &mut self.used.kv_deletes,
            Kind::KvHas => &mut self.used.kv_has,
            Kind::KvIterator => &mut self.used.kv_iterator,
            Kind::Events => &mut self.used.events,
            Kind::Compile => &mut self.used.compile,
            Kind::Ante => &mut self.used.ante,
        };
        *slot = slot.saturating_add(gas);
        self.used.total() <= self.limit()
    }
}

/// KV read of `bytes` of key and value.
pub(crate) fn kv_read(bytes: usize) -> u64 {
    KV_READ_FLAT.saturating_add(KV_READ_PER_BYTE.saturating_mul(bytes as u64))
}

/// KV write of `bytes` of key and value.
pub(crate) fn kv_write(bytes: usize) -> u64 {
    KV_WRITE_FLAT.saturating_add(KV_WRITE_PER_BYTE.saturating_mul(bytes as u64))
}

/// One iterator step over an entry of `bytes` of key and value (0 bytes: the step past the end).
pub(crate) fn kv_iter_step(bytes: usize) -> u64 {
    KV_ITER_NEXT_FLAT.saturating_add(KV_READ_PER_BYTE.saturating_mul(bytes as u64))
}

/// wasmd `EventCosts(attrs, events)` for one contract response: the free tier of attribute data
/// is shared by the whole response; a custom event's type is charged without free tier.
pub(crate) fn event_costs(attributes: &[Attribute], events: &[Event]) -> u64 {
    let (mut gas, mut free) = attribute_costs(attributes, EVENT_ATTRIBUTE_DATA_FREE_TIER);
    for e in events {
        gas = gas
            .saturating_add(CUSTOM_EVENT_COST)
            .saturating_add(EVENT_ATTRIBUTE_DATA_COST.saturating_mul(e.ty.len() as u64));
        let (g, f) = attribute_costs(&e.attributes, free);
        gas = gas.saturating_add(g);
        free = f;
    }
    gas
}

/// wasmd `ReplyCosts` (without the instance cost): the type of every event handed to `reply` and
/// all their attributes as one set under a fresh free tier.
pub(crate) fn reply_event_costs(events: &[Event]) -> u64 {
    let type_bytes: u64 = events.iter().map(|e| e.ty.len() as u64).sum();
    let attrs: Vec<Attribute> = events
        .iter()
        .flat_map(|e| e.attributes.iter().cloned())
        .collect();
    let (attr_gas, _) = attribute_costs(&attrs, EVENT_ATTRIBUTE_DATA_FREE_TIER);
    EVENT_ATTRIBUTE_DATA_COST
        .saturating_mul(type_bytes)
        .saturating_add(attr_gas)
}

fn attribute_costs(attrs: &[Attribute], free: u64) -> (u64, u64) {
    if attrs.is_empty() {
        return (0, free);
    }
    let bytes: u64 = attrs
        .iter()
        .map(|a| (a.key.len() + a.value.len()) as u64)
        .sum();
    let charged = bytes.saturating_sub(free);
    let free_left = free.saturating_sub(bytes);
    let gas = EVENT_ATTRIBUTE_DATA_COST
        .saturating_mul(charged)
        .saturating_add(EVENT_PER_ATTRIBUTE_COST.saturating_mul(attrs.len() as u64));
    (gas, free_left)
}

/// An integer with thousands separators (`10000` as `10,000`), as the gas tables print it.
pub fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
