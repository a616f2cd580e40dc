import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as N from "../../src/grading/normalize.js";

/** Each rule alone: [input, expected output]. */
const RULE_CASES: [string, N.NormalizationRule, [string, string][]][] = [
  ["trimAnswer", N.trimAnswer, [[" 5 \n", "5"], ["a\n\nb", "a b"]]],
  ["unifyUnicode", N.unifyUnicode, [["\u22125", "-5"], ["2\u03c0", "2\\pi "], ["30\u00b0", "30^\\circ"]]],
  ["stripMathDelimiters", N.stripMathDelimiters, [["\\(5\\)", "5"], ["\\[x+1\\]", "x+1"], ["\\displaystyle\\frac12", "\\frac12"]]],
  ["joinCommandArguments", N.joinCommandArguments, [["8\\sqrt{3} \\text { square inches}", "8\\sqrt{3} \\text{ square inches}"], ["\\mbox  {a}", "\\mbox{a}"], ["\\textit x", "\\textit x"]]],
  ["stripSpacingCommands", N.stripSpacingCommands, [["1\\,000", "1000"], ["3\\!4", "34"], ["a\\;b", "ab"], ["a~b", "a b"], ["1 \\\\ 2", "1 \\\\ 2"]]],
  ["stripLeftRight", N.stripLeftRight, [["\\left(1,2\\right)", "(1,2)"], ["\\left.x\\right|", "x|"], ["\\Bigl(x\\Bigr)", "(x)"], ["\\rightarrow", "\\rightarrow"]]],
  ["unifyFracCommands", N.unifyFracCommands, [["\\dfrac{1}{2}", "\\frac{1}{2}"], ["\\tfrac12", "\\frac12"], ["\\cfrac{a}{b}", "\\frac{a}{b}"]]],
  ["stripTextUnits", N.stripTextUnits, [["5\\text{ cm}", "5"], ["12\\text{ inches}^2", "12"], ["\\text{Monday}", "\\text{Monday}"], ["5\\text{ lbs}\\text{ each}", "5"]]],
  ["unwrapText", N.unwrapText, [["\\text{Evelyn}", "Evelyn"], ["\\textbf{\\text{A}}", "A"], ["\\mbox{odd}", "odd"], ["\\mathrm{VW}", "VW"]]],
  ["stripUnitWords", N.stripUnitWords, [["5 cm", "5"], ["17 square units", "17"], ["4m", "4m"], ["x cm", "x cm"], ["6 cm^2", "6"]]],
  ["stripDegrees", N.stripDegrees, [["30^\\circ", "30"], ["30^{\\circ}", "30"], ["45\\degree", "45"]]],
  ["stripDollars", N.stripDollars, [["\\$18.90", "18.90"], ["$5", "5"]]],
  ["stripPercent", N.stripPercent, [["25\\%", "25"], ["25%", "25"]]],
  ["unifyComparators", N.unifyComparators, [["x\\leq 3", "x\\le 3"], ["x\\geq3", "x\\ge3"], ["a\\neq b", "a\\ne b"], ["x<=1", "x\\le1"]]],
  ["unifyInfinity", N.unifyInfinity, [["infinity", "\\infty"], ["(-inf, 0)", "(-\\infty, 0)"], ["+\\infty", "\\infty"], ["\\infty", "\\infty"], ["\\inf S", "\\inf S"]]],
  ["unifySetNotation", N.unifySetNotation, [["\\{1,2\\}", "{1,2}"], ["\\{\\}", "\\emptyset"], ["\\varnothing", "\\emptyset"]]],
  ["unifyReals", N.unifyReals, [["(-\\infty,\\infty)", "\\mathbb{R}"], ["\\mathbb R", "\\mathbb{R}"], ["(0,\\infty)", "(0,\\infty)"]]],
  ["unifyMatrixEnvironments", N.unifyMatrixEnvironments, [["\\begin{bmatrix}1\\end{bmatrix}", "\\begin{pmatrix}1\\end{pmatrix}"], ["\\begin{array}{cc}1&2\\end{array}", "\\begin{pmatrix}1&2\\end{pmatrix}"]]],
  ["braceFracArguments", N.braceFracArguments, [["\\frac12", "\\frac{1}{2}"], ["\\frac 1 2", "\\frac{1}{2}"], ["\\frac1{2x}", "\\frac{1}{2x}"], ["\\frac{a}b", "\\frac{a}{b}"], ["\\frac\\pi4", "\\frac{\\pi}{4}"], ["\\frac{1}{2}", "\\frac{1}{2}"], ["\\frac{1", "\\frac{1"]]],
  ["braceSqrtArguments", N.braceSqrtArguments, [["\\sqrt2", "\\sqrt{2}"], ["\\sqrt x", "\\sqrt{x}"], ["\\sqrt{3}", "\\sqrt{3}"], ["\\sqrt[3]{2}", "\\sqrt[3]{2}"], ["\\sqrt\\pi", "\\sqrt{\\pi}"]]],
  ["unifyScriptBraces", N.unifyScriptBraces, [["x^{2}", "x^2"], ["1011_{2}", "1011_2"], ["x^{10}", "x^{10}"]]],
  ["stripVariablePrefix", N.stripVariablePrefix, [["x = 5", "5"], ["y=2x+1", "2x+1"], ["x \\in [0,1]", "[0,1]"], ["f(x) = x+3", "x+3"], ["x=1, x=2", "1,2"], ["4x-5y=-50", "4x-5y=-50"], ["x=y=1", "x=y=1"]]],
  ["wordsToCommas", N.wordsToCommas, [["19 and 43", "19,43"], ["3 or -3", "3,-3"], ["neither", "neither"]]],
  ["stripThousandsSeparators", N.stripThousandsSeparators, [["1,000", "1000"], ["10{,}000", "10000"], ["1,234,567.5", "1234567.5"], ["1,2", "1,2"], ["12,34", "12,34"]]],
  ["wordNumberToDigits", N.wordNumberToDigits, [["five", "5"], ["Twelve", "12"], ["fives", "fives"]]],
  ["addLeadingZero", N.addLeadingZero, [[".5", "0.5"], ["-.25", "-0.25"], ["1.5", "1.5"]]],
  ["unifyChoiceLetter", N.unifyChoiceLetter, [["(B)", "B"], ["b)", "B"], ["(c", "C"], ["F", "F"], ["(AB)", "(AB)"]]],
  ["stripOuterBraces", N.stripOuterBraces, [["{5}", "5"], ["{{x}}", "x"], ["{1,2}", "{1,2}"], ["{a}+{b}", "{a}+{b}"]]],
  ["stripTrailingPunctuation", N.stripTrailingPunctuation, [["5.", "5"], ["5.\\\\", "5"], ["x;", "x"], ["2.5", "2.5"]]],
  ["collapseSpaces", N.collapseSpaces, [["1 + 2", "1+2"], ["\\pi r", "\\pi r"], ["\\frac {1} {2}", "\\frac{1}{2}"]]],
];

