/**
 * The output layer. Every file is written to a temporary file beside its target and renamed over
 * it, so a reader (or a later run) sees the previous version or the new one, never a part. The
 * temporary file is named `TARGET.tmp-PID-N`; one left by a process that no longer runs (a kill -9)
 * is removed by the next write to the same target. A result with no rows never replaces a
 * non-empty output unless forced.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { FileError, fileErrorOf } from "./errors.js";

let counter = 0;
const TEMP_NAME = /^(.*)\.(?:tmp|part)-(\d+)(?:-\d+)?$/;

/** A fresh temporary path beside `target`, tagged with this process's id. */
export function tempPathFor(target: string): string {
  return `${target}.tmp-${process.pid}-${++counter}`;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the temporary files beside `target` whose writing process is gone; returns their paths. */
export function removeStaleTemps(target: string): string[] {
  const dir = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || m[1] !== base || isAlive(Number(m[2]))) continue;
    fs.rmSync(path.join(dir, name), { force: true, recursive: true });
    removed.push(path.join(dir, name));
  }
  return removed;
}

export interface OutputOptions {
  /** Replace a non-empty output even when this result is empty. */
  force?: boolean;
  /** This result has no rows (when not given: the data has no bytes). */
  empty?: boolean;
}

/** Throws when an empty result would replace a non-empty `target` without `force`. */
export function guardEmptyReplace(target: string, empty: boolean, force = false): void {
  if (!empty || force) return;
  let size = 0;
  try {
    size = fs.statSync(target).size;
  } catch {
    return;
  }
  if (size > 0) {
    throw new MathagentError(
      `${target}: this run produced no rows and would replace the ${size}-byte file already there; nothing was written (pass --force to replace it)`,
    );
  }
}

/** Makes `dir` (and its parents) unless it exists; a file in its place is named. */
export function ensureDirectory(dir: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) throw new FileError(dir, "is a file, expected a directory");
  if (st) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    const e = fileErrorOf(dir, err);
    throw e instanceof FileError ? e : new FileError(dir, `cannot be made (${(err as Error).message})`);
  }
}

/** Checks that `target` can be written: its folder is made, and it is not itself a folder. Cleans stale temporaries. */
export function prepareTarget(target: string): void {
  ensureDirectory(path.dirname(target));
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new FileError(target, "is a directory, expected a file to write");
  removeStaleTemps(target);
}

/** Writes a new file (never an existing one) and flushes it to disk. */
export function writeSynced(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, "wx");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `target` through a temporary file and a rename. */
export function writeFileAtomic(target: string, data: string | Uint8Array, opts: OutputOptions = {}): void {
  prepareTarget(target);
  guardEmptyReplace(target, opts.empty ?? data.length === 0, opts.force);
  const tmp = tempPathFor(target);
  try {
    writeSynced(tmp, data);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileErrorOf(target, err);
  }
}

/** SHA-256 of a file's bytes, hex. */
export function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** What the metadata records about its data file, so a reader can tell they belong together. */
export interface DataStamp {
  file: string;
  bytes: number;
  sha256: string;
}

/** The sidecar metadata path of a data file: `x.jsonl` / `x.parquet` → `x.meta.json`. */
export function metaPathFor(target: string): string {
  return target.replace(/\.(jsonl|parquet|json|arrow)$/i, "") + ".meta.json";
}

export interface MetaOptions extends OutputOptions {
  /** Where the metadata goes (default `metaPathFor(target)`). */
  metaFile?: string;
}

/**
 * Writes a data file and its metadata as one unit. `produce(tmp)` writes the data to a temporary
 * path; the metadata gets a `data` stamp (name, bytes, SHA-256) and is renamed into place first,
 * then the data. A kill between the two renames leaves metadata whose stamp does not match the
 * data beside it, which `readMeta` reports, never a silent mix of two runs.
 */
