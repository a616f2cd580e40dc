/**
 * What the `pairs` and `kto` commands share about export: the checks of the option values (declared
 * in src/cli/pairing-options.ts) and the run that writes through the format table and reports.
 */
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { checkNotInPlace } from "../io/index.js";
import { type ExportData, type ExportKind, type ExportResult, type FormatEntry, FORMAT_NAMES, FORMATS, type FormatName, isFormatName } from "./formats.js";
import { loadExportTokenizer } from "./tokenizer.js";

export interface ExportValues {
  format?: string;
  out?: string;
  tokenizer?: string;
  "max-length"?: string;
  "val-size"?: string;
  check?: boolean;
  /** Let a run with no rows replace an export that has rows (the `--force` of FORCE_OPTION). */
  force?: boolean;
}

export interface ExportRequest {
  format: FormatName;
  entry: FormatEntry;
  out: string;
  tokenizer?: string;
  maxLength?: number;
  valSize: number;
  check: boolean;
  force: boolean;
}

type ErrorOf = (message: string) => Error;

function positiveInt(v: string | undefined, name: string, min: number, err: ErrorOf): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isInteger(x) || x < min) throw err(`--${name} ${JSON.stringify(v)} must be an integer ≥ ${min}`);
  return x;
}

/**
 * Check the export options before any work: the format, the options it needs and those it does
 * not take, the output path (never the input). `usageError` makes the caller's error for a misuse.
 */
export function resolveExportRequest(kind: ExportKind, values: ExportValues, input: string, stem: string, usageError: ErrorOf): ExportRequest {
  const format = values.format ?? "paper";
  if (!isFormatName(format)) throw usageError(`unknown --format "${format}": one of ${FORMAT_NAMES.join(", ")}`);
  const entry: FormatEntry = FORMATS[format];
  const maxLength = positiveInt(values["max-length"], "max-length", 1, usageError);
  const valSize = positiveInt(values["val-size"], "val-size", 0, usageError) ?? 0;
  const tokenOnly = (["tokenizer", "max-length", "val-size", "check"] as const).filter((k) => values[k] !== undefined);
  if (!entry.tokenized && tokenOnly.length > 0) throw usageError(`--${tokenOnly[0]} applies to --format llamafactory or tokens, not ${format}`);
  if (entry.tokenized && !values.tokenizer) throw usageError(`--format ${format} needs --tokenizer FILE|DIR (the policy's tokenizer.json)`);
  if (entry.tokenized && maxLength === undefined) throw usageError(`--format ${format} needs --max-length N: LLaMA-Factory does not cut pre-tokenized data, so longer ${kind === "pairs" ? "pairs" : "examples"} are dropped here`);
  const out = values.out ?? entry.defaultOut(stem);
  checkNotInPlace(input, out);
  entry.checkOut?.(out);
  return {
    format,
    entry,
    out,
    ...(values.tokenizer ? { tokenizer: values.tokenizer } : {}),
    ...(maxLength !== undefined ? { maxLength } : {}),
    valSize,
    check: values.check ?? false,
    force: values.force ?? false,
  };
}

/** Write through the format's entry; report lines on `stdout`, the format's notice on `stderr`. */
export async function runExport(
  req: ExportRequest,
  data: ExportData,
  meta: Record<string, unknown>,
  seed: number,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<ExportResult> {
  if (req.entry.notice) io.stderr.write(`note: --format ${req.format}: ${req.entry.notice}\n`);
  const tokenizer = req.tokenizer ? loadExportTokenizer(req.tokenizer) : undefined;
  if (req.entry.tokenized && !tokenizer) throw new MathagentError(`--format ${req.format} needs --tokenizer`);
  const result = await req.entry.write(data, {
    out: req.out,
    meta,
    seed,
    valSize: req.valSize,
    check: req.check,
    force: req.force,
    ...(tokenizer ? { tokenizer } : {}),
    ...(req.maxLength !== undefined ? { maxLength: req.maxLength } : {}),
  });
  for (const line of result.lines) io.stdout.write(line + "\n");
  io.stdout.write(`wrote ${path.normalize(result.out)} (${req.format}, ${result.rows} rows)\n`);
  return result;
}
