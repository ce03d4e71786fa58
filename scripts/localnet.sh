#!/usr/bin/env bash
# A four-validator gpuchain network on this machine: four homes, each run as
# `gpuchaind start --with-comet` (gpuchaind + a real cometbft), on distinct
# ports, peered with each other. See localnet/README.md.
#
#   scripts/localnet.sh up          fresh network: set-up, build, init, start, wait
#   scripts/localnet.sh down        stop every node (SIGTERM, SIGKILL after a timeout)
#   scripts/localnet.sh status      each node: running?, height, app hash, peers
#   scripts/localnet.sh logs [I]    follow node I's log (default 0)
#   scripts/localnet.sh start [I]   (re)start node I, or every stopped node, keeping state
#   scripts/localnet.sh stop [I]    stop node I, or every node (= down)
#   scripts/localnet.sh demo        the market + agent demo (scripts/demo.sh) on this
#                                   localnet; runs `up` first (with demo-friendly genesis
#                                   params, localnet/demo-genesis.sh) if no node is running
#
# Environment (all optional):
#   LOCALNET_DIR              where the homes go                 (./.localnet)
#   LOCALNET_BASE_PORT        node 0's P2P port (scheme: localnet/node-config.sh) (26656)
#   LOCALNET_REST_BASE_PORT   node 0's REST port  (1317; LOCALNET_BASE_PORT+7 if that is set)
#   LOCALNET_HOST             listen address                     (127.0.0.1)
#   LOCALNET_BLOCK_TIME       consensus timeout_commit           (1s)
#   LOCALNET_TIMEOUT_PROPOSE  consensus timeout_propose          (CometBFT's default, 3s)
#   LOCALNET_WAIT_TIMEOUT     seconds `up`/`start` wait for the nodes (120)
#   LOCALNET_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL (10)
#   GPUCHAIND_BIN             use this gpuchaind: skips scripts/setup.sh and the cargo build
#   COMETBFT_BIN              use this cometbft (default: scripts/install-cometbft.sh's)
#   LOCALNET_GENESIS_HOOK     `up` runs this executable with node 0's genesis.json as its
#                             argument before copying it to the others (e.g. to set params;
#                             localnet/demo-genesis.sh); unset: the genesis is left as is
#
# `up` records the settings it used in $LOCALNET_DIR/localnet.env, and the
# nodes and accounts in $LOCALNET_DIR/localnet.json; the other commands read
# the former, so they need no environment.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=SCRIPTDIR/../localnet/node-config.sh
. "$ROOT/localnet/node-config.sh"

NODES=4
CHAIN_ID="gpuchain-local-1"
DENOM="ugpc"
ACCOUNT_COINS="1000000000000$DENOM" # 1,000,000 GPC each

# Test accounts: fixed, well-known BIP39 test mnemonics (never use them for
# real funds). alice/bob are those of scripts/run-node.sh and the e2e tests.
ACCOUNT_NAMES=(alice bob carol validator0 validator1 validator2 validator3)
ACCOUNT_MNEMONICS=(
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
  "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"
  "legal winner thank year wave sausage worth useful legal winner thank yellow"
  "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"
  "scheme spot photo card baby mountain device kick cradle pact join borrow"
  "cat swing flag economy stadium alone churn speed unique patch report train"
  "vessel ladder alter error federal sibling chat ability sun glass valve picture"
)

DIR="${LOCALNET_DIR:-$ROOT/.localnet}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
ENV_FILE="$DIR/localnet.env"
JSON_FILE="$DIR/localnet.json"
STOP_TIMEOUT="${LOCALNET_STOP_TIMEOUT:-10}"
WAIT_TIMEOUT="${LOCALNET_WAIT_TIMEOUT:-120}"

log() { echo "localnet: $*" >&2; }
die() {
  log "$*"
  exit 1
}

home_of() { echo "$DIR/node$1"; }
pid_file() { echo "$DIR/node$1/gpuchaind.pid"; }
log_file() { echo "$DIR/node$1/node.log"; }
rpc_url() { echo "http://$LOCALNET_HOST:$(localnet_port rpc "$1")"; }

