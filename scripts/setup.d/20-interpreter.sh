#!/usr/bin/env bash
# Interpreter setup (issue 4): precompile Debian's sympy + mpmath for Pyodide into
# .cache/python/sympy-pyc.zip and build the Pyodide memory snapshot .cache/python/snapshot.bin.
# Idempotent: a stamp records the pyodide version and the inputs; nothing is rebuilt while they match.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:interpreter] %s\n' "$*" >&2; }

OUT="${MATHAGENT_PYTHON_CACHE:-.cache/python}"
RT=src/interpreter/runtime
PYODIDE_DIR=node_modules/pyodide
SRC="${MATHAGENT_SYMPY_DIR:-/usr/lib/python3/dist-packages}"
if [ ! -f "$PYODIDE_DIR/package.json" ]; then log "pyodide is not installed (npm ci)"; exit 1; fi
if [ ! -f "$SRC/sympy/__init__.py" ] || [ ! -f "$SRC/mpmath/__init__.py" ]; then
  log "sympy/mpmath not found in $SRC: install python3-sympy python3-mpmath (or set MATHAGENT_SYMPY_DIR)"
  exit 1
fi
PYODIDE_VERSION=$(node -p "require('./$PYODIDE_DIR/package.json').version")
SYMPY_VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$SRC/sympy/release.py" 2>/dev/null || true)
MPMATH_VERSION=$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$SRC/mpmath/__init__.py" 2>/dev/null || true)
mkdir -p "$OUT"
# one builder at a time (several `npm test` may start together); the others wait, then find it done
if command -v flock >/dev/null; then exec 9>"$OUT/.setup.lock"; flock 9; fi

bundle_key="pyodide=$PYODIDE_VERSION sympy=$SYMPY_VERSION mpmath=$MPMATH_VERSION src=$SRC build=$(sha256sum "$RT/build-bundle.mjs" | cut -c1-16)"
if [ ! -f "$OUT/sympy-pyc.zip" ] || [ "$(cat "$OUT/bundle.stamp" 2>/dev/null)" != "$bundle_key" ]; then
  log "precompiling sympy $SYMPY_VERSION + mpmath $MPMATH_VERSION for pyodide $PYODIDE_VERSION (~15 s)"
  rm -f "$OUT/snapshot.bin" "$OUT/snapshot.version" "$OUT/snapshot.stamp"
  node "$RT/build-bundle.mjs" "$PYODIDE_DIR" "$SRC" "$OUT/sympy-pyc.zip"
  printf '%s' "$bundle_key" > "$OUT/bundle.stamp"
fi

# built by the Node that will run the host (15-interpreter-node.sh), so the snapshot matches it
HOST_NODE=$(node "$RT/host-node.cjs" path)
snap_key="$bundle_key snap=$(cat "$RT/make-snapshot.mjs" "$RT/preimport.py" | sha256sum | cut -c1-16) node=$("$HOST_NODE" -p process.version)"
if [ ! -f "$OUT/snapshot.bin" ] || [ "$(cat "$OUT/snapshot.stamp" 2>/dev/null)" != "$snap_key" ]; then
  log "building the pyodide memory snapshot (~6 s)"
  rm -f "$OUT/snapshot.version"
  # os.environ is frozen into the snapshot: build it with an empty environment
  if env -i "$HOST_NODE" "$RT/make-snapshot.mjs" "$PYODIDE_DIR" "$OUT/sympy-pyc.zip" "$RT/preimport.py" "$OUT/snapshot.bin"; then
    printf '%s' "$PYODIDE_VERSION" > "$OUT/snapshot.version"
    printf '%s' "$snap_key" > "$OUT/snapshot.stamp"
  else
    log "WARNING: snapshot build failed; workers will start cold (~3.5 s each)"
    rm -f "$OUT/snapshot.bin"
  fi
fi

# SubprocessPool (CPython) gets the very same sympy/mpmath through a folder put first on sys.path
mkdir -p "$OUT/site"
for pkg in sympy mpmath; do
  if [ "$(readlink "$OUT/site/$pkg" 2>/dev/null)" != "$SRC/$pkg" ]; then ln -sfn "$SRC/$pkg" "$OUT/site/$pkg"; fi
done
