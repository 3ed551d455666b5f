#!/usr/bin/env bash
# Regenerates the TypeScript client's generated code (clients/ts/src/generated/) from schema/ with the
# pinned @cosmwasm/ts-codegen (clients/ts/package-lock.json).
#   scripts/ts-client.sh          regenerate in place (after scripts/schema.sh)
#   scripts/ts-client.sh --check  generate into a temp dir and fail on any difference
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT/clients/ts"
check=false
[ "${1:-}" = "--check" ] && check=true

[ -d node_modules/@cosmwasm/ts-codegen ] || npm ci --no-audit --no-fund --loglevel=error

if ! $check; then
  node scripts/codegen.js "$ROOT/schema" src/generated
  echo "clients/ts/src/generated regenerated from schema/"
  exit 0
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node scripts/codegen.js "$ROOT/schema" "$out/generated"
if ! diff -r src/generated "$out/generated" >"$out/diff" 2>&1; then
  echo "clients/ts/src/generated differs from what scripts/ts-client.sh generates from schema/; run it and commit:" >&2
  head -50 "$out/diff" >&2
  exit 1
fi
echo "clients/ts/src/generated is up to date"
