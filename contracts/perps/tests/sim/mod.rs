//! Randomized simulation (DESIGN section 8): proptest-generated sequences of every kind of step
//! over four traders, three markets and two LPs, each step followed by every invariant check and
//! a comparison of every account with the reference model (`model.rs`).
//!
//! Reproducible: each sequence is generated from its own seed (`SIM_SEED` + case number) by a
//! ChaCha `TestRng`; a failure prints `SIM_SEED=<seed> SIM_CASES=1` and the (shrunk) step list.
//! `SIM_CASES` sets the number of sequences, `SIM_STEPS` their maximum length.
//! `SIM_DEBUG=1` prints the vault and every account after each step (to read a replayed failure).
//! Before each solvency-relevant message the model predicts the engine's answer (`predict.rs`).

mod actions;
mod checks;
mod messages;
mod model;
mod predict;
mod regressions;
mod solvency;
mod trades;
mod world;

use std::cell::RefCell;
use std::fmt::Write as _;

use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

pub use actions::{Action, ModeChoice};
pub use world::Sim;

/// Default sequences in the CI test (debug build): measured to run well under 60 s here.
const CI_CASES: u32 = 40;
/// Default seed of the CI test (fixed, so CI is deterministic).
const CI_SEED: u64 = 0x5eed_0008;

/// What the sequences did, summed over a run.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub sequences: u64,
    pub steps: u64,
    pub executed: u64,
    pub succeeded: u64,
    pub rejected: u64,
    pub trades_ok: u64,
    pub risk_adding_checked: u64,
    pub liquidations_ok: u64,
    pub liquidations_rejected: u64,
    /// `liquidate` calls on an account the model saw liquidatable.
    pub liquidatable_targets: u64,
    /// Steps after which some book was liquidatable (model).
    pub liquidatable_steps: u64,
    /// Max-leverage trades that succeeded.
    pub max_trades_ok: u64,
    pub not_implemented: u64,
    pub round_trips: u64,
    pub group_round_trips: u64,
    pub funding_zero_sum_checked: u64,
    pub vault_fee_checked: u64,
    pub model_accounts_compared: u64,
    /// Reported liquidation prices verified by valuing the book there.
    pub liquidation_prices_checked: u64,
    pub settles: u64,
    /// Fills compared with the model's impact rule, to the atom.
    pub fills_checked: u64,
    /// Trades refused for impact (each checked not to reduce |K|).
    pub impact_refused: u64,
    /// Accepted reductions of |K| from a skew above the cap.
    pub reductions_above_cap: u64,
    /// Fills whose impact term was clamped to the cap.
    pub clamped_fills: u64,
    /// Steps after which the solvency checks ran (bystanders whole, V ≥ 0 or ADL).
    pub solvency_checked: u64,
    /// Steps that left V < 0 (a price move or a socialized loss) and took the ADL path.
    pub adl_paths: u64,
    /// `auto_deleverage` calls that closed something.
    pub adl_runs: u64,
    /// Whale trades refused by an exposure cap.
    pub whales_capped: u64,
    /// Dust openings refused by the notional floor.
    pub dust_refused: u64,
    /// Stale LP claims refused as lapsed.
    pub lapsed_claims: u64,
    /// LP exits checked against the share price of those who stay (invariant 11).
    pub lp_exits_checked: u64,
    /// Exposure-cap and notional-floor refusals the model predicted (the engine refused).
    pub predicted_refusals: u64,
    /// Trades the model passed on those rules (the engine did not refuse by them).
    pub predicted_passes: u64,
    /// Within the model's band of a boundary: not predicted.
    pub predictions_undecided: u64,
    /// Realized profits paid with the haircut while V < 0, as the model predicted.
    pub haircut_payments: u64,
    /// Realized profits paid in full while V > 0, as the model predicted.
    pub profits_predicted: u64,
    /// LP claims (and lapses) whose outcome and payout the model predicted.
    pub claims_predicted: u64,
    /// Of which paid in part or refused (the rest stays requested).
    pub claims_partial: u64,
    /// `mark_bad_debt` calls, and those that recorded a shortfall the model predicted.
    pub mark_bad_debt_calls: u64,
    pub bad_debt_marked: u64,
    /// `auto_deleverage` calls whose first account, size, price and PnL the model predicted.
    pub adl_predicted: u64,
    /// Steps that shocked a market whose skew sat at the cap until V fell below the trigger.
    pub adl_shocks: u64,
    /// Steps after which some realized profit was pending (the vault did not hold the cash:
    /// issue 12); the largest total pending (base units).
    pub pending_steps: u64,
    pub max_pending: u64,
    /// Profits paid while V < 0 whose cash the model could not call clearly sufficient (settled
    /// in part, the rest pending): not asserted.
    pub payouts_deferred: u64,
    /// Liquidations whose payout the model predicted exactly (issue 12), and those of them that
    /// left part of the book's net gain pending.
    pub liquidation_payouts_checked: u64,
    pub liquidation_payouts_deferred: u64,
    /// ADL paths in which a whole close flipped a market's skew (a finding: V may fall by the
    /// impact liability of the new skew).
    pub adl_flips: u64,
    /// Rejections by message kind and error (first words), to see what the sequences reach.
    pub errors: std::collections::BTreeMap<String, u64>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// splitmix64: expands a 64-bit seed into the 32 bytes ChaCha takes.
