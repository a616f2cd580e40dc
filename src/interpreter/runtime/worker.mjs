// One Pyodide interpreter in a worker_threads Worker, hardened (inner layer).
// Started by host.mjs; workerData = {pyodideDir, runtimeDir, zipPath, snapshotPath, memLimitMb,
// fsLimitMb, maxOut, maxRecursion, preimport, sab, harden}. Plain ESM on purpose (no build step).
// Messages in:  {type:"run", id, req}  (req is the JSON string handed to runner.py's run())
// Messages out: {type:"ready", loadMs, initMs, snapshot}, {type:"result", id, res}, {type:"fatal", error}
// Every request starts from the same captured interpreter state (isolation.mjs).
import { parentPort, workerData } from "node:worker_threads";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as iso from "./isolation.mjs";

const W = workerData;
const T0 = performance.now();
const guard = iso.createGuard();

// (1) Hard cap on wasm linear memory: a failing grow() makes malloc return NULL -> MemoryError.
if (W.memLimitMb) {
  const grow = WebAssembly.Memory.prototype.grow;
  const limit = W.memLimitMb * 1048576;
  WebAssembly.Memory.prototype.grow = function (pages) {
    if (this.buffer.byteLength + pages * 65536 > limit) throw new RangeError("wasm memory limit reached");
    return grow.call(this, pages);
  };
}
// (2) The permission model denies process.binding(); pyodide's NODEFS init only needs fs constants.
{
  const ob = process.binding;
  process.binding = (n) => (n === "constants" ? { fs: fs.constants } : ob.call(process, n));
}

if (W.wasmModule) {
  // the host compiled pyodide.asm.wasm once: instantiate that module instead of compiling the
  // same bytes again in every worker (its compiled and tiered-up code is then shared)
  const inst = WebAssembly.instantiate;
  const mod = W.wasmModule;
  const size = W.wasmSize;
  WebAssembly.instantiate = function (src, imports) {
    if (src && !(src instanceof WebAssembly.Module) && src.byteLength === size) {
      return inst.call(WebAssembly, mod, imports).then((instance) => ({ instance, module: mod }));
    }
    return inst.call(WebAssembly, src, imports);
  };
}
const { loadPyodide } = await import(pathToFileURL(path.join(W.pyodideDir, "pyodide.mjs")).href);
const { default: createReal } = await import(pathToFileURL(path.join(W.pyodideDir, "pyodide.asm.mjs")).href);

const EACCES = 2;
const createPyodideModule = async (settings) => {
  if (W.harden) {
    const orig = settings.instantiateWasm;
    settings.instantiateWasm = (imports, cb) => {
      const env = imports.env;
      // system() is child_process.spawnSync(cmd, {shell: true}) in Node: never.
      env._emscripten_system = () => -1;
      // no sockets (SOCKFS would open real connections through the 'ws' package)
      env.__syscall_socket = () => -EACCES;
      env.__syscall_connect = () => -EACCES;
      env.__syscall_bind = () => -EACCES;
      env.getaddrinfo = () => -2; // EAI_NONAME
      // no side modules: their EM_JS bodies would be eval'd
      env._dlopen_js = () => 0;
      env._emscripten_dlopen_js = () => 0;
      iso.guardImports(env, guard);
      return orig(imports, cb);
    };
  }
  const m = await createReal(settings);
  // this build ignores INITIAL_MEMORY, so grow the heap before a snapshot is restored into it
  if (settings.INITIAL_MEMORY && m.HEAP8.length < settings.INITIAL_MEMORY) m.growMemory(settings.INITIAL_MEMORY);
  return m;
};

// fd-level output (os.write(1, ...), C code) bypasses sys.stdout: capped separately.
const maxOut = W.maxOut || 8192;
const fsLimit = (W.fsLimitMb || 64) * 1048576;
let fsBudget = fsLimit;
let fdOut = "";
let fdTotal = 0;
const fdWrite = (s) => {
  fdTotal += s.length;
  if (fdOut.length < maxOut) fdOut += s.slice(0, maxOut - fdOut.length);
};

