#!/usr/bin/env bash
# gpuchain demo on a running localnet (scripts/localnet.sh; run it as
# `scripts/localnet.sh demo`, which starts one first if none is running):
#
#  1. two providers register with a bond and authorize an agent each; the
#     agents (`gpuchain-agent run`) report a simulated `test-cpu` inventory
#     (a JSON file) to the chain;
#  2. provider 1 opens an offer; a tenant orders a GPU: the order is matched
#     in its block, the honest agent acknowledges the lease with a free GPU,
#     answers the acknowledgement challenge (passed), the lease is billed per
#     second and closes by itself when its funds run out (or, on a chain
#     whose market.min_prepaid_secs is long, when the tenant closes it);
#  3. provider 2's agent answers challenges wrongly: its tenant's lease is
#     acknowledged, the challenge fails, the provider's bond is slashed and
#     the tenant refunded its unused time plus a share of the slash;
#  4. the agents are stopped.
#
# Each run uses fresh keys (demo-* in node 0's keyring, funded by alice) and
# fresh GPU uuids, so it can run again on the same chain.
#
# Environment (optional):
#   LOCALNET_DIR        the localnet (./.localnet)
#   GPUCHAIN_AGENT_BIN  the agent binary (default: cargo build -p gpuchain-agent)
#   DEMO_DIR            agent configs, keys, inventories and logs ($LOCALNET_DIR/demo)
# Needs jq and curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DIR="${LOCALNET_DIR:-$ROOT/.localnet}"
JSON_FILE="$DIR/localnet.json"
ENV_FILE="$DIR/localnet.env"
DEMO_DIR="${DEMO_DIR:-$DIR/demo}"
DENOM=ugpc
PRICE=3600000           # ugpc per GPU-hour: 1,000 ugpc per second
FUNDED_SECS=20          # the honest lease's deposit pays this many seconds
FEES="1500$DENOM"
FEE=1500

die() {
  echo "demo: $*" >&2
  exit 1
}
for t in jq curl; do
  command -v "$t" >/dev/null 2>&1 || die "$t is required"
done
if [ ! -f "$JSON_FILE" ] || [ ! -f "$ENV_FILE" ]; then
  die "no localnet in $DIR: run \`scripts/localnet.sh demo\`"
fi
# shellcheck source=/dev/null
. "$ENV_FILE"
[ -x "${GPUCHAIND_BIN:-}" ] || die "gpuchaind not found (GPUCHAIND_BIN=${GPUCHAIND_BIN:-})"
CHAIN_ID="$(jq -r .chain_id "$JSON_FILE")"
HOME0="$(jq -r '.nodes[0].home' "$JSON_FILE")"
RPC="$(jq -r '.nodes[0].rpc' "$JSON_FILE")"
NODE="tcp://${RPC#http://}"
curl -sf --max-time 3 "$RPC/status" >/dev/null || die "node 0 does not answer at $RPC: is the localnet running?"

# ---- output ---------------------------------------------------------------

step_no=0
step() {
  step_no=$((step_no + 1))
  printf '\n[%d] %s\n' "$step_no" "$*"
}
say() { printf '    %s\n' "$*"; }
# gpc AMOUNT: "AMOUNT ugpc (X.XXXXXX GPC)"
gpc() { printf '%s %s (%d.%06d GPC)' "$1" "$DENOM" $(($1 / 1000000)) $(($1 % 1000000)); }
check() {
  if [ "$1" = "$2" ]; then
    say "ok: $3 ($1)"
  else
    die "check failed: $3: got $1, expected $2"
  fi
}

# ---- chain ----------------------------------------------------------------

gpud() { "$GPUCHAIND_BIN" "$@"; }
# tx MODULE ACTION ARGS...: signs with node 0's keyring, waits for the block;
# prints the result JSON; fails unless code 0.
tx() {
  local out code
  out="$(gpud tx "$@" --home "$HOME0" --node "$NODE" --chain-id "$CHAIN_ID" \
    --gas 600000 --fees "$FEES" --output json)" || die "gpuchaind tx $*: $out"
  code="$(jq -r .code <<<"$out")"
  [ "$code" = 0 ] || die "gpuchaind tx $*: code $code: $(jq -r .raw_log <<<"$out")"
  echo "$out"
}
q() { gpud query "$@" --node "$NODE" --output json; }
hash_of() { jq -r .txhash <<<"$1"; }
height_of() { jq -r .height <<<"$1"; }
# event ATTR_KEY EVENT_TYPE RESULT: the attribute of the first such event.
event() { jq -r --arg t "$2" --arg k "$1" \
  '[.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value][0] // empty' <<<"$3"; }
