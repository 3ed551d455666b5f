//! Auto-deleveraging never carries the market's skew across zero (found by the randomized
//! simulation, SIM_SEED=20261662): it closes at most `|K_m|` of a position, so the vault's
//! exposure in the market only falls. Closing a whole position larger than the skew while V < 0
//! turned the vault short to the other side (|K| 2 → 8 BTC here; with a skew scale the impact
//! liability of the new skew lowered V by 101 USDC in the simulation).

use perps_api::events::AutoDeleverageEvent;

use crate::suite::{sd, Suite, USDC};

/// Fails on the current engine (ADL closes alice's whole 10 BTC). Not fixed here: capping the
/// close at `|K|` (tried: `x = x.min(|K|)` in `adl_size`) leaves `K = 0` with `V = 0`, where every
/// trade in the market increases `|K|` and is refused while V ≤ 0 — `solvency::adl`'s carol could
/// no longer close. The two rules need a decision together (docs/decisions.md).
#[test]
#[ignore = "finding for the lead: ADL flips the skew (see the module doc and docs/decisions.md)"]
fn s50_adl_closes_at_most_the_skew_and_never_flips_it() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 200_000, 200_000);
    let bob = s.trader("bob", 5_000_000, 5_000_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&alice, "BTC", "10");
    s.trade(&bob, "BTC", "-8");
    // K = +2. BTC 600,000: alice +5,400,000, bob −4,320,000 (his 5,000,000 hold it):
    // V = 1,000,000 − 1,080,000 = −80,000
    s.set_price("BTC", "600000");
    assert_eq!(s.vault().equity.i128(), -80_000 * USDC as i128);
    let res = s.exec(&keeper, &Suite::adl_msg("BTC")).unwrap();
    let ev = Suite::typed::<AutoDeleverageEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    // 2 BTC closed, not 10: the skew goes to 0, not to −8
    assert_eq!((ev[0].size_closed, ev[0].size_after), (sd("2"), sd("8")));
    // 2 × 540,000 = 1,080,000 with h = 1 − 80,000/1,080,000: 1,000,000; V back to 0
    assert_eq!(ev[0].realized_pnl.i128(), 1_000_000 * USDC as i128);
    let m = s.market("BTC");
    assert_eq!(m.state.long_oi, m.state.short_oi);
    assert_eq!(s.vault().equity.i128(), 0);
    assert_eq!(s.vault().exposure.u128(), 0);
    // nothing left to deleverage
    s.rejects(
        &keeper,
        &Suite::adl_msg("BTC"),
        &[],
        "auto-deleveraging not needed",
    );
    assert_eq!(s.account(&bob).positions[0].size, sd("-8"));
}
