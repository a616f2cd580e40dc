#!/bin/sh
# Starts the notebook kernel on Node "$1" (the other arguments are the kernel's), from the start-up
# snapshot setup built (kernel/snapshot.cjs) when this same Node binary made it; V8 refuses a
# snapshot from another Node, so the check is done here, before Node starts.
# MATHAGENT_KERNEL_SNAPSHOT=0 starts it without the snapshot.
node=$1
shift
dir=$(dirname "$0")
blob="$dir/../.cache/kernel/kernel.blob"
bin=$(command -v "$node")
# The real path, as setup records it (a node on PATH is often a link).
[ -n "$bin" ] && bin=$(readlink -f "$bin" 2>/dev/null || printf '%s' "$bin")
if [ "${MATHAGENT_KERNEL_SNAPSHOT:-1}" != 0 ] && [ -n "$bin" ] && [ -f "$blob" ] && [ "$(cat "$blob.node" 2>/dev/null)" = "$bin $(wc -c <"$bin")" ]; then
  exec "$node" --snapshot-blob "$blob" "$dir/tslab-kernel.cjs" "$@"
fi
exec "$node" "$dir/tslab-kernel.cjs" "$@"
