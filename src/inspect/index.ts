/**
 * Ad-hoc analysis of any preference dataset: `openPreferenceData(path)` reads a mathagent rollout or
 * annotated file, one of our exports, the paper's released pairs or a generic {prompt, chosen,
 * rejected} file (JSONL or Parquet, a file or a folder of shards) into an Arquero table with one row
 * per pair or example, says which layout it detected, and derives the standard columns.
 */
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { dataDir } from "../data/datadir.js";
import { FileError, RowError } from "../io/errors.js";
import type { PairView, TrajectoryView } from "../display/trajectory.js";
import { detectLayout, type Entry, LAYOUTS, type LayoutEntry } from "./formats.js";
import type { InspectMessage } from "./messages.js";
import { TestQuestions } from "./overlap.js";
import { dataFiles, dataMeta, fileRows } from "./read.js";
import { entryRow, type TableRow } from "./table.js";
import { withTokenCounts } from "./tokens.js";
import { addRewards, carriesLogProbs, readLossFile, rewardColumns } from "./rewards.js";
import { loadTokenizer } from "../losses/tokenizer.js";
import { type Check, trainingChecks } from "./checks.js";

export { LAYOUTS, detectLayout, type Entry, type LayoutEntry } from "./formats.js";
export { splitTranscript, toMessages, type InspectMessage } from "./messages.js";
export { errorKind, sideStats, type SideStats } from "./stats.js";
export { TestQuestions, normalizeQuestion, type Overlap } from "./overlap.js";
export { trainingChecks, type Check } from "./checks.js";
export { textTokenCounts } from "./tokens.js";
export { rewardColumns } from "./rewards.js";
export type { ExampleRow, PairRow, PreferenceRow, RowHead, SideColumns, SideRow } from "./table.js";

export interface OpenOptions {
  /** Check prompts against the GSM8K / MATH test questions of this data directory (default: MATHAGENT_DATA_DIR); false skips it. */
  dataDir?: string | false;
  /** Read at most this many rows. */
  limit?: number;
  /** A tokenizer.json (file or folder; or the tiny policy's char tokenizer JSON): text layouts get `tokens` and `model_tokens`. */
  tokenizer?: string;
  /** A loss file of per-token log-probs, one row per dataset row in order: adds implicit rewards and margins (rows carrying log-probs get them anyway). */
  logProbs?: string;
  /** β of the implicit rewards. Default 0.1. */
  beta?: number;
}

export interface PreferenceData {
  /** The detected layout's id (`trl`, `released-pairs`, `mathagent-annotated`, …) and description. */
  format: string;
  layout: string;
  kind: "pairs" | "examples";
  files: string[];
  /** One row per pair or example (columns in docs/inspect.md). */
  table: ColumnTable;
  /** Things the reader should know (test sets not found, …). */
  notes: string[];
}

/** The layout of the first row of a dataset, or a FileError naming the file, the row and the layouts known. */
function layoutOf(file: string, line: number, row: Record<string, unknown>): LayoutEntry {
  const layout = detectLayout(row, dataMeta(file));
  if (layout) return layout;
  const keys = Object.keys(row).slice(0, 8).join(", ");
  throw new RowError(file, line, `a row with fields {${keys}} is no known preference layout; expected one of:\n${LAYOUTS.map((l) => `  - ${l.id}: ${l.layout}`).join("\n")}`);
}

/** The reward columns of a dataset row that carries log-probs; a bad row is named by file and line. */
function rowRewards(file: string, line: number, row: Record<string, unknown>, beta?: number): TableRow {
  try {
    return rewardColumns(row, beta);
  } catch (e) {
    throw new RowError(file, line, (e as Error).message);
  }
}

/** Reads a preference dataset into a table (see the module comment). */
export async function openPreferenceData(path: string, options: OpenOptions = {}): Promise<PreferenceData> {
  const files = dataFiles(path);
  const dir = options.dataDir === undefined ? dataDir() : options.dataDir;
  const tests = dir === false ? null : await TestQuestions.load(dir);
  const rows: TableRow[] = [];
  const seen = new Map<string, number>();
  const tokenizer = options.tokenizer !== undefined ? loadTokenizer(options.tokenizer) : null;
  let layout: LayoutEntry | null = null;
  outer: for (const file of files) {
    for await (const { line, row } of fileRows(file)) {
      if (options.limit !== undefined && rows.length >= options.limit) break outer;
      layout ??= layoutOf(file, line, row);
      const entry = layout.read(row);
      if (typeof entry === "string") throw new RowError(file, line, `${entry} (expected ${layout.layout}, the layout detected from the first row)`);
      const counted = tokenizer ? withTokenCounts(entry as Entry, tokenizer) : (entry as Entry);
      const tableRow = entryRow(counted, rows.length, `${file}:${line}`, tests, seen);
      if (carriesLogProbs(row)) Object.assign(tableRow, rowRewards(file, line, row, options.beta));
      rows.push(tableRow);
    }
  }
  if (!layout) throw new FileError(path, "holds no rows");
  if (options.logProbs !== undefined) addRewards(rows, await readLossFile(options.logProbs), options.logProbs, options.beta);
  const notes = tests && tests.missing.length ? [`test questions not found (overlap not checked against them): ${tests.missing.join(", ")}`] : [];
  return { format: layout.id, layout: layout.layout, kind: layout.kind, files, table: aq.from(rows), notes };
}

