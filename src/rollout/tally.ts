/** Progress counts, warnings and quick grades of a run. */
import type { RolloutProgress } from "./engine.js";
import type { Trajectory } from "./types.js";

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Tally {
  readonly warnings: string[] = [];
  readonly progress: RolloutProgress;
  private resumed = 0;

  constructor(
    total: number,
    private readonly t0: number,
    private readonly hooks: {
      onWarning?: (m: string) => void;
      onProgress?: (p: RolloutProgress) => void;
      grade?: (t: Trajectory) => boolean | null;
    },
  ) {
    this.progress = { done: 0, total, resumed: 0, errors: 0, graded: 0, correct: 0, elapsedMs: 0, rate: 0, etaMs: null };
  }

  warn = (m: string): void => {
    this.warnings.push(m);
    this.hooks.onWarning?.(m);
  };

  /** The grade function wrapped so a throwing grader only warns; undefined without one. */
  get grader(): ((t: Trajectory) => boolean | null) | undefined {
    const g = this.hooks.grade;
    if (!g) return undefined;
    return (t) => {
      try {
        return g(t);
      } catch (e) {
        this.warn(`grading ${t.problemId}#${t.sample} failed: ${errMessage(e)}`);
        return null;
      }
    };
  }

  count(g: boolean | null): void {
    if (g === null) return;
    this.progress.graded++;
    if (g) this.progress.correct++;
  }

  setResumed(n: number, grades: Iterable<boolean | null>): void {
    this.resumed = this.progress.done = this.progress.resumed = n;
    for (const g of grades) this.count(g);
  }

  /** A trajectory of this run finished. */
  add(t: Trajectory): void {
    this.progress.done++;
    if (t.finish === "error") this.progress.errors++;
    const g = this.grader;
    if (g) this.count(g(t));
  }

  report(): void {
    const p = this.progress;
    p.elapsedMs = Date.now() - this.t0;
    const newDone = p.done - this.resumed;
    p.rate = p.elapsedMs > 0 ? (newDone * 1000) / p.elapsedMs : 0;
    p.etaMs = p.rate > 0 ? ((p.total - p.done) / p.rate) * 1000 : null;
    this.hooks.onProgress?.({ ...p });
  }
}
