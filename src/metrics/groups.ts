/** Plain counts per group (overall, level, subject): what `eval` prints first. */
import type { MetricRow } from "./records.js";

export interface AccuracyRow {
  group: string;
  problems: number;
  trajectories: number;
  correct: number;
  /** Share of correct trajectories, in percent. */
  accuracy: number;
  /** Problems with at least one correct sample, in percent (pass@n with n = samples). */
  passAtN: number;
}

/** Accuracy overall and per level / subject from graded rows; "overall" first, then by name. */
export function accuracyTable(rows: readonly MetricRow[]): AccuracyRow[] {
  const groups = new Map<string, MetricRow[]>();
  const add = (k: string, r: MetricRow) => {
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  };
  for (const r of rows) {
    add("overall", r);
    if (r.level !== undefined) add(`level ${r.level}`, r);
    if (r.subject !== undefined) add(`subject ${r.subject}`, r);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === "overall" ? -1 : b === "overall" ? 1 : a.localeCompare(b)));
  return keys.map((group) => {
    const xs = groups.get(group)!;
    const byProblem = new Map<string, boolean>();
    for (const x of xs) byProblem.set(x.problemId, (byProblem.get(x.problemId) ?? false) || x.correct);
    const correct = xs.filter((x) => x.correct).length;
    return {
      group,
      problems: byProblem.size,
      trajectories: xs.length,
      correct,
      accuracy: (100 * correct) / xs.length,
      passAtN: (100 * [...byProblem.values()].filter(Boolean).length) / byProblem.size,
    };
  });
}

/** The rows as an aligned text table (pass@n only when there are several samples). */
export function formatAccuracyTable(rows: readonly AccuracyRow[], samples: number): string {
  const head = ["group", "problems", "trajectories", "correct", "accuracy %", ...(samples > 1 ? [`pass@${samples} %`] : [])];
  const body = rows.map((r) => [r.group, String(r.problems), String(r.trajectories), String(r.correct), r.accuracy.toFixed(1), ...(samples > 1 ? [r.passAtN.toFixed(1)] : [])]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