pub fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut x = seed;
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

/// Runs one sequence of steps on a fresh engine (used by the runner and by regression tests).
pub fn run_steps(actions: &[Action], stats: &mut Stats) {
    let mut sim = Sim::new();
    for (i, a) in actions.iter().enumerate() {
        sim.step(i, a);
    }
    let mut st = sim.stats.clone();
    st.sequences = 1;
    st.steps = actions.len() as u64;
    add_stats(stats, &st);
}

fn add_stats(into: &mut Stats, s: &Stats) {
    into.sequences += s.sequences;
    into.steps += s.steps;
    into.executed += s.executed;
    into.succeeded += s.succeeded;
    into.rejected += s.rejected;
    into.trades_ok += s.trades_ok;
    into.risk_adding_checked += s.risk_adding_checked;
    into.liquidations_ok += s.liquidations_ok;
    into.liquidations_rejected += s.liquidations_rejected;
    into.liquidatable_targets += s.liquidatable_targets;
    into.liquidatable_steps += s.liquidatable_steps;
    into.max_trades_ok += s.max_trades_ok;
    into.not_implemented += s.not_implemented;
    into.round_trips += s.round_trips;
    into.group_round_trips += s.group_round_trips;
    into.funding_zero_sum_checked += s.funding_zero_sum_checked;
    into.vault_fee_checked += s.vault_fee_checked;
    into.model_accounts_compared += s.model_accounts_compared;
    into.liquidation_prices_checked += s.liquidation_prices_checked;
    into.settles += s.settles;
    into.fills_checked += s.fills_checked;
    into.impact_refused += s.impact_refused;
    into.reductions_above_cap += s.reductions_above_cap;
    into.clamped_fills += s.clamped_fills;
    into.solvency_checked += s.solvency_checked;
    into.adl_paths += s.adl_paths;
    into.adl_runs += s.adl_runs;
    into.whales_capped += s.whales_capped;
    into.dust_refused += s.dust_refused;
    into.lapsed_claims += s.lapsed_claims;
    into.lp_exits_checked += s.lp_exits_checked;
    into.predicted_refusals += s.predicted_refusals;
    into.predicted_passes += s.predicted_passes;
    into.predictions_undecided += s.predictions_undecided;
    into.haircut_payments += s.haircut_payments;
    into.profits_predicted += s.profits_predicted;
    into.claims_predicted += s.claims_predicted;
    into.claims_partial += s.claims_partial;
    into.mark_bad_debt_calls += s.mark_bad_debt_calls;
    into.bad_debt_marked += s.bad_debt_marked;
    into.adl_predicted += s.adl_predicted;
    into.adl_shocks += s.adl_shocks;
    into.pending_steps += s.pending_steps;
    into.payouts_deferred += s.payouts_deferred;
    into.liquidation_payouts_checked += s.liquidation_payouts_checked;
    into.liquidation_payouts_deferred += s.liquidation_payouts_deferred;
    into.adl_flips += s.adl_flips;
    into.max_pending = into.max_pending.max(s.max_pending);
    for (k, v) in &s.errors {
        *into.errors.entry(k.clone()).or_default() += v;
    }
}

