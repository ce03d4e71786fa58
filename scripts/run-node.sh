#!/usr/bin/env bash
# The main job until the localnet lands: on a fresh machine, installs what is
# missing, builds gpuchaind, creates a single-validator chain in
# ./.localnet/single, starts it (gpuchaind + cometbft), sends a transfer with
# the CLI and shows the balances. The node keeps running until Ctrl-C
# (or pass --exit to stop after the transfer).
set -euo pipefail
cd "$(dirname "$0")/.."

EXIT_AFTER=0
[ "${1:-}" = "--exit" ] && EXIT_AFTER=1

scripts/setup.sh
COMETBFT_BIN="$(scripts/install-cometbft.sh)"
export COMETBFT_BIN
cargo build --bin gpuchaind
BIN="$PWD/target/debug/gpuchaind"
HOME_DIR="${GPUCHAIN_HOME:-$PWD/.localnet/single}"
CHAIN_ID="gpuchain-local-1"
NODE="tcp://127.0.0.1:26657"
ALICE_MNEMONIC="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
BOB_MNEMONIC="zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"

rm -rf "$HOME_DIR"
"$BIN" init local-node --chain-id "$CHAIN_ID" --home "$HOME_DIR" >/dev/null
echo "$ALICE_MNEMONIC" | "$BIN" keys add alice --recover --home "$HOME_DIR" >/dev/null 2>&1
echo "$BOB_MNEMONIC" | "$BIN" keys add bob --recover --home "$HOME_DIR" >/dev/null 2>&1
"$BIN" genesis add-account alice 1000000000000ugpc --home "$HOME_DIR"
ALICE="$("$BIN" keys show alice -a --home "$HOME_DIR")"
BOB="$("$BIN" keys show bob -a --home "$HOME_DIR")"

"$BIN" start --with-comet --home "$HOME_DIR" >"$HOME_DIR/node.log" 2>&1 &
NODE_PID=$!
trap 'kill $NODE_PID 2>/dev/null || true; wait $NODE_PID 2>/dev/null || true' EXIT
echo "node started (pid $NODE_PID), log: $HOME_DIR/node.log"
for _ in $(seq 1 120); do
  h="$(curl -s "http://127.0.0.1:26657/status" 2>/dev/null | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p' || true)"
  [ -n "$h" ] && [ "$h" -ge 2 ] && break
  sleep 0.5
done
echo "chain $CHAIN_ID is producing blocks (height $h)"

echo "sending 1000000ugpc from alice ($ALICE) to bob ($BOB)"
"$BIN" tx bank send alice "$BOB" 1000000ugpc --node "$NODE" --chain-id "$CHAIN_ID" --home "$HOME_DIR"
echo "bob's balances:"
"$BIN" query bank balances "$BOB" --node "$NODE"
echo "alice's account:"
"$BIN" query auth account "$ALICE" --node "$NODE"

if [ "$EXIT_AFTER" = 1 ]; then
  exit 0
fi
echo "node running; RPC $NODE. Ctrl-C to stop."
wait $NODE_PID
