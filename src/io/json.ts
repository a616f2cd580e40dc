/** JSON Lines, JSON and notebook files, read through one set of checks and error texts. */
import * as fs from "node:fs";
import { FileError, fileErrorOf, requireFile, RowError } from "./errors.js";
import { readLineRecords } from "./lines.js";
import { checkShape, type Shape } from "./shape.js";

/** A bad row skipped by a lenient read: where, and why. */
export interface SkippedRow {
  file: string;
  line: number;
  reason: string;
}

export interface JsonlOptions {
  /** Skip bad rows (recorded in `skipped`) instead of throwing a RowError at the first. */
  lenient?: boolean;
  /** Receives every skipped row when lenient. */
  skipped?: SkippedRow[];
  /** Every row must fit this shape; a row that does not is a bad row. */
  shape?: Shape;
}

/** Why a line cannot be a JSON row, or the parsed value. */
function parseLine(r: { text: string; terminated: boolean; validUtf8: boolean; offset: number; end: number }): { value: unknown } | { reason: string } {
  if (!r.validUtf8) return { reason: `not valid UTF-8 (somewhere in bytes ${r.offset}–${r.end}); the file is damaged or not text` };
  try {
    return { value: JSON.parse(r.text) };
  } catch (err) {
    const why = (err as Error).message;
    return { reason: r.terminated ? `not valid JSON (${why})` : `truncated last line (no newline, not valid JSON: an interrupted write?)` };
  }
}

/**
 * Every non-blank line of a JSON Lines file, parsed, with its line number and byte offsets. A bad
 * row (invalid JSON or UTF-8, a torn last line, a row not fitting `shape`) throws a RowError naming
 * FILE:LINE, or with `lenient` is skipped and recorded. A missing file or a directory is a FileError.
 */
export async function* readJsonl(file: string, opts: JsonlOptions = {}): AsyncGenerator<{ line: number; offset: number; end: number; value: unknown }> {
  for await (const r of readLineRecords(file)) {
    if (r.text.trim() === "") continue;
    const parsed = parseLine(r);
    const reason = "reason" in parsed ? parsed.reason : opts.shape ? checkShape(parsed.value, opts.shape) : null;
    if (reason !== null) {
      if (!opts.lenient) throw new RowError(file, r.line, reason);
      opts.skipped?.push({ file, line: r.line, reason });
      continue;
    }
    yield { line: r.line, offset: r.offset, end: r.end, value: (parsed as { value: unknown }).value };
  }
}

/** Whether `prefix` could still be the start of valid JSON (it parses, or fails only for want of more input). */
function viablePrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    return at ? Number(at[1]) >= prefix.length : /end of JSON input|Unterminated string/i.test(message);
  }
}

/** The 1-based line and column of the first character that makes `text` invalid JSON. */
function errorPosition(text: string, message: string): { line: number; column: number } {
  const m = /position (\d+)/.exec(message);
  let at = m ? Number(m[1]) : -1;
  if (at < 0) {
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (viablePrefix(text.slice(0, mid + 1))) lo = mid + 1;
      else hi = mid;
    }
    at = Math.min(lo, text.length);
  }
  const before = text.slice(0, at);
  return { line: before.split("\n").length, column: at - before.lastIndexOf("\n") };
}

/** A whole JSON file, BOM stripped; a syntax error names FILE:LINE (and column). */
export function readJson(file: string, shape?: Shape): unknown {
  requireFile(file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw fileErrorOf(file, err);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new FileError(file, "empty, expected JSON");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const at = errorPosition(text, msg);
    throw new RowError(file, at.line, `not valid JSON at column ${at.column} (${msg.replace(/, (\.\.\.)?".*$/s, "")})`);
  }
  const problem = shape ? checkShape(value, shape, "file") : null;
  if (problem) throw new FileError(file, problem);
  return value;
}

/** The parts of an nbformat-4 notebook mathagent relies on. */
export interface NotebookFile {
  cells: { cell_type: string; source: string | string[] }[];
  metadata?: Record<string, unknown>;
  nbformat?: number;
}

const NOTEBOOK_SHAPE: Shape = {
  object: {
    cells: { array: { object: { cell_type: "string", source: { oneOf: ["string", { array: "string" }] } } } },
    nbformat: { literal: 4 },
  },
  optional: ["nbformat"],
};

/** A Jupyter notebook (.ipynb, nbformat 4), checked enough that running it cannot fail on its structure. */
export function readNotebook(file: string): NotebookFile {
  const value = readJson(file);
  const problem = checkShape(value, NOTEBOOK_SHAPE, "notebook");
  if (problem) throw new FileError(file, `not a Jupyter notebook: ${problem}`);
  return value as NotebookFile;
}
