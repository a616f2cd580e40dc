/**
 * Hostile input: huge strings, deep nesting, towers of powers, malformed LaTeX. Each must be
 * answered (not thrown) within the symbolic time limit plus a margin, and never hang the caller.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  extractAnswer,
  extractBoxed,
  extractPaperAnswer,
  extractRobust,
  Grader,
  gradeFast,
  normalizeAnswer,
  SymbolicChecker,
} from "../../src/grading/index.js";

const TIMEOUT_MS = 500;
// A pair after a time-out also waits for a fresh CAS worker to start (about a second, several on a
// loaded machine running the whole suite); the bound is there to catch hangs, not to time the CAS.
const MARGIN_MS = 8000;

const HOSTILE: [string, string][] = [
  ["1 MB of digits", "9".repeat(1 << 20)],
  ["1 MB of letters", "x".repeat(1 << 20)],
  ["1 MB of punctuation", ".".repeat(1 << 20) + "x"],
  ["1 MB of spaces then a number", " ".repeat(1 << 20) + "5"],
  ["10,000 nested braces", "{".repeat(10000) + "1" + "}".repeat(10000)],
  ["10,000 unclosed braces", "{".repeat(10000)],
  ["10,000 nested parentheses", "(".repeat(10000) + "1" + ")".repeat(10000)],
  ["10,000 nested fractions", "\\frac{1}{".repeat(10000) + "2" + "}".repeat(10000)],
  ["power tower", "10^{10^{10}}"],
  ["taller power tower", "10^{10^{10^{10^{10}}}}"],
  ["huge factorial", "100000!"],
  ["malformed fraction", "\\frac{1}{"],
  ["lone backslash", "\\"],
  ["unbalanced closers", "}}}))]]"],
  ["unknown commands", "\\foo{\\bar}\\baz"],
  ["matrix without end", "\\begin{pmatrix} 1 & 2"],
  ["empty matrix", "\\begin{pmatrix}\\end{pmatrix}"],
  ["interval soup", "(1,2]\\cup[3,4)\\cup(".repeat(50)],
  ["many \\pm", "1\\pm".repeat(1000) + "1"],
  ["many commas", ",".repeat(100000)],
  ["null byte and emoji", "\u0000\ud83d\ude00"],
  ["many unclosed boxes", "\\boxed{".repeat(50000)],
  ["many dollar signs", "$a ".repeat(100000)],
  ["many unclosed display maths", "$$ \\[ \\( ".repeat(50000)],
  ["many labels", "The answer is ".repeat(50000)],
  ["many output blocks", "```output\n".repeat(50000)],
  ["many boxes listed", "\\boxed{1} and ".repeat(50000)],
];

describe("hostile input", () => {
  const grader = new Grader({ timeoutMs: TIMEOUT_MS, mode: "robust" });
  after(() => grader.close());

  for (const [name, text] of HOSTILE) {
    test(`${name}: answered within the limit, as pred and as gt`, async () => {
      for (const [pred, gt] of [
        [text, "5"],
        ["5", text],
        [text, text + "1"],
      ] as const) {
        const start = performance.now();
        const v = await grader.grade(pred, gt);
        const ms = performance.now() - start;
        assert.equal(typeof v.correct, "boolean");
        assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `${name} took ${ms.toFixed(0)} ms (rule ${v.rule})`);
      }
      // The sync path and the extractor are bounded on their own.
      const start = performance.now();
      gradeFast(text, "5");
      extractBoxed(text);
      extractAnswer(text, { formats: ["boxed", "answer-is", "last-number"] });
      normalizeAnswer(text);
      extractRobust(text);
      extractPaperAnswer(text, "math");
      for (const mode of ["robust", "paper"] as const) gradeFast(text, "5", { mode, extract: true });
      assert.ok(performance.now() - start < MARGIN_MS, `${name}: fast path too slow`);
    });
  }

  test("a pair still grades correctly after all of that", async () => {
    assert.equal((await grader.grade("x^2+2x+1", "(x+1)^2")).correct, true);
  });

  test("non-string input is a clear error, not a crash deep inside", async () => {
    await assert.rejects(grader.grade(5 as unknown as string, "5"), /pred must be a string, got number/);
    assert.throws(() => gradeFast("5", null as unknown as string), /gt must be a string, got object/);
  });
});

describe("the symbolic time limit", () => {
  test("a query past its limit counts as not equal, is counted, and the next query works", async () => {
    const checker = new SymbolicChecker({ timeoutMs: 1 });
    try {
      // Warm the worker outside the limit (start-up does not count), then a heavy query gets 1 ms.
      const heavy = { kind: "expression" as const, a: "(a+b+c+d+e+f)^{12}", b: "(f+e+d+c+b+a)^{12}+1" };
      let timedOut = false;
      for (let i = 0; i < 5 && !timedOut; i++) timedOut = (await checker.check(heavy)).timedOut;
      assert.ok(timedOut, "a 1 ms limit never fired");
      assert.ok(checker.stats.timeouts >= 1);
      // The killed worker is replaced on the next query.
      await checker.check({ kind: "expression", a: "x", b: "x" });
      assert.ok(checker.stats.workerStarts >= 2, "the worker was not replaced after the time-out");
    } finally {
      await checker.close();
    }
  });

  test("a checker with a sane limit decides; invalid LaTeX is not equal, with the reason counted", async () => {
    const checker = new SymbolicChecker({ timeoutMs: 5000 });
    try {
      assert.deepEqual(await checker.check({ kind: "expression", a: "x^2+2x+1", b: "(x+1)^2" }), { equal: true, timedOut: false });
      const r = await checker.check({ kind: "expression", a: "\\frac{1}{", b: "x" });
      assert.equal(r.equal, false);
      assert.match(r.error ?? "", /not valid LaTeX/);
      assert.equal(checker.stats.errors, 1);
      assert.equal(checker.stats.timeouts, 0);
    } finally {
      await checker.close();
    }
  });

  test("a grader reports a timed-out pair as rule symbolic-timeout and counts it", async () => {
    const grader = new Grader({ timeoutMs: 1, mode: "robust" });
    try {
      let v = await grader.grade("(a+b+c+d+e+f)^{12}", "(f+e+d+c+b+a)^{12}+1");
      for (let i = 0; i < 4 && v.rule !== "symbolic-timeout"; i++) v = await grader.grade("(a+b+c+d+e+f)^{12}", "(f+e+d+c+b+a)^{12}+1");
      assert.equal(v.rule, "symbolic-timeout");
      assert.equal(v.correct, false);
      assert.ok(grader.stats.symbolic.timeouts >= 1);
      assert.ok((grader.stats.byRule["symbolic-timeout"] ?? 0) >= 1);
    } finally {
      await grader.close();
    }
  });

  test("a closed checker answers at once", async () => {
    const checker = new SymbolicChecker();
    await checker.close();
    const r = await checker.check({ kind: "expression", a: "x", b: "x" });
    assert.deepEqual(r, { equal: false, timedOut: false, error: "the symbolic checker is closed" });
  });
});