# The settings of the network `up` made (ports, binaries), else (and always
# for `up` itself: load_settings fresh) the environment's.
load_settings() {
  if [ "${1:-}" != fresh ] && [ -f "$ENV_FILE" ]; then
    # shellcheck source=/dev/null
    . "$ENV_FILE"
  fi
  LOCALNET_HOST="${LOCALNET_HOST:-127.0.0.1}"
  if [ -z "${LOCALNET_REST_BASE_PORT:-}" ]; then
    if [ -n "${LOCALNET_BASE_PORT:-}" ]; then
      LOCALNET_REST_BASE_PORT=$((LOCALNET_BASE_PORT + 7))
    else
      LOCALNET_REST_BASE_PORT=1317
    fi
  fi
  LOCALNET_BASE_PORT="${LOCALNET_BASE_PORT:-26656}"
  LOCALNET_BLOCK_TIME="${LOCALNET_BLOCK_TIME:-1s}"
  LOCALNET_TIMEOUT_PROPOSE="${LOCALNET_TIMEOUT_PROPOSE:-}"
  LOCALNET_GENESIS_HOOK="${LOCALNET_GENESIS_HOOK:-}"
}

save_settings() {
  {
    echo "# written by scripts/localnet.sh up; read by its other commands"
    for v in LOCALNET_HOST LOCALNET_BASE_PORT LOCALNET_REST_BASE_PORT LOCALNET_BLOCK_TIME \
      LOCALNET_TIMEOUT_PROPOSE LOCALNET_GENESIS_HOOK GPUCHAIND_BIN COMETBFT_BIN; do
      printf '%s=%q\n' "$v" "${!v}"
    done
  } >"$ENV_FILE"
}

# gpuchaind and cometbft: given, or set up and built here.
prepare_binaries() {
  if [ -n "${GPUCHAIND_BIN:-}" ]; then
    [ -x "$GPUCHAIND_BIN" ] || die "GPUCHAIND_BIN=$GPUCHAIND_BIN is not executable"
    COMETBFT_BIN="${COMETBFT_BIN:-$(scripts/install-cometbft.sh)}"
  else
    scripts/setup.sh
    COMETBFT_BIN="${COMETBFT_BIN:-$(scripts/install-cometbft.sh)}"
    cargo build --bin gpuchaind >&2
    GPUCHAIND_BIN="$ROOT/target/debug/gpuchaind"
  fi
  [ -x "$COMETBFT_BIN" ] || die "COMETBFT_BIN=$COMETBFT_BIN is not executable"
  GPUCHAIND_BIN="$(cd "$(dirname "$GPUCHAIND_BIN")" && pwd)/$(basename "$GPUCHAIND_BIN")"
  export GPUCHAIND_BIN COMETBFT_BIN
}

gpud() { "$GPUCHAIND_BIN" "$@"; }

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# node_pid I: the pid of node I's gpuchaind if it is running (checked against
# its command line, so a stale pid file never names another process).
node_pid() {
  local f pid
  f="$(pid_file "$1")"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--home $(home_of "$1")" || return 1
  echo "$pid"
}

