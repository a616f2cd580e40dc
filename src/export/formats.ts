/**
 * THE table of export formats: one entry per format says what a trainer trains from it, whether
 * that is the masked multi-turn objective, where it is written and how. Adding a format is one
 * entry here plus its test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import type { KtoExample, Pair } from "../pairing/types.js";
import { type ArrowRow, DATA_FILE, readDatasetRow, writeDatasetDict } from "./arrow.js";
import { describeSequence } from "./check.js";
import { type ExportFormat, exportColumns, exportKto, exportPairs, ktoRow, metaPath, pairRow, writeExport } from "./messages.js";
import { splitRows } from "./split.js";
import type { ExportTokenizer } from "./tokenizer.js";
import { DPO_COLUMNS, dpoRow, KTO_COLUMNS, ktoRows, singleFamily, tokenizeKto, tokenizePairs } from "./tokenized.js";
import { readTokenParquetRow, type TokenColumn, writeTokenParquet } from "./tokens-parquet.js";

export type ExportKind = "pairs" | "kto";
export type ExportData = { kind: "pairs"; pairs: readonly Pair[] } | { kind: "kto"; examples: readonly KtoExample[] };

export interface ExportContext {
  out: string;
  /** Provenance recorded with the data: source, seed, strategy, filters, counts. */
  meta: Record<string, unknown>;
  seed: number;
  tokenizer?: ExportTokenizer;
  maxLength?: number;
  /** Rows held out into a `validation` split (token formats). */
  valSize?: number;
  /** Decode row 0 of what was written and describe its counted segments. */
  check?: boolean;
}

export interface ExportResult {
  out: string;
  rows: number;
  /** Report lines for the user. */
  lines: string[];
}

export type Masked = "yes" | "Gemma-1/2 only" | "no";

export interface FormatEntry {
  /** Who reads it and what it trains (docs and --help). */
  trains: string;
  /** Whether a trainer reading it as documented trains the masked multi-turn objective. */
  masked: Masked;
  /** Needs --tokenizer and --max-length. */
  tokenized: boolean;
  /** One line printed when the format is chosen, or null. */
  notice: string | null;
  /** Default output: `stem` is the input's name with `.pairs.<strategy>` or `.kto`. */
  defaultOut(stem: string): string;
  /** Refuse an output path before any work (throws). */
  checkOut?(out: string): void;
  write(data: ExportData, ctx: ExportContext): Promise<ExportResult>;
}

export const MASK_RULE =
  "labels = token id where every character of the token lies in a model-written span (each span extended by the turn-closing text the model produces, e.g. <end_of_turn>), plus the final end token when the model ended the trajectory; -100 elsewhere (BOS, question, headers, observations, horizon note); unshifted";

const UNMASKED_NOTICE = "compute the loss on observation tokens too (plain multi-turn DPO/KTO, the paper's single-turn baseline); for M-DPO/M-KTO use --format llamafactory";

const count = (d: ExportData) => (d.kind === "pairs" ? d.pairs.length : d.examples.length);
const json = (x: unknown) => JSON.stringify(x, null, 2) + "\n";

/** `trl` / `openrlhf`: one JSONL or Parquet file, metadata beside it. */
function messageFile(format: ExportFormat) {
  return async (d: ExportData, ctx: ExportContext): Promise<ExportResult> => {
    if (d.kind === "pairs") exportPairs(ctx.out, d.pairs, format, { meta: ctx.meta });
    else exportKto(ctx.out, d.examples, format, { meta: ctx.meta });
    return { out: ctx.out, rows: count(d), lines: [`metadata: ${metaPath(ctx.out)}`] };
  };
}

/** The folder and data file of a `paper` output: `DIR` → `DIR/train.jsonl`; `DIR/x.jsonl|.parquet` as named. */
function paperTarget(out: string): { dir: string; file: string } {
  const named = /\.(jsonl|parquet)$/i.test(out);
  return named ? { dir: path.dirname(out), file: out } : { dir: out, file: path.join(out, "train.jsonl") };
}

/** The paper's trainer loads every data file of the folder: it must hold nothing else. */
function checkPaperOut(out: string): void {
  const { dir, file } = paperTarget(out);
  const others = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== path.basename(file)) : [];
  if (others.length > 0) {
    throw new MathagentError(`${dir}: holds ${others.slice(0, 3).join(", ")}${others.length > 3 ? ", …" : ""}; the paper's trainer loads every data file of its folder, so --out must be a folder of its own`);
  }
}

/** `paper`: a folder holding only `train.jsonl` (or the .jsonl/.parquet named), metadata beside the folder. */
async function writePaper(d: ExportData, ctx: ExportContext): Promise<ExportResult> {
  checkPaperOut(ctx.out);
  const { dir, file } = paperTarget(ctx.out);
  const rows = d.kind === "pairs" ? d.pairs.map((p) => pairRow(p, "paper")) : d.examples.map((e) => ktoRow(e, "paper"));
  const meta = { kind: d.kind, format: "paper", ...ctx.meta };
  writeExport(file, rows, exportColumns(d.kind, "paper"), { meta, sidecar: false });
  const metaFile = `${dir.replace(/[\\/]+$/, "")}.meta.json`;
  fs.writeFileSync(metaFile, json({ file: path.relative(path.dirname(metaFile), file), rows: rows.length, ...meta }));
  return { out: file, rows: rows.length, lines: [`metadata: ${metaFile} (outside the data folder)`] };
}

