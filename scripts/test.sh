#!/usr/bin/env bash
# The README's test command: setup, type-check, then every test/**/*.test.ts under Node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
node node_modules/typescript/bin/tsc --noEmit -p .
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-reporter=spec "${files[@]}"
