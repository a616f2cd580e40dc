/**
 * `--check`: decode one written row and print what a trainer will count, segment by segment, so a
 * user sees that observations are masked and the model's text (and its closing token) is not.
 */
import type { TokenizerWithOffsets } from "../losses/index.js";
import { countedRuns, IGNORE_INDEX } from "./labels.js";

const MAX_SHOWN = 160;

function shown(s: string): string {
  const j = JSON.stringify(s);
  return j.length <= MAX_SHOWN ? j : `${j.slice(0, MAX_SHOWN / 2)} … ${j.slice(-MAX_SHOWN / 2)}`;
}

function intList(v: unknown, name: string): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`column ${name} is not a list`);
  return Array.from(v as ArrayLike<number>, Number);
}

/** Lines describing one sequence (`prefix` "chosen_", "rejected_", "", "kl_") of a token row. */
export function describeSequence(row: Record<string, unknown>, prefix: string, tok: TokenizerWithOffsets): string[] {
  const ids = intList(row[`${prefix}input_ids`], `${prefix}input_ids`);
  const labels = intList(row[`${prefix}labels`], `${prefix}labels`);
  const counted = labels.map((l) => l !== IGNORE_INDEX);
  const bad = labels.findIndex((l, i) => l !== IGNORE_INDEX && l !== ids[i]);
  const runs = countedRuns(counted);
  const name = prefix ? prefix.replace(/_$/, "") : "sequence";
  const lines = [`${name}: ${ids.length} tokens, ${counted.filter(Boolean).length} counted in ${runs.length} segment(s)`];
  if (bad >= 0 || labels.length !== ids.length) lines.push(`  ERROR: labels do not match input ids (first at token ${bad})`);
  let prev = 0;
  for (const [a, b] of runs) {
    if (a > prev) lines.push(`  masked  [${prev}, ${a}) ${shown(tok.decode(ids.slice(prev, a)))}`);
    lines.push(`  COUNTED [${a}, ${b}) ${shown(tok.decode(ids.slice(a, b)))}`);
    prev = b;
  }
  if (prev < ids.length) lines.push(`  masked  [${prev}, ${ids.length}) ${shown(tok.decode(ids.slice(prev)))}`);
  return lines;
}
