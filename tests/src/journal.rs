//! The journal of a run: every execute, query and balance, normalized so that two backends can
//! be compared entry by entry.

use cosmwasm_std::Event;
use serde_json::{json, Value};

/// One journal entry: what was done and its normalized result.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// What was done (`execute perps trade by alice`, `query perps account`).
    pub step: String,
    /// The normalized result (events or error; query JSON; balances).
    pub record: Value,
}

/// The events contracts emit (`wasm` with the response's attributes, `wasm-<type>`), in order.
/// What the chain adds around them differs between a chain and cw-multi-test (a chain reports
/// the bank transfer of attached funds, cw-multi-test does not), so only these are compared;
/// the bank side is compared through balances.
pub fn contract_events(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.ty == "wasm" || e.ty.starts_with("wasm-"))
        .cloned()
        .collect()
}

/// The text of a submessage error handed to `reply` differs by host: wasmd redacts it to
/// `codespace: wasm, code: 5`, cw-multi-test passes the whole error with a backtrace. An event
/// attribute `error` of a `wasm-*_failed` event carries it, so the journal keeps only the fact
/// (scenarios assert the chain's exact text themselves).
pub const REPLY_ERROR: &str = "<reply error>";

/// Events as JSON: `[{"type": .., "attributes": [[key, value], ..]}, ..]`.
pub fn events_json(events: &[Event]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| {
                let attrs: Vec<Value> = e
                    .attributes
                    .iter()
                    .map(|a| {
                        if a.key == "error" && e.ty.ends_with("_failed") {
                            json!([a.key, REPLY_ERROR])
                        } else {
                            json!([a.key, a.value])
                        }
                    })
                    .collect();
                json!({ "type": e.ty, "attributes": attrs })
            })
            .collect(),
    )
}
