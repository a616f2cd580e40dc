/**
 * Annotation: grade every trajectory of a rollout file (final answer from the last model turn
 * against the ground truth) and write the graded rows beside the input, streaming.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DATASET_NAMES, type DatasetName, Grader, type Rule } from "../grading/index.js";
import { Progress, type ProgressOptions } from "../display/index.js";
import { MathagentError } from "../errors.js";
import type { Problem } from "../data/index.js";
import type { Trajectory } from "../rollout/index.js";
import { modelTurns } from "./messages.js";
import { countLines, type RowIssue, scanTrajectories } from "./read.js";
import type { Annotated, Reward } from "./types.js";

/** The grading dataset for a trajectory's dataset name ("default", MATH-like, when unknown). */
export function gradingDatasetOf(dataset: string | undefined): DatasetName {
  return dataset !== undefined && (DATASET_NAMES as readonly string[]).includes(dataset) ? (dataset as DatasetName) : "default";
}

export interface GradeTrajectoryOptions {
  /** Shared grader (its symbolic worker is reused). */
  grader: Grader;
  /** Ground truth to grade against; default the trajectory's `gold`. */
  gt?: string;
  /** Grading dataset; default from the trajectory's `dataset`. */
  dataset?: DatasetName;
  /** Where the answer is taken from: the last model turn (default, the paper's) or all model text. */
  answerFrom?: "last-turn" | "all-turns";
}

/** The reward of one trajectory. */
export async function gradeTrajectory(t: Trajectory, opts: GradeTrajectoryOptions): Promise<Reward> {
  const turns = modelTurns(t);
  const text = opts.answerFrom === "all-turns" ? turns.join("\n") : (turns[turns.length - 1] ?? "");
  const gt = opts.gt ?? t.gold;
  if (typeof gt !== "string") throw new MathagentError(`trajectory of problem ${t.problemId} sample ${t.sample} has no ground truth ("gold")`);
  const v = await opts.grader.grade(text, gt, { dataset: opts.dataset ?? gradingDatasetOf(t.dataset), extract: true });
  return { correct: v.correct, pred: v.predAnswer, gt, rule: v.rule };
}

/** The trajectory with its reward fields set (a new object). */
export async function annotateTrajectory(t: Trajectory, opts: GradeTrajectoryOptions): Promise<Annotated> {
  return { ...t, ...(await gradeTrajectory(t, opts)) };
}

/** `runs/x.jsonl` → `runs/x.annotated.jsonl` (beside the input, never the input itself). */
export function annotatedPath(input: string): string {
  const dir = path.dirname(input);
  const base = path.basename(input).replace(/\.jsonl$/i, "").replace(/\.annotated$/i, "");
  return path.join(dir, `${base}.annotated.jsonl`);
}

/** Refuse to write over the input. */
export function checkNotInPlace(input: string, out: string): void {
  if (path.resolve(input) === path.resolve(out)) {
    throw new MathagentError(`refusing to write ${out} over its input; results go beside the input (choose another --out)`);
  }
}

export interface AnnotateOptions {
  /** Output file; default `annotatedPath(input)`. */
  out?: string;
  /** Skip bad lines (recorded in the summary) instead of stopping at the first. */
  lenient?: boolean;
  /** Grade against these problems' answers; a trajectory of an unknown problem is a bad line. */
  problems?: readonly Problem[];
  /** Grading dataset for every row (default: from each row's `dataset`). */
  dataset?: DatasetName;
  answerFrom?: "last-turn" | "all-turns";
  /** A grader to reuse (not closed); default a new one, closed at the end. */
  grader?: Grader;
  /** Show progress (default true); or options for the bar. */
  progress?: boolean | ProgressOptions;
  signal?: AbortSignal;
}

export interface AnnotateSummary {
  input: string;
  out: string;
  /** Trajectories graded and written. */
  rows: number;
  correct: number;
  /** Lines skipped (lenient reading) and duplicates, each naming file and line. */
  issues: RowIssue[];
  byRule: Partial<Record<Rule, number>>;
  elapsedMs: number;
}

