import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import { BasePool, abortError, type Job, type RawResult, sharedPoolOptions } from "./base.js";
import { cacheDir, runtimeDir } from "./locate.js";

export interface SubprocessPoolOptions {
  /** Persistent CPython processes. Default: min(2, cores). */
  workers?: number;
  /** The Python executable. Default "python3" (from PATH). */
  python?: string;
  /** Default per-snippet time limit (ms). Default 20000. */
  timeoutMs?: number;
  /** After SIGINT, how long to wait before SIGKILL (ms). Default 1000. */
  graceMs?: number;
  /** Cap on kept stdout and on kept stderr (characters). Default 8192. */
  maxOutputBytes?: number;
  /** Address-space limit per process (MiB, RLIMIT_AS where the OS has it). Default 2048. */
  memoryLimitMb?: number;
  /**
   * Replace a process after this many snippets (the replacement starts first, so there is no gap;
   * the first replacements are staggered across workers). Default 2000.
   */
  maxJobsPerWorker?: number;
  /** Ceiling for sys.setrecursionlimit. Default 10000 (native stack). */
  maxRecursion?: number;
  /**
   * Folders put first on sys.path. Default: the project's sympy/mpmath folder made by setup
   * (.cache/python/site, Debian's sympy 1.11.1, the same as the Pyodide pool) when it exists.
   */
  sysPath?: string[];
  /** Import sympy & co. before the first snippet. Default true. */
  preimport?: boolean;
  /** Extra environment for the workers (the default is nearly empty: PATH, HOME, LANG). */
  env?: Record<string, string>;
}

interface Slot {
  index: number;
  gen: number;
  proc: ChildProcess | null;
  ready: boolean;
  job: (Job & { id: number; resolve: (r: RawResult) => void; start: number; t1?: NodeJS.Timeout; t2?: NodeJS.Timeout; interrupted?: boolean; cancelled?: boolean; onAbort?: () => void }) | null;
  jobs: number;
  spawnStart: number;
  /** One of the pool's first processes (their first replacement is staggered). */
  initial?: boolean;
  /** The process starting to take over from this one (planned replacement). */
  successor?: Slot;
  /** The process this one takes over from once it is ready. */
  predecessor?: Slot;
}

/**
 * CPython persistent workers with the same interface and limits where the OS gives them
 * (time via SIGINT then SIGKILL, RLIMIT_AS memory, output caps, recursion cap, fresh globals,
 * state reset). NOT A SANDBOX: snippets run with this user's rights, files and network. Use it
 * for trusted code that needs numpy or native speed; PyodidePool is the default.
 */
export class SubprocessPool extends BasePool {
  readonly options: Required<Omit<SubprocessPoolOptions, "env">> & { env: Record<string, string> };
  protected readonly defaultTimeoutMs: number;
  protected readonly defaultMaxOut: number;
  readonly startup: { spawnMs: number[] } = { spawnMs: [] };
  readonly counters = { spawns: 0, kills: 0, crashes: 0, recycles: 0 };
  private slots: Slot[] = [];
  private queue: (Slot["job"] & {})[] = [];
  private nextId = 1;
  private started = false;
  private readyWaiters: (() => void)[] = [];