# children PID: the direct children of PID (its cometbft).
children() {
  cat /proc/"$1"/task/*/children 2>/dev/null || true
}

# rpc_get I PATH: GET node I's RPC PATH (curl, else bash's /dev/tcp).
rpc_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -s --max-time 2 "$(rpc_url "$1")/$2" 2>/dev/null || true
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$0" >&3 && cat <&3' \
      "$LOCALNET_HOST" "$(localnet_port rpc "$1")" "$2" 2>/dev/null || true
  fi
}
json_str() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n1; }
node_height() { rpc_get "$1" status | json_str latest_block_height; }

start_node() {
  local i="$1" home log pid
  home="$(home_of "$i")"
  log="$(log_file "$i")"
  [ -f "$home/config/genesis.json" ] || die "no node $i in $DIR: run \`scripts/localnet.sh up\`"
  if pid="$(node_pid "$i")"; then
    log "node $i already running (pid $pid)"
    return 0
  fi
  local setsid=()
  command -v setsid >/dev/null 2>&1 && setsid=(setsid)
  # Own session: a Ctrl-C at this terminal does not reach the nodes.
  "${setsid[@]}" "$GPUCHAIND_BIN" start --with-comet --cometbft-bin "$COMETBFT_BIN" \
    --home "$home" >>"$log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$i")"
  log "node $i started (pid $!), log $log"
}

stop_nodes() {
  local i pid pids=() kids=() t
  for i in "$@"; do
    if pid="$(node_pid "$i")"; then
      pids+=("$pid")
      # shellcheck disable=SC2207
      kids+=($(children "$pid"))
      kill -TERM "$pid" 2>/dev/null || true
      log "node $i: SIGTERM to gpuchaind (pid $pid)"
    fi
    rm -f "$(pid_file "$i")"
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  t=0
  while [ "$t" -lt $((STOP_TIMEOUT * 10)) ]; do
    local any=0
    for pid in "${pids[@]}" "${kids[@]}"; do
      alive "$pid" && any=1
    done
    [ "$any" = 0 ] && return 0
    sleep 0.1
    t=$((t + 1))
  done
  for pid in "${pids[@]}" "${kids[@]}"; do
    if alive "$pid"; then
      log "pid $pid still running after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

node_list() {
  if [ -n "${1:-}" ]; then
    if ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -ge "$NODES" ]; then
      die "no node $1 (0..$((NODES - 1)))"
    fi
    echo "$1"
  else
    seq 0 $((NODES - 1))
  fi
}

# wait_rpc I...: until each node's RPC answers.
wait_rpc() {
  local deadline=$((SECONDS + WAIT_TIMEOUT)) i
  for i in "$@"; do
    until [ -n "$(node_height "$i")" ]; do
      node_pid "$i" >/dev/null || fail_node "$i" "node $i exited"
      [ "$SECONDS" -lt "$deadline" ] || fail_node "$i" "node $i RPC not up in ${WAIT_TIMEOUT}s"
      sleep 0.3
    done
  done
}

# wait_same_height MIN: until every node reports the same height >= MIN.
wait_same_height() {
  local deadline=$((SECONDS + WAIT_TIMEOUT)) i h first same
  while :; do
    same=1
    first=""
    for i in $(node_list); do
      node_pid "$i" >/dev/null || fail_node "$i" "node $i exited"
      h="$(node_height "$i")"
      [ -z "$first" ] && first="$h"
      if [ -z "$h" ] || [ "$h" -lt "$1" ] || [ "$h" != "$first" ]; then same=0; fi
    done
    [ "$same" = 1 ] && {
      echo "$first"
      return 0
    }
    [ "$SECONDS" -lt "$deadline" ] || fail_node 0 "nodes not at one height >= $1 in ${WAIT_TIMEOUT}s"
    sleep 0.2
  done
}

fail_node() {
  log "$2; last lines of $(log_file "$1"):"
  tail -n 30 "$(log_file "$1")" >&2 || true
  log "stopping the localnet"
  # shellcheck disable=SC2046
  stop_nodes $(node_list)
  exit 1
}

write_json() {
  local i sep=""
  {
    echo "{"
    echo "  \"chain_id\": \"$CHAIN_ID\","
    echo "  \"dir\": \"$DIR\","
    echo "  \"nodes\": ["
    for i in $(node_list); do
      printf '%s    {"index": %d, "moniker": "validator%d", "home": "%s", "node_id": "%s", "rpc": "%s", "p2p_port": %d, "rpc_port": %d, "abci_port": %d, "prometheus_port": %d, "rest_port": %d, "pid_file": "%s", "log": "%s"}' \
        "$sep" "$i" "$i" "$(home_of "$i")" "${NODE_IDS[$i]}" "$(rpc_url "$i")" \
        "$(localnet_port p2p "$i")" "$(localnet_port rpc "$i")" "$(localnet_port abci "$i")" \
        "$(localnet_port prometheus "$i")" "$(localnet_port rest "$i")" "$(pid_file "$i")" "$(log_file "$i")"
      sep=$',\n'
    done
    printf '\n  ],\n  "accounts": [\n'
    sep=""
    for i in "${!ACCOUNT_NAMES[@]}"; do
      printf '%s    {"name": "%s", "address": "%s", "mnemonic": "%s"}' \
        "$sep" "${ACCOUNT_NAMES[$i]}" "${ACCOUNT_ADDRS[$i]}" "${ACCOUNT_MNEMONICS[$i]}"
      sep=$',\n'
    done
    printf '\n  ]\n}\n'
  } >"$JSON_FILE"
}

cmd_up() {
  load_settings fresh
  local i
  for i in $(node_list); do
    if node_pid "$i" >/dev/null; then
      die "node $i is already running in $DIR: run \`scripts/localnet.sh down\` first"
    fi
  done
  local kind port
  for i in $(node_list); do
    for kind in p2p rpc abci prometheus; do
      port="$(localnet_port "$kind" "$i")"
      if (exec 3<>"/dev/tcp/$LOCALNET_HOST/$port") 2>/dev/null; then
        die "port $port (node $i $kind) is in use; stop what listens there or set LOCALNET_BASE_PORT"
      fi
    done
  done
  prepare_binaries
  save_settings

  log "creating $NODES validators of $CHAIN_ID in $DIR"
  for i in $(node_list); do
    rm -rf "$(home_of "$i")"
  done
  rm -f "$JSON_FILE"
  NODE_IDS=()
  for i in $(node_list); do
    local home
    home="$(home_of "$i")"
    gpud init "validator$i" --chain-id "$CHAIN_ID" --cometbft-bin "$COMETBFT_BIN" --home "$home" >/dev/null
    localnet_configure_node "$home" "$i"
    NODE_IDS[i]="$("$COMETBFT_BIN" show-node-id --home "$home")"
    # Every node's keyring holds every test account, so `tx` works from any home.
    local k
    for k in "${!ACCOUNT_NAMES[@]}"; do
      echo "${ACCOUNT_MNEMONICS[$k]}" |
        gpud keys add "${ACCOUNT_NAMES[$k]}" --recover --home "$home" >/dev/null 2>&1 ||
        die "importing key ${ACCOUNT_NAMES[$k]} into $home failed"
    done
  done

  # One genesis, built in node 0's home, with all four validators (equal
  # power) and the funded accounts; copied to the others.
  local g0
  g0="$(home_of 0)"
  ACCOUNT_ADDRS=()
  for k in "${!ACCOUNT_NAMES[@]}"; do
    ACCOUNT_ADDRS[k]="$(gpud keys show "${ACCOUNT_NAMES[$k]}" -a --home "$g0")"
    gpud genesis add-account "${ACCOUNT_ADDRS[$k]}" "$ACCOUNT_COINS" --home "$g0" >/dev/null
  done
  for i in $(node_list); do
    gpud genesis add-validator --from-home "$(home_of "$i")" --power 10 --name "validator$i" \
      --home "$g0" >/dev/null
  done
  if [ -n "$LOCALNET_GENESIS_HOOK" ]; then
    log "genesis hook: $LOCALNET_GENESIS_HOOK"
    "$LOCALNET_GENESIS_HOOK" "$g0/config/genesis.json" ||
      die "genesis hook $LOCALNET_GENESIS_HOOK failed"
  fi
  for i in $(node_list); do
    [ "$i" = 0 ] || cp "$g0/config/genesis.json" "$(home_of "$i")/config/genesis.json"
  done

  # Everyone peers with everyone else.
  for i in $(node_list); do
    local peers="" j
    for j in $(node_list); do
      [ "$j" = "$i" ] && continue
      peers="${peers:+$peers,}${NODE_IDS[$j]}@$LOCALNET_HOST:$(localnet_port p2p "$j")"
    done
    localnet_set_peers "$(home_of "$i")" "$peers"
  done
  write_json

  for i in $(node_list); do
    start_node "$i"
  done
  # shellcheck disable=SC2046
  wait_rpc $(node_list)
  local h
  h="$(wait_same_height 2)"
  log "all $NODES validators at height $h"
  print_summary
}

print_summary() {
  local i k
  echo
  echo "gpuchain localnet: chain id $CHAIN_ID, $NODES validators, homes in $DIR"
  echo
  printf '%-5s %-26s %-21s %-21s %-21s %s\n' node RPC P2P ABCI Prometheus home
  for i in $(node_list); do
    printf '%-5s %-26s %-21s %-21s %-21s %s\n' "$i" "$(rpc_url "$i")" \
      "$LOCALNET_HOST:$(localnet_port p2p "$i")" "$LOCALNET_HOST:$(localnet_port abci "$i")" \
      "$LOCALNET_HOST:$(localnet_port prometheus "$i")" "$(home_of "$i")"
  done
  if toml_has "$(home_of 0)/config/app.toml" api address; then
    for i in $(node_list); do
      echo "node $i REST: http://$LOCALNET_HOST:$(localnet_port rest "$i")"
    done
  fi
  echo
  echo "accounts (each $ACCOUNT_COINS in genesis, in every node's keyring; test mnemonics only):"
  for k in "${!ACCOUNT_NAMES[@]}"; do
    printf '  %-11s %s  "%s"\n' "${ACCOUNT_NAMES[$k]}" "${ACCOUNT_ADDRS[$k]}" "${ACCOUNT_MNEMONICS[$k]}"
  done
  echo
  echo "try:"
  echo "  $GPUCHAIND_BIN tx bank send alice ${ACCOUNT_ADDRS[1]} 1000000$DENOM --chain-id $CHAIN_ID --node tcp://$LOCALNET_HOST:$(localnet_port rpc 0) --home $(home_of 0)"
  echo "  $GPUCHAIND_BIN query bank balances ${ACCOUNT_ADDRS[1]} --node tcp://$LOCALNET_HOST:$(localnet_port rpc 3)"
  local pre=""
  [ "$DIR" = "$ROOT/.localnet" ] || pre="LOCALNET_DIR=$DIR "
  echo "  ${pre}scripts/localnet.sh status    (also: logs 2, stop 3, start 3, down)"
  echo "nodes and accounts as JSON: $JSON_FILE"
}

cmd_start() {
  load_settings
  [ -f "$ENV_FILE" ] || die "no localnet in $DIR: run \`scripts/localnet.sh up\`"
  [ -x "${GPUCHAIND_BIN:-}" ] || prepare_binaries
  local nodes
  # shellcheck disable=SC2207
  nodes=($(node_list "${1:-}"))
  for i in "${nodes[@]}"; do
    start_node "$i"
  done
  wait_rpc "${nodes[@]}"
  log "node(s) ${nodes[*]} answering RPC"
}

cmd_stop() {
  load_settings
  # shellcheck disable=SC2046
  stop_nodes $(node_list "${1:-}")
}

cmd_status() {
  load_settings
  local i pid state st h hash peers
  printf '%-5s %-8s %-8s %-8s %-66s %-6s %s\n' node state pid height app_hash peers rpc
  for i in $(node_list); do
    if pid="$(node_pid "$i")"; then state=running; else
      state=stopped
      pid=-
    fi
    st="$(rpc_get "$i" status)"
    h="$(printf '%s' "$st" | json_str latest_block_height)"
    hash="$(printf '%s' "$st" | json_str latest_app_hash)"
    peers="$(rpc_get "$i" net_info | json_str n_peers)"
    printf '%-5s %-8s %-8s %-8s %-66s %-6s %s\n' "$i" "$state" "$pid" "${h:--}" "${hash:--}" \
      "${peers:--}" "$(rpc_url "$i")"
  done
}

# demo: scripts/demo.sh on this localnet, after `up` (with demo-friendly
# genesis params) when no node runs. A partly stopped network is an error:
# the demo needs the chain making blocks.
cmd_demo() {
  local i running=0 stopped=0
  for i in $(node_list); do
    if node_pid "$i" >/dev/null; then running=$((running + 1)); else stopped=$((stopped + 1)); fi
  done
  if [ "$running" = 0 ]; then
    log "no localnet running in $DIR: \`up\` with demo genesis params first"
    LOCALNET_GENESIS_HOOK="${LOCALNET_GENESIS_HOOK:-$ROOT/localnet/demo-genesis.sh}" cmd_up >&2
  elif [ "$stopped" != 0 ]; then
    die "$stopped node(s) stopped: \`scripts/localnet.sh start\` (or \`down\`, then \`demo\`)"
  fi
  LOCALNET_DIR="$DIR" exec "$ROOT/scripts/demo.sh"
}

cmd_logs() {
  local i="${1:-0}" f
  node_list "$i" >/dev/null
  f="$(log_file "$i")"
  [ -f "$f" ] || die "no log $f"
  exec tail -n "${LOCALNET_LOG_LINES:-50}" -F "$f"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_stop "" ;;
  stop) cmd_stop "${2:-}" ;;
  start) cmd_start "${2:-}" ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  demo) cmd_demo ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