type SplitRows = Record<string, { item: Pair | KtoExample; row: ArrowRow }[]>;

/** Tokenize pairs or KTO examples and build the rows of each split (LLaMA-Factory columns). */
function tokenRows(d: ExportData, ctx: ExportContext, tok: ExportTokenizer, maxLength: number): { family: string; dropped: number; longest: number; rows: SplitRows; klShifted: number } {
  const valSize = ctx.valSize ?? 0;
  if (d.kind === "pairs") {
    const family = singleFamily(d.pairs.flatMap((p) => [p.chosen, p.rejected]));
    const t = tokenizePairs(d.pairs, tok.tok, maxLength);
    const splits = splitRows(t.kept, valSize, ctx.seed);
    const rows = Object.fromEntries(Object.entries(splits).map(([s, kept]) => [s, kept.map((k) => ({ item: k.item, row: dpoRow(k.seqs) }))]));
    return { family, dropped: t.dropped, longest: t.longest, rows, klShifted: 0 };
  }
  const family = singleFamily(d.examples.map((e) => e.trajectory));
  const t = tokenizeKto(d.examples, tok.tok, maxLength);
  const splits = splitRows(t.kept, valSize, ctx.seed);
  let klShifted = 0;
  const rows = Object.fromEntries(
    Object.entries(splits).map(([s, kept]) => {
      const k = ktoRows(kept, maxLength);
      klShifted += k.klShifted;
      return [s, k.rows.map((row, i) => ({ item: kept[i]!.item, row }))];
    }),
  );
  return { family, dropped: t.dropped, longest: t.longest, rows, klShifted };
}

function needTokens(ctx: ExportContext, format: string): { tok: ExportTokenizer; maxLength: number } {
  if (!ctx.tokenizer) throw new MathagentError(`--format ${format} needs --tokenizer FILE|DIR (the policy's tokenizer.json)`);
  if (!ctx.maxLength) throw new MathagentError(`--format ${format} needs --max-length N (longer sequences are dropped, never cut)`);
  return { tok: ctx.tokenizer, maxLength: ctx.maxLength };
}

/** The metadata of a token-level export and the report line of its counts. */
function tokenMeta(d: ExportData, ctx: ExportContext, format: string, r: ReturnType<typeof tokenRows>, tok: ExportTokenizer, maxLength: number) {
  const splitCounts = Object.fromEntries(Object.entries(r.rows).map(([s, rows]) => [s, rows.length]));
  const meta = {
    kind: d.kind,
    format,
    family: r.family,
    tokenizer: tok.facts,
    maskRule: MASK_RULE,
    maxLength,
    counts: { input: count(d), droppedOverMaxLength: r.dropped, longestKept: r.longest, splits: splitCounts, ...(d.kind === "kto" ? { klNotPrevious: r.klShifted } : {}) },
    ...ctx.meta,
  };
  const line = `tokens: ${Object.entries(splitCounts).map(([s, n]) => `${n} ${s}`).join(", ")} rows; ${r.dropped} dropped (longer than ${maxLength} tokens); longest kept ${r.longest}`;
  return { meta, line };
}

const prefixes = (kind: ExportKind) => (kind === "pairs" ? ["chosen_", "rejected_"] : ["", "kl_"]);

/** `llamafactory`: a `save_to_disk` DatasetDict for LLaMA-Factory's `tokenized_path`. */
async function writeLlamaFactory(d: ExportData, ctx: ExportContext): Promise<ExportResult> {
  const { tok, maxLength } = needTokens(ctx, "llamafactory");
  const r = tokenRows(d, ctx, tok, maxLength);
  const { meta, line } = tokenMeta(d, ctx, "llamafactory", r, tok, maxLength);
  const splits = Object.fromEntries(Object.entries(r.rows).map(([s, rows]) => [s, rows.map((x) => x.row)]));
  writeDatasetDict(ctx.out, splits, d.kind === "pairs" ? DPO_COLUMNS : KTO_COLUMNS, { "mathagent.meta.json": meta });
  const lines = [line, `metadata: ${path.join(ctx.out, "mathagent.meta.json")}; data: ${path.join(ctx.out, "train", DATA_FILE)}`];
  if (ctx.check && (splits.train?.length ?? 0) > 0) {
    const row = readDatasetRow(ctx.out, "train", 0);
    lines.push(`check: row 0 of ${path.join(ctx.out, "train")} decoded with ${tok.facts.file}`, ...prefixes(d.kind).flatMap((p) => describeSequence(row, p, tok.tok)));
  }
  return { out: ctx.out, rows: Object.values(splits).reduce((a, s) => a + s.length, 0), lines };
}

