/** Per-problem records: samples, correct counts and the answer classes of majority voting. */
import { Grader, gradeFast, normalizeAnswer } from "../grading/index.js";
import { gradingDatasetOf, trajectoryLength } from "../trajectory/index.js";

/** What metrics need of a graded trajectory (an `Annotated` row has all of it). */
export interface MetricRow {
  problemId: string;
  sample: number;
  correct: boolean;
  /** The extracted answer (null when none). */
  pred: string | null;
  dataset?: string;
  level?: number;
  subject?: string;
  toolCalls?: number;
  finish?: string;
  completionTokens?: number;
  steps?: readonly { text: string; error?: string; finishReason: "stop" | "length" | null }[];
}

export interface ProblemRecord {
  problemId: string;
  dataset?: string;
  level?: number;
  subject?: string;
  /** Samples, sorted by sample index. */
  rows: MetricRow[];
  n: number;
  c: number;
  /** Answer class of each sample (−1: no answer); classes are numbered by first appearance. */
  classes: number[];
  /** Whether each class's answer is right (that of its first member). */
  classCorrect: boolean[];
}

export interface ClassOptions {
  dataset?: string;
  /** Finishes pairs the fast steps cannot decide with the CAS; without it they count as different. */
  grader?: Grader;
}

/**
 * Equivalence classes of answers by the grader's equivalence (no percent variants: "50" and "0.5"
 * are different answers): each answer joins the first class whose first member it equals.
 */
export async function answerClasses(answers: readonly (string | null)[], opts: ClassOptions = {}): Promise<number[]> {
  const dataset = gradingDatasetOf(opts.dataset);
  const reps: { raw: string; norm: string }[] = [];
  const out: number[] = [];
  for (const a of answers) {
    if (a === null || a.trim() === "") {
      out.push(-1);
      continue;
    }
    const norm = normalizeAnswer(a);
    let found = reps.findIndex((r) => r.norm === norm);
    for (let i = 0; found < 0 && i < reps.length; i++) {
      const v = gradeFast(a, reps[i]!.raw, { dataset, percentVariants: false });
      let eq = v.correct;
      if (eq === undefined && opts.grader) eq = (await opts.grader.grade(a, reps[i]!.raw, { dataset, percentVariants: false })).correct;
      if (eq === true) found = i;
    }
    if (found < 0) {
      found = reps.length;
      reps.push({ raw: a, norm });
    }
    out.push(found);
  }
  return out;
}

export interface RecordOptions {
  /** Use the CAS for answers the fast steps cannot compare (slower). */
  grader?: Grader;
  signal?: AbortSignal;
}

/** Group rows by problem (first-seen order) into records with answer classes. */
export async function problemRecords(rows: readonly MetricRow[], opts: RecordOptions = {}): Promise<ProblemRecord[]> {
  const groups = new Map<string, MetricRow[]>();
  for (const r of rows) {
    let g = groups.get(r.problemId);
    if (!g) groups.set(r.problemId, (g = []));
    g.push(r);
  }
  const out: ProblemRecord[] = [];
  for (const [problemId, g] of groups) {
    opts.signal?.throwIfAborted();
    g.sort((a, b) => a.sample - b.sample);
    const first = g[0]!;
    const classes = await answerClasses(
      g.map((r) => r.pred),
      { ...(first.dataset !== undefined ? { dataset: first.dataset } : {}), ...(opts.grader ? { grader: opts.grader } : {}) },
    );
    const classCorrect: boolean[] = [];
    classes.forEach((c, i) => {
      if (c >= 0 && classCorrect[c] === undefined) classCorrect[c] = g[i]!.correct;
    });
    const rec: ProblemRecord = { problemId, rows: g, n: g.length, c: g.filter((r) => r.correct).length, classes, classCorrect };
    if (first.dataset !== undefined) rec.dataset = first.dataset;
    if (first.level !== undefined) rec.level = first.level;
    if (first.subject !== undefined) rec.subject = first.subject;
    out.push(rec);
  }
  return out;
}

/** Characters the model wrote, or completion tokens when the server reported them (the one length rule). */
export function rowLength(r: MetricRow): number {
  return trajectoryLength(r);
}
