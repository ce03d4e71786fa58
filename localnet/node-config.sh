# shellcheck shell=bash
# The per-node templating of the four-validator localnet: what changes in a
# node home made by `gpuchaind init` (CometBFT's config/config.toml and
# gpuchaind's config/app.toml) for node i, and the port scheme.
#
# Sourced by scripts/localnet.sh (and usable on its own:
#   . localnet/node-config.sh; localnet_configure_node ~/.gpuchain 0).
# Everything it reads comes from these variables (scripts/localnet.sh sets
# them from its LOCALNET_* environment):
#
#   LOCALNET_HOST             listen address of every port      (127.0.0.1)
#   LOCALNET_BASE_PORT        node 0's P2P port; see localnet_port (26656)
#   LOCALNET_REST_BASE_PORT   node 0's REST port, if app.toml has [api] (1317)
#   LOCALNET_BLOCK_TIME       consensus.timeout_commit              (1s)
#   LOCALNET_TIMEOUT_PROPOSE  consensus.timeout_propose, if set     (CometBFT's 3s)
#
# Port scheme: node i uses LOCALNET_BASE_PORT + 100*i + offset, offsets
# 0 P2P, 1 RPC, 2 ABCI, 4 Prometheus; so with the defaults
#
#   node  P2P    RPC    ABCI   Prometheus  REST (only if app.toml has [api])
#   0     26656  26657  26658  26660       1317
#   1     26756  26757  26758  26760       1417
#   2     26856  26857  26858  26860       1517
#   3     26956  26957  26958  26960       1617
#
# Changes per node, in <home>/config/config.toml (CometBFT v0.38):
#   proxy_app                             tcp://HOST:ABCI
#   [rpc] laddr                           tcp://HOST:RPC
#   [rpc] cors_allowed_origins            ["*"]
#   [p2p] laddr                           tcp://HOST:P2P
#   [p2p] allow_duplicate_ip              true   (all peers share one IP)
#   [p2p] addr_book_strict                false  (loopback/private addresses)
#   [p2p] persistent_peers                the other nodes (localnet_set_peers)
#   [consensus] timeout_commit            LOCALNET_BLOCK_TIME
#   [consensus] timeout_propose           LOCALNET_TIMEOUT_PROPOSE, if set
#   [tx_index] indexer                    "kv"
#   [instrumentation] prometheus          true
#   [instrumentation] prometheus_listen_addr  HOST:PROMETHEUS
# and in <home>/config/app.toml (gpuchaind):
#   abci-address                          tcp://HOST:ABCI (= proxy_app)
#   [api] address                         tcp://HOST:REST, only if the key exists
#   [api] cors-allowed-origins            ["*"], only if the key exists

# localnet_port KIND I: the port of kind p2p|rpc|abci|prometheus|rest of node I.
localnet_port() {
  local kind="$1" i="$2" base="${LOCALNET_BASE_PORT:-26656}" off
  case "$kind" in
    p2p) off=0 ;;
    rpc) off=1 ;;
    abci) off=2 ;;
    prometheus) off=4 ;;
    rest)
      echo $((${LOCALNET_REST_BASE_PORT:-1317} + 100 * i))
      return
      ;;
    *)
      echo "localnet_port: unknown port kind $kind" >&2
      return 1
      ;;
  esac
  echo $((base + 100 * i + off))
}

# toml_has FILE SECTION KEY: whether KEY is set in [SECTION] ("" = top level).
toml_has() {
  SECTION="$2" KEY="$3" awk '
    /^[ \t]*\[/ { s = $0; sub(/^[ \t]*\[+[ \t]*/, "", s); sub(/[ \t]*\]+.*$/, "", s); sec = s; next }
    sec == ENVIRON["SECTION"] {
      line = $0; sub(/^[ \t]+/, "", line)
      if (index(line, ENVIRON["KEY"]) == 1) {
        rest = substr(line, length(ENVIRON["KEY"]) + 1)
        if (rest ~ /^[ \t]*=/) { found = 1; exit }
      }
    }
    END { exit found ? 0 : 1 }
  ' "$1"
}

# toml_set FILE SECTION KEY VALUE: replaces `KEY = ...` in [SECTION] ("" = top
# level) by `KEY = VALUE`, where VALUE is a TOML literal ('"1s"', 'true',
# '["*"]'). Comments and everything else are kept. Fails if the key is not
# there: the templating only edits keys CometBFT and gpuchaind write.
toml_set() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  if ! SECTION="$2" KEY="$3" VALUE="$4" awk '
    /^[ \t]*\[/ { s = $0; sub(/^[ \t]*\[+[ \t]*/, "", s); sub(/[ \t]*\]+.*$/, "", s); sec = s }
    !done && sec == ENVIRON["SECTION"] && $0 !~ /^[ \t]*\[/ {
      line = $0; sub(/^[ \t]+/, "", line)
      if (index(line, ENVIRON["KEY"]) == 1 && substr(line, length(ENVIRON["KEY"]) + 1) ~ /^[ \t]*=/) {
        print ENVIRON["KEY"] " = " ENVIRON["VALUE"]; done = 1; next
      }
    }
    { print }
    END { exit done ? 0 : 1 }
  ' "$file" >"$tmp"; then
    rm -f "$tmp"
    echo "toml_set: no key $3 in [${2:-top level}] of $file" >&2
    return 1
  fi
  cat "$tmp" >"$file"
  rm -f "$tmp"
}

# localnet_configure_node HOME I: applies node I's settings to HOME.
localnet_configure_node() {
  local home="$1" i="$2" host="${LOCALNET_HOST:-127.0.0.1}"
  local cfg="$home/config/config.toml" app="$home/config/app.toml"
  local p2p rpc abci prom rest
  p2p="$(localnet_port p2p "$i")"
  rpc="$(localnet_port rpc "$i")"
  abci="$(localnet_port abci "$i")"
  prom="$(localnet_port prometheus "$i")"
  rest="$(localnet_port rest "$i")"

  toml_set "$cfg" "" proxy_app "\"tcp://$host:$abci\""
  toml_set "$cfg" rpc laddr "\"tcp://$host:$rpc\""
  toml_set "$cfg" rpc cors_allowed_origins '["*"]'
  toml_set "$cfg" p2p laddr "\"tcp://$host:$p2p\""
  toml_set "$cfg" p2p allow_duplicate_ip true
  toml_set "$cfg" p2p addr_book_strict false
  toml_set "$cfg" consensus timeout_commit "\"${LOCALNET_BLOCK_TIME:-1s}\""
  if [ -n "${LOCALNET_TIMEOUT_PROPOSE:-}" ]; then
    toml_set "$cfg" consensus timeout_propose "\"$LOCALNET_TIMEOUT_PROPOSE\""
  fi
  toml_set "$cfg" tx_index indexer '"kv"'
  toml_set "$cfg" instrumentation prometheus true
  toml_set "$cfg" instrumentation prometheus_listen_addr "\"$host:$prom\""

  toml_set "$app" "" abci-address "\"tcp://$host:$abci\""
  if toml_has "$app" api address; then
    toml_set "$app" api address "\"tcp://$host:$rest\""
  fi
  if toml_has "$app" api cors-allowed-origins; then
    toml_set "$app" api cors-allowed-origins '["*"]'
  fi
}

# localnet_set_peers HOME PEERS: PEERS is "id@host:port,..." (the other nodes).
localnet_set_peers() {
  toml_set "$1/config/config.toml" p2p persistent_peers "\"$2\""
}
