import * as fs from "node:fs";
import { newScanState, pairKey, scanRows, type ScanState } from "../trajectory/reader.js";
import { trajectoryProblem } from "../trajectory/validate.js";
import type { Trajectory } from "./types.js";

export { pairKey };

/** A row that does not look like a trajectory: `field: expected …, found …`, or null when fine. */
export function checkTrajectory(x: unknown): string | null {
  return trajectoryProblem(x);
}

export interface ReadOptions {
  onWarning?: (msg: string) => void;
  /** Called for every row that becomes its pair's current one (the first, or a redo of an error), in file order. */
  onRow?: (t: Trajectory, line: number) => void;
  /** Keep the rows in `trajectories` (default true); false reads large files in constant memory but for the keys. */
  keep?: boolean;
}

export interface ReadResult extends ScanState {
  /** One current row per pair, in order of first appearance (empty when `keep` is false). */
  trajectories: Trajectory[];
  warnings: string[];
}

/**
 * Read a trajectory file for resuming, through the one reader (`src/trajectory`): a torn last line
 * is ignored with a warning, any other bad line is an error naming the file and line, a pair's row
 * that ended in `error` is superseded by a later row of the same pair (a redo on resume), other
 * duplicates keep the first row and warn.
 */
export async function readTrajectories(file: string, opts: ReadOptions = {}): Promise<ReadResult> {
  const state = newScanState();
  const result: ReadResult = Object.assign(state, { trajectories: [] as Trajectory[], warnings: [] as string[] });
  if (!fs.existsSync(file)) return result;
  const index = new Map<string, number>();
  const onWarning = (m: string) => {
    result.warnings.push(m);
    opts.onWarning?.(m);
  };
  for await (const r of scanRows(file, { onWarning, hint: "fix or remove that line to resume", allowEmpty: true }, state)) {
    const t = r.trajectory;
    if (opts.keep !== false) {
      const key = pairKey(t.problemId, t.sample);
      const i = index.get(key);
      if (i === undefined) index.set(key, result.trajectories.push(t) - 1);
      else result.trajectories[i] = t;
    }
    opts.onRow?.(t, r.line);
  }
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
