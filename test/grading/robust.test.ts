/** Robust mode on the labelled cases of issue 14 (whole outputs and bare answers, both verdicts). */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Grader } from "../../src/grading/index.js";
import { ROBUST_CASES } from "./robust-cases.js";

describe("robust mode: labelled cases", () => {
  const grader = new Grader({ mode: "robust" });
  after(() => grader.close());

  test("at least 150, every category with equal and unequal cases", () => {
    assert.ok(ROBUST_CASES.length >= 150, `only ${ROBUST_CASES.length} cases`);
    for (const category of new Set(ROBUST_CASES.map((c) => c.category))) {
      assert.ok(ROBUST_CASES.some((c) => c.category === category && c.equal), `no equal case for ${category}`);
      assert.ok(ROBUST_CASES.some((c) => c.category === category && !c.equal), `no unequal case for ${category}`);
    }
  });

  for (const c of ROBUST_CASES) {
    const name = `${c.category}: ${JSON.stringify(c.pred)} ${c.equal ? "==" : "!="} ${JSON.stringify(c.gt)}${c.output ? " (output)" : ""}`;
    test(name, async () => {
      const v = await grader.grade(c.pred, c.gt, { extract: c.output, ...(c.dataset ? { dataset: c.dataset } : {}) });
      assert.equal(v.mode, "robust");
      assert.equal(v.correct, c.equal, `rule ${v.rule}, source ${v.source}; ${JSON.stringify(v.predAnswer)} → ${JSON.stringify(v.pred)} vs ${JSON.stringify(v.gtAnswer)} → ${JSON.stringify(v.gt)}`);
    });
  }
});
