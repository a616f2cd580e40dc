/**
 * The input layer's errors. Every message starts with where the problem is — `FILE`, or `FILE:LINE`
 * for a row — followed by what is wrong: the field, what was expected and what was found.
 */
import * as fs from "node:fs";
import { MathagentError } from "../errors.js";

/** A row that could not be read or does not have the expected shape; names the file and line. */
export class RowError extends MathagentError {
  override name = "RowError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** A file that cannot be used at all: missing, a directory, unreadable, not the kind expected. */
export class FileError extends MathagentError {
  override name = "FileError";
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "is a directory, expected a file",
  ENOTDIR: "a part of this path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EMFILE: "too many open files",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the path is too long",
};

/** A Node file-system error (ENOENT, EISDIR, …) as a FileError naming `file`; anything else is returned as is. */
export function fileErrorOf(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && code in FS_REASONS) return new FileError(file, FS_REASONS[code]!);
  return err;
}

/** Runs `fn`, turning file-system errors into FileErrors that name `file`. */
export function withFileErrors<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fileErrorOf(file, err);
  }
}

/** Throws a FileError unless `file` is an existing regular file (a directory or a missing path is named as such). */
export function requireFile(file: string): fs.Stats {
  const st = withFileErrors(file, () => fs.statSync(file));
  if (st.isDirectory()) throw new FileError(file, FS_REASONS["EISDIR"]!);
  if (!st.isFile()) throw new FileError(file, "not a regular file");
  return st;
}

/** Throws a FileError unless `dir` is an existing directory. */
export function requireDirectory(dir: string): void {
  const st = withFileErrors(dir, () => fs.statSync(dir));
  if (!st.isDirectory()) throw new FileError(dir, "is a file, expected a directory");
}

/** How a value looks in an error message: its JSON type, and a short sample. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing (the field is missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") {
    const s = JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
    return `a string ${s}`;
  }
  return `${typeof v} ${String(v)}`;
}

/** The standard wording of a field problem: `field F: expected E, found X`. */
export function fieldProblem(field: string, expected: string, found: unknown): string {
  return `field ${field}: expected ${expected}, found ${describeValue(found)}`;
}
