/**
 * The paper's Tables 1, 2 and 5 in miniature: one entry per method that applies to the tiny policy (the
 * settings that make it that method), the paper's Gemma-1.1-it-7B numbers for the same row, one seed's
 * runs of all methods from one SFT model (`runMethods`, sharing the SFT evaluation and iteration 1's
 * collection), and the mean ± sd over seeds (`summariseMethods`).
 */
import type { Problem } from "../data/index.js";
import type { TinyModel } from "../tiny/model.js";
import { PAPER_RESULTS_FILE, type PaperResults, paperResults, paperTable } from "../report/paper.js";
import { tableNames } from "../table.js";
import { IterateCache, iterate, type InterpreterLike, type IterateSettings, type IterationMetrics } from "./iterate.js";

export interface MethodSpec {
  /** The paper's row name. */
  label: string;
  /** The paper's table (1: main results, 2: the η / reference ablation, 5: the NLL ablation). */
  table: 1 | 2 | 5;
  /** The settings that make this method (over the shared ones). */
  settings: Partial<IterateSettings>;
}

/** The methods of the paper's Tables 1, 2 and 5 that apply (iterative, 3 iterations each; SFT is every run's iteration 0). */
export const METHODS = {
  raft: { label: "RAFT", table: 1, settings: { loss: "raft", mask: true, evaluate: "last" } },
  "st-dpo": { label: "Iterative single-turn DPO", table: 1, settings: { loss: "mdpo", mask: false, evaluate: "last" } },
  "st-kto": { label: "Iterative single-turn KTO", table: 1, settings: { loss: "mkto", mask: false, evaluate: "last" } },
  "mdpo-fixed": { label: "Iterative M-DPO + fixed reference", table: 1, settings: { loss: "mdpo", mask: true, reference: "sft", evaluate: "last" } },
  mdpo: { label: "M-DPO", table: 1, settings: { loss: "mdpo", mask: true, reference: "previous", evaluate: "every" } },
  mkto: { label: "Iterative M-KTO", table: 1, settings: { loss: "mkto", mask: true, evaluate: "last" } },
  "eta-0.01": { label: "Iterative M-DPO + η = 0.01", table: 2, settings: { loss: "mdpo", mask: true, beta: 0.01, evaluate: "last" } },
  "eta-0.5": { label: "Iterative M-DPO + η = 0.5", table: 2, settings: { loss: "mdpo", mask: true, beta: 0.5, evaluate: "last" } },
  // Coefficient 1: the paper gives none; the authors' dev README adds `1.0 * policy_nll_loss`.
  "mdpo-nll": { label: "Iterative M-DPO with NLL loss", table: 5, settings: { loss: "mdpo", mask: true, nllCoef: 1, evaluate: "last" } },
} as const satisfies Record<string, MethodSpec>;
export type MethodName = keyof typeof METHODS;
export const METHOD_NAMES = tableNames(METHODS);

/** A row of the paper's tables: Gemma-1.1-it-7B greedy accuracy (GSM8K, MATH). */
export interface PaperRow {
  row: string;
  gsm8k: number;
  math: number;
}

type TableRowSpec = { row: string; method: MethodName | "sft"; iteration: number; paper: ["table1" | "table2" | "table5", string] };

/** The table rows in the paper's order: where each of our numbers comes from (method, iteration) and its row in data/paper-results.json. */
const TABLE_ROW_SPECS: readonly TableRowSpec[] = [
  { row: "SFT", method: "sft", iteration: 0, paper: ["table1", "SFT†"] },
  { row: "RAFT", method: "raft", iteration: 3, paper: ["table1", "RAFT"] },
  { row: "Iterative single-turn DPO", method: "st-dpo", iteration: 3, paper: ["table1", "Iterative Single-turn DPO"] },
  { row: "Iterative single-turn KTO", method: "st-kto", iteration: 3, paper: ["table1", "Iterative Single-turn KTO"] },
  { row: "Iterative M-DPO + fixed reference", method: "mdpo-fixed", iteration: 3, paper: ["table1", "Iterative M-DPO + fixed reference"] },
  { row: "M-DPO iteration 1", method: "mdpo", iteration: 1, paper: ["table1", "M-DPO Iteration 1"] },
  { row: "M-DPO iteration 2", method: "mdpo", iteration: 2, paper: ["table1", "M-DPO Iteration 2"] },
  { row: "M-DPO iteration 3", method: "mdpo", iteration: 3, paper: ["table1", "M-DPO Iteration 3"] },
  { row: "Iterative M-KTO", method: "mkto", iteration: 3, paper: ["table1", "Iterative M-KTO"] },
  { row: "Iterative M-DPO + η = 0.01 (Table 2)", method: "eta-0.01", iteration: 3, paper: ["table2", "Iterative M-DPO + η = 0.01"] },
  { row: "Iterative M-DPO + η = 0.5 (Table 2)", method: "eta-0.5", iteration: 3, paper: ["table2", "Iterative M-DPO + η = 0.5"] },
  { row: "Iterative M-DPO + NLL loss (Table 5)", method: "mdpo-nll", iteration: 3, paper: ["table5", "Iterative M-DPO with NLL loss"] },
];

