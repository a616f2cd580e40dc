/**
 * The symbolic step off the main thread: one worker thread running the Compute Engine, one query
 * at a time, each with a hard time limit. A query past its limit terminates the worker (the only
 * way to stop a runaway CAS), counts as not equal and is counted; the next query starts a fresh
 * worker. The caller never waits longer than the limit plus the worker's start-up.
 */
import { Worker } from "node:worker_threads";
import { projectPath } from "../paths.js";
import type { SymbolicQuery } from "./equivalence.js";

export interface SymbolicResult {
  equal: boolean;
  timedOut: boolean;
  /** Why the CAS could not decide (unparsable LaTeX, worker crash); counted as not equal. */
  error?: string;
}

export interface SymbolicStats {
  queries: number;
  timeouts: number;
  errors: number;
  workerStarts: number;
}

export interface SymbolicOptions {
  /** Hard limit per query in milliseconds, not counting the worker's start-up. Default 3000. */
  timeoutMs?: number;
}

export const DEFAULT_SYMBOLIC_TIMEOUT_MS = 3000;

/** Where the worker script lives; plain .mjs so tsx, Node and tslab all load it. */
export const SYMBOLIC_WORKER_PATH = projectPath("src", "grading", "symbolic-worker.mjs");

interface Job {
  query: SymbolicQuery;
  resolve: (r: SymbolicResult) => void;
}

export class SymbolicChecker {
  readonly timeoutMs: number;
  readonly stats: SymbolicStats = { queries: 0, timeouts: 0, errors: 0, workerStarts: 0 };
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private queue: Job[] = [];
  private running = false;
  private nextId = 1;
  private closed = false;

  constructor(options: SymbolicOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SYMBOLIC_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new Error(`symbolic timeoutMs must be a positive number of milliseconds, got ${this.timeoutMs}`);
  }

  /** Whether `query.a` equals `query.b`; never rejects. */
  check(query: SymbolicQuery): Promise<SymbolicResult> {
    if (this.closed) return Promise.resolve({ equal: false, timedOut: false, error: "the symbolic checker is closed" });
    return new Promise((resolve) => {
      this.queue.push({ query, resolve });
      void this.pump();
    });
  }

  /** Stops the worker; later checks answer "not equal" with an error. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ equal: false, timedOut: false, error: "the symbolic checker was closed" });
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) await w.terminate();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
        job.resolve(await this.run(job.query));
      }
    } finally {
      this.running = false;
    }
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const w = new Worker(SYMBOLIC_WORKER_PATH);
    // The worker must not keep a finished program alive; a pending query keeps its own timer.
    w.unref();
    this.worker = w;
    this.stats.workerStarts++;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          w.off("message", onMessage);
          w.off("error", reject);
          resolve();
        }
      };
      w.on("message", onMessage);
      w.once("error", reject);
    });
    return this.ready;
  }

  private discardWorker(): void {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) void w.terminate();
  }

  private async run(query: SymbolicQuery): Promise<SymbolicResult> {
    this.stats.queries++;
    try {
      await this.start();
    } catch (err) {
      this.discardWorker();
      this.stats.errors++;
      return { equal: false, timedOut: false, error: `symbolic worker failed to start: ${(err as Error).message}` };
    }
    const w = this.worker!;
    const id = this.nextId++;
    return new Promise<SymbolicResult>((resolve) => {
      const finish = (r: SymbolicResult) => {
        clearTimeout(timer);
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        resolve(r);
      };
      const onMessage = (m: { id?: number; result?: boolean; error?: string }) => {
        if (m.id !== id) return;
        if (m.error !== undefined) this.stats.errors++;
        finish({ equal: m.result === true, timedOut: false, ...(m.error !== undefined ? { error: m.error } : {}) });
      };
      const onError = (err: Error) => {
        this.stats.errors++;
        this.discardWorker();
        finish({ equal: false, timedOut: false, error: `symbolic worker crashed: ${err.message}` });
      };
      const onExit = () => {
        this.stats.errors++;
        this.discardWorker();
        finish({ equal: false, timedOut: false, error: "symbolic worker exited" });
      };
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        this.discardWorker();
        finish({ equal: false, timedOut: true });
      }, this.timeoutMs);
      w.on("message", onMessage);
      w.once("error", onError);
      w.once("exit", onExit);
      w.postMessage({ id, ...query });
    });
  }
}
