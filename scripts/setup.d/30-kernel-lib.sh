#!/usr/bin/env bash
# The compiled library for notebook cells (issue 21): `import … from "./lib/<area>/index.js"` loads
# JavaScript with declaration files, which tslab reads without type-checking the sources (3–8× faster
# import cells than "./src/…", which keep working). Built from src/ by tsconfig.lib.json into lib/.
# Idempotent: a stamp records the hash of every file under src/, the configs and this script; nothing
# is rebuilt while it matches. Never fatal: without lib/ the notebooks import ./src.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:kernel-lib] %s\n' "$*" >&2; }

# `import … from "mathagent"` (and "mathagent/<area>") in any cell: the kernel resolves packages from
# the project root, and tslab's TypeScript (node10 resolution, which has no self-reference by
# package name) finds the package through node_modules. package.json's "exports" and "typesVersions"
# map the names to lib/.
if [ -d node_modules ] && [ ! -e node_modules/mathagent ]; then ln -s .. node_modules/mathagent; fi

stamp=$( (cat tsconfig.json tsconfig.lib.json scripts/setup.d/30-kernel-lib.sh; find src -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)
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
# The runtime files beside the sources (.cjs, .mjs workers, Python), at the same relative paths.
(cd src && find . -type f ! -name '*.ts' \( ! -name '*.cts' -o -name '*.d.cts' \) ! -path './cli/*' -print0 | xargs -0 cp --parents -t "../$tmp")
# The package entry: every area as a namespace (`import { inspect } from "mathagent"`), since
# areas export names that clash.
for f in "$tmp"/*/index.js "$tmp"/errors.js "$tmp"/paths.js "$tmp"/random.js; do
  [ -f "$f" ] || continue
  rel=${f#"$tmp"/}
  name=${rel%%/*}; name=${name%.js}
  printf 'export * as %s from "./%s";\n' "$name" "$rel"
done >"$tmp/index.js"
cp "$tmp/index.js" "$tmp/index.d.ts"
echo "$stamp" >"$tmp/.stamp"
rm -rf lib.old
[ -d lib ] && mv lib lib.old
mv "$tmp" lib
rm -rf lib.old
