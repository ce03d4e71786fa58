#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test gpuchain: the system
# packages RocksDB's build needs (libclang for bindgen, a C++ compiler),
# CometBFT (through install-cometbft.sh) and the CosmJS test suite's npm
# packages (tests/cosmjs, from its package-lock.json). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s libclang-dev >/dev/null 2>&1 || need_apt+=(libclang-dev)
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
# The demo (scripts/demo.sh) reads the CLI's JSON with jq and REST with curl.
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ "${#need_apt[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >&2
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust (cargo) is required: https://rustup.rs" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

scripts/install-cometbft.sh >/dev/null

# The CosmJS end-to-end suite (node/tests/e2e_cosmjs.rs) runs the real npm
# packages pinned in tests/cosmjs/package-lock.json. `npm ci` only when
# node_modules does not match the lock file (a stamp holds the lock's hash).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: Node.js >= 18 and npm are required for tests/cosmjs: https://nodejs.org" >&2
  exit 1
fi
cosmjs=tests/cosmjs
lock_sum="$(sha256sum "$cosmjs/package-lock.json" | cut -d' ' -f1)"
stamp="$cosmjs/node_modules/.gpuchain-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: npm ci in $cosmjs" >&2
  (cd "$cosmjs" && npm ci --no-audit --no-fund >&2)
  echo "$lock_sum" >"$stamp"
fi
