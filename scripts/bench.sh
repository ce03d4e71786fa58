#!/usr/bin/env bash
# Benchmarks (quality.md): each prints one JSON line with its figures, the
# bound measured or fixed for it, and the ratio. Not part of CI.
#   scripts/bench.sh            all
#   scripts/bench.sh checktx    P1: CheckTx vs 2-core secp256k1 verification
#   scripts/bench.sh finalize   P2: FinalizeBlock+Commit, 5,000-tx blocks, 10k and 1M accounts
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin gpuchain-bench >&2
B=target/release/gpuchain-bench
what="${1:-all}"
case "$what" in
  checktx|all) $B checktx --txs 20000 ;;&
  finalize|all)
    $B finalize --accounts 10000 --blocks 4 --block-txs 5000
    $B finalize --accounts "${BENCH_ACCOUNTS:-1000000}" --blocks 4 --block-txs 5000 ;;
  checktx) ;;
  *) echo "unknown benchmark $what (checktx|finalize)" >&2; exit 1 ;;
esac
