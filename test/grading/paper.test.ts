/** ToRA's extraction, strip_string and math_equal, rule by rule, quirks included. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  extractPaperAnswer,
  Grader,
  gradeFast,
  paperGroundTruth,
  paperMathEqual,
  toraExtractAnswer,
  toraRawAnswer,
  toraStripString,
} from "../../src/grading/index.js";

const never = (): undefined => undefined;

describe("paper mode: extract_answer", () => {
  const cases: [string, string, string][] = [
    ["so \\boxed{\\frac{1}{2}} and then \\boxed{7}.", "boxed", "7"],
    ["unclosed \\boxed{3+{4", "boxed", "3+{4"],
    ["\\boxed 5$ done", "boxed", "5"],
    ["ends in boxed", "boxed", ""],
    ["\\fbox{9} is not matched, the last number is 9", "last-number", "9"],
    ["The answer is: 12.\nMore text", "answer-is", "12"],
    ["The answer is 1/5.", "answer-is", "\\frac{1}{5}"],
    ["```python\nprint(2)\n```\n```output\n42\n```\nSo it is 43 kids.", "program-output", "42"],
    ["```output\n\n```\nthen 17", "last-number", "17"],
    ["Total 1,234 apples.\nA: 1,234", "last-number", "1234"],
    ["A: 1/5", "last-number", "5"],
    ["A: -1.8 billion", "last-number", "-1.8"],
    ["no digits at all", "last-number", ""],
  ];
  for (const [text, source, want] of cases) {
    test(`${JSON.stringify(text)} → ${source} ${JSON.stringify(want)}`, () => {
      assert.equal(toraRawAnswer(text).source, source);
      assert.equal(extractPaperAnswer(text, "math"), want);
    });
  }
});

describe("paper mode: strip_string", () => {
  const cases: [string, string][] = [
    ["\\dfrac{3}{4}", "\\frac{3}{4}"],
    ["\\frac12", "\\frac{1}{2}"],
    ["\\frac1{72}", "\\frac{1}{72}"],
    ["3/4", "\\frac{3}{4}"],
    ["03/4", "03/4"],
    ["k = 5", "5"],
    ["abc = 5", "abc=5"],
    ["90^\\circ", "90"],
    ["\\$12.00", "12"],
    ["\\$12.50", "12.50"],
    ["15\\%", "15"],
    ["5\\text{ cm}", "5"],
    ["\\text{Monday}", "{Monday}"],
    ["\\mbox{Saturday}", ""],
    ["candy", "cy"],
    ["2\\cdot 3", "23"],
    ["3j", "3i"],
    ["2.000", "2"],
    ["(-\\infty, 2]", "(-\\infty,2]"],
    ["(-inf, 2]", "(-\\infty,2]"],
    ["\\left( 1, 2 \\right)", "(1,2)"],
    ["x \\in [-2,7]", "x\\in[-2,7]"],
    ["10\\sqrt 2", "10\\sqrt2"],
    [".5", "0.5"],
  ];
  for (const [input, want] of cases) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.equal(toraStripString(input), want));
  }

  test("is not idempotent, so the second application matters (MATH gold answers 6, 405, 2690)", () => {
    assert.equal(toraStripString(toraStripString("x \\in [-2,7]")), "[-2,7]");
    assert.equal(toraStripString(toraStripString("10\\sqrt 2")), "10\\sqrt{2}");
    assert.equal(toraExtractAnswer("\\boxed{\\sqrt 5}"), "\\sqrt5");
    assert.equal(extractPaperAnswer("\\boxed{\\sqrt 5}", "math"), "\\sqrt{5}");
  });

  test("ground truths: MATH goes through \\boxed{} (first line only), GSM8K through strip_string alone", () => {
    assert.equal(paperGroundTruth("90\\text{ square\nunits}", "math"), "90{square");
    assert.equal(paperGroundTruth("90\\text{ square\nunits}", "gsm8k"), "90");
    assert.equal(paperGroundTruth("2,125", "gsm8k"), "2,125");
  });
});

describe("paper mode: math_equal", () => {
  const cases: [string, string, boolean, string][] = [
    ["50", "0.5", true, "numeric"], // gt × 100
    ["0.5", "50", true, "numeric"], // gt / 100
    ["120006", "120000", true, "numeric"], // within rel. 1e-4
    ["120013", "120000", false, "numeric"],
    ["2125", "2,125", true, "numeric"],
    ["1,2", "12", true, "numeric"], // commas go before float()
    ["nan", "nan", false, "numeric"],
    ["", "\\frac{1}{2}", false, "no-answer"],
    ["[1,2]", "1,2", true, "exact"], // brackets stripped from both ends
    ["(1,2)", "[1,2]", false, "symbolic"], // gt starts with "[": no stripping
    ["{3}", "3", true, "exact"], // braces deleted
    ["(1,2]", "[1,2)", false, "symbolic"],
    ["(1,2)", "(1,2.00001)", true, "structural"], // part by part
  ];
  for (const [pred, gt, want, rule] of cases) {
    test(`${JSON.stringify(pred)} vs ${JSON.stringify(gt)} → ${want} (${rule})`, () => {
      const v = paperMathEqual(pred, gt, () => false);
      assert.deepEqual([v.result, v.rule], [want, rule]);
    });
  }

  test("a pair only sympy could decide is undecided on the fast path, with its query", () => {
    const v = gradeFast("\\frac{1}{2}", "0.5", { mode: "paper" });
    assert.equal(v.correct, undefined);
    assert.deepEqual("pending" in v ? v.pending : [], [{ kind: "paper", a: "\\frac{1}{2}", b: "0.5" }]);
    assert.equal(paperMathEqual("4:30", "4:30p", never).rule, "symbolic");
  });
});

describe("paper mode: the symbolic step (ToRA's symbolic_equal)", () => {
  const grader = new Grader({ mode: "paper" });
  after(() => grader.close());
  const cases: [string, string, boolean][] = [
    ["0.067", "\\frac{3125}{46656}", true], // N() values within rel. 1e-3
    ["0.0665", "\\frac{3125}{46656}", false],
    ["\\frac{1}{2}", "0.5", true],
    ["x^2+2x+1", "(x+1)^2", true], // simplify(a - b) == 0
    ["x^2+2x", "(x+1)^2", false],
    ["\\pi", "3.1416", true],
    ["2\\frac{1}{3}", "\\frac{7}{3}", false], // sympy reads 2·(1/3), not a mixed number
    ["10000", "10{,}000", false], // sympy cannot parse {,}
    ["y=2x", "2x=y", false], // equations: "y=" is dropped, then 2x against y
    ["4:30", "4:30p", false],
    ["\\sqrt{34}+3\\sqrt{10}", "28", false],
    ["x+".repeat(1500) + "1", "1+" + "x+".repeat(1500).slice(0, -1), false], // past the length cap: no CAS call
  ];
  for (const [pred, gt, want] of cases) {
    test(`${JSON.stringify(pred)} vs ${JSON.stringify(gt)} → ${want}`, async () => {
      const v = await grader.grade(pred, gt);
      assert.equal(v.mode, "paper");
      assert.equal(v.correct, want, JSON.stringify(v));
    });
  }
});
