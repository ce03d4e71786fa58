#!/usr/bin/env bash
# Benchmarks (quality.md): each prints one JSON line with its figures, the
# bound measured or fixed for it, and the ratio. Not part of CI.
#   scripts/bench.sh            all
#   scripts/bench.sh checktx    P1: CheckTx vs 2-core secp256k1 verification
#   scripts/bench.sh finalize   P2: FinalizeBlock+Commit, 5,000-tx blocks, 10k and 1M accounts;
#                               each twice: signatures first seen in the block (cold), and
#                               txs CheckTx'd first as a validator's mempool does (--mempool)
#   scripts/bench.sh challenge  P7: verify one GPU challenge at the data-centre preset
#                               (n=4096, 1024 rounds, 16 lanes, 44 checks, depth-26 proofs);
#                               building the opening takes ~40 s (BENCH_CHALLENGE_ROUNDS=8
#                               for a quick run with depth-19 proofs, extrapolated to 26)
#   scripts/bench.sh market     P4: market_match (one order among 100k offers) and
#                               market_endblock (100 due among 100k vs 1k open leases)
#   scripts/bench.sh gpu        the agent's CUDA solver on this host's GPU 0 (needs an NVIDIA
#                               GPU, its driver and NVRTC; not part of "all"): one round
#                               profiled, then the data-centre example (n=4096, 1024 rounds,
#                               16 lanes) solved and opened (see agent/README.md)
# Honours CARGO_TARGET_DIR (e.g. CARGO_TARGET_DIR=/work/target-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
case "$what" in
  checktx|finalize|challenge|market|all|gpu) ;;
  *) echo "unknown benchmark $what (checktx|finalize|challenge|market|gpu)" >&2; exit 1 ;;
esac
if [ "$what" = gpu ]; then
  cargo build --release -p gpuchain-agent --features cuda >&2
  A="${CARGO_TARGET_DIR:-target}/release/gpuchain-agent"
  $A bench-challenge --n 4096 --rounds 8 --lanes 16 --profile
  $A bench-challenge --n 4096 --rounds 1024 --lanes 16
  exit 0
fi
cargo build --release --bin gpuchain-bench >&2
B="${CARGO_TARGET_DIR:-target}/release/gpuchain-bench"
case "$what" in
  checktx|all) $B checktx --txs 20000 ;;&
  finalize|all)
    for mempool in "" --mempool; do
      $B finalize --accounts 10000 --blocks 4 --block-txs 5000 $mempool
      $B finalize --accounts "${BENCH_ACCOUNTS:-1000000}" --blocks 4 --block-txs 5000 $mempool
    done ;;&
  challenge|all) $B challenge --rounds "${BENCH_CHALLENGE_ROUNDS:-1024}" --iters 500 ;;&
  market|all)
    $B market_match --offers 100000 --orders 300
    $B market_endblock --small 1000 --large 100000 --runs 15 ;;&
esac
