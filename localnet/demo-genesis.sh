#!/usr/bin/env bash
# Demo-friendly genesis params, for `scripts/localnet.sh demo` (which runs
# `up` with LOCALNET_GENESIS_HOOK=localnet/demo-genesis.sh when no localnet
# is running). Usage: localnet/demo-genesis.sh GENESIS_JSON (edited in place).
#
#   market.params.min_prepaid_secs                    10 (default 3600): a lease
#       may be funded for seconds, so the demo sees one close when its funds run out
#   attestation.params.random_challenges_per_gpu_day   0 (default 4): only the
#       acknowledgement challenges the demo shows
#
# The test-cpu challenge windows keep their generous defaults (600 s).
# A textual edit of the two keys (each appears once in gpuchaind's genesis),
# checked afterwards: JSON tools like jq 1.6 would turn the SKU registry's
# u64::MAX memory bound into a float, which the chain refuses.
set -euo pipefail

genesis="${1:?usage: $0 GENESIS_JSON}"
set_key() {
  local key="$1" value="$2" n
  n="$(grep -c "\"$key\": *[0-9][0-9]*" "$genesis" || true)"
  [ "$n" = 1 ] || {
    echo "demo-genesis: expected one \"$key\" in $genesis, found $n" >&2
    exit 1
  }
  sed -i "s/\"$key\": *[0-9][0-9]*/\"$key\": $value/" "$genesis"
  grep -q "\"$key\": $value\b" "$genesis"
}
set_key min_prepaid_secs 10
set_key random_challenges_per_gpu_day 0