function tokenColumns(kind: ExportKind): TokenColumn[] {
  const seq = (p: string): TokenColumn[] => ["input_ids", "attention_mask", "labels"].map((n) => ({ name: p + n, kind: "int32-list" }));
  const head: TokenColumn[] = [{ name: "split", kind: "string" }, { name: "problem_id", kind: "string" }];
  if (kind === "pairs") return [...head, { name: "chosen_sample", kind: "int" }, { name: "rejected_sample", kind: "int" }, ...seq("chosen_"), ...seq("rejected_")];
  return [...head, { name: "sample", kind: "int" }, { name: "kto_tags", kind: "bool" }, ...seq("")];
}

/** `tokens`: the same token columns (no KL, no media) with the split and problem ids, as one Parquet file. */
async function writeTokens(d: ExportData, ctx: ExportContext): Promise<ExportResult> {
  const { tok, maxLength } = needTokens(ctx, "tokens");
  const r = tokenRows(d, ctx, tok, maxLength);
  const { meta, line } = tokenMeta(d, ctx, "tokens", r, tok, maxLength);
  const rows = Object.entries(r.rows).flatMap(([split, kept]) =>
    kept.map(({ item, row }) =>
      "chosen" in item
        ? { split, problem_id: item.problemId, chosen_sample: item.chosen.sample, rejected_sample: item.rejected.sample, ...row }
        : { split, problem_id: item.problemId, sample: item.trajectory.sample, ...row },
    ),
  );
  const columns = tokenColumns(d.kind);
  const picked = rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, (row as Record<string, unknown>)[c.name]]))) as never[];
  writeTokenParquet(ctx.out, picked, columns, meta);
  fs.writeFileSync(metaPath(ctx.out), json({ file: path.basename(ctx.out), rows: rows.length, ...meta }));
  const lines = [line, `metadata: ${metaPath(ctx.out)} (and Parquet key-value metadata "mathagent")`];
  if (ctx.check && rows.length > 0) {
    const row = await readTokenParquetRow(ctx.out, 0);
    lines.push(`check: row 0 of ${ctx.out} decoded with ${tok.facts.file}`, ...(d.kind === "pairs" ? ["chosen_", "rejected_"] : [""]).flatMap((p) => describeSequence(row, p, tok.tok)));
  }
  return { out: ctx.out, rows: rows.length, lines };
}

/** The table. */
export const FORMATS = {
  paper: {
    trains: "the paper's own trainer (run_dpo.py; run_kto.py reads the pairs folder too): whole conversations [{role, content, model_written}]",
    masked: "Gemma-1/2 only",
    tokenized: false,
    notice: "the paper's trainer masks user turns only for Gemma-1/2 tokenizers (hard-coded token ids); with any other model it trains every token after the prompt",
    defaultOut: (stem: string) => `${stem}.paper`,
    checkOut: checkPaperOut,
    write: writePaper,
  },
  trl: {
    trains: "TRL DPOTrainer / KTOTrainer: conversational {prompt, chosen, rejected} / {prompt, completion, label}",
    masked: "no",
    tokenized: false,
    notice: `TRL's DPOTrainer/KTOTrainer ${UNMASKED_NOTICE}`,
    defaultOut: (stem: string) => `${stem}.trl.jsonl`,
    write: messageFile("trl"),
  },
  openrlhf: {
    trains: "OpenRLHF train_dpo (--data.prompt_key prompt --data.chosen_key chosen --data.rejected_key rejected, >= 0.10.2) / train_kto (<= 0.9.5)",
    masked: "no",
    tokenized: false,
    notice: `OpenRLHF's train_dpo/train_kto ${UNMASKED_NOTICE}`,
    defaultOut: (stem: string) => `${stem}.openrlhf.jsonl`,
    write: messageFile("openrlhf"),
  },
  llamafactory: {
    trains: "LLaMA-Factory stage dpo / kto with tokenized_path: pre-tokenized with the policy's tokenizer, labels -100 off the model's tokens",
    masked: "yes",
    tokenized: true,
    notice: null,
    defaultOut: (stem: string) => `${stem}.lf`,
    write: writeLlamaFactory,
  },
  tokens: {
    trains: "any Parquet reader; TRL SFTTrainer (input_ids + labels) for an SFT/RAFT baseline on chosen trajectories",
    masked: "yes",
    tokenized: true,
    notice: null,
    defaultOut: (stem: string) => `${stem}.tokens.parquet`,
    write: writeTokens,
  },
} as const satisfies Record<string, FormatEntry>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

export function isFormatName(s: string): s is FormatName {
  return Object.prototype.hasOwnProperty.call(FORMATS, s);
}

/** The entry of a format, or an error listing the formats. */
export function formatEntry(name: string): FormatEntry {
  if (!isFormatName(name)) throw new MathagentError(`unknown --format "${name}": one of ${FORMAT_NAMES.join(", ")}`);
  return FORMATS[name];
}
