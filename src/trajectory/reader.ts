/**
 * The one reader of trajectory files (raw rollouts and annotated ones), streaming.
 *
 * - Every row is validated, nested steps included; a bad row is named `FILE:LINE: field: expected …,
 *   found …`. Strict reading throws at the first bad row; lenient reading skips it and records it.
 * - A row that ended in `error` is superseded by a later row of the same (problem, sample): the redo
 *   written by a resumed rollout. Any other repeated (problem, sample) keeps the first and is recorded.
 * - A torn last line (no newline and not parseable: a crash mid-write) is ignored with a warning, in
 *   both modes.
 * - Offsets are byte-exact (the valid prefix a writer may append after); a BOM and CRLF line ends
 *   are accepted.
 */
import * as fs from "node:fs";
import { FileError, requireFile, RowError } from "../io/errors.js";
import type { Trajectory } from "./types.js";
import { readLineRecords } from "../io/lines.js";
import { trajectoryProblem } from "./validate.js";

/** Key of a (problem, sample) pair. */
export function pairKey(problemId: string, sample: number): string {
  return `${problemId}\u0000${sample}`;
}

export type IssueKind = "json" | "shape" | "no-final-turn" | "unknown-problem" | "duplicate" | "torn";

/** A skipped line: where, and why. */
export interface RowIssue {
  file: string;
  line: number;
  kind: IssueKind;
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
  /** Skipped lines (bad, duplicate, torn) are pushed here. */
  issues?: RowIssue[];
  /** Called with the text of every duplicate and torn-line issue. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /** What a strict reader's error tells the user to do (default: fix the line, or read leniently). */
  hint?: string;
  /** Accept an empty (0-byte) file as holding no rows (a resume file); default false: refused. */
  allowEmpty?: boolean;
}

/** A row that became its pair's current one: the first, or the redo of an error row. */
export interface ScannedRow {
  trajectory: Trajectory;
  line: number;
  /** Byte offsets of the line in the file (start, and past its terminator). */
  offset: number;
  end: number;
  /** True when it supersedes an earlier error row of the same pair. */
  redo: boolean;
}

/** What a finished scan knows about the file. */
export interface ScanState {
  /** `pairKey` of every pair in the file. */
  keys: Set<string>;
  /** Pairs whose current row ended in `error`. */
  errorKeys: Set<string>;
  /** The first valid row, for checking the settings a file was written with. */
  first?: Trajectory;
  /** Byte length of the valid prefix (everything but a torn last line). */
  validBytes: number;
  /** The last line was torn and ignored. */
  torn: boolean;
  /** The last line was complete JSON but lacked its newline. */
  missingNewline: boolean;
}

export function newScanState(): ScanState {
  return { keys: new Set(), errorKeys: new Set(), validBytes: 0, torn: false, missingNewline: false };
}

const FIX = "fix or remove that line, or read leniently (--lenient) to skip bad lines";

/** Parse and check one line: the trajectory, or the issue. */
function parseRow(text: string, opts: ReadOptions): { t: Trajectory } | { kind: IssueKind; reason: string } {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (e) {
    return { kind: "json", reason: `not valid JSON (${(e as Error).message})` };
  }
  const shape = trajectoryProblem(row);
  if (shape) return { kind: "shape", reason: shape };
  const t = row as Trajectory;
  if (t.steps.length === 0) return { kind: "no-final-turn", reason: `trajectory of problem ${t.problemId} sample ${t.sample} has no final model turn (steps is empty)` };
  if (opts.problemIds && !opts.problemIds.has(t.problemId)) {
    return { kind: "unknown-problem", reason: `unknown problem id ${JSON.stringify(t.problemId)} (not among the ${opts.problemIds.size} problems given)` };
  }
  return { t };
}

/**
 * Every row of `file` that becomes its pair's current row, in file order (a redo comes with
 * `redo: true` and replaces the error row yielded earlier). `state` is filled as the scan goes.
 */
export async function* scanRows(file: string, opts: ReadOptions = {}, state: ScanState = newScanState()): AsyncGenerator<ScannedRow> {
  const st = requireFile(file);
  if (st.size === 0 && !opts.allowEmpty) throw new FileError(file, "empty file: expected one JSON trajectory per line");
  const record = (line: number, kind: IssueKind, reason: string) => {
    opts.issues?.push({ file, line, kind, reason });
    if (kind === "duplicate" || kind === "torn") opts.onWarning?.(`${file}:${line}: ${reason}`);
  };
  const bad = (line: number, kind: IssueKind, reason: string) => {
    if (!opts.lenient) throw new RowError(file, line, `${reason}; ${opts.hint ?? FIX}`);
    record(line, kind, reason);
  };
  // A bad line is judged once the next line shows it was not a torn last line.
  let pending: { line: number; kind: IssueKind; reason: string; bytes: number } | null = null;
  let lastTerminated = true;
  let size = 0;
  for await (const { line, offset, end, text, terminated } of readLineRecords(file)) {
    lastTerminated = terminated;
    size = end;
    opts.signal?.throwIfAborted();
    if (pending) {
      bad(pending.line, pending.kind, pending.reason);
      pending = null;
    }
    if (text.trim() === "") {
      state.validBytes = end;
      continue;
    }
    const r = parseRow(text, opts);
    if (!("t" in r)) {
      pending = { line, kind: r.kind, reason: r.reason, bytes: end - offset };
      if (opts.lenient) state.validBytes = end;
      continue;
    }
    state.validBytes = end;
    const t = r.t;
    const key = pairKey(t.problemId, t.sample);
    if (!state.keys.has(key)) {
      state.keys.add(key);
      state.first ??= t;
      if (t.finish === "error") state.errorKeys.add(key);
      yield { trajectory: t, line, offset, end, redo: false };
    } else if (state.errorKeys.has(key)) {
      if (t.finish !== "error") state.errorKeys.delete(key);
      yield { trajectory: t, line, offset, end, redo: true };
    } else {
      record(line, "duplicate", `duplicate of problem ${t.problemId} sample ${t.sample}; keeping the first`);
    }
  }
  if (pending) {
    if (lastTerminated) bad(pending.line, pending.kind, pending.reason);
    else {
      state.torn = true;
      state.validBytes = size - pending.bytes;
      record(pending.line, "torn", `ignoring a torn last line (${pending.bytes} bytes, from an interrupted write); its pair will be redone`);
    }
  } else if (!lastTerminated && size > 0) state.missingNewline = true;
}

/**
 * The current trajectories of `file`, streaming: each row once its pair is settled. Rows that did
 * not end in error come at once; an error row is held until a redo replaces it or the file ends.
 */
export async function* readTrajectoryFile(file: string, opts: ReadOptions = {}): AsyncGenerator<{ line: number; trajectory: Trajectory }> {
  const held = new Map<string, { line: number; trajectory: Trajectory }>();
  for await (const r of scanRows(file, opts)) {
    const key = pairKey(r.trajectory.problemId, r.trajectory.sample);
    if (r.trajectory.finish === "error") held.set(key, { line: r.line, trajectory: r.trajectory });
    else {
      held.delete(key);
      yield { line: r.line, trajectory: r.trajectory };
    }
  }
  for (const row of held.values()) yield row;
}

/** All current trajectories of `file`, in memory. */
export async function readAllTrajectories(file: string, opts: ReadOptions = {}): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for await (const { trajectory } of readTrajectoryFile(file, opts)) out.push(trajectory);
  return out;
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
