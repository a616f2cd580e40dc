/**
 * The message-level formats: whole conversations as `[{role, content, model_written}]`, written as
 * JSON Lines or Parquet (Hugging Face `datasets` loads both; messages become a list of structs).
 * `model_written` records which messages the policy wrote; no stock trainer reads it (see
 * docs/export.md: TRL and OpenRLHF train every token after the prompt from these files).
 *
 * Preference formats:
 *  - `paper`:    {chosen: [msg…], rejected: [msg…], gt, …} whole conversations (the paper's data);
 *  - `trl`:      {prompt: [user msg], chosen: [msg…], rejected: [msg…], …} (TRL conversational preference);
 *  - `openrlhf`: {prompt: [user msg], chosen: [msg…], rejected: [msg…], …} read with
 *                `--data.prompt_key prompt --data.chosen_key chosen --data.rejected_key rejected --data.apply_chat_template`.
 * KTO formats:
 *  - `paper`:    {messages: [msg…], label, gt, …};
 *  - `trl`:      {prompt: [user msg], completion: [msg…], label, …} (TRL conversational unpaired preference);
 *  - `openrlhf`: {input: [user msg], output: [msg…], label, …} (OpenRLHF ≤ 0.9.5 `train_kto`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { MathagentError } from "../errors.js";
import { writeExportFile } from "./atomic.js";
import { fileTypeOf, type FileType, parquetSchemaOf } from "../io/index.js";

export { fileTypeOf, type FileType };
import { trajectoryMessages } from "../trajectory/index.js";
import type { ExportMessage, KtoExample, Pair } from "../pairing/types.js";

export type ExportFormat = "paper" | "trl" | "openrlhf";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["paper", "trl", "openrlhf"];

/** Kind of an exported column (Parquet type: list<struct<role, content, model_written>>, UTF8, INT32, BOOLEAN). */
export type ColumnKind = "messages" | "string" | "int" | "bool";
export interface ExportColumn {
  name: string;
  kind: ColumnKind;
}

export type ExportRow = Record<string, ExportMessage[] | string | number | boolean>;

const META_PAIR: ExportColumn[] = [
  { name: "gt", kind: "string" },
  { name: "problem_id", kind: "string" },
  { name: "chosen_sample", kind: "int" },
  { name: "rejected_sample", kind: "int" },
];
const META_KTO: ExportColumn[] = [
  { name: "gt", kind: "string" },
  { name: "problem_id", kind: "string" },
  { name: "sample", kind: "int" },
];
const msgs = (...names: string[]): ExportColumn[] => names.map((name) => ({ name, kind: "messages" }));

/** The columns of each format, in order. */
export function exportColumns(kind: "pairs" | "kto", format: ExportFormat): ExportColumn[] {
  if (!EXPORT_FORMATS.includes(format)) throw new MathagentError(`unknown export format "${format}": use one of ${EXPORT_FORMATS.join(", ")}`);
  if (kind === "pairs") return format === "paper" ? [...msgs("chosen", "rejected"), ...META_PAIR] : [...msgs("prompt", "chosen", "rejected"), ...META_PAIR];
  const label: ExportColumn = { name: "label", kind: "bool" };
  if (format === "paper") return [...msgs("messages"), label, ...META_KTO];
  if (format === "trl") return [...msgs("prompt", "completion"), label, ...META_KTO];
  return [...msgs("input", "output"), label, ...META_KTO];
}

/** The export row of a pair. */
export function pairRow(p: Pair, format: ExportFormat): ExportRow {
  const chosen = trajectoryMessages(p.chosen);
  const rejected = trajectoryMessages(p.rejected);
  const meta = { gt: p.chosen.gt, problem_id: p.problemId, chosen_sample: p.chosen.sample, rejected_sample: p.rejected.sample };
  if (format === "paper") return { chosen, rejected, ...meta };
  if (chosen[0]?.content !== rejected[0]?.content) {
    throw new MathagentError(`pair of problem ${p.problemId}: chosen and rejected start from different prompts (samples ${p.chosen.sample}, ${p.rejected.sample})`);
  }
  return { prompt: chosen.slice(0, 1), chosen: chosen.slice(1), rejected: rejected.slice(1), ...meta };
}

/** The export row of a KTO example. */
export function ktoRow(e: KtoExample, format: ExportFormat): ExportRow {
  const m = trajectoryMessages(e.trajectory);
  const meta = { gt: e.trajectory.gt, problem_id: e.problemId, sample: e.trajectory.sample };
  if (format === "paper") return { messages: m, label: e.label, ...meta };
  if (format === "trl") return { prompt: m.slice(0, 1), completion: m.slice(1), label: e.label, ...meta };
  return { input: m.slice(0, 1), output: m.slice(1), label: e.label, ...meta };
}

