/** Body of a grader pool worker: one `Grader` (with its own symbolic worker) per thread. */
import { parentPort, workerData } from "node:worker_threads";
import { Grader, type GraderStats, gradeFast } from "./grader.js";
import type { GradeOptions, Verdict } from "./verdict.js";
import type { GradeItem } from "./pool.js";

interface Request {
  id: number;
  items: GradeItem[];
  options: GradeOptions;
}

const port = parentPort;
if (port === null) throw new Error("pool-worker-main must run in a worker thread; use GraderPool");
const grader = new Grader({ timeoutMs: (workerData as { timeoutMs?: number }).timeoutMs });
// Counts over every pair, fast path included (the Grader only sees the pairs that reach it).
const stats: GraderStats = { pairs: 0, byRule: {}, symbolic: grader.stats.symbolic };

port.on("message", (req: Request) => {
  void (async () => {
    try {
      const verdicts: Verdict[] = [];
      for (const item of req.items) {
        const { pred, gt, ...rest } = item;
        const options = { ...req.options, ...rest, mode: rest.mode ?? req.options.mode ?? grader.mode };
        const fast = gradeFast(pred, gt, options);
        const v = fast.correct === undefined ? await grader.grade(pred, gt, options) : fast;
        verdicts.push(v);
        stats.pairs++;
        stats.byRule[v.rule] = (stats.byRule[v.rule] ?? 0) + 1;
      }
      stats.symbolic = grader.stats.symbolic;
      port.postMessage({ id: req.id, verdicts, stats });
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
port.postMessage({ ready: true });
