// Fresh interpreter state for every request (docs/interpreter.md, "Isolation"). Used by worker.mjs.
//
// Once a worker is ready, its whole interpreter state is captured: the wasm linear memory below
// the allocator's break (every Python object, module, class, hook and the runner itself), and the
// in-memory file system. After each request the memory is copied back and the file system is put
// back, so the next request starts from exactly the captured state whatever the previous one did.
// What lives outside the linear memory is guarded instead:
// - files: the captured files and directories are read-only (writes, truncation, renames, deletion
//   and attribute changes fail with EACCES); files and directories created by a request are
//   removed after it, open descriptors are closed, the inode counter is reset;
// - JS timers (setTimeout & co.): a request cannot schedule any (nothing runs between requests);
// - the Python-JS bridge (pyodide's JS functions imported by the wasm module): a request that
//   calls any JS function outside the runtime's own set (syscalls, clock, ...) makes the worker
//   retire after the request: JS-side objects (proxies, buffers) are not captured by a memory
//   copy. Conversion functions that allocate JS memory fail at once (the memory cap holds).
// Plain ESM on purpose (no build step).

/** JS functions the wasm module imports that ordinary Python code calls (the runtime itself). */
const RUNTIME_IMPORT = /^(__syscall_|fd_|_?emscripten_|environ_|clock_|proc_exit|random_get|_tzset_js|_localtime_js|_gmtime_js|_mktime_js|_timegm_js|_mmap_js|_munmap_js|_msync_js|_abort_js|__call_sighandler|invoke_|__assert_fail|_setitimer_js|__cxa_|__resumeException|_Py_emscripten|_Py_CheckEmscriptenSignals|getaddrinfo|_dlopen_js|_dlsym_js|_emscripten_dlopen_js|_dlinit|__syscall|exit$|abort$|strftime|_gettimeofday|gettimeofday)/;
/** Bridge functions that copy Python data into JS memory (outside the wasm cap): refused outright. */
const ALLOCATING_IMPORT = /python2js|to_js|JsBuffer|JsArray_New|JsArray_Push|JsObject_New|JsMap_New|JsSet_New|hiwire_new|create_proxy|pyproxy_new|buffer/i;

export function createGuard() {
  return { inRun: false, learning: true, baseline: new Set(), bridge: new Set(), timers: 0 };
}

/**
 * Calls `call` with the guard in learning mode: the bridge functions it uses are the worker's
 * own (passing the request in and the result out) and stay allowed.
 */
export function learnBaseline(guard, call) {
  guard.learning = true;
  guard.inRun = true;
  try {
    call();
  } finally {
    guard.inRun = false;
    for (const name of guard.bridge) guard.baseline.add(name);
    guard.bridge.clear();
  }
}

/** Ends learning: from now on, a bridge function outside the baseline marks the request. */
export function endLearning(guard) {
  guard.learning = false;
}

/**
 * Wraps the wasm module's JS imports (before instantiation): runtime functions pass untouched;
 * any other import called during a request is recorded (the worker retires after it), and the
 * allocating conversions fail.
 */
export function guardImports(env, guard, extraRuntime = []) {
  const runtime = new Set(extraRuntime);
  for (const [name, f] of Object.entries(env)) {
    if (typeof f !== "function" || RUNTIME_IMPORT.test(name) || runtime.has(name)) continue;
    const deny = ALLOCATING_IMPORT.test(name);
    const wrapped = function (...args) {
      if (guard.inRun && !guard.baseline.has(name)) {
        guard.bridge.add(name);
        if (deny && !guard.learning) throw new Error(`the Python-JS bridge (${name}) is closed to snippets`);
      }
      return f.apply(this, args);
    };
    Object.assign(wrapped, f);
    env[name] = wrapped;
  }
}

/** No JS timer or microtask can be scheduled while a request runs (none runs between requests). */
export function guardTimers(guard) {
  for (const name of ["setTimeout", "setInterval", "setImmediate", "queueMicrotask"]) {
    const orig = globalThis[name];
    if (typeof orig !== "function") continue;
    globalThis[name] = function (...args) {
      if (guard.inRun) {
        guard.timers++;
        guard.bridge.add(name);
        return 0;
      }
      return orig.apply(this, args);
    };
  }
}

/** Every node below `root`, depth first. */
function walk(root, visit) {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop();
    visit(node);
    if (node.contents && typeof node.contents === "object" && !ArrayBuffer.isView(node.contents) && !Array.isArray(node.contents)) {
      for (const child of Object.values(node.contents)) if (child && child.parent === node) stack.push(child);
    }
  }
}

/**
 * The captured file system is read-only for requests; what a request creates is recorded and
 * removed by `restoreFs`. Call once, before the capture.
 */
