/**
 * Streaming reader of trajectory files (raw rollouts or annotated ones) with strict or lenient
 * handling of bad lines. Strict: the first bad line throws a `RowError` naming file and line.
 * Lenient: bad lines are skipped and recorded. Duplicate (problem, sample) rows are always skipped
 * and recorded, as the rollout store does.
 */
import * as fs from "node:fs";
import * as readline from "node:readline";
import { RowError } from "../data/jsonl.js";
import { MathagentError } from "../errors.js";
import { checkTrajectory, pairKey, type Trajectory } from "../rollout/index.js";

/** A skipped line: where, and why. */
export interface RowIssue {
  file: string;
  line: number;
  kind: "json" | "shape" | "no-final-turn" | "unknown-problem" | "duplicate" | "reward";
  reason: string;
}

export function formatIssue(i: RowIssue): string {
  return `${i.file}:${i.line}: ${i.reason}`;
}

export interface ReadOptions {
  /** Skip (and record) bad lines instead of throwing. Default false. */
  lenient?: boolean;
  /** Known problem ids: a trajectory of any other problem is a bad line. */
  problemIds?: ReadonlySet<string>;
  /** Bad and duplicate lines are pushed here. */
  issues?: RowIssue[];
  signal?: AbortSignal;
}

/** Why a parsed row cannot be used (or null when fine). */
function rowProblem(row: unknown, opts: ReadOptions): { kind: RowIssue["kind"]; reason: string } | null {
  const shape = checkTrajectory(row);
  if (shape) return { kind: "shape", reason: `not a trajectory (${shape})` };
  const t = row as Trajectory & Record<string, unknown>;
  if (t.steps.length === 0) return { kind: "no-final-turn", reason: `trajectory of problem ${t.problemId} sample ${t.sample} has no final model turn (no steps)` };
  if (typeof t.question !== "string") return { kind: "shape", reason: "not a trajectory (no string question)" };
  if (opts.problemIds && !opts.problemIds.has(t.problemId)) {
    return { kind: "unknown-problem", reason: `unknown problem id ${JSON.stringify(t.problemId)} (not among the ${opts.problemIds.size} problems given)` };
  }
  if ("correct" in t && (typeof t.correct !== "boolean" || typeof t.gt !== "string")) {
    return { kind: "reward", reason: "has a reward that is not {correct: boolean, gt: string}" };
  }
  return null;
}

/** The trajectories of `file`, in order, with their line numbers. */
export async function* scanTrajectories(file: string, opts: ReadOptions = {}): AsyncGenerator<{ line: number; trajectory: Trajectory }> {
  if (!fs.existsSync(file)) throw new MathagentError(`${file}: no such file`);
  const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
  const seen = new Set<string>();
  let line = 0;
  const bad = (kind: RowIssue["kind"], reason: string) => {
    if (!opts.lenient) throw new RowError(file, line, `${reason}; fix or remove that line, or read leniently (--lenient) to skip bad lines`);
    opts.issues?.push({ file, line, kind, reason });
  };
  try {
    for await (const text of rl) {
      line++;
      opts.signal?.throwIfAborted();
      if (text.trim() === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (e) {
        bad("json", `not valid JSON (${(e as Error).message})`);
        continue;
      }
      const p = rowProblem(row, opts);
      if (p) {
        bad(p.kind, p.reason);
        continue;
      }
      const t = row as Trajectory;
      const key = pairKey(t.problemId, t.sample);
      if (seen.has(key)) {
        opts.issues?.push({ file, line, kind: "duplicate", reason: `duplicate of problem ${t.problemId} sample ${t.sample}; keeping the first` });
        continue;
      }
      seen.add(key);
      yield { line, trajectory: t };
    }
  } finally {
    rl.close();
  }
}

/** Number of newline-terminated lines (for progress totals), counted without parsing. */
export function countLines(file: string): number {
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(1 << 16);
  let n = 0;
  let last = 0x0a;
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      for (let i = 0; i < got; i++) if (buf[i] === 0x0a) n++;
      last = buf[got - 1]!;
    }
  } finally {
    fs.closeSync(fd);
  }
  return last === 0x0a ? n : n + 1;
}