function checkRow(row: ExportRow, columns: readonly ExportColumn[], i: number): void {
  for (const c of columns) {
    const v = row[c.name];
    const ok =
      c.kind === "messages"
        ? Array.isArray(v) && v.every((m) => typeof m.role === "string" && typeof m.content === "string" && typeof m.model_written === "boolean")
        : c.kind === "string"
          ? typeof v === "string"
          : c.kind === "int"
            ? Number.isInteger(v)
            : typeof v === "boolean";
    if (!ok) throw new Error(`row ${i}: column ${c.name} is not ${c.kind}`);
  }
}

export interface WriteOptions {
  /** Recorded with the data: a `.meta.json` file beside it, and Parquet key-value metadata. */
  meta?: Record<string, unknown>;
  /** Write the `.meta.json` file beside the data (default true). */
  sidecar?: boolean;
  /** Where the metadata file goes (default `metaPath(file)`). */
  metaFile?: string;
  /** Let a result with no rows replace an export that has rows. */
  force?: boolean;
}

/** The sidecar file holding a dataset's metadata (seed, strategy, filters, source). */
export function metaPath(file: string): string {
  return file.replace(/\.(jsonl|parquet)$/i, "") + ".meta.json";
}

function encodeRows(file: string, rows: readonly ExportRow[], columns: readonly ExportColumn[], meta?: Record<string, unknown>): string | Uint8Array {
  if (fileTypeOf(file) === "jsonl") return rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, r[c.name]]))) + "\n").join("");
  const buf = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: rows.map((r) => r[c.name]) as never })),
    // messages: the standard 3-level LIST of a struct {role, content, model_written}
    schema: parquetSchemaOf(columns) as never,
    kvMetadata: meta ? [{ key: "mathagent", value: JSON.stringify(meta) }] : [],
    createdBy: "mathagent",
  });
  return new Uint8Array(buf);
}

/**
 * Write rows as JSONL or Parquet (by the file's extension) with their metadata beside, as one unit
 * through the output layer (src/export/atomic.ts): never the metadata of one run beside the data of another.
 */
export function writeExport(file: string, rows: readonly ExportRow[], columns: readonly ExportColumn[], opts: WriteOptions = {}): void {
  rows.forEach((r, i) => checkRow(r, columns, i));
  const data = encodeRows(file, rows, columns, opts.meta);
  const metaFile = opts.metaFile ?? (opts.sidecar !== false ? metaPath(file) : undefined);
  const record = opts.meta && metaFile ? { file: path.relative(path.dirname(metaFile), file), rows: rows.length, ...opts.meta } : undefined;
  writeExportFile(file, data, { rows: rows.length, force: opts.force ?? false, ...(record && metaFile ? { meta: { file: metaFile, record } } : {}) });
}

/** A file's bytes as an ArrayBuffer (what hyparquet reads). */
function fileArrayBuffer(file: string): ArrayBuffer {
  const b = fs.readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Read an exported file back (JSONL, or Parquet through hyparquet). */
export async function readExport(file: string): Promise<Record<string, unknown>[]> {
  if (!fs.existsSync(file)) throw new MathagentError(`${file}: no such file`);
  if (fileTypeOf(file) === "jsonl") {
    const out: Record<string, unknown>[] = [];
    fs.readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (line.trim() === "") return;
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch (e) {
          throw new MathagentError(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
        }
      });
    return out;
  }
  return (await parquetReadObjects({ file: fileArrayBuffer(file) })) as Record<string, unknown>[];
}

/** The key-value metadata mathagent recorded in a Parquet file (null when none). */
export async function readParquetMeta(file: string): Promise<Record<string, unknown> | null> {
  const md = parquetMetadata(fileArrayBuffer(file));
  const kv = md.key_value_metadata?.find((x) => x.key === "mathagent");
  return kv?.value ? (JSON.parse(kv.value) as Record<string, unknown>) : null;
}

/** Write pairs in `format` to `file` (.jsonl or .parquet). */
export function exportPairs(file: string, pairs: readonly Pair[], format: ExportFormat, opts: WriteOptions = {}): void {
  writeExport(file, pairs.map((p) => pairRow(p, format)), exportColumns("pairs", format), { ...opts, meta: { kind: "pairs", format, ...opts.meta } });
}

/** Write KTO examples in `format` to `file` (.jsonl or .parquet). */
export function exportKto(file: string, examples: readonly KtoExample[], format: ExportFormat, opts: WriteOptions = {}): void {
  writeExport(file, examples.map((e) => ktoRow(e, format)), exportColumns("kto", format), { ...opts, meta: { kind: "kto", format, ...opts.meta } });
}
