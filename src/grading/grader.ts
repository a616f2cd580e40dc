/**
 * The grader: extraction, normalisation and equivalence put together.
 *
 * `gradeFast` is synchronous and answers every pair the cheap steps can decide; the rest come
 * back `undecided`. `Grader.grade` finishes those with the symbolic step in a worker thread under
 * a hard time limit.
 */
import type { DatasetName } from "./datasets.js";
import type { Rule } from "./equivalence.js";
import { PAPER_MODE } from "./paper/mode.js";
import { ROBUST_MODE } from "./robust.js";
import { SymbolicChecker, type SymbolicOptions, type SymbolicStats } from "./symbolic.js";
import { type FastVerdict, type GradeMode, GRADE_MODES, type GradeOptions, type ModeImpl, queryKey, type Verdict } from "./verdict.js";

export type { FastVerdict, GradeMode, GradeOptions, Verdict } from "./verdict.js";

const MODES: Record<GradeMode, ModeImpl> = { paper: PAPER_MODE, robust: ROBUST_MODE };

function modeImpl(mode: GradeMode): ModeImpl {
  const impl = MODES[mode];
  if (impl === undefined) throw new Error(`unknown grading mode "${String(mode)}": use one of ${GRADE_MODES.join(", ")}`);
  return impl;
}

/** Synchronous grading by the cheap steps; `undecided` when only the CAS could tell. Default mode "robust". */
export function gradeFast(pred: string, gt: string, options: GradeOptions = {}): FastVerdict {
  const impl = modeImpl(options.mode ?? "robust");
  return impl.decide(impl.prepare(pred, gt, options), new Map());
}

export interface GraderStats {
  pairs: number;
  byRule: Partial<Record<Rule, number>>;
  symbolic: SymbolicStats;
}

/** Rounds of symbolic queries one pair may need (a structure can reveal new queries per round). */
const MAX_ROUNDS = 4;

/**
 * Full grading. Holds one symbolic worker; call `close()` when done (an idle worker does not keep
 * the process alive, but closing frees it at once).
 */
export class Grader {
  private readonly checker: SymbolicChecker;
  private readonly byRule: Partial<Record<Rule, number>> = {};
  private pairs = 0;

  /** The mode used when a call does not name one. */
  readonly mode: GradeMode;

  constructor(options: SymbolicOptions & { mode?: GradeMode } = {}) {
    this.mode = options.mode ?? "paper";
    modeImpl(this.mode);
    this.checker = new SymbolicChecker(options);
  }

  /** The verdict for one pair; never rejects for odd input, and never waits past the time limit per query. */
  async grade(pred: string, gt: string, options: GradeOptions = {}): Promise<Verdict> {
    const impl = modeImpl(options.mode ?? this.mode);
    const p = impl.prepare(pred, gt, options);
    const known = new Map<string, boolean>();
    let timedOut = false;
    let verdict = impl.decide(p, known);
    for (let round = 0; verdict.correct === undefined; round++) {
      if (round >= MAX_ROUNDS) {
        verdict = { ...verdict, correct: false, rule: "symbolic" };
        break;
      }
      const pending = "pending" in verdict ? verdict.pending : [];
      const results = await Promise.all(pending.map((q) => this.checker.check(q)));
      pending.forEach((q, i) => {
        known.set(queryKey(q), results[i]!.equal);
        if (results[i]!.timedOut) timedOut = true;
      });
      verdict = impl.decide(p, known);
      if (verdict.correct !== undefined && verdict.rule === "symbolic" && timedOut && !verdict.correct) {
        verdict = { ...verdict, rule: "symbolic-timeout" };
      }
    }
    const done = verdict as Verdict;
    this.pairs++;
    this.byRule[done.rule] = (this.byRule[done.rule] ?? 0) + 1;
    return done;
  }

  /** Verdicts for many pairs, in order. Stops early with an AbortError when `signal` aborts. */
  async gradeMany(
    items: readonly { pred: string; gt: string; dataset?: DatasetName }[],
    options: GradeOptions & { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Verdict[]> {
    const out: Verdict[] = [];
    for (const item of items) {
      options.signal?.throwIfAborted();
      out.push(await this.grade(item.pred, item.gt, { ...options, ...(item.dataset ? { dataset: item.dataset } : {}) }));
      options.onProgress?.(out.length, items.length);
    }
    return out;
  }

  get stats(): GraderStats {
    return { pairs: this.pairs, byRule: { ...this.byRule }, symbolic: { ...this.checker.stats } };
  }

  close(): Promise<void> {
    return this.checker.close();
  }
}

let shared: Grader | null = null;

/**
 * One pair with the full check, on a grader shared by the whole program (its CAS worker does not
 * keep the program alive). For many pairs, or your own time limit, use a `Grader` or `GraderPool`.
 */
export async function grade(pred: string, gt: string, options: GradeOptions = {}): Promise<Verdict> {
  const resolved = { ...options, mode: options.mode ?? "robust" };
  const fast = gradeFast(pred, gt, resolved);
  if (fast.correct !== undefined) return fast;
  shared ??= new Grader();
  return shared.grade(pred, gt, resolved);
}
