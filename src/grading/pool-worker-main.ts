/** Body of a grader pool worker: one `Grader` (with its own symbolic worker) per thread. */
import { parentPort, workerData } from "node:worker_threads";
import { Grader, type GradeOptions, type Verdict } from "./grader.js";
import type { GradeItem } from "./pool.js";

interface Request {
  id: number;
  items: GradeItem[];
  options: GradeOptions;
}

const port = parentPort;
if (port === null) throw new Error("pool-worker-main must run in a worker thread; use GraderPool");
const grader = new Grader({ timeoutMs: (workerData as { timeoutMs?: number }).timeoutMs });

port.on("message", (req: Request) => {
  void (async () => {
    try {
      const verdicts: Verdict[] = [];
      for (const item of req.items) {
        const { pred, gt, ...rest } = item;
        verdicts.push(await grader.grade(pred, gt, { ...req.options, ...rest }));
      }
      port.postMessage({ id: req.id, verdicts, stats: grader.stats });
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
port.postMessage({ ready: true });
