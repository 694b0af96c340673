#!/usr/bin/env bash
# Builds repltap at an earlier commit into a temp dir, for `npm run bench` to run side by side:
#   REPLTAP_BENCH_BASELINE=$(bash bench/baseline.sh b5c2c8f) npm run bench -- --suite stream
# Prints the built dist/ directory on stdout.
set -euo pipefail
rev=${1:?usage: bench/baseline.sh <commit>}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/repltap-baseline-XXXXXX")
git -C "$root" archive "$rev" | tar -x -C "$dir"
ln -s "$root/node_modules" "$dir/node_modules"
(cd "$dir" && npx --no-install tsc -p tsconfig.build.json) >&2
echo "$dir/dist"