const opts = { createPyodideModule, stdout: fdWrite, stderr: fdWrite, indexURL: W.pyodideDir + path.sep };
if (W.harden) opts.jsglobals = Object.freeze(Object.create(null));
let usedSnapshot = false;
if (W.snapshotPath) {
  try {
    opts._loadSnapshot = new Uint8Array(fs.readFileSync(W.snapshotPath));
    usedSnapshot = true;
  } catch {
    usedSnapshot = false;
  }
}
let py;
try {
  py = await loadPyodide(opts);
} catch (e) {
  if (!usedSnapshot) throw e;
  // a stale or broken snapshot: fall back to a cold start
  delete opts._loadSnapshot;
  usedSnapshot = false;
  py = await loadPyodide(opts);
}
const T1 = performance.now();
if (W.zipPath) {
  // submodules are imported lazily, so the zip must be present even after a snapshot restore
  py.FS.writeFile("/lib/sympy.zip", new Uint8Array(fs.readFileSync(W.zipPath)), { canOwn: true });
}
const cfg = JSON.stringify({ maxRecursion: W.maxRecursion || 50000, maxSessions: W.maxSessions || 256 });
if (!usedSnapshot) {
  py.runPython("import sys\nif '/lib/sympy.zip' not in sys.path: sys.path.append('/lib/sympy.zip')");
  py.runPython(W.preimport || "");
}
// The runner module: installed fresh on every start (cheap), so a snapshot never carries its state.
py.globals.set("_mathagent_runner_src", fs.readFileSync(path.join(W.runtimeDir, "runner.py"), "utf8"));
py.globals.set("_mathagent_pretty_src", fs.readFileSync(path.join(W.runtimeDir, "ipython_pretty.py"), "utf8"));
py.globals.set("_mathagent_cfg", cfg);
py.runPython(`
import sys, types, json
_p = types.ModuleType("_mathagent_pretty")
exec(compile(_mathagent_pretty_src, "<ipython-pretty>", "exec"), _p.__dict__)
_m = types.ModuleType("_mathagent_runner")
exec(compile(_mathagent_runner_src, "<mathagent-runner>", "exec"), _m.__dict__)
_mathagent_run = _m._make_runner(json.loads(_mathagent_cfg), _p)
del _m, _p, _mathagent_runner_src, _mathagent_pretty_src, _mathagent_cfg
`);
const run = py.globals.get("_mathagent_run");
py.runPython("del _mathagent_run");

if (W.harden) {
  for (const name of ["js", "pyodide_js"]) {
    try {
      py.unregisterJsModule(name);
    } catch {}
  }
  py.runPython(fs.readFileSync(path.join(W.runtimeDir, "harden.py"), "utf8"));
  // MEMFS file data lives in JS ArrayBuffers, outside the wasm cap: bound the total growth of
  // file data (writes past the end and truncate-to-larger) with a per-interpreter budget.
  const MEMFS = py.FS.filesystems.MEMFS;
  const ENOSPC = 51;
  const charge = (node, newSize) => {
    const grow = newSize - (node.usedBytes || 0);
    if (grow <= 0) return;
    if (grow > fsBudget) throw new py.FS.ErrnoError(ENOSPC);
    fsBudget -= grow;
  };
  // file nodes use MEMFS.ops_table.file.stream (a copy of MEMFS.stream_ops): patch both
  const fileStream = MEMFS.ops_table && MEMFS.ops_table.file && MEMFS.ops_table.file.stream;
  for (const ops of new Set([MEMFS.stream_ops, fileStream].filter(Boolean))) {
    const write = ops.write;
    ops.write = function (stream, buffer, offset, length, position, canOwn) {
      if (length > 0) charge(stream.node, position + length);
      return write.call(this, stream, buffer, offset, length, position, canOwn);
    };
  }
  const resize = MEMFS.resizeFileStorage;
  MEMFS.resizeFileStorage = function (node, newSize) {
    charge(node, newSize);
    return resize.call(this, node, newSize);
  };
  // no mounting of host directories, even through a recovered FS object
  py.FS.mount = () => {
    throw new py.FS.ErrnoError(63 /* EPERM */);
  };
  // No code generation from strings in this realm: neutralise every Function constructor path.
  for (const f of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    Object.defineProperty(Object.getPrototypeOf(f), "constructor", {
      value: undefined,
      writable: false,
      configurable: false,
    });
  }
  for (const k of ["eval", "fetch", "WebSocket", "require", "module", "XMLHttpRequest", "importScripts"]) {
    try {
      delete globalThis[k];
    } catch {}
  }
  // NOTE: do not delete Function (pyodide uses it) and do not touch process.* (crashes the host).
}

