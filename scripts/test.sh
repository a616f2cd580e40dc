#!/usr/bin/env bash
# The README's test command: setup, type-check, then every test/**/*.test.ts under Node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Tests only: the browser tests (test/kernel/browser.test.ts, test/display/math-browser.test.ts) open report pages in Debian's chromium.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[test] apt-get install chromium (for the browser tests)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
source scripts/env.sh
node node_modules/typescript/bin/tsc --noEmit -p .
mapfile -t files < <(find test -name '*.test.ts' | sort)
# Two or three files at once: many tests wait on child processes (Pyodide hosts, kernels, Chromium),
# so one file at a time leaves a core idle. MATHAGENT_TEST_CONCURRENCY=1 runs them one by one.
exec node --import tsx --test --test-concurrency="${MATHAGENT_TEST_CONCURRENCY:-3}" --test-reporter=spec "${files[@]}"
