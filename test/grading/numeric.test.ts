import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { numbersClose, numericEqual, parseNumeric } from "../../src/grading/index.js";

describe("parseNumeric", () => {
  const values: [string, number][] = [
    ["42", 42],
    ["-7", -7],
    ["3.25", 3.25],
    ["0.5", 0.5],
    [".5", 0.5],
    ["1.5e3", 1500],
    ["2E-2", 0.02],
    ["1.5\\times10^{3}", 1500],
    ["3\\cdot10^4", 30000],
    ["\\frac{1}{2}", 0.5],
    ["-\\frac{3}{4}", -0.75],
    ["\\frac{\\sqrt{3}}{2}", Math.sqrt(3) / 2],
    ["2\\pi", 2 * Math.PI],
    ["\\pi^2", Math.PI ** 2],
    ["1\\frac{1}{10}", 1.1],
    ["-2\\frac{1}{2}", -2.5],
    ["3\\sqrt{2}", 3 * Math.SQRT2],
    ["\\sqrt[3]{-8}", -2],
    ["(1+2)*3", 9],
    ["9/7", 9 / 7],
    ["2^{10}", 1024],
    ["2^23", 12], // LaTeX ^ takes one character: 2^2·3
  ];
  for (const [s, v] of values) {
    test(JSON.stringify(s), () => {
      const got = parseNumeric(s);
      assert.ok(got !== null && Math.abs(got - v) <= 1e-12 * Math.max(1, Math.abs(v)), `${s} → ${got}, expected ${v}`);
    });
  }
  test("not numbers: variables, functions, structures, malformed, overflow", () => {
    for (const s of ["x", "2x", "\\sin 3", "(1,2)", "1,2", "\\frac{1}", "1+", "", "10^{10^{10}}", "2^{2005}", "1011_2", "i"]) {
      assert.equal(parseNumeric(s), null, s);
    }
  });
  test("deep nesting and long input are refused, not a stack overflow", () => {
    assert.equal(parseNumeric("(".repeat(10000) + "1" + ")".repeat(10000)), null);
    assert.equal(parseNumeric("1+".repeat(5000) + "1"), null);
  });
});

describe("numeric equality", () => {
  test("relative tolerance 1e-4, as math.isclose(rel_tol=1e-4)", () => {
    assert.ok(numbersClose(1, 1.00005));
    assert.ok(!numbersClose(1, 1.0002));
    assert.ok(numbersClose(0, 0));
    assert.ok(!numbersClose(0, 1e-9));
    assert.ok(!numbersClose(Infinity, 1e308));
  });
  test("percent variants only when asked", () => {
    assert.ok(numericEqual(0.25, 25, true));
    assert.ok(numericEqual(2500, 25, true));
    assert.ok(!numericEqual(0.25, 25, false));
  });
  test("two integers match exactly", () => {
    assert.ok(numericEqual(10000, 10000, false, true));
    assert.ok(!numericEqual(9999, 10000, false, true));
    assert.ok(numericEqual(9999, 10000, false, false));
  });
});
