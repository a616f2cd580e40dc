import * as os from "node:os";
import type { Interpreter, InterpreterSession, Observation, RunOptions } from "./observation.js";

/** Worker count: as asked, else one per core up to two (each worker is a full interpreter). */
export function workerCount(asked: number | undefined): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.floor(asked ?? Math.min(2, cores)));
}

/** The options both pools share, with their defaults (the paper's 20 s limit). */
export function sharedPoolOptions(o: { workers?: number; timeoutMs?: number; graceMs?: number; maxOutputBytes?: number; maxJobsPerWorker?: number }) {
  return {
    workers: workerCount(o.workers),
    timeoutMs: o.timeoutMs ?? 20000,
    graceMs: o.graceMs ?? 1000,
    maxOutputBytes: o.maxOutputBytes ?? 8192,
    maxJobsPerWorker: o.maxJobsPerWorker ?? 2000,
  };
}

/** Raw result from a backend (runner.py's JSON plus the host's additions). */
export interface RawResult {
  status: "ok" | "error" | "timeout" | "crash" | "cancelled";
  stdout: string;
  stderr: string;
  value: string | null;
  error: string | null;
  truncated?: boolean;
  wallMs?: number;
  ms?: number;
  killed?: boolean;
  /** IPython-style requests: the value as IPython's displayhook writes it. */
  display?: string | null;
  /** IPython-style requests: the last paragraph of IPython's traceback display. */
  ipythonError?: string | null;
}

/**
 * One unit of work handed to a backend: cells run in order in a fresh interpreter, the output of
 * the last one returned. `ipython`: IPython cell semantics (warnings ignored, the value also shown
 * as IPython's displayhook shows it, IPython's traceback paragraph).
 */
export interface Job {
  cells: string[];
  ipython: boolean;
  timeoutMs: number;
  maxOut: number;
  signal?: AbortSignal;
}

export function toObservation(r: RawResult, timeoutMs: number): Observation {
  const timedOut = r.status === "timeout";
  let error = r.error ?? null;
  if (timedOut) error = `TimeoutError: execution exceeded ${timeoutMs} ms${r.killed ? " (worker killed)" : ""}`;
  else if (r.status === "cancelled") error = "Cancelled: the run was aborted";
  else if (r.status === "ok") error = null;
  const obs: Observation = {
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    value: r.status === "ok" ? (r.value ?? null) : null,
    error,
    timedOut,
    truncated: Boolean(r.truncated),
    durationMs: Math.round((r.wallMs ?? r.ms ?? 0) * 1000) / 1000,
    status: r.status,
  };
  if (r.display !== undefined && r.status === "ok") obs.display = r.display;
  if (r.ipythonError !== undefined && r.status === "error") obs.ipythonError = r.ipythonError;
  return obs;
}

export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

let sessionCounter = 0;

/** Shared by PyodidePool and SubprocessPool: option defaults, sessions, closing. */
export abstract class BasePool implements Interpreter {
  protected closed = false;
  protected abstract readonly defaultTimeoutMs: number;
  protected abstract readonly defaultMaxOut: number;

  /** Runs one job on the backend; resolves with its raw result (rejects only on abort or close). */
  protected abstract submit(job: Job): Promise<RawResult>;
  abstract close(): Promise<void>;

  async run(code: string, options: RunOptions = {}): Promise<Observation> {
    if (typeof code !== "string") throw new TypeError("code must be a string");
    return this.exec([code], false, options);
  }

  /**
   * The paper's executor: `cells` run in order as IPython cells in a fresh interpreter (warnings
   * ignored, a last expression displayed by IPython's pretty printer), the earlier cells' output
   * discarded; resolves with the Observation of the last cell. The time limit covers all cells.
   */
  async runCells(cells: string[], options: RunOptions = {}): Promise<Observation> {
    if (!Array.isArray(cells) || cells.some((c) => typeof c !== "string")) throw new TypeError("cells must be an array of strings");
    return this.exec(cells, true, options);
  }

  protected async exec(cells: string[], ipython: boolean, options: RunOptions): Promise<Observation> {
    if (this.closed) throw new Error("interpreter pool is closed");
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    if (options.signal?.aborted) throw abortError(options.signal);
    const raw = await this.submit({ cells: cells.slice(), ipython, timeoutMs, maxOut: this.defaultMaxOut, signal: options.signal });
    if (raw.status === "cancelled" && options.signal?.aborted) throw abortError(options.signal);
    return toObservation(raw, timeoutMs);
  }

  /**
   * A notebook-like session: each block sees the variables of the earlier blocks. Every block runs
   * in a fresh interpreter after the session's earlier blocks (their output discarded), as the
   * paper's executor does at every turn.
   */
  session(): InterpreterSession {
    const id = `s${process.pid}-${++sessionCounter}-${Date.now().toString(36)}`;
    const history: string[] = [];
    let chain: Promise<unknown> = Promise.resolve();
    const self = this;
    return {
      id,
      get history() {
        return history;
      },
      run(code: string, options: RunOptions = {}): Promise<Observation> {
        // blocks of one session run in order, never concurrently
        if (typeof code !== "string") return Promise.reject(new TypeError("code must be a string"));
        const p = chain.then(async () => {
          const obs = await self.exec([...history, code], false, options);
          if (obs.status === "ok" || obs.status === "error") history.push(code);
          return obs;
        });
        chain = p.catch(() => undefined);
        return p;
      },
      close() {},
    };
  }
}
