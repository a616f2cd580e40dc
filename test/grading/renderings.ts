/**
 * Equivalent re-renderings and one-number perturbations of gold answers, for the property tests
 * and the benchmark. Deterministic: the same answer always gives the same variants.
 */
import { parseNumeric } from "../../src/grading/numeric.js";

export interface Rendering {
  name: string;
  text: string;
}

/** Spaces after commas and around + and = (outside commands). */
export function withSpaces(s: string): string {
  // Not after a thousands separator ("115,000" must not become the list "115, 000").
  return s.replace(/,(?!\\|\d{3}(?!\d))/g, ", ").replace(/(?<!\\[a-zA-Z]*)([+=])/g, " $1 ");
}

export function withDfrac(s: string): string {
  return s.replace(/\\frac(?![a-zA-Z])/g, "\\dfrac");
}

export function withLeftRight(s: string): string {
  return s.replace(/(?<!\\)\(/g, "\\left(").replace(/(?<!\\)\)/g, "\\right)");
}

export function withUnits(s: string): string {
  return `${s} \\text{ units}`;
}

export function withVariablePrefix(s: string): string {
  return `x = ${s}`;
}

/** A terminating fraction as a decimal ("\frac{3}{8}" → "0.375"); null when not one. */
export function asDecimal(s: string): string | null {
  if (!/\\d?frac|\//.test(s) || /[a-zA-Z]/.test(s.replace(/\\d?frac/g, ""))) return null;
  const v = parseNumeric(s.replace(/\\dfrac/g, "\\frac"));
  if (v === null || !Number.isFinite(v)) return null;
  for (let digits = 1; digits <= 6; digits++) {
    const t = v.toFixed(digits);
    if (Number(t) === v) return t;
  }
  return null;
}

/** The equivalent forms the issue names, those that apply to this answer. */
export function equivalentRenderings(answer: string, type: string): Rendering[] {
  const out: Rendering[] = [
    { name: "spacing", text: withSpaces(answer) },
    { name: "dfrac", text: withDfrac(answer) },
    { name: "left-right", text: withLeftRight(answer) },
  ];
  const scalar = !/[,=]|\\begin|\\cup|\\le|\\ge|<|>/.test(answer);
  if (type === "Real" && scalar) out.push({ name: "units", text: withUnits(answer) });
  if ((type === "Real" || type === "Expression") && scalar && !/\\text/.test(answer)) {
    out.push({ name: "x=", text: withVariablePrefix(answer) });
  }
  const dec = type === "Real" ? asDecimal(answer) : null;
  if (dec !== null) out.push({ name: "decimal", text: dec });
  return out.filter((r) => r.text !== answer || r.name === "spacing");
}

/**
 * The answer with its first integer literal n changed to 2n+1 (a change far above the numeric
 * tolerance); null when it has no number.
 */
export function perturbOneNumber(answer: string): string | null {
  const m = /\d+/.exec(answer);
  if (m === null) return null;
  const changed = String(2 * Number(m[0]) + 1);
  return answer.slice(0, m.index) + changed + answer.slice(m.index + m[0].length);
}
