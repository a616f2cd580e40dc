/** The types every grading mode shares: options in, verdict out, and the symbolic queries between. */
import type { DatasetName } from "./datasets.js";
import type { Rule, SymbolicQuery } from "./equivalence.js";
import type { AnswerFormat } from "./extract.js";

/**
 * `paper`: ToRA's extract_answer + strip_string + math_equal, as the paper graded (row for row).
 * `robust`: a careful reader's verdict on any model's English output (docs/grading.md).
 */
export type GradeMode = "paper" | "robust";

export const GRADE_MODES: readonly GradeMode[] = ["paper", "robust"];

export interface GradeOptions {
  /** Which grader decides. `Grader` and `GraderPool` default to "paper"; `grade`/`gradeFast` to "robust". */
  mode?: GradeMode;
  /** Dataset whose defaults apply (answer formats, percent variants, the ground-truth form). Default "default" (MATH-like). */
  dataset?: DatasetName;
  /** `pred` is a whole model output: extract its final answer first. Default false. */
  extract?: boolean;
  /** Robust mode: answer formats to try when extracting, overriding the dataset's. */
  formats?: readonly AnswerFormat[];
  /** Robust mode: override the dataset's percent-variant rule (x, x/100, 100x). Paper mode always accepts them. */
  percentVariants?: boolean;
}

export interface Verdict {
  correct: boolean;
  /** The grading mode that decided. */
  mode: GradeMode;
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
  /** Where the prediction's answer was found (an extraction rule), or "as-given" without extraction. */
  source?: string;
}

/** A fast-path verdict: decided, or `undecided` with the symbolic queries it still needs. */
export type FastVerdict =
  | Verdict
  | (Omit<Verdict, "correct" | "rule"> & { correct: undefined; rule: "undecided"; pending: SymbolicQuery[] });

/** Both sides extracted and normalised, ready for a mode's comparison. */
export interface Prepared {
  mode: GradeMode;
  predAnswer: string | null;
  gtAnswer: string;
  pred: string;
  gt: string;
  source: string;
  percentVariants: boolean;
}

/** One grading mode: how to prepare a pair, and how to decide it given the symbolic answers known so far. */
export interface ModeImpl {
  prepare(pred: string, gt: string, options: GradeOptions): Prepared;
  decide(p: Prepared, known: ReadonlyMap<string, boolean>): FastVerdict;
}

export function queryKey(q: SymbolicQuery): string {
  return `${q.kind}\u0000${q.a}\u0000${q.b}`;
}

/** The verdict fields both modes fill from a prepared pair. */
export function baseOf(p: Prepared): Omit<Verdict, "correct" | "rule"> {
  return { mode: p.mode, predAnswer: p.predAnswer, gtAnswer: p.gtAnswer, pred: p.pred, gt: p.gt, source: p.source };
}

/** A symbolic oracle over `known` that records the queries it cannot answer yet. */
export function recordingOracle(known: ReadonlyMap<string, boolean>, pending: SymbolicQuery[]): (q: SymbolicQuery) => boolean | undefined {
  return (q) => {
    const k = queryKey(q);
    if (known.has(k)) return known.get(k);
    if (!pending.some((x) => queryKey(x) === k)) pending.push(q);
    return undefined;
  };
}

export function checkStrings(pred: unknown, gt: unknown): void {
  if (typeof pred !== "string") throw new TypeError(`pred must be a string, got ${typeof pred}`);
  if (typeof gt !== "string") throw new TypeError(`gt must be a string, got ${typeof gt}`);
}