/** Grade every trajectory of `input` into an annotated JSONL file beside it. */
export async function annotateFile(input: string, opts: AnnotateOptions = {}): Promise<AnnotateSummary> {
  if (!fs.existsSync(input)) throw new MathagentError(`${input}: no such file`);
  const out = opts.out ?? annotatedPath(input);
  checkNotInPlace(input, out);
  const t0 = Date.now();
  const byId = opts.problems ? new Map(opts.problems.map((p) => [p.id, p])) : undefined;
  const issues: RowIssue[] = [];
  const grader = opts.grader ?? new Grader();
  const progress =
    opts.progress === false ? null : new Progress({ label: "annotate", total: countLines(input), ...(typeof opts.progress === "object" ? opts.progress : {}) });
  const tmp = `${out}.tmp-${process.pid}`;
  const fh = fs.openSync(tmp, "w");
  const summary: AnnotateSummary = { input, out, rows: 0, correct: 0, issues, byRule: {}, elapsedMs: 0 };
  let ok = false;
  try {
    const rows = scanTrajectories(input, { lenient: opts.lenient ?? false, issues, ...(opts.signal ? { signal: opts.signal } : {}), ...(byId ? { problemIds: new Set(byId.keys()) } : {}) });
    let batch: string[] = [];
    for await (const { trajectory: t } of rows) {
      const p = byId?.get(t.problemId);
      const dataset = opts.dataset ?? gradingDatasetOf(p?.dataset ?? t.dataset);
      const a = await annotateTrajectory(t, { grader, dataset, ...(p ? { gt: p.answer } : {}), ...(opts.answerFrom ? { answerFrom: opts.answerFrom } : {}) });
      summary.rows++;
      if (a.correct) summary.correct++;
      summary.byRule[a.rule] = (summary.byRule[a.rule] ?? 0) + 1;
      batch.push(JSON.stringify(a) + "\n");
      if (batch.length >= 64) {
        fs.writeSync(fh, batch.join(""));
        batch = [];
      }
      progress?.update(summary.rows + issues.length);
    }
    if (batch.length) fs.writeSync(fh, batch.join(""));
    ok = true;
  } finally {
    fs.closeSync(fh);
    progress?.finish();
    if (!opts.grader) await grader.close();
    if (ok) fs.renameSync(tmp, out);
    else fs.rmSync(tmp, { force: true });
  }
  summary.elapsedMs = Date.now() - t0;
  return summary;
}

export interface LoadOptions {
  lenient?: boolean;
  problems?: readonly Problem[];
  dataset?: DatasetName;
  /** Grade again even rows that already carry a reward. */
  regrade?: boolean;
  grader?: Grader;
  progress?: boolean | ProgressOptions;
  signal?: AbortSignal;
}

export interface Loaded {
  rows: Annotated[];
  issues: RowIssue[];
  /** Rows graded here (those without a reward, or all with `regrade`). */
  graded: number;
}

/**
 * Every trajectory of a raw or annotated file, with rewards: rows that carry one keep it (unless
 * `regrade`), the others are graded in memory.
 */
export async function loadAnnotated(file: string, opts: LoadOptions = {}): Promise<Loaded> {
  const byId = opts.problems ? new Map(opts.problems.map((p) => [p.id, p])) : undefined;
  const issues: RowIssue[] = [];
  const rows: Annotated[] = [];
  let graded = 0;
  let grader = opts.grader;
  const progress = opts.progress === false ? null : new Progress({ label: "read", total: countLines(file), ...(typeof opts.progress === "object" ? opts.progress : {}) });
  try {
    for await (const { trajectory: t } of scanTrajectories(file, { lenient: opts.lenient ?? false, issues, ...(opts.signal ? { signal: opts.signal } : {}), ...(byId ? { problemIds: new Set(byId.keys()) } : {}) })) {
      const r = t as Partial<Annotated> & Trajectory;
      if (!opts.regrade && typeof r.correct === "boolean" && typeof r.gt === "string") rows.push(r as Annotated);
      else {
        grader ??= new Grader();
        const p = byId?.get(t.problemId);
        rows.push(await annotateTrajectory(t, { grader, dataset: opts.dataset ?? gradingDatasetOf(p?.dataset ?? t.dataset), ...(p ? { gt: p.answer } : {}) }));
        graded++;
      }
      progress?.update(rows.length + issues.length);
    }
  } finally {
    progress?.finish();
    if (grader && !opts.grader) await grader.close();
  }
  return { rows, issues, graded };
}
