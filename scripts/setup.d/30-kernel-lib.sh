#!/usr/bin/env bash
# The compiled library for notebook cells (issue 21): `import … from "./lib/<area>/index.js"` loads
# JavaScript with declaration files, which tslab reads without type-checking the sources (3–8× faster
# import cells than "./src/…", which keep working). Built from src/ by tsconfig.lib.json into lib/.
# Idempotent: a stamp records the hash of the sources and the configs; nothing is rebuilt while it
# matches. Never fatal: without lib/ the notebooks import ./src.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:kernel-lib] %s\n' "$*" >&2; }

stamp=$( (cat tsconfig.json tsconfig.lib.json; find src -type f \( -name '*.ts' -o -name '*.cts' -o -name '*.cjs' \) -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)
if [ -f lib/.stamp ] && [ "$(cat lib/.stamp)" = "$stamp" ]; then exit 0; fi

tmp=$(mktemp -d lib.tmp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log "compiling src/ into lib/ for notebook imports"
if ! node node_modules/typescript/bin/tsc -p tsconfig.lib.json --outDir "$tmp" >"$tmp.log" 2>&1; then
  log "WARNING: lib/ not built ($(head -n 3 "$tmp.log")); notebooks still import ./src"
  rm -f "$tmp.log"
  exit 0
fi
rm -f "$tmp.log"
cp src/root.cjs "$tmp/root.cjs"
echo "$stamp" >"$tmp/.stamp"
rm -rf lib.old
[ -d lib ] && mv lib lib.old
mv "$tmp" lib
rm -rf lib.old
