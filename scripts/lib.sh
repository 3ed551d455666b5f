# Shared settings of the scripts: sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One warm target dir outside the clone, reused by every run (CI included).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/perps-target}"
# Every contract crate: a directory under contracts/ with a Cargo.toml.
contract_crates() {
  local d
  for d in "$ROOT"/contracts/*/; do
    [ -f "$d/Cargo.toml" ] && basename "$d"
  done
}