describe("normalisation rules, each on its own", () => {
  for (const [name, rule, cases] of RULE_CASES) {
    test(name, () => {
      for (const [input, expected] of cases) assert.equal(rule(input), expected, `${name}(${JSON.stringify(input)})`);
    });
  }

  test("every exported rule is in the pipeline and has cases here", () => {
    const tested = new Set(RULE_CASES.map(([, rule]) => rule));
    for (const rule of N.NORMALIZATION_RULES) assert.ok(tested.has(rule), `rule ${rule.name} has no test`);
  });
});

describe("normalizeAnswer (the whole pipeline)", () => {
  const cases: [string, string][] = [
    ["\\left( \\dfrac{1}{2}, \\sqrt2 \\right)", "(\\frac{1}{2},\\sqrt{2})"],
    ["x = \\$1,000.", "1000"],
    ["\\text{(B)}", "B"],
    ["45^\\circ", "45"],
    ["\\frac12 \\text{ cm}^2", "\\frac{1}{2}"],
    ["19 \\text{ and }43", "19,43"],
    ["\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"],
    ["x \\in (-\\infty, \\infty)", "\\mathbb{R}"],
    ["\\{1, 2\\}", "{1,2}"],
    ["10\\%", "10"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(N.normalizeAnswer(input), expected));
  }
});
