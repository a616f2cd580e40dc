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
