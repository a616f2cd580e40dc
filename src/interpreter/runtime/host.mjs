// The executor host: a child process started by PyodidePool (src/interpreter/pyodide-pool.ts),
// locked down from outside (Node permission model, empty environment, `unshare -rn` where
// available). It owns N worker threads (worker.mjs), one Pyodide interpreter each, and implements
// queueing, timeouts (interrupt, then terminate after a grace period) and replacement. Every
// request is self-contained (its cells) and every worker starts each request from the same
// pristine state, so any free worker can take any request. Talks to the parent over IPC:
//   in : {type:"init", config}, {type:"run", id, cells, ipython, timeoutMs, maxOut},
//        {type:"cancel", id}, {type:"close"}
//   out: {type:"ready", spawnMs, snapshot}, {type:"result", id, res}, {type:"log", level, msg},
//        {type:"fatal", error}, {type:"stats", stats}
import { Worker } from "node:worker_threads";
import fs from "node:fs";
import path from "node:path";

/** How often an unanswered interrupt is re-asserted (ms). */
const REASSERT_MS = 10;

const send = (m) => {
  try {
    if (process.connected) process.send(m);
  } catch {}
};
const log = (level, msg) => send({ type: "log", level, msg });

class Pool {
  constructor(cfg) {
    this.o = {
      workers: 1,
      timeoutMs: 20000,
      graceMs: 1000,
      maxJobsPerWorker: 2000,
      maxHeapMb: 512,
      stackSizeMb: 64,
      ...cfg,
    };
    this.slots = [];
    this.queue = [];
    this.stats = { spawns: 0, spawnMs: [], kills: 0, crashes: 0, recycles: 0, snapshot: null, restores: 0, restoreMs: 0 };
    this.failStreak = 0;
    this.closed = false;
    this.readySent = false;
    // compiled once here and handed to every worker (worker.mjs), so a replacement worker neither
    // compiles nor tiers up pyodide's wasm again
    try {
      const bytes = fs.readFileSync(path.join(this.o.workerData.pyodideDir, "pyodide.asm.wasm"));
      this.wasm = { wasmModule: new WebAssembly.Module(bytes), wasmSize: bytes.byteLength };
    } catch (e) {
      log("warn", "could not precompile pyodide.asm.wasm (each worker compiles it): " + String((e && e.message) || e));
      this.wasm = {};
    }
    for (let i = 0; i < this.o.workers; i++) this.slots.push(this.spawn({ index: i, gen: 0 }));
  }

  /** A new interpreter thread (listeners are attached by the caller). */
  newWorker(sab) {
    const w = new Worker(path.join(this.o.runtimeDir, "worker.mjs"), {
      workerData: { ...this.o.workerData, ...this.wasm, sab },
      resourceLimits: { stackSizeMb: this.o.stackSizeMb, maxOldGenerationSizeMb: this.o.maxOldGenerationSizeMb || 1024 },
      stdout: true,
      stderr: true,
      env: {},
    });
    // anything a worker prints outside the capture (pyodide warnings) is dropped, not leaked
    w.stdout?.resume();
    w.stderr?.resume();
    this.stats.spawns++;
    return w;
  }

  /** `w` now serves `slot`: its results, and its death, are the slot's. */
  attach(slot, w, t0) {
    w.removeAllListeners("message");
    w.removeAllListeners("error");
    w.removeAllListeners("exit");
    w.on("message", (m) => {
      if (w !== slot.worker) return;
      if (m.type === "ready") this.ready(slot, m, t0);
      else if (m.type === "result") this.finish(slot, m.res);
      else if (m.type === "restored") {
        slot.restoring = false;
        this.pump();
      }
    });
    w.on("error", (e) => {
      if (w === slot.worker) this.dead(slot, "worker error: " + String((e && e.message) || e).slice(0, 500));
    });
    w.on("exit", (c) => {
      if (w === slot.worker) this.dead(slot, "worker exited with code " + c);
    });
  }

  /** A worker failed to start; three in a row and the pool gives up rather than loop. */
  startFailed(why) {
    this.failStreak++;
    log("warn", "interpreter worker failed to start: " + why);
    if (this.failStreak < 3) return false;
    send({ type: "fatal", error: "interpreter workers keep failing to start: " + why });
    setTimeout(() => process.exit(3), 50);
    return true;
  }