/** The table rows with the paper's numbers, read from data/paper-results.json (the one copy of the paper's tables). */
export function tableRows(results: PaperResults = paperResults()): (PaperRow & { method: MethodName | "sft"; iteration: number })[] {
  return TABLE_ROW_SPECS.map(({ paper: [table, method], ...r }) => {
    const p = paperTable(results, table).rows.find((x) => x.model === "Gemma-1.1-it-7B" && x.method === method);
    if (!p || p.gsm8k === null || p.math === null) throw new Error(`${PAPER_RESULTS_FILE}: ${table} has no Gemma-1.1-it-7B row "${method}" with GSM8K and MATH`);
    return { ...r, gsm8k: p.gsm8k, math: p.math };
  });
}

export interface MethodRunOptions {
  policy: TinyModel;
  previousPolicy?: TinyModel;
  problems: readonly Problem[];
  testProblems: readonly Problem[];
  /** Held-out problems for `select: "best"`. */
  validationProblems?: readonly Problem[];
  methods: readonly MethodName[];
  /** Settings shared by every method (seed included); each method's own settings go over them. */
  settings: Partial<IterateSettings>;
  interpreter?: InterpreterLike;
  progress?: boolean;
  onLog?: (line: string) => void;
  /** Called after each method with the runs so far (e.g. to save partial results). */
  onMethod?: (runs: Record<string, IterationMetrics[]>) => void;
}

/** One seed: every method from the same SFT model; per method, its iteration rows (row 0 = SFT). */
export async function runMethods(o: MethodRunOptions): Promise<Record<string, IterationMetrics[]>> {
  const cache = new IterateCache();
  const out: Record<string, IterationMetrics[]> = {};
  for (const m of o.methods) {
    const spec: MethodSpec = METHODS[m];
    if (!spec) throw new Error(`unknown method "${m}": use ${METHOD_NAMES.join(", ")}`);
    const res = await iterate({
      ...o.settings,
      ...spec.settings,
      policy: o.policy,
      ...(o.previousPolicy ? { previousPolicy: o.previousPolicy } : {}),
      problems: o.problems,
      testProblems: o.testProblems,
      ...(o.validationProblems ? { validationProblems: o.validationProblems } : {}),
      cache,
      ...(o.interpreter ? { interpreter: o.interpreter } : {}),
      progress: o.progress ?? false,
      onLog: (l) => o.onLog?.(`${m}: ${l}`),
    });
    out[m] = res.rows;
    o.onMethod?.(out);
  }
  return out;
}

export interface SummaryRow extends PaperRow {
  method: string;
  iteration: number;
  /** Greedy accuracy in percent: mean and sample sd over seeds, and each seed's value. */
  mean: number | null;
  sd: number | null;
  perSeed: (number | null)[];
}

/** Mean and sample standard deviation (n − 1); sd 0 for one value. */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** The table over seeds, in the paper's row order; rows of methods that did not run are left out. */
export function summariseMethods(perSeed: readonly Record<string, IterationMetrics[]>[]): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const r of tableRows()) {
    const source = r.method === "sft" ? (perSeed[0] ? Object.keys(perSeed[0])[0] : undefined) : r.method;
    if (!source || !perSeed.some((s) => s[source])) continue;
    const vals = perSeed.map((s) => {
      const acc = s[source]?.find((x) => x.iteration === r.iteration)?.greedyAccuracy;
      return acc === undefined || acc === null ? null : 100 * acc;
    });
    const got = vals.filter((v): v is number => v !== null);
    const st = got.length ? meanSd(got) : null;
    out.push({ ...r, mean: st ? st.mean : null, sd: st ? st.sd : null, perSeed: vals });
  }
  return out;
}

/** The summary as the notebook and the bench print it: our mean ± sd and gain over SFT beside the paper's row. */
export function tableView(rows: readonly SummaryRow[]): Record<string, string | number>[] {
  const sft = rows.find((r) => r.method === "sft")?.mean ?? null;
  const f = (x: number | null) => (x === null ? "–" : x.toFixed(1));
  return rows.map((r) => ({
    method: r.row,
    "tiny: greedy acc. % (mean ± sd)": `${f(r.mean)} ± ${f(r.sd)}`,
    "tiny: ↑ over SFT": r.method === "sft" || r.mean === null || sft === null ? "" : `${r.mean - sft >= 0 ? "+" : ""}${(r.mean - sft).toFixed(1)}`,
    "tiny: per seed": r.perSeed.map(f).join(", "),
    "paper GSM8K": r.gsm8k,
    "paper MATH": r.math,
  }));
}
