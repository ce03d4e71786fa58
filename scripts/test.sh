#!/usr/bin/env bash
# The test command: on a fresh machine it installs what is missing, then runs
# formatting and lint checks and every test (unit, property, end-to-end with
# the real cometbft binary). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
COMETBFT_BIN="$(scripts/install-cometbft.sh)"
export COMETBFT_BIN

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# One profile (test/dev, dependencies optimised) for unit and end-to-end
# tests, so RocksDB is compiled once per run.
cargo test --workspace -- --test-threads=2
