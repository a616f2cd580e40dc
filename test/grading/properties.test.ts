/**
 * Property tests over all 5,000 MATH test gold answers: each equals itself re-rendered in
 * equivalent forms, and differs from itself with one number changed.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Grader, gradeFast, type Verdict } from "../../src/grading/index.js";
import { type AnswerTypeRow, readJson, SKIP_NO_DATA } from "./data.js";
import { asDecimal, equivalentRenderings, perturbOneNumber, withDfrac, withLeftRight, withSpaces } from "./renderings.js";

describe("re-rendering helpers", () => {
  test("produce the forms they name", () => {
    assert.equal(withSpaces("(1,2)"), "(1, 2)");
    assert.equal(withSpaces("115,000"), "115,000");
    assert.equal(withDfrac("\\frac{1}{2}"), "\\dfrac{1}{2}");
    assert.equal(withLeftRight("(1,2)"), "\\left(1,2\\right)");
    assert.equal(asDecimal("\\frac{3}{8}"), "0.375");
    assert.equal(asDecimal("\\frac{1}{3}"), null);
    assert.equal(perturbOneNumber("\\frac{3}{8}"), "\\frac{7}{8}");
    assert.equal(perturbOneNumber("x"), null);
  });
});

describe("gold answers of the MATH test set", { skip: SKIP_NO_DATA }, () => {
  const grader = new Grader({ mode: "robust" });
  after(() => grader.close());

  async function grade(pred: string, gt: string): Promise<Verdict> {
    const fast = gradeFast(pred, gt);
    return fast.correct === undefined ? grader.grade(pred, gt) : fast;
  }

  const golds = () =>
    readJson<AnswerTypeRow[]>("grading/math-test-answer-types.json").flatMap((row) =>
      // A few rows list two accepted answers; each is a gold answer of its own.
      [row.answer].flat().map((answer) => ({ index: row.index, type: row.human_type, answer: String(answer) })),
    );

  test("every gold answer equals its equivalent re-renderings", async () => {
    const failures: string[] = [];
    let checked = 0;
    const byForm: Record<string, number> = {};
    for (const g of golds()) {
      for (const r of equivalentRenderings(g.answer, g.type)) {
        checked++;
        byForm[r.name] = (byForm[r.name] ?? 0) + 1;
        const v = await grade(r.text, g.answer);
        if (!v.correct) failures.push(`#${g.index} ${g.type} ${r.name}: ${JSON.stringify(r.text)} vs ${JSON.stringify(g.answer)} (${v.rule})`);
      }
    }
    console.log(`checked ${checked} re-renderings`, byForm);
    assert.ok(checked > 15000);
    assert.deepEqual(failures, []);
  });

  test("every gold answer with a number differs from itself with that number changed", async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const g of golds()) {
      const p = perturbOneNumber(g.answer);
      if (p === null) continue;
      checked++;
      const v = await grade(p, g.answer);
      if (v.correct) failures.push(`#${g.index} ${g.type}: ${JSON.stringify(p)} vs ${JSON.stringify(g.answer)} (${v.rule})`);
    }
    console.log(`checked ${checked} perturbations`);
    assert.ok(checked > 4500);
    assert.deepEqual(failures, []);
  });
});
