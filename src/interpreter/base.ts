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
}

/** One unit of work handed to a backend. */
export interface Job {
  code: string;
  timeoutMs: number;
  maxOut: number;
  session?: string;
  history?: string[];
  signal?: AbortSignal;
}

export function toObservation(r: RawResult, timeoutMs: number): Observation {
  const timedOut = r.status === "timeout";
  let error = r.error ?? null;
  if (timedOut) error = `TimeoutError: execution exceeded ${timeoutMs} ms${r.killed ? " (worker killed)" : ""}`;
  else if (r.status === "cancelled") error = "Cancelled: the run was aborted";
  else if (r.status === "ok") error = null;
  return {
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    value: r.status === "ok" ? (r.value ?? null) : null,
    error,
    timedOut,
    truncated: Boolean(r.truncated),
    durationMs: Math.round((r.wallMs ?? r.ms ?? 0) * 1000) / 1000,
    status: r.status,
  };
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
  /** Tells the backend a session's state can be dropped. */
  protected abstract endSession(id: string): void;
  abstract close(): Promise<void>;

  async run(code: string, options: RunOptions = {}): Promise<Observation> {
    return this.exec(code, options);
  }

  protected async exec(code: string, options: RunOptions, session?: { id: string; history: string[] }): Promise<Observation> {
    if (this.closed) throw new Error("interpreter pool is closed");
    if (typeof code !== "string") throw new TypeError("code must be a string");
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    if (options.signal?.aborted) throw abortError(options.signal);
    const raw = await this.submit({
      code,
      timeoutMs,
      maxOut: this.defaultMaxOut,
      session: session?.id,
      history: session ? session.history.slice() : undefined,
      signal: options.signal,
    });
    if (raw.status === "cancelled" && options.signal?.aborted) throw abortError(options.signal);
    return toObservation(raw, timeoutMs);
  }

  /** A notebook-like session: each block sees the variables of the earlier blocks. */
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
        const p = chain.then(async () => {
          const obs = await self.exec(code, options, { id, history });
          if (obs.status === "ok" || obs.status === "error") history.push(code);
          return obs;
        });
        chain = p.catch(() => undefined);
        return p;
      },
      close() {
        if (!self.closed) self.endSession(id);
      },
    };
  }
}
