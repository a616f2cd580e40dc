/** The two schedulers: each trajectory on its own (async), or turn-synchronous like the paper (barrier). */
import type { Job, Live } from "./live.js";

/** Run `fn` over `items` with at most `limit` at once, in order of issue; the first failure is rethrown. */
export async function pool<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      if (signal?.aborted) return;
      const x = items[next++]!;
      try {
        await fn(x);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

export interface Scheduler {
  concurrency: number;
  signal: AbortSignal;
  start: (job: Job) => Live;
  complete: (live: Live) => Promise<void>;
  execute: (live: Live) => Promise<void>;
  /** Close, write and report a finished trajectory. */
  finish: (live: Live) => Promise<void>;
}

/** Each trajectory runs turn after turn on its own; `concurrency` trajectories in flight. */
export async function runAsync(todo: readonly Job[], s: Scheduler): Promise<void> {
  await pool(
    todo,
    s.concurrency,
    async (job) => {
      const live = s.start(job);
      while (live.finish === null) {
        await s.complete(live);
        if (live.finish === null) await s.execute(live);
      }
      await s.finish(live);
    },
    s.signal,
  );
}

/**
 * The paper's order: every active trajectory's turn t is generated (in input order), then every code
 * block of turn t runs, then turn t + 1 starts; `concurrency` requests in flight.
 */
export async function runBarrier(todo: readonly Job[], s: Scheduler): Promise<void> {
  let active = todo.map((j) => s.start(j));
  while (active.length > 0) {
    await pool(active, s.concurrency, s.complete, s.signal);
    if (s.signal.aborted) return;
    await pool(
      active.filter((l) => l.finish === null),
      s.concurrency,
      s.execute,
      s.signal,
    );
    if (s.signal.aborted) return;
    for (const l of active) if (l.finish !== null) await s.finish(l);
    active = active.filter((l) => l.finish === null);
  }
}
