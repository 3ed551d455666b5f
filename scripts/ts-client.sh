#!/usr/bin/env bash
# Regenerates the TypeScript client's generated code (clients/ts/src/generated/) from schema/ with the
# pinned @cosmwasm/ts-codegen (clients/ts/package-lock.json).
# Only the message types (*.types.ts) are committed: they are the client's surface, and their diff is
# what a message change looks like in TypeScript. The clients, message composers and index.ts are
# generated at build time (`npm run build` / `npm test` run `npm run codegen` first) and ignored by
# git: they are mechanical wrappers over the types, fixed by the pinned generator (docs/decisions.md,
# "TypeScript client: generated wrappers at build time").
#   scripts/ts-client.sh          regenerate in place (after scripts/schema.sh)
#   scripts/ts-client.sh --check  generate into a temp dir and fail when a committed file differs
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
# The committed types must match what the generator writes, and the generator must write every
# committed types file (a contract dropped from codegen.js would otherwise leave a stale one).
committed="$(cd src/generated && ls -- *.types.ts | sort)"
generated_types="$(cd "$out/generated" && ls -- *.types.ts | sort)"
if [ "$committed" != "$generated_types" ]; then
  echo "committed files in clients/ts/src/generated ($committed) are not the generated types ($generated_types)" >&2
  exit 1
fi
status=0
for f in $committed; do
  if ! diff -u "src/generated/$f" "$out/generated/$f" >>"$out/diff" 2>&1; then status=1; fi
done
if [ "$status" -ne 0 ]; then
  echo "clients/ts/src/generated differs from what scripts/ts-client.sh generates from schema/; run it and commit:" >&2
  head -50 "$out/diff" >&2
  exit 1
fi
echo "clients/ts/src/generated is up to date"
