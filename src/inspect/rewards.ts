/**
 * Implicit rewards and margins of a preference dataset from per-token log-probs: carried by the
 * rows themselves, or given as a loss file (one JSON row per pair or example, in the order of the
 * dataset, in the layout `mathagent loss` reads: `{policy_chosen, policy_rejected, ref_chosen,
 * ref_rejected, mask_chosen, mask_rejected}` per pair, `{policy, ref, mask, label}` per example).
 * A side's reward is β·Σ mask·(log π − log π_ref) (M-DPO / M-KTO with the default β = 0.1).
 */
import { readLines, RowError } from "../io/index.js";
import { exampleFromRow, lossRowObject, pairFromRow } from "../losses/loss-rows.js";
import { mdpoFromLogProbs, mktoFromLogProbs } from "../losses/precomputed.js";
import { PAPER_BETA } from "../losses/options.js";
import type { TableRow } from "./table.js";

/** True when a dataset row carries the log-probs of a pair or an example. */
export const carriesLogProbs = (row: Record<string, unknown>): boolean => "policy_chosen" in row || ("policy" in row && "ref" in row);

/** The reward columns of one row of log-probs: `chosen_reward`, `rejected_reward`, `reward_margin` for a pair, `reward` for an example. */
export function rewardColumns(row: Record<string, unknown>, beta = PAPER_BETA): TableRow {
  if ("policy_chosen" in row) {
    const r = mdpoFromLogProbs([pairFromRow(row)], { beta }).pairs[0]!;
    return { chosen_reward: r.chosenReward, rejected_reward: r.rejectedReward, reward_margin: r.margin };
  }
  const e = mktoFromLogProbs([exampleFromRow(row)], { beta, kl: 0 }).examples[0]!;
  return { reward: e.reward };
}

/** The rows of a loss file (read through the input layer: BOM and CRLF accepted), each checked; errors name the file and the line. */
export async function readLossFile(file: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    try {
      rows.push(lossRowObject(text));
    } catch (e) {
      throw new RowError(file, line, (e as Error).message);
    }
  }
  return rows;
}

/** Adds the reward columns of `lossRows[i]` to `rows[i]`; the counts must match. */
export function addRewards(rows: TableRow[], lossRows: Record<string, unknown>[], file: string, beta = PAPER_BETA): void {
  if (lossRows.length !== rows.length) throw new RowError(file, lossRows.length, `${lossRows.length} loss rows for ${rows.length} dataset rows (one per row, in order)`);
  rows.forEach((r, i) => {
    try {
      Object.assign(r, rewardColumns(lossRows[i]!, beta));
    } catch (e) {
      throw new RowError(file, i + 1, (e as Error).message);
    }
  });
}
