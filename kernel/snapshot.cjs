// The kernel's start-up snapshot. Loading TypeScript and parsing and binding the declarations every
// cell is checked against (@types/node, the compiled library's areas, arquero's and plotly's types)
// is most of the first result's time and of the first import of each area. Setup runs this file
// with `node --build-snapshot` once: it builds the kernel's converter with those declarations in its
// program and V8 writes the heap to .cache/kernel; `kernel/start.sh` starts the kernel from that heap
// when the snapshot was made by the same Node, and the kernel checks the rest of the fingerprint
// (project, kernel sources, installed packages, warmed areas) before using anything in it.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const v8 = require("node:v8");
const vm = require("node:vm");

const ROOT = path.resolve(__dirname, "..");
/** Where the snapshot and its stamp live (the stamp names the Node binary the launcher may use it with). */
const BLOB = path.join(ROOT, ".cache", "kernel", "kernel.blob");
const KEY = Symbol.for("mathagent.kernelSnapshot");
/** Resolution only: in the snapshot builder `require` loads nothing but Node's own modules. */
const resolver = Module.createRequire(__filename);

/**
 * What a snapshot is only valid for: the project root, every kernel source and tslab file it loads,
 * and the installed packages (the lockfile npm wrote), besides the Node binary the launcher checks.
 * Setup's stamp (scripts/setup.d/40-kernel-snapshot.sh) is built on it, so setup rebuilds what the kernel would refuse.
 */
function fingerprint(root = ROOT) {
  const h = crypto.createHash("sha256").update(root).update(process.version);
  const kernelDir = path.join(root, "kernel");
  for (const f of fs.readdirSync(kernelDir).filter((f) => f.endsWith(".cjs")).sort()) h.update(f).update(fs.readFileSync(path.join(kernelDir, f)));
  for (const f of ["node_modules/.package-lock.json", "node_modules/tslab/dist/converter.js"]) h.update(f).update(fs.readFileSync(path.join(root, f)));
  return h.digest("hex");
}

/**
 * A CommonJS loader for the snapshot builder, where `require` reaches only Node's own modules:
 * the kernel's files, tslab's and TypeScript are compiled into the heap with it.
 */
function snapshotLoader() {
  const cache = new Map();
  function load(file) {
    if (cache.has(file)) return cache.get(file).exports;
    const mod = { exports: {}, filename: file, id: file, loaded: false };
    cache.set(file, mod);
    if (file.endsWith(".json")) {
      mod.exports = JSON.parse(fs.readFileSync(file, "utf8"));
      return mod.exports;
    }
    const fn = vm.runInThisContext(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file });
    fn.call(mod.exports, mod.exports, requireFrom(path.dirname(file)), mod, file, path.dirname(file));
    mod.loaded = true;
    return mod.exports;
  }
  function requireFrom(dir) {
    const req = (name) => (Module.isBuiltin(name) ? require(name) : load(resolve(name, dir)));
    req.resolve = (name, opts) => (Module.isBuiltin(name) ? name : resolve(name, (opts && opts.paths && opts.paths[0]) || dir));
    req.cache = Object.create(null);
    return req;
  }
  // After deserialising, package names resolve through the kernel's own require.
  const resolvePackage = (name, dir) => ((globalThis[KEY] && globalThis[KEY].require) || resolver).resolve(name, { paths: [dir] });
  function resolve(name, dir) {
    if (!name.startsWith(".") && !path.isAbsolute(name)) return resolvePackage(name, dir);
    const base = path.resolve(dir, name);
    for (const f of [base, `${base}.js`, `${base}.cjs`, `${base}.json`, path.join(base, "index.js")]) {
      if (fs.statSync(f, { throwIfNoEntry: false })?.isFile()) return f;
    }
    throw new Error(`snapshot: cannot find "${name}" from ${dir}`);
  }
  return { load };
}

/** The builder: TypeScript and the converter with the declarations parsed and bound, kept on globalThis. */
function build() {
  process.chdir(ROOT);
  const { load } = snapshotLoader();
  const tsFile = resolver.resolve("@tslab/typescript-for-tslab", { paths: [path.join(ROOT, "node_modules", "tslab")] });
  const ts = load(tsFile);
  const startup = load(path.join(__dirname, "ts-startup.cjs"));
  startup.nodeTypesOnly(ts, ROOT);
  const { warmConverter, libraryEntries } = load(path.join(__dirname, "warmup.cjs"));
  // The library's modules are loaded at run time, by the kernel's require.
  const loadModule = (file) => globalThis[KEY].require(file);
  const entries = libraryEntries(ROOT);
  const node = warmConverter(load(path.join(__dirname, "converter.cjs")).createConverter({ isJS: false, isBrowser: false }), entries, loadModule);
  node.warmTypes();
  const first = node.convert("", "1 + 1");
  if (first.diagnostics.length) throw new Error(`snapshot: a first cell failed to convert: ${JSON.stringify(first.diagnostics)}`);
  globalThis[KEY] = { root: ROOT, fingerprint: fingerprint(), entries, libraryEntries, tsFile, ts, node };
  v8.startupSnapshot.setDeserializeMainFunction(startKernel);
}

/** Why the snapshot does not fit the kernel started with `script`, or null if it does. */
function misfit(snap, script) {
  if (process.env.MATHAGENT_KERNEL_SNAPSHOT === "0") return "MATHAGENT_KERNEL_SNAPSHOT=0";
  // Real paths: a project reached through a link is still the project.
  const rel = path.relative(fs.realpathSync(snap.root), fs.realpathSync(script));
  if (rel.startsWith("..") || path.isAbsolute(rel)) return `built for the project in ${snap.root}`;
  if (snap.fingerprint !== fingerprint(snap.root)) return "the kernel's sources or the installed packages changed since setup built it";
  if (JSON.stringify(snap.libraryEntries(snap.root)) !== JSON.stringify(snap.entries)) return "MATHAGENT_KERNEL_WARM or lib/ names other areas than when it was built";
  return null;
}

/** After deserialising: keep the snapshot only if it fits, then run the script named on the command line as the main module. */
function startKernel() {
  // Node leaves the snapshot without Error.stackTraceLimit (errors would carry no stack).
  if (typeof Error.stackTraceLimit !== "number") {
    const flag = process.execArgv.map((a) => /^--stack-trace-limit=(\d+)$/.exec(a)).find(Boolean);
    Error.stackTraceLimit = flag ? Number(flag[1]) : 10;
  }
  // Processes the kernel forks start as plain Node, not from the kernel's heap.
  process.execArgv = process.execArgv.filter((a, i, all) => a !== "--snapshot-blob" && !a.startsWith("--snapshot-blob=") && all[i - 1] !== "--snapshot-blob");
  const snap = globalThis[KEY];
  const script = path.resolve(process.argv[1]);
  let why;
  try {
    why = misfit(snap, script);
  } catch (e) {
    why = e.message;
  }
  if (why) {
    delete globalThis[KEY];
    process.stderr.write(`[mathagent kernel] start-up snapshot not used (${why}); \`npm run setup\` rebuilds it\n`);
  } else snap.require = Module.createRequire(script);
  process.argv[1] = script;
  Module.runMain();
}

/** The snapshot's contents when this kernel started from one that fits, else undefined. */
function fromSnapshot() {
  return globalThis[KEY];
}

// The builder runs this file as its entry (no `module` there); the kernel requires it.
if (v8.startupSnapshot.isBuildingSnapshot()) build();
else module.exports = { fromSnapshot, fingerprint, BLOB };
