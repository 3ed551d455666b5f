#!/usr/bin/env bash
# The main job: builds the three contracts to optimized wasm (scripts/build-wasm.sh installs the
# wasm32 target and the pinned wasm-opt when missing), deploys them on the local chain
# (packages/localnet: cosmwasm-vm with wasmd's gas) and plays a short market story: traders in
# cross and isolated margin, funding, a crash, two liquidations, a bad debt paid by the insurance
# fund, and a trader on a deferred market (SOL): his market order filled by the keeper at the next
# price record, his stop-loss triggered in the crash. Prints a table per step: transactions with their SDK gas and events, prices, and every
# trader's collateral, equity, margins and positions.
#   bash scripts/demo.sh               build, then play
#   bash scripts/demo.sh --no-build    play on the artifacts already in artifacts/
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

command -v cargo >/dev/null || { echo "demo: cargo not found; install Rust with rustup first" >&2; exit 1; }
if [ "${1:-}" != "--no-build" ]; then
  command -v npm >/dev/null || { echo "demo: npm not found; install Node.js (it provides the pinned wasm-opt)" >&2; exit 1; }
  echo "==> building the wasm artifacts (first run on a fresh machine: several minutes)"
  bash scripts/build-wasm.sh
fi

echo "==> building the demo (the local chain links cosmwasm-vm)"
cargo build --quiet --locked -p perps-e2e --bin demo
echo
"$CARGO_TARGET_DIR/debug/demo"
