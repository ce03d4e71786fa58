#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test gpuchain: the system
# packages RocksDB's build needs (libclang for bindgen, a C++ compiler) and
# CometBFT (through install-cometbft.sh). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s libclang-dev >/dev/null 2>&1 || need_apt+=(libclang-dev)
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
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
