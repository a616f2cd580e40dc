/**
 * A Hugging Face `datasets` DatasetDict on disk, as `DatasetDict.save_to_disk` writes it and
 * `datasets.load_from_disk` (2.16 … 4.0) reads it:
 *
 *     DIR/dataset_dict.json            {"splits": ["train", …]}
 *     DIR/<split>/data-00000-of-00001.arrow   Arrow IPC *stream* format
 *     DIR/<split>/dataset_info.json    {}  (features are then inferred from the Arrow schema)
 *     DIR/<split>/state.json           {_data_files, _fingerprint, _format_columns, _format_kwargs,
 *                                       _format_type, _output_all_columns, _split}
 *
 * The Arrow stream is built with `@uwdata/flechette`: `list<int32>` (child field "item", as pyarrow
 * names it), `bool`, and `null` columns.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { bool, columnFromValues, field, int32, list, nullType, tableFromColumns, tableFromIPC, tableToIPC } from "@uwdata/flechette";
import { MathagentError } from "../errors.js";
import { ensureDirectory, fileErrorOf, removeStaleTemps, tempPathFor } from "../io/index.js";

export type ArrowKind = "int32-list" | "bool" | "null";
export interface ArrowColumn {
  name: string;
  kind: ArrowKind;
}
export type ArrowRow = Record<string, number[] | boolean | null>;

export const DATA_FILE = "data-00000-of-00001.arrow";

const TYPES = {
  "int32-list": () => list(field("item", int32(), true)),
  bool: () => bool(),
  null: () => nullType(),
} as const;

function checkValue(v: unknown, kind: ArrowKind): boolean {
  if (kind === "int32-list") return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= -2147483648 && x <= 2147483647);
  if (kind === "bool") return typeof v === "boolean";
  return v === null;
}

/** One Arrow IPC stream holding `rows` with `columns` (in order). */
export function arrowStream(rows: readonly ArrowRow[], columns: readonly ArrowColumn[]): Uint8Array {
  rows.forEach((r, i) =>
    columns.forEach((c) => {
      if (!checkValue(r[c.name], c.kind)) throw new Error(`row ${i}: column ${c.name} is not ${c.kind}`);
    }),
  );
  const cols = Object.fromEntries(columns.map((c) => [c.name, columnFromValues(rows.map((r) => r[c.name]), TYPES[c.kind]())]));
  const bytes = tableToIPC(tableFromColumns(cols), { format: "stream" });
  if (!bytes) throw new Error("flechette wrote no bytes");
  return bytes;
}

/** The `state.json` of one split (the fields `Dataset.load_from_disk` reads). */
export function stateJson(bytes: Uint8Array) {
  return {
    _data_files: [{ filename: DATA_FILE }],
    _fingerprint: createHash("sha256").update(bytes).digest("hex").slice(0, 16),
    _format_columns: null,
    _format_kwargs: {},
    _format_type: null,
    _output_all_columns: false,
    _split: null,
  };
}

const json = (x: unknown) => JSON.stringify(x, null, 2) + "\n";

/** A folder is ours to replace when it is absent, empty, or a DatasetDict written before. */
function replaceable(dir: string): boolean {
  if (!fs.existsSync(dir)) return true;
  if (!fs.statSync(dir).isDirectory()) return false;
  const entries = fs.readdirSync(dir);
  return entries.length === 0 || entries.includes("dataset_dict.json");
}

/** Builds the DatasetDict folder at `tmp` (which does not exist yet). */
function buildDatasetDict(tmp: string, splits: Record<string, readonly ArrowRow[]>, columns: readonly ArrowColumn[], extra: Record<string, unknown>): void {
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(tmp, "dataset_dict.json"), json({ splits: Object.keys(splits) }));
  for (const [split, rows] of Object.entries(splits)) {
    const bytes = arrowStream(rows, columns);
    fs.mkdirSync(path.join(tmp, split));
    fs.writeFileSync(path.join(tmp, split, DATA_FILE), bytes);
    fs.writeFileSync(path.join(tmp, split, "dataset_info.json"), json({}));
    fs.writeFileSync(path.join(tmp, split, "state.json"), json(stateJson(bytes)));
  }
  for (const [name, value] of Object.entries(extra)) fs.writeFileSync(path.join(tmp, name), json(value));
}

/**
 * Write a DatasetDict with one folder per split, plus extra top-level files (metadata; ignored by
 * `load_from_disk`), as one unit: built in a temporary folder beside `dir` (`DIR.tmp-PID-N`), then
 * swapped in by renames; temporaries of dead processes are removed first.
 */
export function writeDatasetDict(dir: string, splits: Record<string, readonly ArrowRow[]>, columns: readonly ArrowColumn[], extra: Record<string, unknown> = {}): void {
  const target = dir.replace(/[\\/]+$/, "");
  ensureDirectory(path.dirname(path.resolve(target)));
  removeStaleTemps(target);
  if (!replaceable(target)) throw new MathagentError(`${target}: exists and is not a dataset folder written by mathagent; choose another --out`);
  const tmp = tempPathFor(target);
  const old = fs.existsSync(target) ? tempPathFor(target) : null;
  try {
    buildDatasetDict(tmp, splits, columns, extra);
    if (old) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
  } catch (err) {
    if (old && !fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target);
    throw fileErrorOf(target, err);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (old) fs.rmSync(old, { recursive: true, force: true });
  }
}

/** Read one row of a split back (through flechette), as plain arrays. */
export function readDatasetRow(dir: string, split: string, index: number): ArrowRow {
  const file = path.join(dir, split, DATA_FILE);
  if (!fs.existsSync(file)) throw new MathagentError(`${file}: no such file`);
  const table = tableFromIPC(new Uint8Array(fs.readFileSync(file)));
  if (index >= table.numRows) throw new MathagentError(`${file}: row ${index} asked, ${table.numRows} rows`);
  const out: ArrowRow = {};
  for (const name of table.names) {
    const v = table.getChild(name)!.at(index) as boolean | null | ArrayLike<number>;
    out[name] = v === null || typeof v === "boolean" ? (v as boolean | null) : Array.from(v);
  }
  return out;
}