export function guardFs(py, guard) {
  const FS = py.FS;
  const MEMFS = FS.filesystems.MEMFS;
  const EACCES = 2;
  const fsState = { pristine: new WeakSet(), created: [], dirty: false, times: new Map(), fds: null, nextInode: 0 };
  const isPristine = (n) => n && fsState.pristine.has(n);
  const deny = () => {
    throw new FS.ErrnoError(EACCES);
  };
  const createNode = MEMFS.createNode;
  MEMFS.createNode = function (parent, name, mode, dev) {
    const node = createNode.call(this, parent, name, mode, dev);
    if (guard.inRun) {
      fsState.created.push(node);
      fsState.dirty = true;
    }
    return node;
  };
  if (!MEMFS.ops_table) throw new Error("MEMFS is not initialised");
  const child = (dir, name) => (dir && dir.contents ? dir.contents[name] : undefined);
  for (const kind of Object.values(MEMFS.ops_table)) {
    const n = kind.node;
    wrap(n, "setattr", (node) => isPristine(node));
    wrap(n, "rename", (old, dir, name) => isPristine(old) || isPristine(child(dir, name)));
    wrap(n, "unlink", (dir, name) => isPristine(child(dir, name)));
    wrap(n, "rmdir", (dir, name) => isPristine(child(dir, name)));
    wrap(n, "mknod", () => false);
    wrap(n, "symlink", () => false);
    if (kind.stream && kind.stream !== FS.chrdev_stream_ops) {
      wrap(kind.stream, "write", (stream) => isPristine(stream.node));
      wrap(kind.stream, "msync", (stream) => isPristine(stream.node));
    }
  }
  function wrap(ops, name, forbidden) {
    const f = ops[name];
    if (typeof f !== "function" || f.__guarded) return;
    ops[name] = function (...args) {
      if (guard.inRun) {
        if (forbidden(...args)) deny();
        fsState.dirty = true;
      }
      return f.apply(this, args);
    };
    ops[name].__guarded = true;
  }
  return fsState;
}

/** Records the current file system as the pristine one (after all setup writes). */
export function captureFs(py, fsState) {
  const FS = py.FS;
  walk(FS.root, (node) => {
    fsState.pristine.add(node);
    fsState.times.set(node, [node.atime, node.mtime, node.ctime, node.timestamp]);
  });
  fsState.fds = new Set(FS.streams.map((s, fd) => (s ? fd : -1)).filter((fd) => fd >= 0));
  fsState.nextInode = FS.nextInode;
  fsState.cwd = FS.currentPath;
}

/** Puts the file system back as captured: created nodes removed, descriptors closed, times reset. */
export function restoreFs(py, fsState) {
  const FS = py.FS;
  FS.streams.forEach((s, fd) => {
    if (s && !fsState.fds.has(fd)) FS.closeStream(fd);
  });
  if (!fsState.dirty) return;
  for (let i = fsState.created.length - 1; i >= 0; i--) {
    const node = fsState.created[i];
    const parent = node.parent;
    try {
      FS.hashRemoveNode(node);
    } catch {}
    if (parent && parent.contents && parent.contents[node.name] === node) delete parent.contents[node.name];
  }
  fsState.created = [];
  for (const [node, t] of fsState.times) [node.atime, node.mtime, node.ctime, node.timestamp] = t;
  FS.nextInode = fsState.nextInode;
  FS.currentPath = fsState.cwd;
  fsState.dirty = false;
}

/**
 * The pristine copy of the linear memory: the static data below the wasm stack and the heap up
 * to the allocator's break. The stack region is not copied: outside a call nothing on it is live.
 * Memory above the break is free (no live object); it is cleared when a request moved the break.
 */
export function captureMemory(py) {
  const M = py._module;
  const sbrkPtr = M._emscripten_get_sbrk_ptr();
  const brk = M.HEAPU32[sbrkPtr >>> 2];
  const low = Number(M.___stack_low);
  const high = Number(M.___stack_high);
  const stack = Number.isInteger(low) && Number.isInteger(high) && 0 < low && low < high && high <= brk ? [low, high] : [brk, brk];
  return {
    sbrkPtr,
    brk,
    segments: [
      { at: 0, bytes: M.HEAPU8.slice(0, stack[0]) },
      { at: stack[1], bytes: M.HEAPU8.slice(stack[1], brk) },
    ],
  };
}

/** Copies the pristine memory back; returns the bytes the request had moved the break by. */
export function restoreMemory(py, mem) {
  const heap = py._module.HEAPU8;
  const brk = new Uint32Array(heap.buffer, mem.sbrkPtr, 1)[0];
  for (const seg of mem.segments) heap.set(seg.bytes, seg.at);
  const grown = Math.max(0, Math.min(brk, heap.length) - mem.brk);
  if (grown > 0) heap.fill(0, mem.brk, mem.brk + grown);
  return grown;
}
