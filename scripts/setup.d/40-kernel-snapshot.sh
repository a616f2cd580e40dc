#!/usr/bin/env bash
# The notebook kernel's start-up snapshot (kernel/snapshot.cjs): TypeScript loaded and the
# declarations every cell is checked against parsed and bound, saved as a V8 heap that
# kernel/start.sh starts the kernel from. Idempotent: rebuilt when Node, the kernel's sources, the
# installed packages or lib/ change. Never fatal: the kernel then starts without it, slower.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:kernel-snapshot] %s\n' "$*" >&2; }

dir=.cache/kernel
blob=$dir/kernel.blob
# The Node binary's real path (kernel/start.sh resolves links the same way) and size.
bin=$(node -p process.execPath)
node_id="$bin $(wc -c <"$bin")"
# What the kernel checks a snapshot against (kernel/snapshot.cjs `fingerprint`), plus lib/ and this script.
if ! fingerprint=$(node -e 'console.log(require("./kernel/snapshot.cjs").fingerprint())' 2>&1); then
  log "WARNING: no start-up snapshot ($fingerprint); the kernel starts without it"
  exit 0
fi
stamp=$( (echo "$node_id $fingerprint"; cat scripts/setup.d/40-kernel-snapshot.sh; cat lib/.stamp 2>/dev/null || true) | sha256sum | cut -d' ' -f1)
if [ -f "$blob" ] && [ "$(cat "$blob.stamp" 2>/dev/null)" = "$stamp" ] && [ "$(cat "$blob.node" 2>/dev/null)" = "$node_id" ]; then exit 0; fi

mkdir -p "$dir"
rm -f "$blob.node"
tmp=$blob.tmp-$$
log "building the kernel's start-up snapshot"
if ! node --snapshot-blob "$tmp" --build-snapshot kernel/snapshot.cjs >"$tmp.log" 2>&1 || [ ! -s "$tmp" ]; then
  log "WARNING: no start-up snapshot ($(grep -v -e 'not yet fully verified' -e 'may still work' -e 'issue tracker' -e '^$' "$tmp.log" | head -n 3)); the kernel starts without it"
  rm -f "$tmp" "$tmp.log"
  exit 0
fi
rm -f "$tmp.log"
# A blob Node cannot load would stop every kernel: start from it once before keeping it.
if ! MATHAGENT_KERNEL_SNAPSHOT=0 node --snapshot-blob "$tmp" kernel/ts-watch.cjs >/dev/null 2>&1; then
  log "WARNING: the start-up snapshot just built does not start; the kernel starts without it"
  rm -f "$tmp"
  exit 0
fi
mv "$tmp" "$blob"
echo "$stamp" >"$blob.stamp"
# Last: kernel/start.sh uses the snapshot only when this names the Node it runs.
echo "$node_id" >"$blob.node"
