/** The rows of a preference dataset: a JSONL or Parquet file, or a folder of such shards, with where each row is. */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileError, RowError, describeValue, withFileErrors } from "../io/errors.js";
import { readJsonl } from "../io/json.js";
import { readParquetKeyValue, readParquetRows } from "../io/parquet.js";
import type { DataMeta } from "./formats.js";

export interface SourceRow {
  file: string;
  /** The line (JSONL) or the 1-based row (Parquet). */
  line: number;
  row: Record<string, unknown>;
}

const DATA_FILE = /\.(jsonl|parquet)$/i;

/** The data files of `p`: the file itself, or the .jsonl/.parquet files of a folder and its sub-folders, sorted. */
export function dataFiles(p: string): string[] {
  const st = withFileErrors(p, () => fs.statSync(p));
  if (!st.isDirectory()) {
    if (!DATA_FILE.test(p)) throw new FileError(p, "expected a .jsonl or .parquet file (or a folder of them)");
    return [p];
  }
  const all = (fs.readdirSync(p, { recursive: true }) as string[]).sort();
  const files = all.filter((f) => DATA_FILE.test(f)).map((f) => path.join(p, f));
  if (files.length > 0) return files;
  if (all.some((f) => f.endsWith(".arrow"))) {
    throw new FileError(p, "a folder of Arrow files (a LLaMA-Factory / `datasets` save_to_disk folder): inspect the pairs file it was exported from, or export `--format tokens` (Parquet)");
  }
  throw new FileError(p, "no .jsonl or .parquet files in this folder");
}

function readJsonFile(file: string): DataMeta | null {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as DataMeta;
  } catch (err) {
    throw new FileError(file, `not valid JSON (${(err as Error).message})`);
  }
}

/** What the data says about itself: Parquet metadata, the `.meta.json` beside the file, or beside its folder. */
export function dataMeta(file: string): DataMeta {
  if (/\.parquet$/i.test(file)) {
    const kv = readParquetKeyValue(file, "mathagent");
    if (kv !== null && typeof kv === "object") return kv as DataMeta;
  }
  return readJsonFile(file.replace(DATA_FILE, ".meta.json")) ?? readJsonFile(`${path.dirname(file)}.meta.json`) ?? {};
}

/** Every row of one data file, in order. */
export async function* fileRows(file: string): AsyncGenerator<SourceRow> {
  if (/\.parquet$/i.test(file)) {
    const rows = await readParquetRows(file);
    for (const [i, row] of rows.entries()) yield { file, line: i + 1, row };
    return;
  }
  for await (const { line, value } of readJsonl(file)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new RowError(file, line, `expected a JSON object (one pair or example per line), found ${describeValue(value)}`);
    yield { file, line, row: value as Record<string, unknown> };
  }
}
