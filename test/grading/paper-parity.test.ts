/**
 * Paper mode against ToRA's own verdicts (data/grading/tora-grader-verdicts.jsonl, 11,076 rows):
 * the same extracted prediction, normalised ground truth and verdict, row for row.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Grader, gradeFast, type Verdict } from "../../src/grading/index.js";
import type { DatasetName } from "../../src/grading/index.js";
import { readJsonl, SKIP_NO_DATA } from "./data.js";

interface ToraRow {
  set: string;
  id: string;
  dataset: DatasetName;
  pred_text: string;
  gt: string;
  tora_pred: string;
  tora_gt: string;
  tora_correct: boolean;
}

/** Rows where paper mode is known to differ from ToRA, with the reason (docs/grading.md lists them). */
const KNOWN_DIFFERENCES = new Map<string, string>();

const SETS = { "gsm8k-example-model-solutions": 5276, "qwen25-math-cot-100-samples": 800, "math-test-gold": 5000 };

describe("paper mode: parity with ToRA's grader", { skip: SKIP_NO_DATA }, () => {
  const grader = new Grader({ mode: "paper" });
  after(() => grader.close());

  test("same tora_pred, tora_gt and verdict on every row of tora-grader-verdicts.jsonl", async () => {
    const rows = readJsonl<ToraRow>("grading/tora-grader-verdicts.jsonl");
    assert.equal(rows.length, 11076);
    const perSet = new Map<string, { n: number; ours: number; tora: number }>();
    const unexpected: string[] = [];
    let same = 0;
    for (const row of rows) {
      const options = { mode: "paper" as const, dataset: row.dataset, extract: true };
      const fast = gradeFast(row.pred_text, row.gt, options);
      const v: Verdict = fast.correct === undefined ? await grader.grade(row.pred_text, row.gt, options) : fast;
      const s = perSet.get(row.set) ?? { n: 0, ours: 0, tora: 0 };
      s.n++;
      s.ours += v.correct ? 1 : 0;
      s.tora += row.tora_correct ? 1 : 0;
      perSet.set(row.set, s);
      if (v.pred === row.tora_pred && v.gt === row.tora_gt && v.correct === row.tora_correct) {
        same++;
        continue;
      }
      const line = `${row.id}: ours ${JSON.stringify([v.pred, v.gt, v.correct, v.rule])} ToRA ${JSON.stringify([row.tora_pred, row.tora_gt, row.tora_correct])}`;
      if (!KNOWN_DIFFERENCES.has(row.id)) unexpected.push(line);
    }
    for (const [set, s] of perSet) {
      console.log(`${set}: ${s.n} rows, ours ${s.ours} correct, ToRA ${s.tora}`);
      assert.equal(s.n, SETS[set as keyof typeof SETS], set);
      assert.ok(Math.abs((100 * (s.ours - s.tora)) / s.n) <= 0.05, `${set}: accuracy ${s.ours}/${s.n} vs ToRA ${s.tora}/${s.n}`);
    }
    console.log(`same on ${same}/${rows.length} rows`);
    assert.ok(same / rows.length >= 0.998, `parity ${same}/${rows.length} is below 99.8%`);
    assert.deepEqual(unexpected, []);
  });
});
