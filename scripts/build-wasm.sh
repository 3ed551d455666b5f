#!/usr/bin/env bash
# Builds every contract to an optimized wasm artifact a chain accepts, and checks it.
#   artifacts/<crate>.wasm, artifacts/checksums.txt
# Recipe and reasons: ../shared/TOOLCHAIN.md (bulk-memory lowering, --no-inline, capabilities).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown || { echo "cannot install wasm32-unknown-unknown" >&2; exit 1; }
fi
if [ ! -x node_modules/.bin/wasm-opt ]; then
  echo "installing the pinned binaryen (wasm-opt) from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi

mapfile -t crates < <(contract_crates)
pkg_args=()
for c in "${crates[@]}"; do pkg_args+=(-p "$c"); done

# --allow-undefined: host imports (db_read, ...) stay undefined at link time (needed from Rust 1.96).
RUSTFLAGS='-C link-arg=-s -C link-arg=--allow-undefined' \
  cargo build --release --locked --target wasm32-unknown-unknown --lib "${pkg_args[@]}"

mkdir -p artifacts
rm -f artifacts/*.wasm artifacts/checksums.txt
for c in "${crates[@]}"; do
  in="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/${c//-/_}.wasm"
  # The lowering passes must run before -Os; --no-inline keeps every function under the VM's
  # 100-locals limit.
  node_modules/.bin/wasm-opt \
    --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-reference-types \
    --enable-call-indirect-overlong --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-multivalue --signext-lowering --llvm-memory-copy-fill-lowering \
    --no-inline='*' -Os "$in" -o "artifacts/$c.wasm"
done
(cd artifacts && sha256sum ./*.wasm | sed 's| \./| |' > checksums.txt)

echo "artifact sizes (bytes):"
for c in "${crates[@]}"; do printf '  %-20s %8d\n' "$c.wasm" "$(stat -c %s "artifacts/$c.wasm")"; done

# Chain check: cosmwasm-vm's static validation with mainstream capabilities, size limit, compile.
cargo run --quiet --locked -p localnet --bin wasm-check -- artifacts/*.wasm
