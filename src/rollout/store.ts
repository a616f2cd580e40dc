import * as fs from "node:fs";
import * as readline from "node:readline";
import { MathagentError } from "../errors.js";
import { TRAJECTORY_SCHEMA, type Trajectory } from "./types.js";

/** Key of a (problem, sample) pair. */
export function pairKey(problemId: string, sample: number): string {
  return `${problemId}\u0000${sample}`;
}

/** A row that does not look like a trajectory: the reason, or null when fine. */
export function checkTrajectory(x: unknown): string | null {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return "not a JSON object";
  const t = x as Record<string, unknown>;
  if (t.schema !== TRAJECTORY_SCHEMA) return `schema is ${JSON.stringify(t.schema)}, expected ${TRAJECTORY_SCHEMA}`;
  if (typeof t.problemId !== "string") return "no string problemId";
  if (typeof t.sample !== "number" || !Number.isInteger(t.sample) || t.sample < 0) return "no integer sample";
  if (!Array.isArray(t.steps)) return "no steps array";
  if (typeof t.finish !== "string") return "no finish reason";
  if (typeof t.transcript !== "string") return "no transcript";
  return null;
}

export interface ReadOptions {
  onWarning?: (msg: string) => void;
  /** Called for every row that becomes its pair's current one (the first, or a redo of an error), in file order. */
  onRow?: (t: Trajectory, line: number) => void;
  /** Keep the rows in `trajectories` (default true); false reads large files in constant memory but for the keys. */
  keep?: boolean;
}

export interface ReadResult {
  /** One current row per pair, in order of first appearance (empty when `keep` is false). */
  trajectories: Trajectory[];
  /** `pairKey` of every pair in the file. */
  keys: Set<string>;
  /** Pairs whose current row ended in `error` (a later row for the pair supersedes it). */
  errorKeys: Set<string>;
  /** The first row, for checking the settings a file was written with. */
  first?: Trajectory;
  warnings: string[];
  /** Byte length of the valid prefix (everything but a torn last line). */
  validBytes: number;
  /** The file's last line was torn (a crash mid-write) and was ignored. */
  torn: boolean;
  /** The file's last line was complete JSON but lacked its newline. */
  missingNewline: boolean;
}

/**
 * Read a trajectory file. A torn last line (no newline, not parseable: a crash mid-write) is ignored
 * with a warning; any other bad line is an error naming the file and line. A pair's row that ended
 * in `error` is superseded by a later row of the same pair (a redo on resume); other duplicates keep
 * the first row and warn.
 */
export async function readTrajectories(file: string, opts: ReadOptions = {}): Promise<ReadResult> {
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    opts.onWarning?.(m);
  };
  const result: ReadResult = { trajectories: [], keys: new Set(), errorKeys: new Set(), warnings, validBytes: 0, torn: false, missingNewline: false };
  if (!fs.existsSync(file)) return result;
  const size = fs.statSync(file).size;
  let endsWithNewline = true;
  if (size > 0) {
    const fd = fs.openSync(file, "r");
    try {
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, size - 1);
      endsWithNewline = b[0] === 0x0a;
    } finally {
      fs.closeSync(fd);
    }
  }
  const seen = result.keys;
  const index = new Map<string, number>();
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let lineNo = 0;
  let offset = 0;
  let pendingBad: { line: number; reason: string; bytes: number } | null = null;
  for await (const line of rl) {
    lineNo++;
    const bytes = Buffer.byteLength(line) + 1;
    if (pendingBad) throw new MathagentError(`${file}:${pendingBad.line}: bad trajectory row (${pendingBad.reason}); fix or remove that line`);
    if (line.trim() === "") {
      offset += bytes;
      continue;
    }
    let reason: string | null;
    let row: unknown;
    try {
      row = JSON.parse(line);
      reason = checkTrajectory(row);
    } catch (e) {
      reason = `invalid JSON: ${(e as Error).message}`;
    }
    if (reason) {
      pendingBad = { line: lineNo, reason, bytes };
      continue;
    }
    const t = row as Trajectory;
    const key = pairKey(t.problemId, t.sample);
    if (!seen.has(key)) {
      seen.add(key);
      result.first ??= t;
      if (opts.keep !== false) {
        index.set(key, result.trajectories.length);
        result.trajectories.push(t);
      }
      if (t.finish === "error") result.errorKeys.add(key);
      opts.onRow?.(t, lineNo);
    } else if (result.errorKeys.has(key)) {
      // a redo of a pair whose earlier row ended in error supersedes it
      if (t.finish !== "error") result.errorKeys.delete(key);
      const i = index.get(key);
      if (i !== undefined) result.trajectories[i] = t;
      opts.onRow?.(t, lineNo);
    } else {
      warn(`${file}:${lineNo}: duplicate of problem ${t.problemId} sample ${t.sample}; keeping the first`);
    }
    offset += bytes;
  }
  if (pendingBad) {
    if (!endsWithNewline) {
      result.torn = true;
      warn(`${file}:${pendingBad.line}: ignoring a torn last line (${pendingBad.bytes - 1} bytes, from an interrupted write); its pair will be redone`);
    } else {
      throw new MathagentError(`${file}:${pendingBad.line}: bad trajectory row (${pendingBad.reason}); fix or remove that line`);
    }
  } else if (!endsWithNewline && size > 0) {
    result.missingNewline = true;
    offset -= 1;
  }
  result.validBytes = Math.min(offset, size);
  return result;
}

/**
 * Append-only writer: one trajectory per line, one `write` per line, in call order. Opening an
 * existing file cuts off a torn last line (never a complete one) so later rows stay valid JSONL.
 */
export class TrajectoryWriter {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  written = 0;

  private constructor(
    readonly file: string,
    private readonly fh: fs.promises.FileHandle,
  ) {}

  /** Open `file` for appending, after reading what it already holds. */
  static async open(file: string, opts: ReadOptions = {}): Promise<{ writer: TrajectoryWriter; existing: ReadResult }> {
    const existing = await readTrajectories(file, opts);
    if (existing.torn) fs.truncateSync(file, existing.validBytes);
    if (existing.missingNewline) fs.appendFileSync(file, "\n");
    const fh = await fs.promises.open(file, "a");
    return { writer: new TrajectoryWriter(file, fh), existing };
  }

  append(t: Trajectory): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.file} is closed`));
    const buf = Buffer.from(JSON.stringify(t) + "\n");
    const p = this.chain.then(async () => {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await this.fh.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
      this.written++;
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.fh.sync().catch(() => undefined);
    await this.fh.close();
  }
}
