#!/usr/bin/env bash
# The README's main command: setup, then execute every notebook into reports/ (see `mathagent report --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
exec node bin/mathagent.mjs report "$@"
