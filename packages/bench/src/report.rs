//! The markdown report: one table of every measurement, the goals, and where the gas goes.

use std::fmt::Write;

use localnet::Gas;

/// One measured operation.
pub struct Row {
    /// Table section (`perps: cross`, `scale`, ...).
    pub section: &'static str,
    /// What was measured.
    pub op: String,
    /// SDK gas; `None` when it could not be measured (the note says why).
    pub gas: Option<Gas>,
    /// How it was set up.
    pub note: String,
}

impl Row {
    pub fn new(section: &'static str, op: impl Into<String>, gas: Gas, note: &str) -> Row {
        Row {
            section,
            op: op.into(),
            gas: Some(gas),
            note: note.to_string(),
        }
    }
}

/// A goal on one row: `total ≤ max_ratio × transfer`, or `total < limit` (query gas).
pub struct Goal {
    pub op: &'static str,
    pub bound: Bound,
}

pub enum Bound {
    RatioToTransfer(u64),
    Absolute(u64),
    /// `total ≤ permille/1000 × transfer`.
    PermilleOfTransfer(u64),
    /// `total ≤ permille/1000 × the total of row `op``.
    PermilleOfRow(&'static str, u64),
}

/// Integer ratio with two decimals, `a / b`.
pub fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        return "-".to_string();
    }
    let hundredths = u128::from(a) * 100 / u128::from(b);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

fn percent(part: u64, total: u64) -> u64 {
    if total == 0 {
        return 0;
    }
    (u128::from(part) * 100 / u128::from(total)) as u64
}

fn other(g: &Gas) -> u64 {
    g.deserialization
        .saturating_add(g.kv_deletes)
        .saturating_add(g.kv_has)
        .saturating_add(g.compile)
}

/// The biggest parts of `g`, as "instances 52 %, KV writes 21 %".
pub fn dominant(g: &Gas) -> String {
    let mut parts = [
        ("instance loads", g.instance_loads),
        ("wasm compute", g.vm_compute),
        ("KV reads", g.kv_reads),
        ("KV writes", g.kv_writes),
        ("KV iteration", g.kv_iterator),
        ("events", g.events),
        ("other", other(g)),
    ];
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    parts
        .iter()
        .take(3)
        .filter(|(_, v)| *v > 0)
        .map(|(name, v)| format!("{name} {} %", percent(*v, g.total())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The markdown table of `rows`, ratios against `transfer`.
pub fn table(rows: &[Row], transfer: u64) -> String {
    let mut out = String::new();
    out.push_str(
        "| Operation | SDK gas | × cw20 transfer | compute | instances | KV read | KV write | KV iter | events | other | Setup |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    let mut section = "";
    for r in rows {
        if r.section != section {
            section = r.section;
            let _ = writeln!(out, "| **{section}** | | | | | | | | | | |");
        }
        match &r.gas {
            Some(g) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.op,
                    g.total(),
                    ratio(g.total(), transfer),
                    g.vm_compute,
                    g.instance_loads,
                    g.kv_reads,
                    g.kv_writes,
                    g.kv_iterator,
                    g.events,
                    other(g),
                    r.note
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {} | not available | | | | | | | | | {} |",
                    r.op, r.note
                );
            }
        }
    }
    out
}

/// One line per goal: met or missed, by how much, and what dominates.
pub fn goals(rows: &[Row], goals: &[Goal], transfer: u64) -> String {
    let mut out = String::new();
    for goal in goals {
        let Some(row) = rows.iter().find(|r| r.op == goal.op) else {
            let _ = writeln!(out, "- `{}`: not measured.", goal.op);
            continue;
        };
        let Some(g) = &row.gas else {
            let _ = writeln!(out, "- `{}`: not available ({}).", goal.op, row.note);
            continue;
        };
        let total = g.total();
        let (limit, bound) = match goal.bound {
            Bound::RatioToTransfer(k) => (
                transfer.saturating_mul(k),
                format!("≤ {k}× transfer = {}", transfer.saturating_mul(k)),
            ),
            Bound::Absolute(l) => (l, format!("< {l}")),
            Bound::PermilleOfTransfer(p) => {
                let l = transfer.saturating_mul(p) / 1000;
                (l, format!("≤ {}× transfer = {l}", ratio(p, 1000)))
            }
            Bound::PermilleOfRow(op, p) => {
                let base = rows
                    .iter()
                    .find(|r| r.op == op)
                    .and_then(|r| r.gas.as_ref())
                    .map(|g| g.total())
                    .unwrap_or(0);
                let l = base.saturating_mul(p) / 1000;
                (l, format!("≤ {}× `{op}` = {l}", ratio(p, 1000)))
            }
        };
        let met = match goal.bound {
            Bound::Absolute(_) => total < limit,
            _ => total <= limit,
        };
        let verdict = if met {
            format!("**met** ({} % of the bound)", percent(total, limit))
        } else {
            format!(
                "**missed** by {} gas ({}× the bound)",
                total.saturating_sub(limit),
                ratio(total, limit)
            )
        };
        let _ = writeln!(
            out,
            "- {}: {total} ({}× transfer), goal {bound}: {verdict}; dominated by {}.",
            goal.op,
            ratio(total, transfer),
            dominant(g)
        );
    }
    out
}