  constructor(options: SubprocessPoolOptions = {}) {
    super();
    const site = path.join(cacheDir, "site");
    this.options = {
      ...sharedPoolOptions(options),
      python: options.python ?? "python3",
      memoryLimitMb: options.memoryLimitMb ?? 2048,
      maxRecursion: options.maxRecursion ?? 10000,
      sysPath: options.sysPath ?? (fs.existsSync(site) ? [site] : []),
      preimport: options.preimport ?? true,
      env: options.env ?? {},
    };
    this.defaultTimeoutMs = this.options.timeoutMs;
    this.defaultMaxOut = this.options.maxOutputBytes;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.options.workers; i++) {
      const slot: Slot = { index: i, gen: 0, proc: null, ready: false, job: null, jobs: 0, spawnStart: 0, initial: true };
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  /** Resolves when every worker process has imported its modules. */
  async ready(): Promise<void> {
    this.start();
    while (!this.slots.every((s) => s.ready)) {
      if (this.closed) throw new Error("interpreter pool is closed");
      await new Promise<void>((r) => {
        this.readyWaiters.push(r);
        this.refresh();
      });
    }
    this.refresh();
  }

  private spawn(slot: Slot): void {
    const o = this.options;
    slot.gen++;
    slot.ready = false;
    slot.jobs = 0;
    slot.spawnStart = performance.now();
    (slot as Slot & { refd?: boolean }).refd = undefined;
    const cfg = {
      memLimitMb: o.memoryLimitMb,
      maxRecursion: o.maxRecursion,
      maxOut: o.maxOutputBytes,
      sysPath: o.sysPath,
      preimport: o.preimport ? fs.readFileSync(path.join(runtimeDir, "preimport.py"), "utf8") : "",
    };
    const proc = spawn(o.python, ["-u", "-X", "utf8", path.join(runtimeDir, "cpython_worker.py"), path.join(runtimeDir, "runner.py"), JSON.stringify(cfg)], {
      stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1", ...o.env },
      cwd: os.tmpdir(),
    });
    this.counters.spawns++;
    slot.proc = proc;
    const gen = slot.gen;
    // the worker moves fds 1/2 to a capped temp file once started; before that they carry
    // start-up errors, kept for the crash message
    let startErr = "";
    const onFd = (d: Buffer) => {
      if (slot.gen === gen) startErr = (startErr + d.toString("utf8")).slice(-1000);
    };
    proc.stdout!.on("data", onFd);
    proc.stderr!.on("data", onFd);
    const results = proc.stdio[4] as Readable;
    let buf = "";
    results.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (slot.gen !== gen) return;
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.type === "ready") {
          slot.ready = true;
          this.startup.spawnMs.push(performance.now() - slot.spawnStart);
          const pred = slot.predecessor;
          if (pred && !pred.job) this.retire(pred);
          this.wake();
          this.pump();
        } else if (msg.type === "result") {
          let res: unknown;
          try {
            res = JSON.parse(msg.res);
          } catch {
            res = null;
          }
          const ok = res !== null && typeof res === "object" && typeof (res as RawResult).status === "string";
          this.finish(slot, ok ? (res as RawResult & { recycle?: boolean }) : { status: "error", stdout: "", stderr: "", value: null, error: "RunnerError: unreadable result" });
        }
      }
    });
    this.refresh();
    proc.on("error", (e) => {
      if (slot.gen === gen) this.dead(slot, `cannot start ${o.python}: ${e.message}`, !slot.ready);
    });
    proc.on("exit", (code, sig) => {
      if (slot.gen === gen) this.dead(slot, `python exited (code ${code}, signal ${sig})${startErr ? ": " + startErr.trim() : ""}`, !slot.ready);
    });
  }

  /** Keep the event loop alive only while work is pending (a forgotten pool never blocks exit). */
  private refresh(): void {
    const busy = this.queue.length > 0 || this.slots.some((s) => s.job) || this.readyWaiters.length > 0;
    for (const s of this.slots) {
      const p = s.proc;
      if (!p || (s as Slot & { refd?: boolean }).refd === busy) continue;
      (s as Slot & { refd?: boolean }).refd = busy;
      type Refable = { ref?: () => void; unref?: () => void; destroyed?: boolean } | null;
      for (const st of [p, ...p.stdio] as unknown as Refable[]) {
        if (!st || st.destroyed) continue;
        if (busy) st.ref?.();
        else st.unref?.();
      }
    }
  }

  private wake(): void {
    const w = this.readyWaiters;
    this.readyWaiters = [];
    for (const f of w) f();
  }

  private failStreak = 0;
  private fatal: Error | null = null;

  private dead(slot: Slot, why: string, beforeReady: boolean): void {
    if (this.closed) return;
    slot.gen++; // ignore anything more from this process
    slot.ready = false;
    try {
      slot.proc?.kill("SIGKILL");
    } catch {}
    slot.proc = null;
    if (slot.job) {
      this.counters.crashes++;
      this.settle(slot, { status: "crash", stdout: "", stderr: "", value: null, error: `InterpreterCrash: ${why}` });
    }
    if (slot.successor) {
      this.remove(slot); // its successor is already starting
      return;
    }
    if (beforeReady && ++this.failStreak >= 3) {
      this.fatal = new Error(`Python workers keep failing to start: ${why}`);
      for (const j of this.queue.splice(0)) j.resolve({ status: "crash", stdout: "", stderr: "", value: null, error: this.fatal.message });
      this.closed = true;
      this.wake();
      return;
    }
    this.spawn(slot);
  }

  private settle(slot: Slot, res: RawResult): void {
    const job = slot.job!;
    slot.job = null;
    clearTimeout(job.t1);
    clearTimeout(job.t2);
    if (job.signal && job.onAbort) job.signal.removeEventListener("abort", job.onAbort);
    res.wallMs = performance.now() - job.start;
    job.resolve(res);
    queueMicrotask(() => this.refresh());
  }

  private finish(slot: Slot, res: RawResult & { recycle?: boolean }): void {
    const job = slot.job;
    if (!job) return;
    this.failStreak = 0;
    slot.jobs++;
    if (job.cancelled) res.status = "cancelled";
    else if (job.interrupted && res.status !== "crash") res.status = "timeout";
    if (res.status === "crash") this.counters.crashes++;
    this.settle(slot, res);
    if (res.recycle) {
      // the process's state is in doubt: it takes no further job
      this.counters.recycles++;
      this.replace(slot);
      return;
    }
    if (slot.successor?.ready) {
      this.retire(slot);
      return;
    }
    if (slot.jobs >= this.jobLimit(slot) && !slot.successor) this.startSuccessor(slot);
    this.pump();
  }

  /** Jobs before a planned replacement; the first one is staggered across the first processes. */
  private jobLimit(slot: Slot): number {
    const n = this.options.maxJobsPerWorker;
    return slot.initial ? Math.max(1, Math.round((n * (slot.index + 1)) / this.options.workers)) : n;
  }

  /** Planned replacement without a gap: the new process starts while the old one keeps serving. */
  private startSuccessor(slot: Slot): void {
    if (this.closed) return;
    const next: Slot = { index: slot.index, gen: 0, proc: null, ready: false, job: null, jobs: 0, spawnStart: 0, predecessor: slot };
    slot.successor = next;
    this.slots.push(next);
    this.spawn(next);
  }

  /** The successor is ready and this process is idle: stop it. */
  private retire(slot: Slot): void {
    this.counters.recycles++;
    this.remove(slot);
    this.pump();
  }

  /** Kill the slot's process; anything more from it is ignored and its sessions replay elsewhere. */
  private stop(slot: Slot): void {
    slot.gen++;
    slot.ready = false;
    const p = slot.proc;
    slot.proc = null;
    try {
      p?.kill("SIGKILL");
    } catch {}
  }

  private remove(slot: Slot): void {
    this.stop(slot);
    if (slot.successor) slot.successor.predecessor = undefined;
    slot.successor = undefined;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private replace(slot: Slot): void {
    if (slot.successor) {
      this.remove(slot);
      return;
    }
    this.stop(slot);
    this.spawn(slot);
  }

  private pump(): void {
    while (this.queue.length) {
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) return;
      this.run1(slot, this.queue.shift()!);
    }
  }

  private run1(slot: Slot, job: NonNullable<Slot["job"]>): void {
    slot.job = job;
    job.start = performance.now();
    const req = { cells: job.cells, ipython: job.ipython, maxOut: job.maxOut };
    job.t1 = setTimeout(() => this.interrupt(slot, job), job.timeoutMs);
    (slot.proc!.stdio[3] as Writable).write(JSON.stringify({ type: "run", id: job.id, req: JSON.stringify(req) }) + "\n");
  }

  private interrupt(slot: Slot, job: NonNullable<Slot["job"]>): void {
    if (slot.job !== job) return;
    job.interrupted = true;
    try {
      slot.proc?.kill("SIGINT");
    } catch {}
    job.t2 = setTimeout(() => {
      if (slot.job !== job) return;
      this.counters.kills++;
      this.settle(slot, { status: job.cancelled ? "cancelled" : "timeout", stdout: "", stderr: "", value: null, error: null, killed: true });
      this.replace(slot);
    }, this.options.graceMs);
  }

  protected submit(job: Job): Promise<RawResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    this.start();
    return new Promise<RawResult>((resolve, reject) => {
      const j = { ...job, id: this.nextId++, resolve, start: 0 } as NonNullable<Slot["job"]>;
      if (job.signal) {
        if (job.signal.aborted) return reject(abortError(job.signal));
        j.onAbort = () => {
          const qi = this.queue.indexOf(j);
          if (qi >= 0) {
            this.queue.splice(qi, 1);
            resolve({ status: "cancelled", stdout: "", stderr: "", value: null, error: null });
            return;
          }
          const slot = this.slots.find((s) => s.job === j);
          if (slot) {
            j.cancelled = true;
            clearTimeout(j.t1);
            this.interrupt(slot, j);
          }
        };
        job.signal.addEventListener("abort", j.onAbort, { once: true });
      }
      this.queue.push(j);
      this.pump();
      this.refresh();
    });
  }

  async close(): Promise<void> {
    if (this.closed && !this.slots.some((s) => s.proc)) return;
    this.closed = true;
    for (const j of this.queue.splice(0)) j.resolve({ status: "cancelled", stdout: "", stderr: "", value: null, error: "pool closed" });
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const p = s.proc;
            s.gen++;
            s.proc = null;
            if (s.job) this.settle(s, { status: "cancelled", stdout: "", stderr: "", value: null, error: "pool closed" });
            if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
            p.ref();
            p.once("exit", () => resolve());
            p.kill("SIGKILL");
          }),
      ),
    );
    this.wake();
  }
}
