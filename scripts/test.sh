#!/usr/bin/env bash
# Every check the project has, in the order CI runs them:
# format, lints, wasm artifacts + chain check, all tests, the cosmjs test against `localnet serve`,
# schema up to date and complete, docs/api.md up to date, the TypeScript client up to date with the
# schema (its committed types; the wrappers are generated here), compiled with --strict and tested.
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

step "cosmjs against localnet serve (node --test scripts/cosmjs/)"
[ -d node_modules/@cosmjs/cosmwasm-stargate ] || npm ci --no-audit --no-fund --loglevel=error
cargo build --locked -p localnet --bin localnet
js_log="$(mktemp)"
set +e
LOCALNET_BIN="$CARGO_TARGET_DIR/debug/localnet" node --test --test-reporter=tap scripts/cosmjs/ 2>&1 | tee "$js_log"
js_status=${PIPESTATUS[0]}
set -e
read -r js_passed js_failed < <(awk '/^# pass / { p = $3 } /^# fail / { f = $3 } END { print p + 0, f + 0 }' "$js_log")
passed=$((passed + js_passed))
failed=$((failed + js_failed))
[ "$js_status" -eq 0 ] || { echo "cosmjs tests failed"; exit "$js_status"; }

step "schema"
bash scripts/schema.sh --check
api_args=(schema/)
[ -d contracts/perps ] && [ -d contracts/price-feed ] && [ -d contracts/insurance-fund ] && api_args=(--all schema/)
# The public-API name check lives beside the repository in CI (not in the clone): run it when it is
# there, say so in one line when it is not.
check_api="$ROOT/../shared/api/check_api.py"
if [ -f "$check_api" ]; then
  python3 "$check_api" "${api_args[@]}"
else
  echo "public-API name check skipped: $check_api not present"
fi

step "docs/api.md"
python3 scripts/api-doc.py --check

step "typescript client (clients/ts)"
bash scripts/ts-client.sh --check
tslog="$(mktemp)"
set +e
# The examples' end-to-end tests need `localnet serve`: required wherever the tree has it.
if [ -f packages/localnet/src/bin/localnet.rs ]; then
  cargo build --locked -p localnet --bin localnet
  export PERPS_E2E=1 LOCALNET_BIN="$CARGO_TARGET_DIR/debug/localnet"
fi
(cd clients/ts && npm run --silent codegen && npx tsc -p tsconfig.json && node --test --test-reporter=tap dist/test/*.test.js) 2>&1 | tee "$tslog"
status=${PIPESTATUS[0]}
set -e
read -r ts_passed ts_failed < <(awk '/^# pass / { p = $3 } /^# fail / { f = $3 } END { print p + 0, f + 0 }' "$tslog")
[ "$status" -eq 0 ] || { echo "typescript client failed"; exit "$status"; }
passed=$((passed + ts_passed))
failed=$((failed + ts_failed))

step "summary"
echo "${passed:-0} passed, ${failed:-0} failed"