/// Runs `cases` sequences, sequence `i` from seed `seed + i`. Panics with the seed and the
/// minimal step list on the first failure.
pub fn run(cases: u32, seed: u64, max_steps: usize) -> Stats {
    let total = RefCell::new(Stats::default());
    let shrink = env_u64("SIM_SHRINK").unwrap_or(300) as u32;
    for case in 0..cases {
        let case_seed = seed.wrapping_add(case as u64);
        let config = Config {
            cases: 1,
            failure_persistence: None,
            max_shrink_iters: shrink,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(case_seed));
        let mut runner = TestRunner::new_with_rng(config, rng);
        let last = RefCell::new(Stats::default());
        let result = runner.run(&actions::sequence(10, max_steps.max(11)), |steps| {
            let mut st = Stats::default();
            run_steps(&steps, &mut st);
            *last.borrow_mut() = st;
            Ok(())
        });
        match result {
            Ok(()) => add_stats(&mut total.borrow_mut(), &last.borrow()),
            Err(TestError::Fail(reason, steps)) => {
                // the steps after the failing one do not matter
                let upto = reason
                    .message()
                    .strip_prefix("step ")
                    .and_then(|r| r.split(' ').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .map_or(steps.len(), |n| (n + 1).min(steps.len()));
                let steps = &steps[..upto];
                let mut list = String::new();
                for (i, a) in steps.iter().enumerate() {
                    let _ = writeln!(list, "  {i:>3}: {a:?}");
                }
                panic!(
                    "simulation failed; reproduce with SIM_SEED={case_seed} SIM_CASES=1\n\
                     reason: {reason}\nminimal step list ({} steps):\n{list}",
                    steps.len()
                );
            }
            Err(e) => panic!("simulation aborted (SIM_SEED={case_seed}): {e}"),
        }
    }
    total.into_inner()
}

#[test]
fn random_sequences_keep_every_invariant() {
    let cases = env_u64("SIM_CASES").unwrap_or(CI_CASES as u64) as u32;
    let seed = env_u64("SIM_SEED").unwrap_or(CI_SEED);
    let steps = env_u64("SIM_STEPS").unwrap_or(60) as usize;
    let t = std::time::Instant::now();
    let stats = run(cases, seed, steps);
    println!(
        "simulation: seed {seed}, {cases} sequences, {:?}: {stats:?}",
        t.elapsed()
    );
    assert_eq!(stats.sequences, cases as u64);
    assert!(stats.succeeded > 0 && stats.rejected > 0);
    // the sequences trade against a capped skew: refusals for impact, reductions from above the
    // cap and clamped fills all happen (each checked against the rule)
    if cases >= CI_CASES {
        assert!(
            stats.impact_refused > 0 && stats.reductions_above_cap > 0 && stats.clamped_fills > 0,
            "no trade met the impact cap: {stats:?}"
        );
    }
}

/// `scripts/soak.sh N`: N sequences (release build), seed from `SIM_SEED`.
#[test]
#[ignore = "long soak run: scripts/soak.sh N"]
fn soak() {
    let cases = env_u64("SIM_CASES").unwrap_or(200) as u32;
    let seed = env_u64("SIM_SEED").unwrap_or(1);
    let steps = env_u64("SIM_STEPS").unwrap_or(120) as usize;
    let t = std::time::Instant::now();
    let stats = run(cases, seed, steps);
    println!(
        "soak: seeds {seed}..{}, {cases} sequences, {:?}: {stats:?}",
        seed.wrapping_add(cases as u64),
        t.elapsed()
    );
    println!(
        "soak solvency: {} sequences, {} steps, {} s; adl_shocks {}, adl_paths {}, adl_runs {}, \
         adl_predicted {}, mark_bad_debt calls {} (recorded {}), haircut payments {}, profits \
         predicted {}, claims predicted {} (partial {}), lapsed {}, predicted refusals {}, \
         predicted passes {}, undecided {}, whales capped {}, dust refused {}, pending steps {} \
         (max {} base units), payouts deferred {}, adl flips {}, liquidation payouts checked {} \
         (deferred {})",
        stats.sequences,
        stats.steps,
        t.elapsed().as_secs(),
        stats.adl_shocks,
        stats.adl_paths,
        stats.adl_runs,
        stats.adl_predicted,
        stats.mark_bad_debt_calls,
        stats.bad_debt_marked,
        stats.haircut_payments,
        stats.profits_predicted,
        stats.claims_predicted,
        stats.claims_partial,
        stats.lapsed_claims,
        stats.predicted_refusals,
        stats.predicted_passes,
        stats.predictions_undecided,
        stats.whales_capped,
        stats.dust_refused,
        stats.pending_steps,
        stats.max_pending,
        stats.payouts_deferred,
        stats.adl_flips,
        stats.liquidation_payouts_checked,
        stats.liquidation_payouts_deferred
    );
}
