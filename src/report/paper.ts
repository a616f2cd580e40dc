import * as fs from "node:fs";
import { projectPath } from "../paths.js";
import { checkPaperResults } from "./paper-check.js";

/** The paper's method families; "DPO"/"KTO" are the single-turn (unmasked) baselines. */
export type Algorithm = "SFT" | "RAFT" | "DPO" | "KTO" | "M-DPO" | "M-KTO";
export const ALGORITHMS: readonly Algorithm[] = ["SFT", "RAFT", "DPO", "KTO", "M-DPO", "M-KTO"];

/** The reference model of a preference run: the previous iteration's model (the paper's main runs) or the SFT model throughout. */
export type ReferenceChoice = "previous" | "sft";
export type Sampling = "mixture" | "on-policy";
export type PaperDataset = "gsm8k" | "math";

/** A printed ↑/↓: the change against the row of the same model and table whose method is `over`. */
export interface PrintedGain {
  over: string;
  gsm8k: number;
  math: number;
  avg?: number;
}

/** One row of a results table, cell for cell, with the settings the paper states for it (null where it states none). */
export interface PaperRow {
  /** Base model, as printed. */
  model: string;
  /** Method, as printed. */
  method: string;
  algorithm: Algorithm;
  /** Whether the model may call the interpreter. */
  tool: boolean;
  /** Observation tokens masked out of the loss (multi-turn); null for non-preference methods. */
  masked: boolean | null;
  /** 0 for the SFT start; 1–3 for the preference iterations. */
  iteration: number | null;
  reference: ReferenceChoice | null;
  /** KL coefficient η (β in code). */
  eta: number | null;
  /** Trajectories sampled per prompt. */
  n: number | null;
  sampling: Sampling | null;
  sftEpochs: number | null;
  sftSteps: number | null;
  /** An NLL term on the chosen trajectory was added to the loss. */
  nll: boolean | null;
  gsm8k: number;
  math: number;
  /** The printed AVG column (Table 1 only). */
  avg: number | null;
  gain: PrintedGain | null;
  /** † : the SFT model every other row of its block starts from. */
  start: boolean;
  /** The released Hugging Face checkpoint this row is taken to be. */
  checkpoint: string | null;
  /** Where the paper took a baseline row from. */
  citation: string | null;
}

export interface PaperColumn {
  label: string;
  key: keyof PaperRow;
}

/** A number the paper gives in the text around a table rather than in its cells. */
export interface TextFigure {
  what: string;
  setting: string;
  value: number;
  unit: "%" | "log-prob";
}

export interface PaperTable {
  id: "table1" | "table2" | "table3" | "table4" | "table5";
  table: string;
  caption: string;
  setting: string;
  /** The printed columns, in order. */
  columns: PaperColumn[];
  rows: PaperRow[];
  textFigures: TextFigure[];
}

/** ToRA's own figures, which the paper does not put in its tables. */
export interface ToraRow {
  model: string;
  decoding: string;
  gsm8k: number;
  math: number;
}

export interface ProtocolEntry {
  setting: string;
  value: string;
  source: string;
}

export interface PaperResults {
  source: string;
  notes: string[];
  tables: PaperTable[];
  tora: { source: string; caption: string; columns: { label: string; key: keyof ToraRow }[]; rows: ToraRow[] };
  protocol: ProtocolEntry[];
}

export const PAPER_RESULTS_FILE = projectPath("data", "paper-results.json");

/** The paper's reported numbers, kept as data in data/paper-results.json; throws naming the file and the bad field. */
export function paperResults(file: string = PAPER_RESULTS_FILE): PaperResults {
  const text = fs.readFileSync(file, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? `${file}:${text.slice(0, Number(at[1])).split("\n").length}` : file;
    throw new Error(`${where}: ${message}`);
  }
  return checkPaperResults(raw, file);
}

/** One table by id; throws when the file has no such table. */
export function paperTable(results: PaperResults, id: PaperTable["id"]): PaperTable {
  const t = results.tables.find((x) => x.id === id);
  if (!t) throw new Error(`paper results have no table ${id} (have ${results.tables.map((x) => x.id).join(", ")})`);
  return t;
}

/** Every row of every table, with the table it comes from. */
export function allPaperRows(results: PaperResults): (PaperRow & { table: string })[] {
  return results.tables.flatMap((t) => t.rows.map((r) => ({ ...r, table: t.table })));
}

function printedCell(row: PaperRow, key: keyof PaperRow): string | number {
  const v = row[key];
  if (key === "tool") return v ? "✓" : "✗";
  if ((key === "gsm8k" || key === "math" || key === "avg") && typeof v === "number") {
    const g = row.gain?.[key];
    return g === undefined ? v.toFixed(1) : `${v.toFixed(1)} ${g < 0 ? "↓" : "↑"}${Math.abs(g).toFixed(1)}`;
  }
  if (v === null) return "";
  return typeof v === "string" || typeof v === "number" ? v : JSON.stringify(v);
}

/** A table as printed: one object per row keyed by the printed column labels, gains as "83.9 ↑6.4". */
export function printedRows(table: PaperTable): Record<string, string | number>[] {
  return table.rows.map((r) => Object.fromEntries(table.columns.map((c) => [c.label, printedCell(r, c.key)])));
}
