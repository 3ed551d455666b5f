#!/usr/bin/env bash
# Gas benchmark: builds the artifacts and the cw20-base reference, deploys them on the local chain
# and measures SDK gas per operation. Prints the markdown table and writes docs/gas.md.
#   bash scripts/bench.sh                 # the full run (10,000 other accounts: a few minutes)
#   BENCH_ARGS='--max-accounts 100' bash scripts/bench.sh   # a quick run (writes docs/gas.md too)
# Not a timed test: CI does not run it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

# The three contracts (installs the wasm target and the pinned wasm-opt when missing).
bash scripts/build-wasm.sh

# cw20-base from crates.io through bench/cw20 (its own lockfile, outside the workspace), built and
# lowered with the same recipe as the contracts.
RUSTFLAGS='-C link-arg=-s -C link-arg=--allow-undefined' \
  cargo build --release --locked --target wasm32-unknown-unknown --lib \
  --manifest-path bench/cw20/Cargo.toml
mkdir -p artifacts/bench
node_modules/.bin/wasm-opt \
  --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-reference-types \
  --enable-call-indirect-overlong --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-multivalue --signext-lowering --llvm-memory-copy-fill-lowering \
  --no-inline='*' -Os "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/bench_cw20.wasm" \
  -o artifacts/bench/cw20-base.wasm
cargo run --quiet --locked -p localnet --bin wasm-check -- artifacts/bench/cw20-base.wasm

# The commit the artifacts were built from, marked when the contracts had uncommitted changes.
source_rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- contracts packages 2>/dev/null; then
  source_rev="$source_rev with uncommitted changes"
fi

# shellcheck disable=SC2086 # BENCH_ARGS is a list of arguments
cargo run --release --locked -p bench -- \
  --artifacts artifacts --cw20 artifacts/bench/cw20-base.wasm --out docs/gas.md \
  --source "commit $source_rev" ${BENCH_ARGS:-}
