/**
 * The paper's findings, computed from its tables (data/paper-results.json) rather than copied:
 * gains over SFT, the masking effect, M-DPO over RAFT, and the ablations of Tables 2–5.
 * Rows are picked by their typed settings (algorithm, iteration, reference, …), never by method text.
 */
import { type PaperDataset, type PaperResults, type PaperRow, paperTable } from "./paper.js";

export const DATASET_LABEL: Record<PaperDataset, string> = { gsm8k: "GSM8K", math: "MATH" };
const DATASETS: readonly PaperDataset[] = ["gsm8k", "math"];

/** One difference between two rows of the paper, in accuracy points. */
export interface Difference {
  model: string;
  comparison: string;
  dataset: string;
  from: number;
  to: number;
  points: number;
}

type Pick = (r: PaperRow) => boolean;

function only(rows: readonly PaperRow[], pick: Pick, what: string): PaperRow {
  const found = rows.filter(pick);
  if (found.length !== 1) throw new Error(`paper results: expected one row for ${what}, found ${found.length}`);
  return found[0]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function differences(model: string, comparison: string, from: PaperRow, to: PaperRow): Difference[] {
  return DATASETS.map((d) => ({ model, comparison, dataset: DATASET_LABEL[d], from: from[d], to: to[d], points: round1(to[d] - from[d]) }));
}

/** A final (iteration 3) run of the main configuration: reference updated every iteration, no NLL term. */
const finalRun = (model: string, algorithm: PaperRow["algorithm"]): Pick => (r) =>
  r.model === model && r.algorithm === algorithm && r.iteration === 3 && r.reference !== "sft" && r.nll !== true;

/** The base models of Table 1 that start from the authors' own SFT (†). */
export function baseModels(results: PaperResults): string[] {
  return paperTable(results, "table1").rows.filter((r) => r.start).map((r) => r.model);
}

/** Each multi-turn method's final model against its SFT start, per base model (Table 1). */
export function gainsOverSft(results: PaperResults): Difference[] {
  const rows = paperTable(results, "table1").rows;
  return baseModels(results).flatMap((m) => {
    const sft = only(rows, (r) => r.model === m && r.start, `${m} SFT†`);
    return (["M-DPO", "M-KTO"] as const).flatMap((a) => differences(m, a, sft, only(rows, finalRun(m, a), `${m} ${a}`)));
  });
}

/** Multi-turn (masked) minus single-turn (unmasked) DPO and KTO, per base model (Table 1). */
export function maskingEffect(results: PaperResults): Difference[] {
  const rows = paperTable(results, "table1").rows;
  const pairs = [["M-DPO", "DPO"], ["M-KTO", "KTO"]] as const;
  return baseModels(results).flatMap((m) =>
    pairs.flatMap(([multi, single]) =>
      differences(m, `${multi} − single-turn ${single}`, only(rows, finalRun(m, single), `${m} single-turn ${single}`), only(rows, finalRun(m, multi), `${m} ${multi}`)),
    ),
  );
}

/** Iterative M-DPO against RAFT (rejection-sampling fine-tuning), per base model (Table 1). */
export function mdpoOverRaft(results: PaperResults): Difference[] {
  const rows = paperTable(results, "table1").rows;
  return baseModels(results).flatMap((m) => differences(m, "M-DPO − RAFT", only(rows, finalRun(m, "RAFT"), `${m} RAFT`), only(rows, finalRun(m, "M-DPO"), `${m} M-DPO`)));
}

/** One point of an ablation: the setting varied, and the accuracy on each test set. */
export interface AblationPoint {
  setting: string;
  dataset: string;
  accuracy: number;
  method: string;
}

function points(rows: readonly PaperRow[], label: (r: PaperRow) => string): AblationPoint[] {
  return rows.flatMap((r) => DATASETS.map((d) => ({ setting: label(r), dataset: DATASET_LABEL[d], accuracy: r[d], method: r.method })));
}

/** M-DPO accuracy per iteration (0 = SFT) of the main Gemma-1.1 run, the only per-iteration numbers the paper prints (Table 1). */
export function iterationCurve(results: PaperResults): AblationPoint[] {
  const rows = paperTable(results, "table1").rows;
  const model = only(rows, (r) => r.algorithm === "M-DPO" && r.iteration === 1, "M-DPO iteration 1").model;
  const start = only(rows, (r) => r.model === model && r.start, `${model} SFT†`);
  const iterations = [1, 2, 3].map((i) => only(rows, (r) => r.model === model && r.algorithm === "M-DPO" && r.iteration === i && r.reference === "previous", `${model} M-DPO iteration ${i}`));
  return points([start, ...iterations], (r) => String(r.iteration));
}

/** Table 2: η and the reference choice. */
export function referenceAndEta(results: PaperResults): AblationPoint[] {
  const rows = paperTable(results, "table2").rows.filter((r) => !r.start);
  return points(rows, (r) => `η = ${r.eta}${r.reference === "sft" ? ", fixed reference" : ""}`);
}

/** Table 2's reference ablation as a difference: updated (previous iteration) minus fixed (SFT) reference, η = 0.1. */
export function referenceEffect(results: PaperResults): Difference[] {
  const rows = paperTable(results, "table2").rows;
  const fixed = only(rows, (r) => r.reference === "sft" && r.eta === 0.1, "fixed reference, η = 0.1");
  const updated = only(rows, (r) => r.reference === "previous" && r.eta === 0.1, "updated reference, η = 0.1");
  return differences(updated.model, "updated − fixed reference", fixed, updated);
}

/** Table 3: samples per prompt and mixture against on-policy sampling. */
export function samplingAblation(results: PaperResults): AblationPoint[] {
  const rows = paperTable(results, "table3").rows.filter((r) => !r.start);
  return points(rows, (r) => `N = ${r.n}, ${r.sampling}`);
}

/** Table 4: the SFT start and the M-DPO result for 1, 2 and 3 SFT epochs. */
export function sftEpochAblation(results: PaperResults): (AblationPoint & { sftEpochs: number; stage: string })[] {
  return paperTable(results, "table4").rows.flatMap((r) =>
    points([r], () => `${r.sftEpochs} epoch${r.sftEpochs === 1 ? "" : "s"}`).map((p) => ({ ...p, sftEpochs: r.sftEpochs ?? 0, stage: r.start ? "SFT" : "SFT + M-DPO" })),
  );
}

/** Table 5: M-DPO with and without the NLL term, from a well-trained (3 epochs) and an underfit (100 steps) SFT model. */
export function nllAblation(results: PaperResults): (AblationPoint & { start: string; nll: string })[] {
  const rows = paperTable(results, "table5").rows.filter((r) => !r.start);
  return rows.flatMap((r) =>
    points([r], () => r.method).map((p) => ({
      ...p,
      start: r.sftSteps !== null ? `SFT ${r.sftSteps} steps, iteration ${r.iteration}` : `SFT ${r.sftEpochs} epochs, iteration ${r.iteration}`,
      nll: r.nll ? "with NLL" : "without NLL",
    })),
  );
}

/** Every printed ↑/↓ beside the difference recomputed from the rows it refers to. */
export function printedGainCheck(results: PaperResults): { table: string; model: string; method: string; column: string; printed: number; computed: number }[] {
  return results.tables.flatMap((t) =>
    t.rows.flatMap((r) => {
      const g = r.gain;
      if (!g) return [];
      const base = only(t.rows, (x) => x.model === r.model && x.method === g.over, `${t.table} ${r.model} "${g.over}"`);
      const cols = (["gsm8k", "math", "avg"] as const).filter((c) => g[c] !== undefined && r[c] !== null && base[c] !== null);
      return cols.map((c) => ({ table: t.table, model: r.model, method: r.method, column: c, printed: g[c]!, computed: round1(r[c]! - base[c]!) }));
    }),
  );
}
