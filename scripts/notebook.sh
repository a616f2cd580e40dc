#!/usr/bin/env bash
# Interactive use: setup, then Jupyter Notebook on 127.0.0.1 with the mathagent kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
exec node bin/mathagent.mjs notebook "$@"
