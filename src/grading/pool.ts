/**
 * Grading over worker threads for throughput: each worker holds a full `Grader`; the batch is
 * cut into chunks handed to whichever worker is free; verdicts come back in input order.
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { projectPath } from "../paths.js";
import type { DatasetName } from "./datasets.js";
import type { Rule } from "./equivalence.js";
import type { GraderStats } from "./grader.js";
import type { GradeMode, GradeOptions, Verdict } from "./verdict.js";

export interface GradeItem {
  pred: string;
  gt: string;
  dataset?: DatasetName;
  extract?: boolean;
  mode?: GradeMode;
}

export interface GraderPoolOptions {
  /** Worker threads. Default: available cores − 1, at least 1. */
  workers?: number;
  /** Symbolic time limit per query, in milliseconds. */
  timeoutMs?: number;
  /** Pairs per message to a worker. Default 256. */
  chunkSize?: number;
  /** The mode for items and batches that do not name one. Default "paper". */
  mode?: GradeMode;
}

export interface BatchOptions extends GradeOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export const POOL_WORKER_PATH = projectPath("src", "grading", "pool-worker.mjs");

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  stats: GraderStats | null;
}

export class GraderPool {
  readonly size: number;
  private readonly chunkSize: number;
  private readonly timeoutMs: number | undefined;
  readonly mode: GradeMode;
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: GraderPoolOptions = {}) {
    this.size = options.workers ?? Math.max(1, os.availableParallelism() - 1);
    if (!Number.isInteger(this.size) || this.size < 1) throw new Error(`workers must be a positive integer, got ${options.workers}`);
    this.chunkSize = options.chunkSize ?? 256;
    this.timeoutMs = options.timeoutMs;
    this.mode = options.mode ?? "paper";
  }

  private ensureStarted(): Slot[] {
    if (this.closed) throw new Error("this GraderPool is closed; create a new one");
    while (this.slots.length < this.size) {
      // execArgv [] : the worker registers tsx itself and must not inherit the parent's loader flags.
      const worker = new Worker(POOL_WORKER_PATH, { execArgv: [], workerData: { timeoutMs: this.timeoutMs } });
      worker.unref();
      const ready = new Promise<void>((resolve, reject) => {
        const onMessage = (m: { ready?: boolean }) => {
          if (!m.ready) return;
          worker.off("message", onMessage);
          worker.off("error", reject);
          resolve();
        };
        worker.on("message", onMessage);
        worker.once("error", reject);
      });
      ready.catch(() => undefined); // reported where a batch awaits it
      this.slots.push({ worker, ready, stats: null });
    }
    return this.slots;
  }

  /** Verdicts for `items`, in order. */
  async gradeBatch(items: readonly GradeItem[], options: BatchOptions = {}): Promise<Verdict[]> {
    const { signal, onProgress, ...rest } = options;
    const gradeOptions: GradeOptions = { ...rest, mode: rest.mode ?? this.mode };
    const slots = this.ensureStarted();
    const out: Verdict[] = new Array(items.length);
    let nextChunk = 0;
    let done = 0;
    const chunks = Math.ceil(items.length / this.chunkSize);
    for (const s of slots) s.worker.ref(); // a running batch keeps the process alive
    try {
      await Promise.all(
        slots.map(async (slot) => {
          await slot.ready;
          while (nextChunk < chunks) {
            signal?.throwIfAborted();
            const c = nextChunk++;
            const start = c * this.chunkSize;
            const part = items.slice(start, start + this.chunkSize);
            const verdicts = await this.send(slot, part, gradeOptions);
            verdicts.forEach((v, i) => (out[start + i] = v));
            done += part.length;
            onProgress?.(done, items.length);
          }
        }),
      );
    } finally {
      for (const s of slots) s.worker.unref();
    }
    return out;
  }

  private send(slot: Slot, items: GradeItem[], options: GradeOptions): Promise<Verdict[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (m: { id?: number; verdicts?: Verdict[]; stats?: GraderStats; error?: string }) => {
        if (m.id !== id) return;
        cleanup();
        if (m.stats) slot.stats = m.stats;
        if (m.error !== undefined || !m.verdicts) reject(new Error(`grader pool worker failed: ${m.error ?? "no verdicts"}`));
        else resolve(m.verdicts);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new Error(`grader pool worker crashed: ${err.message}`));
      };
      const cleanup = () => {
        slot.worker.off("message", onMessage);
        slot.worker.off("error", onError);
      };
      slot.worker.on("message", onMessage);
      slot.worker.once("error", onError);
      slot.worker.postMessage({ id, items, options });
    });
  }

  /** Counts summed over the workers (as of each one's last chunk). */
  get stats(): GraderStats {
    const total: GraderStats = { pairs: 0, byRule: {}, symbolic: { queries: 0, timeouts: 0, errors: 0, workerStarts: 0 } };
    for (const s of this.slots) {
      if (!s.stats) continue;
      total.pairs += s.stats.pairs;
      for (const [rule, n] of Object.entries(s.stats.byRule)) total.byRule[rule as Rule] = (total.byRule[rule as Rule] ?? 0) + (n ?? 0);
      for (const k of Object.keys(total.symbolic) as (keyof GraderStats["symbolic"])[]) total.symbolic[k] += s.stats.symbolic[k];
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
