/** Metrics as Arquero tables: accuracy, pass@k, maj@k, per level / subject / tool calls, with bootstrap 95% intervals. */
import * as aq from "arquero";
import { type BootstrapOptions, bootstrapMean, majAtK, passAtK } from "./passk.js";
import { type MetricRow, type ProblemRecord, problemRecords, type RecordOptions } from "./records.js";

export type Table = ReturnType<typeof aq.table>;

/** Per-problem accuracy c/n; accuracy is their mean (= pass@1, equal to the plain rate when every n is 1). */
export function problemAccuracy(p: ProblemRecord): number {
  return p.c / p.n;
}

/** A prompt is covered when it has at least one correct and one wrong trajectory: it yields a pair. */
export function covered(p: Pick<ProblemRecord, "c" | "n">): boolean {
  return p.c > 0 && p.c < p.n;
}

/** Share of prompts with at least one correct and one wrong trajectory (the paper: 92.5% / 83.0% / 60% at N = 30 / 12 / 6). */
export function promptCoverage(problems: readonly ProblemRecord[]): number {
  return problems.length ? problems.filter(covered).length / problems.length : NaN;
}

/** Per-prompt shares of graded trajectories: correct samples, prompts with one correct (pass@N), covered prompts. */
export function promptStats(rows: readonly { problemId: string; correct: boolean }[]): { sampleAccuracy: number; passAtN: number; coverage: number } {
  const by = new Map<string, { c: number; n: number }>();
  for (const r of rows) {
    const g = by.get(r.problemId) ?? { c: 0, n: 0 };
    g.n++;
    if (r.correct) g.c++;
    by.set(r.problemId, g);
  }
  const ps = [...by.values()];
  const share = (f: (g: { c: number; n: number }) => boolean) => (ps.length ? ps.filter(f).length / ps.length : 0);
  return { sampleAccuracy: rows.length ? rows.filter((r) => r.correct).length / rows.length : 0, passAtN: share((g) => g.c > 0), coverage: share(covered) };
}

/** k = 1, 2, 4, … up to the smallest n, plus that n itself. */
export function defaultKs(problems: readonly ProblemRecord[]): number[] {
  if (problems.length === 0) return [];
  const nMax = Math.max(...problems.map((p) => p.n));
  const ks: number[] = [];
  for (let k = 1; k <= nMax; k *= 2) ks.push(k);
  if (ks[ks.length - 1] !== nMax) ks.push(nMax);
  return ks;
}

export interface TableOptions {
  bootstrap?: BootstrapOptions;
}

/** For each k: a per-problem score over the problems with n ≥ k, its mean and a bootstrap interval, in column `name`. */
function perKTable(
  problems: readonly ProblemRecord[],
  ks: readonly number[],
  name: string,
  score: (p: ProblemRecord, k: number) => number,
  opts: TableOptions,
): Table {
  const cols: Record<string, number[]> = { k: [], problems: [], [name]: [], lo: [], hi: [] };
  for (const k of ks) {
    const vals = problems.filter((p) => p.n >= k).map((p) => score(p, k));
    const ci = bootstrapMean(vals, opts.bootstrap);
    cols.k!.push(k);
    cols.problems!.push(vals.length);
    cols[name]!.push(ci.estimate);
    cols.lo!.push(ci.lo);
    cols.hi!.push(ci.hi);
  }
  return aq.table(cols);
}

/** pass@k for each k (problems with n ≥ k), with a bootstrap interval over problems. */
export function passAtKTable(problems: readonly ProblemRecord[], ks: readonly number[] = defaultKs(problems), opts: TableOptions = {}): Table {
  return perKTable(problems, ks, "pass_at_k", (p, k) => passAtK(p.n, p.c, k), opts);
}

/** maj@k (majority vote over the first k samples) for each k, with a bootstrap interval over problems. */
export function majAtKTable(problems: readonly ProblemRecord[], ks: readonly number[] = defaultKs(problems), opts: TableOptions = {}): Table {
  return perKTable(problems, ks, "maj_at_k", (p, k) => majAtK(p.classes, p.classCorrect, k), opts);
}

export type GroupKey = "level" | "subject" | "dataset";

/** Accuracy per level, subject or dataset (problems without the field go to "—"), sorted by group. */
export function accuracyBy(problems: readonly ProblemRecord[], key: GroupKey, opts: TableOptions = {}): Table {
  const groups = new Map<string, ProblemRecord[]>();
  for (const p of problems) {
    const v = p[key];
    const g = v === undefined ? "—" : String(v);
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(p);
  }
  const names = [...groups.keys()].sort((a, b) => (a === "—" ? 1 : b === "—" ? -1 : a.localeCompare(b, "en", { numeric: true })));
  const groupCol: string[] = [];
  const cols = { problems: [] as number[], trajectories: [] as number[], accuracy: [] as number[], lo: [] as number[], hi: [] as number[] };
  for (const g of names) {
    const list = groups.get(g)!;
    const ci = bootstrapMean(list.map(problemAccuracy), opts.bootstrap);
    groupCol.push(g);
    cols.problems.push(list.length);
    cols.trajectories.push(list.reduce((a, p) => a + p.n, 0));
    cols.accuracy.push(ci.estimate);
    cols.lo.push(ci.lo);
    cols.hi.push(ci.hi);
  }
  return aq.table({ [key]: groupCol, ...cols });
}