  /** Jobs before a slot's planned recycle; the first generation is staggered across slots so
   * that the workers are not all replaced at the same moment. */
  jobLimit(slot) {
    const n = this.o.maxJobsPerWorker;
    return slot.gen === 1 ? Math.max(1, Math.round((n * (slot.index + 1)) / this.o.workers)) : n;
  }

  ready(slot, m, t0) {
    slot.ready = true;
    slot.started = true;
    this.failStreak = 0;
    this.stats.spawnMs.push(performance.now() - t0);
    this.stats.snapshot = m.snapshot;
    if (!this.readySent && this.slots.length === this.o.workers && this.slots.every((s) => s.ready)) {
      this.readySent = true;
      send({ type: "ready", spawnMs: this.stats.spawnMs.slice(), snapshot: m.snapshot });
    }
    this.pump();
  }

  spawn(slot) {
    const sab = new SharedArrayBuffer(4);
    slot.sab = sab;
    slot.ia = new Int32Array(sab);
    slot.job = null;
    slot.jobs = 0;
    slot.ready = false;
    slot.started = false;
    slot.restoring = false;
    slot.dead = false;
    slot.gen++;
    const t0 = performance.now();
    slot.worker = this.newWorker(sab);
    this.attach(slot, slot.worker, t0);
    return slot;
  }

  /**
   * Planned recycle without a gap: a replacement starts while the old interpreter keeps serving,
   * and takes over at the first moment the slot is idle after it is ready.
   */
  prepareReplacement(slot) {
    if (slot.standby || this.closed) return;
    const sab = new SharedArrayBuffer(4);
    const t0 = performance.now();
    const sb = { sab, ready: false, worker: this.newWorker(sab) };
    slot.standby = sb;
    sb.worker.on("message", (m) => {
      if (slot.standby !== sb || m.type !== "ready") return;
      sb.ready = true;
      this.failStreak = 0;
      this.stats.spawnMs.push(performance.now() - t0);
      if (!slot.job) this.takeOver(slot);
    });
    const gone = (why) => {
      if (slot.standby !== sb) return;
      slot.standby = null;
      if (!sb.ready) this.startFailed(why);
    };
    sb.worker.on("error", (e) => gone("worker error: " + String((e && e.message) || e).slice(0, 500)));
    sb.worker.on("exit", (c) => gone("worker exited with code " + c));
  }

  takeOver(slot) {
    const sb = slot.standby;
    slot.standby = null;
    const old = slot.worker;
    this.stats.recycles++;
    slot.sab = sb.sab;
    slot.ia = new Int32Array(sb.sab);
    slot.jobs = 0;
    slot.gen++;
    slot.dead = false;
    slot.ready = true;
    slot.started = true;
    slot.restoring = false;
    slot.worker = sb.worker;
    this.attach(slot, sb.worker, null);
    if (old) old.terminate().catch(() => {});
    this.pump();
  }

  dead(slot, why) {
    if (slot.dead || this.closed) return;
    slot.dead = true;
    // a worker that served requests and then died is a crash, not a failed start
    if (!slot.started && this.startFailed(why)) return;
    if (slot.job) {
      this.stats.crashes++;
      this.settle(slot, crashRes("InterpreterCrash: " + why));
    }
    this.respawn(slot);
  }

  respawn(slot) {
    const old = slot.worker;
    slot.worker = null;
    if (old) old.terminate().catch(() => {});
    if (slot.standby) {
      const sb = slot.standby;
      slot.standby = null;
      sb.worker.terminate().catch(() => {});
    }
    if (!this.closed) this.spawn(slot);
  }

  settle(slot, res) {
    const job = slot.job;
    slot.job = null;
    clearTimeout(job.t1);
    clearTimeout(job.t2);
    clearInterval(job.t3);
    res.wallMs = performance.now() - job.start;
    if (job.cancelled) res.cancelled = true;
    send({ type: "result", id: job.id, res });
  }

