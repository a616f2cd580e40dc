/** The writers of the token-level formats (`llamafactory`, `tokens`): pre-tokenized, labels −100 off the model's tokens. */
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import type { KtoExample, Pair } from "../pairing/types.js";
import { type ArrowRow, DATA_FILE, readDatasetRow, writeDatasetDict } from "./arrow.js";
import { describeSequence } from "./check.js";
import type { ExportContext, ExportData, ExportKind, ExportResult } from "./formats.js";
import { IGNORE_INDEX, MASK_RULE } from "./labels.js";
import { metaPath } from "./messages.js";
import { splitRows } from "./split.js";
import type { ExportTokenizer } from "./tokenizer.js";
import { DPO_COLUMNS, dpoRow, KTO_COLUMNS, ktoRows, singleFamily, tokenizeKto, tokenizePairs } from "./tokenized.js";
import { readTokenParquetRow, type TokenColumn, writeTokenParquet } from "./tokens-parquet.js";

const count = (d: ExportData) => (d.kind === "pairs" ? d.pairs.length : d.examples.length);
const json = (x: unknown) => JSON.stringify(x, null, 2) + "\n";

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
    ...ctx.meta,
    kind: d.kind,
    format,
    family: r.family,
    tokenizer: tok.facts,
    maskRule: MASK_RULE,
    maxLength,
    counts: { input: count(d), droppedOverMaxLength: r.dropped, longestKept: r.longest, splits: splitCounts, ...(d.kind === "kto" ? { klNotPrevious: r.klShifted } : {}) },
  };
  const line = `tokens: ${Object.entries(splitCounts).map(([s, n]) => `${n} ${s}`).join(", ")} rows; ${r.dropped} dropped (longer than ${maxLength} tokens); longest kept ${r.longest}`;
  return { meta, line };
}

const prefixes = (kind: ExportKind) => (kind === "pairs" ? ["chosen_", "rejected_"] : ["", "kl_"]);

/** `llamafactory`: a `save_to_disk` DatasetDict for LLaMA-Factory's `tokenized_path`. */
export async function writeLlamaFactory(d: ExportData, ctx: ExportContext): Promise<ExportResult> {
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
  const seq = (p: string): TokenColumn[] => ["input_ids", "attention_mask", "labels", "assistant_masks"].map((n) => ({ name: p + n, kind: "int32-list" }));
  const head: TokenColumn[] = [{ name: "split", kind: "string" }, { name: "problem_id", kind: "string" }];
  if (kind === "pairs") return [...head, { name: "chosen_sample", kind: "int" }, { name: "rejected_sample", kind: "int" }, ...seq("chosen_"), ...seq("rejected_")];
  return [...head, { name: "sample", kind: "int" }, { name: "kto_tags", kind: "bool" }, ...seq("")];
}

/**
 * `tokens`: the same token columns (no KL, no media) with the split and problem ids, plus
 * `assistant_masks` (1 where the label counts: the mask TRL's SFT collator applies), as one Parquet file.
 */
export async function writeTokens(d: ExportData, ctx: ExportContext): Promise<ExportResult> {
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
  const value = (row: Record<string, unknown>, name: string) =>
    name.endsWith("assistant_masks") ? (row[name.replace(/assistant_masks$/, "labels")] as number[]).map((l) => (l === IGNORE_INDEX ? 0 : 1)) : row[name];
  const picked = rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, value(row, c.name)]))) as never[];
  writeTokenParquet(ctx.out, picked, columns, meta);
  fs.writeFileSync(metaPath(ctx.out), json({ file: path.basename(ctx.out), rows: rows.length, ...meta }));
  const lines = [line, `metadata: ${metaPath(ctx.out)} (and Parquet key-value metadata "mathagent")`];
  if (ctx.check && rows.length > 0) {
    const row = await readTokenParquetRow(ctx.out, 0);
    lines.push(`check: row 0 of ${ctx.out} decoded with ${tok.facts.file}`, ...(d.kind === "pairs" ? ["chosen_", "rejected_"] : [""]).flatMap((p) => describeSequence(row, p, tok.tok)));
  }
  return { out: ctx.out, rows: rows.length, lines };
}

