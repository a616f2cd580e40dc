# Sourced by the project's scripts: project-local Jupyter dirs and the data directory for tests/CI.
MATHAGENT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JUPYTER_PATH="$MATHAGENT_ROOT/kernel/jupyter"
export JUPYTER_CONFIG_DIR="$MATHAGENT_ROOT/.jupyter/config"
export JUPYTER_DATA_DIR="$MATHAGENT_ROOT/.jupyter/data"
export JUPYTER_RUNTIME_DIR="$MATHAGENT_ROOT/.jupyter/runtime"
export PYDEVD_DISABLE_FILE_VALIDATION=1
if [ -z "${MATHAGENT_DATA_DIR:-}" ]; then
  for d in "$MATHAGENT_ROOT/../shared/data" /work/shared/data; do
    if [ -f "$d/SHA256SUMS" ]; then export MATHAGENT_DATA_DIR="$(cd "$d" && pwd)"; break; fi
  done
fi
