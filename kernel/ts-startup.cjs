// What the kernel's first result waits for: loading tslab's TypeScript (a 9 MB script V8 compiles
// on every start) and parsing the type declarations every program holds. TypeScript is loaded with a
// V8 code cache kept under .cache/kernel (written once the kernel has run a cell, so it holds the
// functions compiling a cell needs; V8 rejects a cache made for other sources or another V8, and
// the kernel then compiles as before). Of node_modules/@types only `node` is included in every
// program, as the project's tsconfig does (the others are still found when a cell imports their
// module).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

/** Loads `file` (a CommonJS module) with a code cache at `cacheFile`; `saveCache()` writes it. */
function requireWithCodeCache(file, cacheFile) {
  let cached;
  try {
    cached = fs.readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData: cached });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  require.cache[file] = mod;
  const fresh = cached === undefined || script.cachedDataRejected === true;
  function saveCache() {
    if (!fresh) return;
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A read-only project only loses the cache.
    }
  }
  return { exports: mod.exports, saveCache };
}

/** tslab's TypeScript: the start-up snapshot's when the kernel started from one, else loaded with the project's code cache. */
function loadTypeScript(root) {
  const snap = require("./snapshot.cjs").fromSnapshot();
  if (snap) {
    const mod = new Module(snap.tsFile, module);
    mod.filename = snap.tsFile;
    mod.exports = snap.ts;
    mod.loaded = true;
    require.cache[snap.tsFile] = mod;
    return { exports: snap.ts, saveCache() {}, snapshot: true };
  }
  const file = require.resolve("@tslab/typescript-for-tslab", { paths: [path.join(root, "node_modules", "tslab")] });
  const cacheFile = path.join(root, ".cache", "kernel", `typescript-${process.versions.v8}.codecache`);
  return requireWithCodeCache(file, cacheFile);
}

/** Only @types/node is included in every program (automatic type inclusion lists this folder). */
function nodeTypesOnly(ts, root) {
  const typesDir = path.join(root, "node_modules", "@types");
  const getDirectories = ts.sys.getDirectories.bind(ts.sys);
  ts.sys.getDirectories = (dir) => (path.resolve(dir) === typesDir ? getDirectories(dir).filter((d) => d === "node") : getDirectories(dir));
}

module.exports = { loadTypeScript, nodeTypesOnly, requireWithCodeCache };
