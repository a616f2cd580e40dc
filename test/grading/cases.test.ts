import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Grader } from "../../src/grading/index.js";
import { CASES } from "./cases.js";

const TYPES = ["Real", "Complex", "Interval", "Vector", "Expression", "Others", "Set", "Equation", "Function", "Inequality", "Matrix"];

describe("hand-written grading cases", () => {
  const grader = new Grader({ mode: "robust" });
  after(() => grader.close());

  test("there are at least 150, covering every MATH answer type with equal and unequal cases", () => {
    assert.ok(CASES.length >= 150, `only ${CASES.length} cases`);
    for (const type of TYPES) {
      assert.ok(CASES.some((c) => c.type === type && c.equal), `no equal case for ${type}`);
      assert.ok(CASES.some((c) => c.type === type && !c.equal), `no unequal case for ${type}`);
    }
  });

  for (const c of CASES) {
    test(`${c.type}: ${JSON.stringify(c.pred)} ${c.equal ? "==" : "!="} ${JSON.stringify(c.gt)}${c.dataset ? ` (${c.dataset})` : ""}`, async () => {
      const v = await grader.grade(c.pred, c.gt, c.dataset ? { dataset: c.dataset } : {});
      assert.equal(v.correct, c.equal, `rule ${v.rule}; normalised ${JSON.stringify(v.pred)} vs ${JSON.stringify(v.gt)}`);
    });
  }
});