export async function writeWithMeta(
  target: string,
  produce: (tmp: string) => void | Promise<void>,
  meta: Record<string, unknown>,
  opts: MetaOptions = {},
): Promise<void> {
  const metaFile = opts.metaFile ?? metaPathFor(target);
  prepareTarget(target);
  prepareTarget(metaFile);
  const tmp = tempPathFor(target);
  try {
    await produce(tmp);
    guardEmptyReplace(target, opts.empty ?? fs.statSync(tmp).size === 0, opts.force);
    commitWithMeta(target, tmp, metaFile, meta);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileErrorOf(target, err);
  }
}

/**
 * Puts a written temporary data file in place with its metadata as one unit: the metadata, stamped
 * with the data's size and SHA-256, is renamed into place first, then the data.
 */
export function commitWithMeta(target: string, tmp: string, metaFile: string, meta: Record<string, unknown>): void {
  const metaTmp = tempPathFor(metaFile);
  try {
    const stamp: DataStamp = { file: path.basename(target), bytes: fs.statSync(tmp).size, sha256: sha256File(tmp) };
    writeSynced(metaTmp, JSON.stringify({ ...meta, data: stamp }, null, 2) + "\n");
    fs.renameSync(metaTmp, metaFile);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(metaTmp, { force: true });
  }
}

/** The metadata of a data file written by `writeWithMeta`, checked against the data's bytes. */
export function readMeta(target: string, metaFile = metaPathFor(target)): Record<string, unknown> {
  let meta: { data?: DataStamp } & Record<string, unknown>;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as typeof meta;
  } catch (err) {
    const e = fileErrorOf(metaFile, err);
    throw e instanceof FileError ? e : new FileError(metaFile, `not valid JSON (${(err as Error).message})`);
  }
  const stamp = meta.data;
  if (!stamp || typeof stamp.sha256 !== "string") throw new FileError(metaFile, "has no data stamp (written by an older mathagent?)");
  const actual = sha256File(target);
  if (actual !== stamp.sha256) {
    throw new FileError(metaFile, `describes another version of ${target} (sha256 ${stamp.sha256}, the file has ${actual}): an interrupted write; rerun the command`);
  }
  return meta;
}

/** An output written piece by piece (e.g. one JSONL row at a time), then committed with a rename. */
export class AtomicOutput {
  private fd: number;
  private done = false;
  readonly tmp: string;
  bytes = 0;

  constructor(readonly target: string) {
    prepareTarget(target);
    this.tmp = tempPathFor(target);
    try {
      this.fd = fs.openSync(this.tmp, "wx");
    } catch (err) {
      throw fileErrorOf(target, err);
    }
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    fs.writeSync(this.fd, buf);
    this.bytes += buf.length;
  }

  /** Moves the output into place (refusing an empty result over a non-empty file unless forced). */
  commit(opts: OutputOptions = {}): void {
    if (this.done) return;
    this.done = true;
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      guardEmptyReplace(this.target, opts.empty ?? this.bytes === 0, opts.force);
      fs.renameSync(this.tmp, this.target);
    } catch (err) {
      fs.rmSync(this.tmp, { force: true });
      throw fileErrorOf(this.target, err);
    }
  }

  /** Drops the output; the target is left as it was. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    fs.closeSync(this.fd);
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Refuses an output path that is its own input: results go beside the input. */
export function checkNotInPlace(input: string, out: string): void {
  if (path.resolve(input) === path.resolve(out)) {
    throw new MathagentError(`refusing to write ${out} over its input; results go beside the input (choose another --out)`);
  }
}

/** The table file types an output can be. */
export type FileType = "jsonl" | "parquet";

/** `jsonl` or `parquet`, from the file name. */
export function fileTypeOf(file: string): FileType {
  if (/\.parquet$/i.test(file)) return "parquet";
  if (/\.jsonl$/i.test(file)) return "jsonl";
  throw new MathagentError(`${file}: the output name must end in .jsonl or .parquet`);
}
