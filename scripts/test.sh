#!/usr/bin/env bash
# The whole test suite, set-up included: type check, then every unit, property, integration and
# CLI test against real redis-server processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent typecheck
npx vitest run
