#!/usr/bin/env bash
# Long randomized simulation: `scripts/soak.sh N [SEED]` runs N sequences (default 500) of the
# engine simulation (contracts/perps/tests/sim) in an optimized build, sequence i from seed
# SEED + i (default: the current time, printed), then N sequences of the orders simulation
# (contracts/perps/tests/orders/sim.rs) from SEED, then the JSON fuzz with N/10 worlds.
# A failure prints `SIM_SEED=<seed> SIM_CASES=1` (or FUZZ_SEED) and the step list; rerun with
# those variables to reproduce it. SIM_STEPS sets the maximum sequence length (default 120).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

n="${1:-500}"
seed="${2:-${SIM_SEED:-$(date +%s)}}"
case "$n$seed" in *[!0-9]*) echo "usage: scripts/soak.sh N [SEED] (integers)" >&2; exit 2 ;; esac

# The workspace release profile is tuned for wasm size (opt-level z, fat LTO, panic = abort);
# the soak wants a fast build, unwinding panics (proptest reports them) and overflow checks.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=2
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_PANIC=unwind
export CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true

# Build, then run the test binary itself: cargo's lock on the shared target directory is
# released while the (long) run goes on.
build_log="$(mktemp)"
cargo test --release -p perps --test main --no-run 2>&1 | tee "$build_log"
bin="$(sed -n 's/.*Executable tests\/main.rs (\(.*\))$/\1/p' "$build_log" | tail -1)"
rm -f "$build_log"
[ -x "$bin" ] || { echo "soak: test binary not found" >&2; exit 1; }

echo "soak: $n sequences from SIM_SEED=$seed, up to ${SIM_STEPS:-120} steps each"
start=$(date +%s)
SIM_CASES="$n" SIM_SEED="$seed" SIM_STEPS="${SIM_STEPS:-120}" \
  "$bin" sim::soak --ignored --nocapture --test-threads 1
echo "orders: $n sequences from ORDERS_SIM_SEED=$seed"
ORDERS_SIM_CASES="$n" ORDERS_SIM_SEED="$seed" "$bin" orders::sim --nocapture --test-threads 1
fuzz_cases=$(( n / 10 > 0 ? n / 10 : 1 ))
echo "fuzz: $fuzz_cases worlds from FUZZ_SEED=$seed"
FUZZ_CASES="$fuzz_cases" FUZZ_SEED="$seed" "$bin" fuzz:: --nocapture --test-threads 1
echo "soak: done in $(( $(date +%s) - start )) s"
