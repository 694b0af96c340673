#!/usr/bin/env bash
# Installs what repltap needs on a fresh Debian machine with Node 20: redis-server and redis-tools
# (the reference servers, 7.0 on Debian 12) and python3-msgpack (for one test) when missing, then
# the npm dependencies, which also builds dist/ (the package's `prepare` script). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
# The test that runs docs/trace-format.md's Python reader needs msgpack for Debian's python3.
/usr/bin/python3 -c 'import msgpack' >/dev/null 2>&1 || missing+=(python3-msgpack)
if [ "${REPLTAP_BENCH:-}" = 1 ]; then
  command -v socat >/dev/null 2>&1 || missing+=(socat)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-fund --no-audit
else
  npm run --silent build
fi
