#!/usr/bin/env bash
# Writes schema/<contract>/ for every contract from its `schema` binary (write_api!).
#   scripts/schema.sh          regenerate in place, then the TypeScript client (scripts/ts-client.sh)
#   scripts/schema.sh --check  regenerate into a temp dir and fail on any difference
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
check=false
[ "${1:-}" = "--check" ] && check=true

mkdir -p "$ROOT/schema"
out="$ROOT/schema"
if $check; then out="$(mktemp -d)"; fi
for c in $(contract_crates); do
  [ -f "contracts/$c/src/bin/schema.rs" ] || continue
  work="$(mktemp -d)"
  # write_api! writes into ./schema of its working directory.
  (cd "$work" && cargo run --quiet --locked --manifest-path "$ROOT/contracts/$c/Cargo.toml" --bin "$c-schema" >/dev/null)
  rm -rf "${out:?}/$c"
  mkdir -p "$out/$c"
  cp -r "$work/schema/." "$out/$c/"
  rm -rf "$work"
done

if $check; then
  if ! diff -r "$ROOT/schema" "$out" >/tmp/schema.diff 2>&1; then
    echo "schema/ differs from what scripts/schema.sh generates; run scripts/schema.sh and commit:" >&2
    head -50 /tmp/schema.diff >&2
    exit 1
  fi
  echo "schema/ is up to date"
fi
$check || bash "$ROOT/scripts/ts-client.sh"