// The runner and the hardening live for the worker's lifetime: out of the collector's reach, like
// the imports that preimport.py froze (see there).
py.runPython("__import__('gc').collect(); __import__('gc').freeze()");

const ia = new Int32Array(W.sab);
py.setInterruptBuffer(ia);
py.setStdin({ error: true });
const dec = new TextDecoder();
const fdWriter = {
  write: (buf) => {
    fdWrite(dec.decode(buf));
    return buf.length;
  },
  isatty: false,
};
py.setStdout(fdWriter);
py.setStderr(fdWriter);

// The pristine state every request starts from (isolation.mjs).
const fsState = iso.guardFs(py, guard);
iso.captureFs(py, fsState);
iso.guardTimers(guard);
const pristine = iso.captureMemory(py);
const pristineBudget = fsBudget;
// the bridge functions that passing a request in and its result out use, and those that the
// runtime uses for ordinary library calls (time.sleep checks for JS promise integration), are
// the worker's own
const LEARN = [
  "pass",
  "print(1)\n2",
  "1/0",
  "x = = 1",
  "import time, os, tempfile, datetime, hashlib\ntime.sleep(0.001)\nos.listdir('/')\nstr(datetime.datetime.now())\nopen(tempfile.mkdtemp() + '/f', 'w').write('x')",
];
for (const code of LEARN) {
  iso.learnBaseline(guard, () => run(JSON.stringify({ cells: ["pass", code], ipython: true, maxOut: 100 })));
  iso.restoreFs(py, fsState);
  iso.restoreMemory(py, pristine);
}
iso.endLearning(guard);
let retired = false;
let lastRestoreMs = 0;
parentPort.postMessage({
  type: "ready",
  loadMs: T1 - T0,
  initMs: performance.now() - T0,
  snapshot: usedSnapshot,
});


function runRequest(msg) {
  Atomics.store(ia, 0, 0);
  fdOut = "";
  fdTotal = 0;
  const t0 = performance.now();
  let res;
  guard.inRun = true;
  try {
    res = JSON.parse(run(msg.req));
    if (res === null || typeof res !== "object" || typeof res.status !== "string") {
      // the snippet replaced the runner's own result (json patched): an error of its own
      res = { status: "error", stdout: "", stderr: "", value: null, error: "RunnerError: the snippet broke the runner's result" };
    }
  } catch (e) {
    const text = String((e && e.message) || e);
    // an interrupt that reached the runner's own code is still a time-out; anything else that
    // escaped the runner (a fatal interpreter error, an unparsable result) is a crash
    res = /(^|\n)KeyboardInterrupt\b[^\n]*\s*$/.test(text)
      ? { status: "timeout", stdout: "", stderr: "", value: null, error: "TimeoutError: execution interrupted" }
      : { status: "crash", stdout: "", stderr: "", value: null, error: "InterpreterCrash: " + text.slice(0, 2000) };
  } finally {
    guard.inRun = false;
  }
  if (fdOut) {
    res.stdout = (res.stdout || "") + fdOut;
    if (fdTotal > fdOut.length) res.truncated = true;
    res.stdoutChars = (res.stdoutChars || 0) + fdTotal;
  }
  res.ms = performance.now() - t0;
  res.restoreMs = lastRestoreMs;
  if (guard.bridge.size) {
    // JS-side state (proxies, buffers, callbacks) is not part of the captured memory
    res.recycle = true;
    res.bridge = [...guard.bridge].slice(0, 10);
  }
  try {
    res.heapMb = py._module.HEAP8.length / 1048576;
  } catch {
    res.heapMb = 0;
  }
  return res;
}

parentPort.on("message", (msg) => {
  if (msg.type !== "run" || retired) return;
  const res = runRequest(msg);
  parentPort.postMessage({ type: "result", id: msg.id, res });
  if (res.status === "crash") process.exit(1); // interpreter unusable: the pool respawns it
  if (res.recycle) {
    retired = true; // the host replaces this worker; it runs nothing more
    return;
  }
  const t0 = performance.now();
  iso.restoreFs(py, fsState);
  fsBudget = pristineBudget;
  iso.restoreMemory(py, pristine);
  lastRestoreMs = performance.now() - t0;
  parentPort.postMessage({ type: "restored" }); // the host prefers workers that are ready again
});
