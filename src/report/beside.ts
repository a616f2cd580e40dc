/** A paper table as printed, with what was measured here beside each row that names a released checkpoint. */
import { type PaperTable, printedRows } from "./paper.js";
import { measuredFor, type ReproducedResult } from "./results.js";

export type PaperBesideRow = Record<string, string | number>;

/**
 * The printed rows of `table`, plus: the checkpoint, the accuracy measured here on GSM8K and MATH
 * ("not run" when 02-evaluate was not run against it) and the preset used. Rows with no released
 * checkpoint get empty cells there.
 */
export function paperBeside(table: PaperTable, measured: readonly ReproducedResult[]): PaperBesideRow[] {
  const printed = printedRows(table);
  return table.rows.map((row, i) => {
    const base = printed[i]!;
    if (row.checkpoint === null) return { ...base, checkpoint: "", "GSM8K here": "", "MATH here": "", preset: "" };
    const gsm8k = measuredFor(measured, row.checkpoint, "gsm8k");
    const math = measuredFor(measured, row.checkpoint, "math");
    const presets = [...new Set([gsm8k.preset, math.preset].filter((p): p is string => p !== null))];
    return { ...base, checkpoint: row.checkpoint, "GSM8K here": gsm8k.text, "MATH here": math.text, preset: presets.join(" / ") || "—" };
  });
}

/** One accuracy of a released checkpoint: the paper's, or the one measured here (with its 95% interval when recorded). */
export interface CheckpointAccuracy {
  checkpoint: string;
  dataset: string;
  source: "paper" | "here";
  accuracy: number;
  lo: number | null;
  hi: number | null;
}

/** For each released checkpoint measured here on GSM8K or MATH: the paper's accuracy and this installation's, long format for a chart. */
export function checkpointAccuracies(table: PaperTable, measured: readonly ReproducedResult[]): CheckpointAccuracy[] {
  const datasets = [["gsm8k", "GSM8K"], ["math", "MATH"]] as const;
  return table.rows.flatMap((row) => {
    const checkpoint = row.checkpoint;
    if (checkpoint === null) return [];
    return datasets.flatMap(([key, label]): CheckpointAccuracy[] => {
      const here = measured.find((r) => r.model === checkpoint && r.dataset === key && r.split === "test");
      if (!here) return [];
      return [
        { checkpoint, dataset: label, source: "paper", accuracy: row[key], lo: null, hi: null },
        { checkpoint, dataset: label, source: "here", accuracy: here.accuracy, lo: here.ci?.[0] ?? null, hi: here.ci?.[1] ?? null },
      ];
    });
  });
}