/** Accuracy by the number of tool calls of a trajectory (intervals resample trajectories). */
export function accuracyByToolCalls(rows: readonly MetricRow[], opts: TableOptions = {}): Table {
  const groups = new Map<number, MetricRow[]>();
  for (const r of rows) {
    const k = r.toolCalls ?? 0;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const cols = { tool_calls: [] as number[], trajectories: [] as number[], share: [] as number[], accuracy: [] as number[], lo: [] as number[], hi: [] as number[] };
  for (const k of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(k)!;
    const ci = bootstrapMean(g.map((r) => (r.correct ? 1 : 0)), opts.bootstrap);
    cols.tool_calls.push(k);
    cols.trajectories.push(g.length);
    cols.share.push(g.length / rows.length);
    cols.accuracy.push(ci.estimate);
    cols.lo.push(ci.lo);
    cols.hi.push(ci.hi);
  }
  return aq.table(cols);
}

/** One row per headline metric: accuracy, pass@kmax, maj@kmax, prompt coverage, environment errors, with intervals and counts. */
export function summaryTable(problems: readonly ProblemRecord[], rows: readonly MetricRow[], opts: TableOptions = {}): Table {
  const ks = defaultKs(problems);
  const kMax = ks[ks.length - 1];
  const acc = bootstrapMean(problems.map(problemAccuracy), opts.bootstrap);
  const cols = { metric: ["accuracy"], value: [acc.estimate], lo: [acc.lo], hi: [acc.hi], problems: [problems.length], trajectories: [rows.length] };
  if (kMax !== undefined && kMax > 1) {
    for (const [name, t] of [
      [`pass@${kMax}`, passAtKTable(problems, [kMax], opts)],
      [`maj@${kMax}`, majAtKTable(problems, [kMax], opts)],
    ] as const) {
      const o = t.objects()[0] as Record<string, number>;
      cols.metric.push(name);
      cols.value.push(o[name.startsWith("pass") ? "pass_at_k" : "maj_at_k"]!);
      cols.lo.push(o.lo!);
      cols.hi.push(o.hi!);
      cols.problems.push(o.problems!);
      cols.trajectories.push(rows.length);
    }
  }
  const cov = bootstrapMean(problems.map((p) => (covered(p) ? 1 : 0)), opts.bootstrap);
  cols.metric.push("prompt coverage");
  cols.value.push(cov.estimate);
  cols.lo.push(cov.lo);
  cols.hi.push(cov.hi);
  cols.problems.push(problems.length);
  cols.trajectories.push(rows.length);
  const errors = rows.filter((r) => r.finish === "error").length;
  cols.metric.push("environment errors");
  cols.value.push(rows.length ? errors / rows.length : NaN);
  cols.lo.push(NaN);
  cols.hi.push(NaN);
  cols.problems.push(problems.length);
  cols.trajectories.push(rows.length);
  return aq.table(cols);
}

export interface MetricsOptions extends RecordOptions, TableOptions {
  ks?: number[];
}

export interface Metrics {
  problems: ProblemRecord[];
  summary: Table;
  passAtK: Table;
  majAtK: Table;
  byLevel: Table;
  bySubject: Table;
  byDataset: Table;
  byToolCalls: Table;
}

/** Every metric table for a set of graded trajectories. */
export async function computeMetrics(rows: readonly MetricRow[], opts: MetricsOptions = {}): Promise<Metrics> {
  const problems = await problemRecords(rows, opts);
  const ks = opts.ks ?? defaultKs(problems);
  const t: TableOptions = opts.bootstrap ? { bootstrap: opts.bootstrap } : {};
  return {
    problems,
    summary: summaryTable(problems, rows, t),
    passAtK: passAtKTable(problems, ks, t),
    majAtK: majAtKTable(problems, ks, t),
    byLevel: accuracyBy(problems, "level", t),
    bySubject: accuracyBy(problems, "subject", t),
    byDataset: accuracyBy(problems, "dataset", t),
    byToolCalls: accuracyByToolCalls(rows, t),
  };
}

/** The tables of `computeMetrics` by display name, in display order. */
export function metricTables(m: Metrics): Record<string, Table> {
  return { summary: m.summary, "pass@k": m.passAtK, "maj@k": m.majAtK, "by level": m.byLevel, "by subject": m.bySubject, "by dataset": m.byDataset, "by tool calls": m.byToolCalls };
}
