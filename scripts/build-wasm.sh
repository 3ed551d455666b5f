#!/usr/bin/env bash
# Builds every contract to an optimized wasm artifact a chain accepts, and checks it.
#   artifacts/<crate>.wasm, artifacts/checksums.txt
# Recipe and reasons: ../shared/TOOLCHAIN.md (bulk-memory lowering, capabilities) and
# docs/size.md (flags, budgets in scripts/wasm-budgets.txt).
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
# --remap-path-prefix: source paths in panic locations lose the registry and checkout prefixes
# (shorter artifacts, the same bytes whatever the home directory or clone path).
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# --max-store-memcpy=1: LLVM copies a struct of more than 8 bytes through a call to memcpy instead
# of inline load/store pairs (at -Oz it inlined copies up to 32 bytes: every Decimal256 moved was
# 4 i64 load/store pairs, a fifth of the engine's code; docs/size.md).
rustflags=(-C link-arg=-s -C link-arg=--allow-undefined -C llvm-args=--max-store-memcpy=1
  "--remap-path-prefix=$ROOT/=")
for d in "$cargo_home"/registry/src/*/ "$cargo_home"/git/checkouts/; do
  [ -d "$d" ] && rustflags+=("--remap-path-prefix=$d=")
done
# --wrap of std's Debug/Display of Backtrace: cosmwasm-std's StdError links them for a backtrace
# that is always disabled on wasm32; wrapped, std's backtrace printer and rustc-demangle are not
# linked, and scripts/disabled-backtrace.py puts the contract's own printers of a disabled
# backtrace in their place (same texts; docs/decisions.md, "Backtrace printing out of the
# artifacts"). The script fails the build when it cannot find the two symbols.
sysroot_lib="$("${RUSTC:-rustc}" --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
mapfile -t wrap_args < <(python3 scripts/disabled-backtrace.py link-args "$sysroot_lib")
[ "${#wrap_args[@]}" -eq 2 ] || { echo "scripts/disabled-backtrace.py link-args failed" >&2; exit 1; }
for a in "${wrap_args[@]}"; do rustflags+=(-C "link-arg=$a"); done
# Overflow checks stay on in every native build (tests, the simulation, the soak); the contracts'
# money math is checked explicitly (cosmwasm-std's checked_* and strict operators, perps-risk), so
# the artifact leaves the implicit checks of primitive integers out (docs/size.md: −12 KB on perps).
CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=false RUSTFLAGS="${rustflags[*]}" \
  cargo build --release --locked --target wasm32-unknown-unknown --lib "${pkg_args[@]}"

features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-reference-types
  --enable-call-indirect-overlong --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-multivalue)
mkdir -p artifacts
rm -f artifacts/*.wasm artifacts/checksums.txt
for c in "${crates[@]}"; do
  raw="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/${c//-/_}.wasm"
  # A struct copy of a size used 20+ times goes through one function per size (no size operand
  # at each call site; scripts/copy-sizes.py, docs/size.md: perps −11,441 bytes).
  tmp="$CARGO_TARGET_DIR/copy-sizes"
  mkdir -p "$tmp"
  node_modules/.bin/wasm-dis "$raw" -o "$tmp/$c.wat"
  python3 scripts/copy-sizes.py "$tmp/$c.wat" "$tmp/$c.sized.wat"
  # The wrapped backtrace printers (above) become the contract's own; their exports go.
  python3 scripts/disabled-backtrace.py rewrite "$tmp/$c.sized.wat" "$tmp/$c.bt.wat"
  in="$tmp/$c.wasm"
  node_modules/.bin/wasm-as "${features[@]}" "$tmp/$c.bt.wat" -o "$in"
  # The lowering passes must run before -Oz. Inlining is limited to small functions (80 bytes: the
  # smallest artifacts of 50..200, docs/size.md) with one caller, so functions stay under the VM's
  # 100-locals limit (the chain check below is the gate). --reorder-functions last: the most
  # called functions get the lowest indices, so their `call`s take fewer LEB bytes (the copy
  # function alone has ~6,100 call sites; perps −10,418 bytes, docs/size.md).
  node_modules/.bin/wasm-opt "${features[@]}" --signext-lowering --llvm-memory-copy-fill-lowering \
    -Oz --one-caller-inline-max-function-size=80 --converge --reorder-functions \
    "$in" -o "artifacts/$c.wasm"
done
(cd artifacts && sha256sum ./*.wasm | sed 's| \./| |' > checksums.txt)

# No backtrace printer in an artifact (scripts/disabled-backtrace.py): the texts of std's
# `Backtrace` arms other than the disabled one and rustc-demangle's are gone, and the disabled
# backtrace's own texts (perps_api::backtrace) are there.
for c in "${crates[@]}"; do
  for s in "unsupported backtrace" "rustc-demangle" "{recursion limit reached}"; do
    if grep -qaF "$s" "artifacts/$c.wasm"; then
      echo "artifacts/$c.wasm holds std's backtrace printer (\"$s\"): see scripts/disabled-backtrace.py" >&2
      exit 1
    fi
  done
  for s in "<disabled>" "disabled backtrace"; do
    grep -qaF "$s" "artifacts/$c.wasm" || { echo "artifacts/$c.wasm lacks \"$s\" (perps_api::backtrace)" >&2; exit 1; }
  done
done

# Chain check: cosmwasm-vm's static validation with mainstream capabilities, size limit, compile.
cargo run --quiet --locked -p localnet --bin wasm-check -- artifacts/*.wasm

# Size budgets (scripts/wasm-budgets.txt): every artifact has one and stays within it.
echo "artifact sizes (bytes):"
over=0
for c in "${crates[@]}"; do
  size=$(stat -c %s "artifacts/$c.wasm")
  budget=$(awk -v c="$c" '$1 == c { print $2 }' scripts/wasm-budgets.txt)
  if [ -z "$budget" ]; then
    printf '  %-20s %8d  no budget in scripts/wasm-budgets.txt\n' "$c.wasm" "$size"; over=1
  elif [ "$size" -gt "$budget" ]; then
    printf '  %-20s %8d  OVER its budget of %d by %d\n' "$c.wasm" "$size" "$budget" "$((size - budget))"; over=1
  else
    printf '  %-20s %8d  budget %d (%d left)\n' "$c.wasm" "$size" "$budget" "$((budget - size))"
  fi
done
[ "$over" -eq 0 ] || { echo "an artifact is over its size budget (scripts/wasm-budgets.txt)" >&2; exit 1; }
