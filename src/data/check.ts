/**
 * Dataset files are checked when loaded: a file whose SHA-256 differs from data/manifest.json
 * (damaged, truncated, edited) is refused with a pointer to `mathagent data verify`, unless
 * MATHAGENT_DATA_CHECK says otherwise — `rows` accepts an edited copy with the manifest's row
 * count, `off` accepts any file (a user's own edited copy). A file is hashed once per process
 * while its size and modification time stay the same.
 */
import * as fs from "node:fs";
import { MathagentError } from "../errors.js";
import { FileError, RowError } from "../io/errors.js";
import { readJsonl } from "../io/json.js";
import { type ManifestFile, readManifest, sha256 } from "./fetch.js";
import { DATASET_SPLITS, type DatasetName } from "./problem.js";

export type DataCheck = "sha256" | "rows" | "off";
export const DATA_CHECKS: readonly DataCheck[] = ["sha256", "rows", "off"];

/** The check mode from MATHAGENT_DATA_CHECK (default sha256). */
export function dataCheckMode(env: NodeJS.ProcessEnv = process.env): DataCheck {
  const v = env["MATHAGENT_DATA_CHECK"];
  if (v === undefined || v === "") return "sha256";
  if ((DATA_CHECKS as readonly string[]).includes(v)) return v as DataCheck;
  throw new MathagentError(`MATHAGENT_DATA_CHECK=${v}: expected one of ${DATA_CHECKS.join(", ")}`);
}

const verified = new Map<string, string>();

const HOW_TO_FIX =
  "run `mathagent data verify` to see which files differ and `mathagent data fetch` to restore them, " +
  "or set MATHAGENT_DATA_CHECK=rows (same row count) or MATHAGENT_DATA_CHECK=off to load your own edited copy";

/** The manifest entry of a file inside the data directory, when it has one. */
export function manifestEntry(relative: string): ManifestFile | undefined {
  return readManifest().find((f) => f.path === relative);
}

/** Refuses a dataset file whose bytes are not the manifest's (in mode sha256). */
export function checkDatasetBytes(file: string, entry: ManifestFile | undefined, mode: DataCheck): void {
  if (!entry || mode !== "sha256") return;
  const st = fs.statSync(file);
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  if (verified.get(file) === key) return;
  const actual = sha256(fs.readFileSync(file));
  if (actual !== entry.sha256) {
    throw new FileError(file, `does not match data/manifest.json (${st.size} bytes, sha256 ${actual.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…): the file is damaged, truncated or edited; ${HOW_TO_FIX}`);
  }
  verified.set(file, key);
}

/** Refuses a loaded file whose row count is not the manifest's (in modes sha256 and rows). */
export function checkDatasetRows(file: string, entry: ManifestFile | undefined, mode: DataCheck, rows: number): void {
  if (!entry || mode === "off" || rows === entry.rows) return;
  throw new FileError(file, `has ${rows} rows, data/manifest.json expects ${entry.rows}; ${HOW_TO_FIX}`);
}

/** For a file that fails its checksum: its row count against the manifest's, and its first bad row. */
export async function diagnoseDatasetFile(file: string, entry: ManifestFile): Promise<string> {
  if (!file.endsWith(".jsonl")) return "";
  const skipped: { file: string; line: number; reason: string }[] = [];
  let rows = 0;
  for await (const _ of readJsonl(file, { lenient: true, skipped })) rows++;
  const counted = `${rows} rows${rows === entry.rows ? "" : `, expected ${entry.rows}`}`;
  const first = skipped[0] ? `${skipped[0].file}:${skipped[0].line}: ${skipped[0].reason}` : await firstProblemRow(file, entry);
  return first ? `${counted}; ${skipped.length || 1} bad, first ${first}` : counted;
}

/** The first row of a dataset split file that is valid JSON but not a problem (e.g. a field of the wrong type). */
async function firstProblemRow(file: string, entry: ManifestFile): Promise<string | null> {
  const m = /^([a-z0-9]+)\/([a-z]+)\.jsonl$/.exec(entry.path);
  if (!m || !(m[1]! in DATASET_SPLITS)) return null;
  const { readProblemsFile } = await import("./load.js");
  try {
    await readProblemsFile(file, m[1] as DatasetName, m[2]!, "off");
    return null;
  } catch (e) {
    return e instanceof RowError ? e.message : null;
  }
}