balance() { q bank balances "$1" | jq -r --arg d "$DENOM" '[.balances[] | select(.denom == $d) | .amount][0] // "0"'; }
# search QUERY: hashes of the txs matching a CometBFT event query, oldest first.
search() {
  curl -sf -G "$RPC/tx_search" --data-urlencode "query=\"$1\"" --data-urlencode 'order_by="asc"' |
    jq -r '.result.txs[]?.hash'
}
# wait_for WHAT SECONDS FUNCTION ARGS...: until FUNCTION succeeds.
wait_for() {
  local what="$1" secs="$2" deadline
  shift 2
  deadline=$((SECONDS + secs))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${secs}s waiting for $what (agent logs: $DEMO_DIR/*.log)"
    agents_alive
    sleep 0.5
  done
}
lease() { q market lease "$1"; }
lease_state_is() { [ "$(lease "$1" | jq -r .lease.state)" = "$2" ]; }
gpus_on_chain() { [ "$(q attestation gpus --provider "$1" | jq '.gpus | length')" = "$2" ]; }
# ack_challenge PROVIDER LEASE: the lease's acknowledgement challenge, once resolved.
ack_challenge() {
  q attestation challenges --provider "$1" | jq -c --arg l "$2" '[.challenges[]
    | select(.lease_id == $l and .reason == "CHALLENGE_REASON_LEASE_ACK"
             and (.status == "CHALLENGE_STATUS_PASSED" or .status == "CHALLENGE_STATUS_FAILED"))][0] // empty'
}
challenge_resolved() { [ -n "$(ack_challenge "$1" "$2")" ]; }

# ---- agents ---------------------------------------------------------------

AGENT_PIDS=()
stop_agents() {
  local pid
  for pid in "${AGENT_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${AGENT_PIDS[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  AGENT_PIDS=()
}
trap stop_agents EXIT
agents_alive() {
  local pid
  for pid in "${AGENT_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "agent (pid $pid) exited; see $DEMO_DIR/*.log"
  done
}

if [ -n "${GPUCHAIN_AGENT_BIN:-}" ]; then
  AGENT_BIN="$GPUCHAIN_AGENT_BIN"
else
  echo "demo: cargo build -p gpuchain-agent" >&2
  cargo build -q -p gpuchain-agent >&2
  AGENT_BIN="$ROOT/target/debug/gpuchain-agent"
fi
[ -x "$AGENT_BIN" ] || die "agent binary $AGENT_BIN not found"

# gpu_json UUID BUS: one simulated test-cpu GPU, as `gpuchain-agent inventory` prints it.
gpu_json() {
  jq -cn --arg u "$1" --arg b "$2" '{uuid: $u, name: "gpuchain test-cpu", memory_mib: 1024,
    driver_version: "550.54.15", pci_bus_id: $b, mig_mode: "disabled"}'
}
new_uuid() { echo "GPU-$(cat /proc/sys/kernel/random/uuid)"; }

# start_agent N PROVIDER_ADDR AGENT_KEY_NAME MODE GPU_JSON...
start_agent() {
  local n="$1" provider="$2" keyname="$3" mode="$4" d="$DEMO_DIR"
  shift 4
  install -m 600 "$HOME0/keyring-test/$keyname.info" "$d/agent$n.key"
  jq -n '{gpus: $ARGS.positional | map(fromjson)}' --args "$@" >"$d/inventory$n.json"
  cat >"$d/agent$n.toml" <<EOF
[chain]
rpc_url = "$RPC"
chain_id = "$CHAIN_ID"
poll_interval_ms = 500

[provider]
address = "$provider"
key_file = "$d/agent$n.key"

[hardware]
source = "json"
path = "$d/inventory$n.json"

[hooks]
on_lease_start = ["/bin/sh", "-c", 'echo "lease \$LEASE_ID started on \$LEASE_GPU_UUIDS for \$LEASE_TENANT" >> "$d/hooks$n.log"']
on_lease_stop = ["/bin/sh", "-c", 'echo "lease \$LEASE_ID stopped: \$LEASE_CLOSE_REASON" >> "$d/hooks$n.log"']

[report]
interval_secs = 30

[metrics]
enabled = false

[log]
format = "text"
level = "info"

[challenge]
mode = "$mode"
EOF
  "$AGENT_BIN" check-config --config "$d/agent$n.toml" >/dev/null
  "$AGENT_BIN" run --config "$d/agent$n.toml" >>"$d/agent$n.log" 2>&1 </dev/null &
  AGENT_PIDS+=("$!")
  say "agent $n started (pid $!, challenge mode \"$mode\"), config $d/agent$n.toml, log $d/agent$n.log"
}

# ---- the demo -------------------------------------------------------------

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
echo "gpuchain demo on $CHAIN_ID (node 0: $RPC); files in $DEMO_DIR"
PARAMS="$(q market params)"
MIN_PREPAID="$(jq -r '.params.min_prepaid_secs' <<<"$PARAMS")"
TAKE_BPS="$(jq -r '.params.take_rate_bps' <<<"$PARAMS")"
APARAMS="$(q attestation params)"
SLASH_BPS="$(jq -r '.params.fail_slash_bps' <<<"$APARAMS")"
SHARE_BPS="$(jq -r '.params.tenant_share_bps' <<<"$APARAMS")"
BOND="$(jq -r '.params.min_bond.amount // .params.min_bond' <<<"$APARAMS" | tr -dc 0-9)"
[ -n "$BOND" ] || BOND=1000000000
say "market: min_prepaid_secs $MIN_PREPAID, take_rate_bps $TAKE_BPS; attestation: fail_slash_bps $SLASH_BPS, tenant_share_bps $SHARE_BPS, min bond $(gpc "$BOND")"

step "Fresh demo keys in node 0's keyring, funded by alice"
declare -A ADDR
for k in provider1 provider2 agent1 agent2 tenant1 tenant2; do
  gpud keys add "demo-$k" --overwrite --home "$HOME0" >/dev/null 2>&1
  ADDR[$k]="$(gpud keys show "demo-$k" -a --home "$HOME0")"
done
for k in provider1 provider2 agent1 agent2 tenant1 tenant2; do
  case "$k" in
    provider*) amount=$((2 * BOND)) ;;
    *) amount=10000000 ;;
  esac
  r="$(tx bank send alice "${ADDR[$k]}" "$amount$DENOM")"
  say "demo-$k ${ADDR[$k]}: $(gpc "$amount")  tx $(hash_of "$r")"
done

step "Providers register with a bond of $(gpc "$BOND") and authorize their agents"
for n in 1 2; do
  r="$(tx attestation register-provider --from "demo-provider$n" --moniker "demo-provider$n" \
    --region eu --endpoint "https://provider$n.demo.example:8443" --bond "$BOND$DENOM")"
  say "provider $n registered: tx $(hash_of "$r") (height $(height_of "$r"))"
  r="$(tx attestation authorize-agent --from "demo-provider$n" --agent "${ADDR[agent$n]}")"
  say "provider $n authorized agent ${ADDR[agent$n]}: tx $(hash_of "$r")"
done

step "The agents start on simulated test-cpu hosts and report their inventory (L0)"
P1_GPUS=("$(new_uuid)" "$(new_uuid)")
P2_GPU="$(new_uuid)"
start_agent 1 "${ADDR[provider1]}" demo-agent1 honest \
  "$(gpu_json "${P1_GPUS[0]}" 00000000:01:00.0)" "$(gpu_json "${P1_GPUS[1]}" 00000000:02:00.0)"
start_agent 2 "${ADDR[provider2]}" demo-agent2 wrong "$(gpu_json "$P2_GPU" 00000000:01:00.0)"
wait_for "provider 1's inventory" 60 gpus_on_chain "${ADDR[provider1]}" 2
wait_for "provider 2's inventory" 60 gpus_on_chain "${ADDR[provider2]}" 1
for n in 1 2; do
  q attestation gpus --provider "${ADDR[provider$n]}" | jq -r --arg n "$n" '.gpus[] |
    "    provider \($n): \(.uuid)  sku \(.sku)  \(.memory_mib) MiB  report expires at \(.report_expires_at)"'
  h="$(search "inventory_submitted.provider='${ADDR[provider$n]}'" | head -n1)"
  say "inventory tx (signed by agent $n): $h"
done

step "Provider 1 offers 2 GPUs, provider 2 offers 1, at $(gpc $PRICE) per GPU-hour"
for n in 1 2; do
  r="$(tx market create-offer --from "demo-provider$n" --sku test-cpu --gpus-total $((3 - n)) \
    --price-per-gpu-hour "$PRICE$DENOM" --min-duration 1 --max-duration 86400 --region eu)"
  say "offer $(event offer_id offer_created "$r") by provider $n: tx $(hash_of "$r")"
done

# ---- honest lease ----
secs="$FUNDED_SECS"
[ "$MIN_PREPAID" -le "$secs" ] || secs="$MIN_PREPAID"
DEPOSIT1=$((PRICE * secs / 3600))
step "Tenant 1 orders 1 test-cpu GPU from provider 1, depositing $(gpc $DEPOSIT1) ($secs s of GPU time)"
r="$(tx market create-order --from demo-tenant1 --sku test-cpu --gpu-count 1 \
  --max-price-per-gpu-hour "$PRICE$DENOM" --duration 3600 --deposit "$DEPOSIT1$DENOM" \
  --target-provider "${ADDR[provider1]}" --ttl 600)"
L1="$(event lease_id order_matched "$r")"
[ -n "$L1" ] || die "order not matched: $r"
say "order $(event order_id order_created "$r") matched in its own block (height $(height_of "$r")): lease $L1, pending; tx $(hash_of "$r")"

step "Agent 1 acknowledges lease $L1 with a free GPU; access encrypted to the tenant's key"
wait_for "lease $L1 to be acknowledged" 60 lease_state_is "$L1" LEASE_STATE_ACTIVE
LJ="$(lease "$L1")"
say "lease $L1 active on $(jq -r '.lease.gpu_uuids | join(",")' <<<"$LJ"), billing from $(jq -r .lease.started_at <<<"$LJ"), access $(jq -r '.lease.access | length' <<<"$LJ") base64 chars (ECIES)"
say "ack tx (signed by agent 1): $(search "lease_acked.lease_id=$L1")"
P1_BEFORE="$(balance "${ADDR[provider1]}")"

step "The acknowledgement challenge on that GPU (attestation level 1): committed and opened in time"
wait_for "lease $L1's challenge" 120 challenge_resolved "${ADDR[provider1]}" "$L1"
C1="$(ack_challenge "${ADDR[provider1]}" "$L1")"
CID1="$(jq -r .id <<<"$C1")"
say "challenge $CID1 on $(jq -r .gpu_uuid <<<"$C1"): $(jq -r '.params | "\(.lanes) lanes x \(.rounds) rounds of \(.n)x\(.n) int8, \(.checks) checks"' <<<"$C1")"
say "commit tx: $(search "challenge_committed.challenge_id=$CID1")  open tx: $(search "challenge_passed.challenge_id=$CID1")"
check "$(jq -r .status <<<"$C1")" CHALLENGE_STATUS_PASSED "challenge $CID1 status"

step "Billing per second of block time"
for _ in 1 2 3; do
  LJ="$(lease "$L1")"
  [ "$(jq -r .lease.state <<<"$LJ")" = LEASE_STATE_ACTIVE ] || break
  say "t=$(jq -r .now <<<"$LJ"): owed $(gpc "$(jq -r .owed.amount <<<"$LJ")") of $(gpc "$DEPOSIT1")"
  sleep 3
done
if [ "$MIN_PREPAID" -le "$FUNDED_SECS" ]; then
  say "waiting for the deposit to run out: the lease closes in end-block, with no transaction"
  wait_for "lease $L1 to close" $((secs + 60)) lease_state_is "$L1" LEASE_STATE_CLOSED
else
  r="$(tx market close-lease --from demo-tenant1 --lease-id "$L1")"
  say "the tenant closes the lease (min_prepaid_secs $MIN_PREPAID is too long to wait for): tx $(hash_of "$r")"
fi
LJ="$(lease "$L1")"
PAID1="$(jq -r .escrow.paid <<<"$LJ")"
REFUND1="$(jq -r .escrow.refunded <<<"$LJ")"
TAKE1=$((PAID1 * TAKE_BPS / 10000))
P1_AFTER="$(balance "${ADDR[provider1]}")"
say "lease $L1 closed: $(jq -r .lease.close_reason <<<"$LJ") after $(($(jq -r .lease.closed_at <<<"$LJ") - $(jq -r .lease.started_at <<<"$LJ"))) s"
say "paid $(gpc "$PAID1"), refunded to the tenant $(gpc "$REFUND1"); take $TAKE_BPS bps = $(gpc $TAKE1) to the community pool"
check $((PAID1 + REFUND1)) "$DEPOSIT1" "paid + refunded = deposit"
check $((P1_AFTER - P1_BEFORE)) $((PAID1 - TAKE1)) "provider 1 received paid - take"
sleep 2
[ -s "$DEMO_DIR/hooks1.log" ] && sed 's/^/    agent 1 hook: /' "$DEMO_DIR/hooks1.log"

# ---- faulty provider ----
DEPOSIT2=$((PRICE * 120 / 3600))
[ "$MIN_PREPAID" -le 120 ] || DEPOSIT2=$((PRICE * MIN_PREPAID / 3600))
T2_BEFORE="$(balance "${ADDR[tenant2]}")"
step "Tenant 2 orders 1 GPU from provider 2 (whose agent answers challenges wrongly), depositing $(gpc $DEPOSIT2)"
r="$(tx market create-order --from demo-tenant2 --sku test-cpu --gpu-count 1 \
  --max-price-per-gpu-hour "$PRICE$DENOM" --duration 3600 --deposit "$DEPOSIT2$DENOM" \
  --target-provider "${ADDR[provider2]}" --ttl 600)"
L2="$(event lease_id order_matched "$r")"
[ -n "$L2" ] || die "order not matched: $r"
say "lease $L2 matched: tx $(hash_of "$r")"
wait_for "lease $L2 to be acknowledged" 60 lease_state_is "$L2" LEASE_STATE_ACTIVE
say "agent 2 acknowledged lease $L2 on $(lease "$L2" | jq -r '.lease.gpu_uuids | join(",")'): tx $(search "lease_acked.lease_id=$L2")"

step "Agent 2 answers the acknowledgement challenge wrongly: it fails, provider 2 is slashed"
wait_for "lease $L2's challenge" 120 challenge_resolved "${ADDR[provider2]}" "$L2"
C2="$(ack_challenge "${ADDR[provider2]}" "$L2")"
CID2="$(jq -r .id <<<"$C2")"
OPEN2="$(search "challenge_failed.challenge_id=$CID2")"
check "$(jq -r .status <<<"$C2")" CHALLENGE_STATUS_FAILED "challenge $CID2 status"
say "failure: $(jq -r .failure <<<"$C2")"
say "commit tx: $(search "challenge_committed.challenge_id=$CID2")  open tx: $OPEN2"
P2J="$(q attestation provider "${ADDR[provider2]}")"
SLASH=$((BOND * SLASH_BPS / 10000))
BOND2="$(jq -r .provider.bond.amount <<<"$P2J")"
say "provider 2's bond: $(gpc "$BOND") -> $(gpc "$BOND2"), jailed until $(jq -r .provider.jailed_until <<<"$P2J")"
check $((BOND - BOND2)) "$SLASH" "slashed $SLASH_BPS bps of the bond"
wait_for "lease $L2 to close" 30 lease_state_is "$L2" LEASE_STATE_CLOSED
LJ="$(lease "$L2")"
PAID2="$(jq -r .escrow.paid <<<"$LJ")"
REFUND2="$(jq -r .escrow.refunded <<<"$LJ")"
COMP=$((SLASH * SHARE_BPS / 10000))
T2_AFTER="$(balance "${ADDR[tenant2]}")"
say "lease $L2 closed: $(jq -r .lease.close_reason <<<"$LJ") after $(($(jq -r .lease.closed_at <<<"$LJ") - $(jq -r .lease.started_at <<<"$LJ"))) s"
say "tenant 2: deposit $(gpc "$DEPOSIT2"), paid for the seconds used $(gpc "$PAID2"), refunded $(gpc "$REFUND2"), compensation $(gpc $COMP) ($SHARE_BPS bps of the slash; the rest to the community pool)"
check $((PAID2 + REFUND2)) "$DEPOSIT2" "paid + refunded = deposit"
say "tenant 2's balance: $(gpc "$T2_BEFORE") -> $(gpc "$T2_AFTER")"
check $((T2_AFTER - T2_BEFORE)) $((REFUND2 + COMP - DEPOSIT2 - FEE)) "balance change = refund + compensation - deposit - order fee"

step "Stopping the agents"
stop_agents
say "agent logs: $DEMO_DIR/agent1.log, $DEMO_DIR/agent2.log"
echo
echo "demo done: lease $L1 served, challenged, billed and closed; lease $L2 faulted, provider 2 slashed $(gpc $SLASH), tenant 2 compensated $(gpc $COMP)."
