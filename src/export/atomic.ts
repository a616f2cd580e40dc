/**
 * Export files go through the output layer (src/io): each is written to a temporary file beside
 * its target and renamed; data and its metadata are one unit (the metadata, stamped with the
 * data's size and SHA-256, is put in place first); stale temporaries of dead processes are
 * removed; a run with no rows never replaces an export that has rows unless forced.
 */
import * as fs from "node:fs";
import { MathagentError } from "../errors.js";
import { commitWithMeta, fileErrorOf, prepareTarget, tempPathFor, writeFileAtomic, writeSynced } from "../io/index.js";

/** The rows an earlier export recorded in its metadata (`rows`, or the sum of `counts.splits`); 0 when there is none. */
export function recordedRows(metaFile: string): number {
  let meta: { rows?: unknown; counts?: { splits?: Record<string, unknown> } };
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as typeof meta;
  } catch {
    return 0;
  }
  if (typeof meta.rows === "number") return meta.rows;
  const splits = Object.values(meta.counts?.splits ?? {}).filter((n): n is number => typeof n === "number");
  return splits.reduce((a, b) => a + b, 0);
}

/** Rows an existing export holds: by its metadata, else 1 for a non-empty data file (rows of unknown count). */
function rowsThere(target: string, metaFile?: string): number {
  const recorded = metaFile ? recordedRows(metaFile) : 0;
  if (recorded > 0) return recorded;
  try {
    const st = fs.statSync(target);
    return st.isFile() && st.size > 0 && !(metaFile && fs.existsSync(metaFile)) ? 1 : 0;
  } catch {
    return 0;
  }
}

/** Refuses a run with no rows that would replace an export holding `previous` rows, unless forced. */
export function refuseEmptyReplace(target: string, rows: number, previous: number, force = false): void {
  if (rows > 0 || force || previous === 0) return;
  throw new MathagentError(`${target}: this run produced no rows and would replace the ${previous} row(s) already there; nothing was written (pass --force to replace it)`);
}

export interface ExportWrite {
  /** Rows in `data` (an empty result is refused over an export with rows unless `force`). */
  rows: number;
  force?: boolean;
  /** The metadata file and what it records; without it only the data is written. */
  meta?: { file: string; record: Record<string, unknown> };
}

/** Writes an export's data and (when given) its metadata as one unit. */
export function writeExportFile(target: string, data: string | Uint8Array, w: ExportWrite): void {
  prepareTarget(target);
  if (!w.meta) {
    refuseEmptyReplace(target, w.rows, rowsThere(target), w.force);
    writeFileAtomic(target, data, { force: true });
    return;
  }
  const metaFile = w.meta.file;
  prepareTarget(metaFile);
  refuseEmptyReplace(target, w.rows, rowsThere(target, metaFile), w.force);
  const tmp = tempPathFor(target);
  try {
    writeSynced(tmp, data);
    commitWithMeta(target, tmp, metaFile, w.meta.record);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileErrorOf(target, err);
  }
}
