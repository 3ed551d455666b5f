//! Runs a scenario on both backends and compares their journals entry by entry.

use perps_e2e::{Entry, Protocol, Setup, WasmBackend};

use crate::native::NativeBackend;

pub type Wasm = Protocol<WasmBackend>;
pub type Native = Protocol<NativeBackend>;

/// The protocol deployed on the local chain (fails with the build command when an artifact is
/// missing).
pub fn wasm(setup: &Setup) -> Wasm {
    let mut backend = WasmBackend::new().unwrap();
    if let Err(e) = backend.store_all() {
        panic!("{e}");
    }
    Protocol::deploy(backend, setup).unwrap()
}

/// The protocol deployed on cw-multi-test.
pub fn native(setup: &Setup) -> Native {
    Protocol::deploy(NativeBackend::new(), setup).unwrap()
}

/// Runs `on_wasm` and `on_native` (the same generic scenario) on fresh deployments and asserts
/// that every execute result (events or error), query answer and balance is the same on both.
/// Returns the wasm deployment for further checks (gas).
pub fn on_both(setup: &Setup, on_wasm: fn(&mut Wasm), on_native: fn(&mut Native)) -> Wasm {
    let mut w = wasm(setup);
    let mut n = native(setup);
    on_native(&mut n);
    on_wasm(&mut w);
    assert_same(&w.journal, &n.journal);
    w
}

/// Asserts that two journals hold the same steps with the same results.
pub fn assert_same(w: &[Entry], n: &[Entry]) {
    for (i, (a, b)) in w.iter().zip(n.iter()).enumerate() {
        assert_eq!(a.step, b.step, "entry {i}: steps differ");
        assert_eq!(
            a.record, b.record,
            "entry {i} ({}): wasm and cw-multi-test differ (artifacts older than the source? \
             run `bash scripts/build-wasm.sh`)\nwasm:   {}\nnative: {}",
            a.step, a.record, b.record
        );
    }
    assert_eq!(w.len(), n.len(), "journal lengths differ");
    assert!(w.len() > 10, "a scenario that checks nothing");
}

#[test]
#[should_panic(expected = "wasm and cw-multi-test differ")]
fn a_difference_in_one_result_is_caught() {
    let mut a = native(&Setup::default());
    let alice = a.user("alice", 10).unwrap();
    a.deposit(&alice, 10).unwrap();
    let mut b = a.journal.clone();
    let last = b.len() - 1;
    b[last].record = serde_json::json!({ "ok": [] });
    assert_same(&a.journal, &b);
}