const SIDE_FIELDS = ["turns", "tool_calls", "model_chars", "obs_chars", "obs_errors", "error_kind", "ended_in_error", "answer", "tokens", "model_tokens"] as const;

/**
 * One row per side, for charts of chosen against rejected: `side` is chosen / rejected for pairs,
 * desirable / undesirable / unlabelled for examples.
 */
export function sides(data: PreferenceData): ColumnTable {
  const out: TableRow[] = [];
  for (const r of data.table.objects() as TableRow[]) {
    if (data.kind === "examples") {
      const side = r["label"] === true ? "desirable" : r["label"] === false ? "undesirable" : "unlabelled";
      out.push({ row: r["row"], side, ...Object.fromEntries(SIDE_FIELDS.map((f) => [f, r[f]])) });
      continue;
    }
    for (const side of ["chosen", "rejected"]) out.push({ row: r["row"], side, ...Object.fromEntries(SIDE_FIELDS.map((f) => [f, r[`${side}_${f}`]])) });
  }
  return aq.from(out);
}

/** A side's messages as the transcript viewer's trajectory. */
function viewOf(r: TableRow, messages: readonly InspectMessage[], prefix: string, label: boolean | null): TrajectoryView {
  const steps: { text: string; observationText: string | null }[] = [];
  for (const m of messages) {
    if (m.role === "assistant") steps.push({ text: m.content, observationText: null });
    else if (m.role === "user") {
      const last = steps[steps.length - 1];
      if (last && last.observationText === null) last.observationText = m.content;
      else steps.push({ text: "", observationText: m.content });
    }
  }
  const question = String(r["question"] ?? "");
  return {
    problemId: String(r["problem_id"] ?? `row ${String(r["row"])}`),
    sample: Number(r["row"]),
    question,
    gold: String(r["gold"] ?? "—"),
    finish: r[`${prefix}ended_in_error`] ? "error" : "stop",
    toolCalls: Number(r[`${prefix}tool_calls`] ?? 0),
    horizonNote: false,
    transcript: [question, ...messages.map((m) => m.content)].join("\n"),
    steps,
    pred: (r[`${prefix}answer`] as string | null) ?? null,
    ...(label === null ? {} : { correct: label }),
  } as TrajectoryView;
}

/** Row `i` of a pairs table for `showPair`. */
export function pairView(data: PreferenceData, i: number): PairView {
  const r = data.table.object(i) as TableRow;
  if (data.kind !== "pairs") throw new Error(`pairView: ${data.format} holds examples, not pairs; use exampleView`);
  return { problemId: String(r["problem_id"] ?? `row ${i}`), chosen: viewOf(r, r["chosen"] as InspectMessage[], "chosen_", true), rejected: viewOf(r, r["rejected"] as InspectMessage[], "rejected_", false) };
}

/** Row `i` of an examples table for `showTrajectory`. */
export function exampleView(data: PreferenceData, i: number): TrajectoryView {
  const r = data.table.object(i) as TableRow;
  if (data.kind !== "examples") throw new Error(`exampleView: ${data.format} holds pairs, not examples; use pairView`);
  return viewOf(r, r["messages"] as InspectMessage[], "", (r["label"] as boolean | null) ?? null);
}

/** Headline figures of a dataset. */
export function summarize(data: PreferenceData): Record<string, string | number> {
  const s = sides(data).groupby("side").rollup({ n: aq.op.count(), model_chars: aq.op.mean("model_chars"), tool_calls: aq.op.mean("tool_calls"), obs_errors: aq.op.mean("obs_errors"), model_tokens: aq.op.mean("model_tokens") });
  const out: Record<string, string | number> = { format: data.format, files: data.files.length, [data.kind]: data.table.numRows() };
  for (const r of s.objects() as TableRow[]) {
    const side = String(r["side"]);
    out[`${side}: mean model-written chars`] = Math.round(Number(r["model_chars"]));
    out[`${side}: mean tool calls`] = Number(Number(r["tool_calls"]).toFixed(2));
    out[`${side}: mean interpreter errors`] = Number(Number(r["obs_errors"]).toFixed(2));
    if (r["model_tokens"] !== null && r["model_tokens"] !== undefined) out[`${side}: mean model tokens`] = Math.round(Number(r["model_tokens"]));
  }
  return { ...out, ...rewardSummary(data) };
}

/** Mean implicit reward margin and the share of pairs whose chosen side has the higher reward, when rewards were read. */
function rewardSummary(data: PreferenceData): Record<string, number> {
  if (!data.table.columnNames().includes("reward_margin")) return {};
  const margins = data.table.array("reward_margin") as number[];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    "mean implicit reward margin": Number(mean(margins).toFixed(4)),
    "chosen reward higher (share of pairs)": Number(mean(margins.map((m) => (m > 0 ? 1 : 0))).toFixed(3)),
  };
}

/** What to check before training on `data`. */
export function checksOf(data: PreferenceData): Check[] {
  return trainingChecks(data.table, data.kind);
}