  finish(slot, res) {
    const job = slot.job;
    if (!job) return;
    slot.jobs++;
    if (res.restoreMs > 0) {
      this.stats.restores++;
      this.stats.restoreMs += res.restoreMs;
    }
    // a crash stays a crash even after the time limit; only a run the interrupt stopped is a time-out
    const crashed = res.status === "crash";
    if (job.cancelled) res.status = "cancelled";
    else if (job.interrupted && !crashed) res.status = "timeout";
    this.settle(slot, res);
    if (crashed) {
      this.stats.crashes++;
      slot.ready = false; // the worker exits; 'exit' respawns it
      return;
    }
    if (res.recycle) {
      // the request reached JS-side state that the memory restore does not cover: the
      // interpreter takes no further job
      this.stats.recycles++;
      if (slot.standby && slot.standby.ready) {
        this.takeOver(slot);
        return;
      }
      slot.dead = true;
      this.respawn(slot);
      return;
    }
    if (slot.standby && slot.standby.ready) {
      this.takeOver(slot);
      return;
    }
    if (slot.jobs >= this.jobLimit(slot) || res.heapMb > this.o.maxHeapMb) this.prepareReplacement(slot);
    slot.restoring = true; // the worker copies its pristine memory back before the next request
    this.pump();
  }

  /** Starts queued requests on idle workers, those done restoring their memory first. */
  pump() {
    while (this.queue.length) {
      const idle = (s) => s.ready && !s.job && !s.dead;
      const slot = this.slots.find((s) => idle(s) && !s.restoring) ?? this.slots.find(idle);
      if (!slot) return;
      this.start(slot, this.queue.shift());
    }
  }

  start(slot, job) {
    slot.job = job;
    job.start = performance.now();
    const req = { cells: job.cells, ipython: Boolean(job.ipython), maxOut: job.maxOut ?? this.o.maxOut ?? 8192 };
    const limit = job.timeoutMs ?? this.o.timeoutMs;
    job.t1 = setTimeout(() => this.interrupt(slot, job), limit);
    slot.worker.postMessage({ type: "run", id: job.id, req: JSON.stringify(req) });
  }

  interrupt(slot, job) {
    if (slot.job !== job) return;
    job.interrupted = true;
    Atomics.store(slot.ia, 0, 2); // SIGINT -> KeyboardInterrupt in Python
    // Pyodide reads the buffer and then zeroes it with two plain accesses: a store landing between
    // them is lost (seen in tight loops). Re-assert until the job ends; the worker zeroes the
    // buffer when it starts its next job.
    job.t3 = setInterval(() => {
      if (slot.job === job) Atomics.store(slot.ia, 0, 2);
    }, REASSERT_MS);
    job.t2 = setTimeout(() => {
      // a C-level loop or a swallowed interrupt: kill the thread, start a new interpreter
      if (slot.job !== job) return;
      this.stats.kills++;
      slot.dead = true;
      this.settle(slot, {
        status: job.cancelled ? "cancelled" : "timeout",
        stdout: "",
        stderr: "",
        value: null,
        error: null,
        killed: true,
      });
      this.respawn(slot);
    }, this.o.graceMs);
  }

  run(job) {
    this.queue.push(job);
    this.pump();
  }

  cancel(id) {
    const qi = this.queue.findIndex((j) => j.id === id);
    if (qi >= 0) {
      const [job] = this.queue.splice(qi, 1);
      send({ type: "result", id: job.id, res: { ...crashRes(null), status: "cancelled", cancelled: true, wallMs: 0 } });
      return;
    }
    for (const slot of this.slots) {
      if (slot.job && slot.job.id === id) {
        slot.job.cancelled = true;
        clearTimeout(slot.job.t1);
        this.interrupt(slot, slot.job);
      }
    }
  }

  async close() {
    this.closed = true;
    await Promise.all(
      this.slots.flatMap((s) => {
        const ws = [s.worker, s.standby && s.standby.worker];
        s.worker = null;
        s.standby = null;
        return ws.map((w) => (w ? w.terminate().catch(() => {}) : undefined));
      }),
    );
  }
}

function crashRes(error) {
  return { status: "crash", stdout: "", stderr: "", value: null, error };
}

let pool = null;
process.on("message", async (m) => {
  if (m.type === "init") {
    pool = new Pool(m.config);
  } else if (m.type === "run") {
    pool.run({ id: m.id, cells: m.cells, ipython: m.ipython, timeoutMs: m.timeoutMs, maxOut: m.maxOut });
  } else if (m.type === "cancel") {
    pool.cancel(m.id);
  } else if (m.type === "stats") {
    send({ type: "stats", stats: pool ? pool.stats : null });
  } else if (m.type === "close") {
    if (pool) await pool.close();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
