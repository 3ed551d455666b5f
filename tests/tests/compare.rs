//! Runs a scenario on both backends and compares their journals entry by entry.

use perps_e2e::{Protocol, Setup, WasmBackend};

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
    assert_same(&w, &n);
    w
}

pub fn assert_same(w: &Wasm, n: &Native) {
    for (i, (a, b)) in w.journal.iter().zip(n.journal.iter()).enumerate() {
        assert_eq!(a.step, b.step, "entry {i}: steps differ");
        assert_eq!(
            a.record,
            b.record,
            "entry {i} ({}): wasm and cw-multi-test differ\nwasm:   {}\nnative: {}",
            a.step,
            a.record,
            b.record
        );
    }
    assert_eq!(w.journal.len(), n.journal.len(), "journal lengths differ");
    assert!(w.journal.len() > 10, "a scenario that checks nothing");
}
