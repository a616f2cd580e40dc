/**
 * Annotation: the reward of every trajectory of a rollout file (the one rule of `src/trajectory`),
 * written beside the input or returned in memory, streaming.
 */
import * as path from "node:path";
import { type DatasetName, Grader, type Rule } from "../grading/index.js";
import { Progress, type ProgressOptions } from "../display/index.js";
import { AtomicOutput, checkNotInPlace, requireFile } from "../io/index.js";

export { checkNotInPlace };
import type { Problem } from "../data/index.js";
import { type Annotated, annotate, countLines, gradingDatasetOf, type GradingMode, readTrajectoryFile, type RowIssue } from "../trajectory/index.js";

export { gradingDatasetOf };

/** `runs/x.jsonl` → `runs/x.annotated.jsonl` (beside the input, never the input itself). */
export function annotatedPath(input: string): string {
  const dir = path.dirname(input);
  const base = path.basename(input).replace(/\.jsonl$/i, "").replace(/\.annotated$/i, "");
  return path.join(dir, `${base}.annotated.jsonl`);
}

/** Refuse to write over the input. */
export interface GradedReadOptions {
  /** Skip bad lines (recorded in `issues`) instead of stopping at the first. */
  lenient?: boolean;
  /** Grade against these problems' answers; a trajectory of an unknown problem is a bad line. */
  problems?: readonly Problem[];
  /** Grading dataset for every row (default: from each row's `dataset`). */
  dataset?: DatasetName;
  /** Grading mode of the reward rule (default "paper"). */
  mode?: GradingMode;
  /** Grade again rows that already carry a reward (default false: an annotated file is trusted). */
  regrade?: boolean;
  /** A grader to reuse (not closed); default a new one, closed at the end. */
  grader?: Grader;
  /** Show progress (default true); or options for the bar. */
  progress?: boolean | ProgressOptions;
  signal?: AbortSignal;
}

/** Every current trajectory of `file` with its reward; `onGraded` counts the rows graded here. */
async function* gradedRows(file: string, label: string, opts: GradedReadOptions, issues: RowIssue[], onGraded: () => void): AsyncGenerator<Annotated> {
  requireFile(file);
  const byId = opts.problems ? new Map(opts.problems.map((p) => [p.id, p])) : undefined;
  let grader = opts.grader;
  const progress = opts.progress === false ? null : new Progress({ label, total: countLines(file), ...(typeof opts.progress === "object" ? opts.progress : {}) });
  let n = 0;
  try {
    const rows = readTrajectoryFile(file, { lenient: opts.lenient ?? false, issues, ...(opts.signal ? { signal: opts.signal } : {}), ...(byId ? { problemIds: new Set(byId.keys()) } : {}) });
    for await (const { trajectory: t } of rows) {
      const r = t as Partial<Annotated> & typeof t;
      if (!opts.regrade && typeof r.correct === "boolean" && typeof r.gt === "string") yield r as Annotated;
      else {
        grader ??= new Grader();
        const p = byId?.get(t.problemId);
        const dataset = opts.dataset ?? gradingDatasetOf(p?.dataset ?? t.dataset);
        yield await annotate(t, { grader, dataset, ...(p ? { gt: p.answer } : {}), ...(opts.mode ? { mode: opts.mode } : {}) });
        onGraded();
      }
      progress?.update(++n + issues.length);
    }
  } finally {
    progress?.finish();
    if (grader && !opts.grader) await grader.close();
  }
}

export interface AnnotateOptions extends GradedReadOptions {
  /** Output file; default `annotatedPath(input)`. */
  out?: string;
  /** Let a run with no rows replace a non-empty output (refused otherwise). */
  force?: boolean;
  /** Called with the skipped lines once reading is done, before the output is committed (or refused). */
  onIssues?: (issues: RowIssue[]) => void;
}

export interface AnnotateSummary {
  input: string;
  out: string;
  /** Trajectories graded and written. */
  rows: number;
  correct: number;
  /** Lines skipped (lenient reading), duplicates and a torn last line, each naming file and line. */
  issues: RowIssue[];
  byRule: Partial<Record<Rule, number>>;
  elapsedMs: number;
}

/** Grade every trajectory of `input` into an annotated JSONL file beside it (rewards are always recomputed). */
export async function annotateFile(input: string, opts: AnnotateOptions = {}): Promise<AnnotateSummary> {
  requireFile(input);
  const out = opts.out ?? annotatedPath(input);
  checkNotInPlace(input, out);
  const t0 = Date.now();
  const summary: AnnotateSummary = { input, out, rows: 0, correct: 0, issues: [], byRule: {}, elapsedMs: 0 };
  const output = new AtomicOutput(out);
  try {
    let batch: string[] = [];
    for await (const a of gradedRows(input, "annotate", { ...opts, regrade: true }, summary.issues, () => {})) {
      summary.rows++;
      if (a.correct) summary.correct++;
      summary.byRule[a.rule] = (summary.byRule[a.rule] ?? 0) + 1;
      batch.push(JSON.stringify(a) + "\n");
      if (batch.length >= 64) {
        output.write(batch.join(""));
        batch = [];
      }
    }
    if (batch.length) output.write(batch.join(""));
  } catch (err) {
    output.abort();
    throw err;
  }
  opts.onIssues?.(summary.issues);
  output.commit({ empty: summary.rows === 0, force: opts.force ?? false });
  summary.elapsedMs = Date.now() - t0;
  return summary;
}

export type LoadOptions = GradedReadOptions;

export interface Loaded {
  rows: Annotated[];
  issues: RowIssue[];
  /** Rows graded here (those without a reward, or all with `regrade`). */
  graded: number;
}

/**
 * Every current trajectory of a raw or annotated file, with rewards: rows that carry one keep it
 * (unless `regrade`), the others are graded in memory.
 */
export async function loadAnnotated(file: string, opts: LoadOptions = {}): Promise<Loaded> {
  const loaded: Loaded = { rows: [], issues: [], graded: 0 };
  for await (const a of gradedRows(file, "read", opts, loaded.issues, () => loaded.graded++)) loaded.rows.push(a);
  return loaded;
}
