/**
 * The grader: extraction, normalisation and equivalence put together.
 *
 * `gradeFast` is synchronous and answers every pair the cheap steps can decide; the rest come
 * back `undecided`. `Grader.grade` finishes those with the symbolic step in a worker thread under
 * a hard time limit.
 */
import { datasetGrading, type DatasetName } from "./datasets.js";
import { compareAnswers, type Rule, type SymbolicQuery, type Tri } from "./equivalence.js";
import { type AnswerFormat, extractAnswer } from "./extract.js";
import { normalizeAnswer } from "./normalize.js";
import { SymbolicChecker, type SymbolicOptions, type SymbolicStats } from "./symbolic.js";

export interface GradeOptions {
  /** Dataset whose defaults apply (answer formats, percent variants). Default "default" (MATH-like). */
  dataset?: DatasetName;
  /** `pred` is a whole model output: extract its final answer first. Default false. */
  extract?: boolean;
  /** Answer formats to try when extracting, overriding the dataset's. */
  formats?: readonly AnswerFormat[];
  /** Override the dataset's percent-variant rule (x, x/100, 100x). */
  percentVariants?: boolean;
}

export interface Verdict {
  correct: boolean;
  /** The step that decided. */
  rule: Rule;
  /** The answer taken from the prediction before normalisation (null when none was found). */
  predAnswer: string | null;
  /** The ground-truth answer before normalisation. */
  gtAnswer: string;
  /** Normalised prediction ("" when none). */
  pred: string;
  /** Normalised ground truth. */
  gt: string;
}

/** A fast-path verdict: decided, or `undecided` with the symbolic queries it still needs. */
export type FastVerdict =
  | Verdict
  | (Omit<Verdict, "correct" | "rule"> & { correct: undefined; rule: "undecided"; pending: SymbolicQuery[] });

interface Prepared {
  predAnswer: string | null;
  gtAnswer: string;
  pred: string;
  gt: string;
  percentVariants: boolean;
}

function prepare(pred: string, gt: string, options: GradeOptions): Prepared {
  if (typeof pred !== "string") throw new TypeError(`pred must be a string, got ${typeof pred}`);
  if (typeof gt !== "string") throw new TypeError(`gt must be a string, got ${typeof gt}`);
  const d = datasetGrading(options.dataset);
  const predAnswer = options.extract ? extractAnswer(pred, { formats: options.formats ?? d.predFormats }) : pred;
  const gtAnswer = extractAnswer(gt, { formats: d.gtFormats }) ?? gt;
  return {
    predAnswer,
    gtAnswer,
    pred: predAnswer === null ? "" : normalizeAnswer(predAnswer),
    gt: normalizeAnswer(gtAnswer),
    percentVariants: options.percentVariants ?? d.percentVariants,
  };
}

function queryKey(q: SymbolicQuery): string {
  return `${q.kind}\u0000${q.a}\u0000${q.b}`;
}

function decide(p: Prepared, known: Map<string, boolean>): FastVerdict {
  const base = { predAnswer: p.predAnswer, gtAnswer: p.gtAnswer, pred: p.pred, gt: p.gt };
  if (p.predAnswer === null || p.pred === "") return { ...base, correct: false, rule: "no-answer" };
  const pending: SymbolicQuery[] = [];
  const { result, rule } = compareAnswers(p.pred, p.gt, {
    percentVariants: p.percentVariants,
    symbolic(q): Tri {
      const k = queryKey(q);
      if (known.has(k)) return known.get(k);
      if (!pending.some((x) => queryKey(x) === k)) pending.push(q);
      return undefined;
    },
  });
  if (result === undefined) return { ...base, correct: undefined, rule: "undecided", pending };
  return { ...base, correct: result, rule };
}

/** Synchronous grading by the cheap steps; `undecided` when only the CAS could tell. */
export function gradeFast(pred: string, gt: string, options: GradeOptions = {}): FastVerdict {
  return decide(prepare(pred, gt, options), new Map());
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

  constructor(options: SymbolicOptions = {}) {
    this.checker = new SymbolicChecker(options);
  }

  /** The verdict for one pair; never rejects for odd input, and never waits past the time limit per query. */
  async grade(pred: string, gt: string, options: GradeOptions = {}): Promise<Verdict> {
    const p = prepare(pred, gt, options);
    const known = new Map<string, boolean>();
    let timedOut = false;
    let verdict = decide(p, known);
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
      verdict = decide(p, known);
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
  const fast = gradeFast(pred, gt, options);
  if (fast.correct !== undefined) return fast;
  shared ??= new Grader();
  return shared.grade(pred, gt, options);
}
