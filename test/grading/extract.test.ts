import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  datasetGrading,
  extractAnswer,
  extractAnswerColon,
  extractAnswerIs,
  extractBoxed,
  extractHashAnswer,
  extractLastNumber,
} from "../../src/grading/index.js";

describe("extractBoxed", () => {
  test("the last box, with balanced braces", () => {
    assert.equal(extractBoxed("first \\boxed{1} then \\boxed{\\frac{1}{2}}."), "\\frac{1}{2}");
    assert.equal(extractBoxed("$\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}$"), "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}");
    assert.equal(extractBoxed("\\boxed{\\{1,2\\}}"), "\\{1,2\\}");
  });
  test("\\fbox and the brace-less form \\boxed 5", () => {
    assert.equal(extractBoxed("so \\fbox{7}"), "7");
    assert.equal(extractBoxed("answer: $\\boxed 5$."), "5");
    assert.equal(extractBoxed("\\boxed 12."), "12");
  });
  test("no box, an unclosed box, and a look-alike command", () => {
    assert.equal(extractBoxed("no answer here"), null);
    assert.equal(extractBoxed("\\boxed{5"), null);
    assert.equal(extractBoxed("\\boxed{4} and then \\boxed{5"), "4");
    assert.equal(extractBoxed("\\boxedtext{5}"), null);
  });
});

describe("other formats", () => {
  test("GSM8K #### answers", () => {
    assert.equal(extractHashAnswer("She has 3 + 4 = 7\n#### 7"), "7");
    assert.equal(extractHashAnswer("#### 1,200\n"), "1,200");
    assert.equal(extractHashAnswer("no hash"), null);
  });
  test("A: answers at the start of a line", () => {
    assert.equal(extractAnswerColon("work\nA: 18"), "18");
    assert.equal(extractAnswerColon("A: 1\nmore\nA: 2"), "2");
    assert.equal(extractAnswerColon("QA: 3"), null);
  });
  test("'The answer is …' up to the end of the sentence", () => {
    assert.equal(extractAnswerIs("So the answer is 42. Done."), "42");
    assert.equal(extractAnswerIs("The final answer is $\\frac{1}{2}$."), "\\frac{1}{2}");
    assert.equal(extractAnswerIs("The answer is 3.5"), "3.5");
    assert.equal(extractAnswerIs("nothing"), null);
  });
  test("the last number, commas dropped", () => {
    assert.equal(extractLastNumber("1 then 2,000 then -3.5 apples"), "-3.5");
    assert.equal(extractLastNumber("cost 1,234."), "1234");
    assert.equal(extractLastNumber("none"), null);
  });
});

describe("extractAnswer with dataset defaults", () => {
  test("MATH: box first, then 'answer is', then the last number", () => {
    const { predFormats } = datasetGrading("math");
    assert.equal(extractAnswer("The answer is 3 but \\boxed{4}", { formats: predFormats }), "4");
    assert.equal(extractAnswer("The answer is 3.", { formats: predFormats }), "3");
    assert.equal(extractAnswer("we get 7 then 8", { formats: predFormats }), "8");
  });
  test("the last-number fallback can be turned off", () => {
    assert.equal(extractAnswer("we get 7 then 8", { formats: ["boxed", "answer-is"] }), null);
  });
  test("GSM8K: #### and A: before boxes", () => {
    const { predFormats } = datasetGrading("gsm8k");
    assert.equal(extractAnswer("3+4=7\n#### 7", { formats: predFormats }), "7");
    assert.equal(extractAnswer("x\nA: 26", { formats: predFormats }), "26");
  });
  test("an unknown format or dataset is named", () => {
    assert.throws(() => extractAnswer("x", { formats: ["nope" as never] }), /unknown answer format "nope"/);
    assert.throws(() => datasetGrading("aime"), /unknown dataset "aime".*math, math500, gsm8k/);
  });
});
