#!/usr/bin/env bash
# Installs the CometBFT binary gpuchain runs under, with `go install`, at the
# one pinned version. This is the only place the version is named; every
# other script and gpuchaind itself find the binary through this script's
# install directory (or COMETBFT_BIN).
#
# Idempotent: does nothing when the right version is already installed.
# Prints the binary's path on stdout, so scripts can do:
#   COMETBFT_BIN="$(scripts/install-cometbft.sh)"
set -euo pipefail

COMETBFT_VERSION="v0.38.17"
INSTALL_DIR="${COMETBFT_INSTALL_DIR:-$HOME/.gpuchain/bin}"
BIN="$INSTALL_DIR/cometbft"

if [ "${1:-}" = "--version" ]; then
  echo "$COMETBFT_VERSION"
  exit 0
fi

if [ -x "$BIN" ] && [ "$("$BIN" version 2>/dev/null || true)" = "${COMETBFT_VERSION#v}" ]; then
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-cometbft: Go is required (https://go.dev/doc/install)" >&2
  exit 1
fi

mkdir -p "$INSTALL_DIR"
echo "install-cometbft: installing cometbft $COMETBFT_VERSION into $INSTALL_DIR" >&2
GOBIN="$INSTALL_DIR" go install "github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}" >&2
got="$("$BIN" version)"
if [ "$got" != "${COMETBFT_VERSION#v}" ]; then
  echo "install-cometbft: installed binary reports version $got, expected ${COMETBFT_VERSION#v}" >&2
  exit 1
fi
echo "$BIN"
