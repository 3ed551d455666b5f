//! Where a message's KV gas goes, key space by key space, from the local chain's store trace.

use std::collections::BTreeMap;
use std::fmt::Write;

use localnet::{KvAccess, KvOp};

/// The key space of a cw-storage-plus key: a `Map` key starts with the namespace's length
/// (2 bytes, big endian) and the namespace; an `Item` key is the namespace itself.
pub fn key_space(key: &[u8]) -> String {
    if let [hi, lo, rest @ ..] = key {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        if len > 0 && len <= rest.len() {
            if let Ok(ns) = std::str::from_utf8(&rest[..len]) {
                if ns.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    return format!("{ns}[..]");
                }
            }
        }
    }
    String::from_utf8_lossy(key).into_owned()
}

fn op_name(op: KvOp) -> &'static str {
    match op {
        KvOp::Read => "read",
        KvOp::Write => "write",
        KvOp::Delete => "delete",
        KvOp::IterSeek => "iterator seek",
        KvOp::IterNext => "iterator step",
    }
}

#[derive(Default)]
struct Group {
    accesses: u64,
    keys: BTreeMap<Vec<u8>, u64>,
    value_bytes: u64,
    gas: u64,
}

/// A markdown table of `trace` grouped by store, key space and operation, the most expensive
/// first; `names` gives the display name of each contract address. A group read more times than
/// it has distinct keys reads some key twice in one message.
pub fn table(trace: &[KvAccess], names: &[(String, &str)]) -> String {
    let mut groups: BTreeMap<(String, String, &'static str), Group> = BTreeMap::new();
    for a in trace {
        let store = names
            .iter()
            .find(|(addr, _)| *addr == a.contract)
            .map_or_else(|| a.contract.clone(), |(_, n)| (*n).to_string());
        let g = groups
            .entry((store, key_space(&a.key), op_name(a.op)))
            .or_default();
        g.accesses += 1;
        *g.keys.entry(a.key.clone()).or_default() += 1;
        g.value_bytes += a.value_len as u64;
        g.gas += a.gas;
    }
    let mut rows: Vec<_> = groups.into_iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1.gas));
    let total: u64 = trace.iter().map(|a| a.gas).sum();
    let mut out = String::new();
    out.push_str(
        "| Store | Key space | Operation | Accesses | Distinct keys | Value bytes | SDK gas |\n",
    );
    out.push_str("|---|---|---|--:|--:|--:|--:|\n");
    for ((store, ns, op), g) in &rows {
        let _ = writeln!(
            out,
            "| {store} | `{ns}` | {op} | {} | {} | {} | {} |",
            g.accesses,
            g.keys.len(),
            g.value_bytes,
            g.gas
        );
    }
    let _ = writeln!(out, "| | | **total** | {} | | | {total} |", trace.len());
    out
}

/// Reads of a key already read (or written) earlier in the same message, and the gas they cost.
pub fn repeated_reads(trace: &[KvAccess]) -> (u64, u64) {
    let mut seen = std::collections::BTreeSet::new();
    let (mut count, mut gas) = (0u64, 0u64);
    for a in trace {
        let id = (a.contract.clone(), a.key.clone());
        if a.op == KvOp::Read && seen.contains(&id) {
            count += 1;
            gas += a.gas;
        }
        if matches!(a.op, KvOp::Read | KvOp::Write) {
            seen.insert(id);
        }
    }
    (count, gas)
}

/// Writes of the engine's keys that left the stored value as it was (`before` and `after` are
/// the engine's store around the message): how many, their gas, and their key spaces.
pub fn unchanged_writes(
    trace: &[KvAccess],
    engine: &str,
    before: &BTreeMap<Vec<u8>, Vec<u8>>,
    after: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> (u64, u64, Vec<String>) {
    let (mut count, mut gas, mut spaces) = (0u64, 0u64, Vec::new());
    for a in trace {
        if a.op == KvOp::Write && a.contract == engine && before.get(&a.key) == after.get(&a.key) {
            count += 1;
            gas += a.gas;
            spaces.push(format!("`{}`", key_space(&a.key)));
        }
    }
    (count, gas, spaces)
}
