#!/usr/bin/env bash
# Every check the project has, in the order CI runs them:
# format, lints, wasm artifacts + chain check, all tests, schema up to date and complete.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "function length (contracts/*/src, at most 80 lines)"
python3 scripts/fn-length.py

step "wasm artifacts and chain check"
bash scripts/build-wasm.sh

step "tests"
log="$(mktemp)"
set +e
cargo test --workspace --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
read -r passed failed < <(awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$log")
[ "$status" -eq 0 ] || { echo "tests failed"; exit "$status"; }

step "schema"
bash scripts/schema.sh --check
api_args=(schema/)
[ -d contracts/perps ] && [ -d contracts/price-feed ] && [ -d contracts/insurance-fund ] && api_args=(--all schema/)
python3 "$ROOT/../shared/api/check_api.py" "${api_args[@]}"

step "summary"
echo "${passed:-0} passed, ${failed:-0} failed"
