#!/usr/bin/env bash
# A local node with the protocol deployed — what an integrator runs first.
#   bash scripts/localnet.sh             build, start the node, deploy, print the addresses, serve
#                                        until Ctrl-C (the chain is saved and resumed next time)
#   bash scripts/localnet.sh --no-wait   the same, then stop the node (saves the state) and exit
#   bash scripts/localnet.sh --reset     forget the saved chain first
#   bash scripts/localnet.sh --keeper    also run perps-keeper next to the node (liquidations, fee
#                                        sweeps, settlement; /healthz and /metrics on
#                                        $KEEPER_METRICS, default 127.0.0.1:9464)
# Files go to $LOCALNET_HOME (default .localnet/ in the repository): genesis.json, state.json,
# deploy.toml, deploy-state.json, node.log. The RPC listens on 127.0.0.1:26657, or on a free port
# when that one is taken.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

wait_for_ctrl_c=1
with_keeper=0
for arg in "$@"; do
  case "$arg" in
    --no-wait) wait_for_ctrl_c=0 ;;
    --reset) rm -rf "${LOCALNET_HOME:-$ROOT/.localnet}" ;;
    --keeper) with_keeper=1 ;;
    *) echo "usage: bash scripts/localnet.sh [--no-wait] [--reset] [--keeper]" >&2; exit 2 ;;
  esac
done

HOME_DIR="${LOCALNET_HOME:-$ROOT/.localnet}"
mkdir -p "$HOME_DIR"
CHAIN_ID="${LOCALNET_CHAIN_ID:-perps-local-1}"
# A test mnemonic, printed below: anyone can spend these accounts' coins. Never use it elsewhere.
MNEMONIC="${LOCALNET_MNEMONIC:-notice oak worry limit wrap speak medal online prefer cluster roof addict wrist behave treat actual wasp year salad speed social layer crew genius}"

[ -f artifacts/perps.wasm ] || bash scripts/build-wasm.sh
echo "==> building localnet, perps-deploy and perps-keeper"
cargo build --quiet --locked -p localnet --bin localnet -p perps-deploy --bin perps-deploy \
  -p perps-keeper --bin perps-keeper
BIN="$CARGO_TARGET_DIR/debug"

if [ ! -f "$HOME_DIR/genesis.json" ]; then
  LOCALNET_MNEMONIC="$MNEMONIC" "$BIN/localnet" genesis --out "$HOME_DIR/genesis.json" \
    --chain-id "$CHAIN_ID" --prefix wasm --fee-denom uusdc --min-gas-price 0.025 \
    --block-time-ms 1000 --accounts 5 --coins 1000000000000000uusdc >/dev/null
fi

"$BIN/localnet" serve --genesis "$HOME_DIR/genesis.json" --state "$HOME_DIR/state.json" \
  >"$HOME_DIR/node.log" 2>&1 &
NODE_PID=$!
KEEPER_PID=""
stop_node() {
  if [ -n "$KEEPER_PID" ] && kill -0 "$KEEPER_PID" 2>/dev/null; then
    kill -TERM "$KEEPER_PID"
    wait "$KEEPER_PID" || true
  fi
  if kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID"
    wait "$NODE_PID" || true
  fi
}
trap stop_node EXIT
trap 'exit 130' INT TERM

RPC=""
for _ in $(seq 1 600); do
  RPC="$(sed -n 's/^rpc \(http:[^ ]*\).*/\1/p' "$HOME_DIR/node.log" | head -1)"
  [ -n "$RPC" ] && break
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$HOME_DIR/node.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$RPC" ] || { echo "the node did not start; see $HOME_DIR/node.log" >&2; exit 1; }

sed -e "s#^artifacts = .*#artifacts = \"$ROOT/artifacts\"#" \
  -e "s#^state = .*#state = \"$HOME_DIR/deploy-state.json\"#" \
  packages/deploy/deploy.example.toml >"$HOME_DIR/deploy.toml"
echo "==> deploying the protocol"
PERPS_MNEMONIC="$MNEMONIC" "$BIN/perps-deploy" --config "$HOME_DIR/deploy.toml" --rpc "$RPC" \
  >"$HOME_DIR/deploy.out"
KEEPER_INFO=""
if [ "$with_keeper" = 1 ]; then
  KEEPER_METRICS="${KEEPER_METRICS:-127.0.0.1:9464}"
  sed -e "s#^rpc = .*#rpc = \"$RPC\"#" \
    -e "s#^deploy_state = .*#deploy_state = \"$HOME_DIR/deploy-state.json\"#" \
    -e "s#^metrics_addr = .*#metrics_addr = \"$KEEPER_METRICS\"#" \
    packages/keeper/keeper.example.toml >"$HOME_DIR/keeper.toml"
  echo "==> starting perps-keeper"
  KEEPER_MNEMONIC="$MNEMONIC" "$BIN/perps-keeper" --config "$HOME_DIR/keeper.toml" \
    2>"$HOME_DIR/keeper.log" &
  KEEPER_PID=$!
  for _ in $(seq 1 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "http://$KEEPER_METRICS/healthz" 2>/dev/null && break
    kill -0 "$KEEPER_PID" 2>/dev/null || { cat "$HOME_DIR/keeper.log" >&2; exit 1; }
    sleep 0.2
  done
  KEEPER_INFO="  keeper          http://$KEEPER_METRICS/healthz and /metrics (config $HOME_DIR/keeper.toml, log keeper.log)"
fi
contract() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['contracts'][sys.argv[2]])" "$HOME_DIR/deploy-state.json" "$1"; }

cat <<INFO

Local node
  RPC             $RPC
  chain id        $CHAIN_ID
  bech32 prefix   wasm, fee denom uusdc, minimum gas price 0.025uusdc
  price-feed      $(contract price-feed)
  insurance-fund  $(contract insurance-fund)
  perps           $(contract perps)
  test mnemonic   $MNEMONIC
  accounts (HD m/44'/118'/0'/0/i, 10^9 USDC each; account 0 owns the contracts):
$(python3 -c "import json,sys; [print('   ', i, a['address']) for i, a in enumerate(json.load(open(sys.argv[1]))['accounts'])]" "$HOME_DIR/genesis.json")
  files           $HOME_DIR (node.log, state.json: the chain, saved on exit)
$KEEPER_INFO
INFO

if [ "$wait_for_ctrl_c" = 1 ]; then
  echo "Serving; Ctrl-C stops the node (the chain is saved)."
  wait "$NODE_PID"
fi
