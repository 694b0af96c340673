#!/usr/bin/env bash
# The main job on its embedded default: a local master and replica with the tap between them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/cli/main.js demo "$@"
