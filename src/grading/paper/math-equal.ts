/**
 * ToRA's `math_equal(prediction, reference)` (microsoft/ToRA src/eval/grader.py) with its
 * defaults (include_percentage, is_close): numbers first, then the bracket-stripped strings, then
 * `[…]`/`(…)` part by part, then sympy. The sympy step is asked of `symbolic` (three-valued, so
 * the same code serves the synchronous fast path and the full check with the CAS worker).
 */
import type { Tri } from "../equivalence.js";
import { pyFloat, pyIsClose, pyStrip, pyStripChars, replaceAll } from "./python.js";

/** Relative tolerance of ToRA's number rule. */
export const PAPER_NUMBER_REL_TOL = 1e-4;

/** How `math_equal` decided: the first rule that returned. */
export type PaperRule = "numeric" | "no-answer" | "exact" | "structural" | "symbolic";

/** ToRA's `is_digit` then `float`: the value of `s` with commas removed, or null. */
export function paperNumber(s: string): number | null {
  return pyFloat(replaceAll(s, ",", ""));
}

function numbersEqual(pred: number, gt: number): boolean {
  return [gt / 100, gt, gt * 100].some((item) => pyIsClose(item, pred, PAPER_NUMBER_REL_TOL));
}

function wrapped(s: string, open: string, close: string): boolean {
  return s.startsWith(open) && s.endsWith(close);
}

/** Every `{`, `}`, `(`, `)` deleted. */
function dropGroupChars(s: string): string {
  return s.replace(/[{}()]/g, "");
}

function bracketStrippedEqual(pred: string, ref: string): boolean {
  let p = pred;
  let r = ref;
  if ((wrapped(pred, "[", "]") && !ref.startsWith("(")) || (wrapped(pred, "(", ")") && !ref.startsWith("["))) {
    p = pyStripChars(p, "[]()");
    r = pyStripChars(r, "[]()");
  }
  return dropGroupChars(p) === dropGroupChars(r);
}

function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : undefined;
}

function or(a: Tri, b: () => Tri): Tri {
  if (a === true) return true;
  const rest = b();
  if (rest === true) return true;
  return a === false && rest === false ? false : undefined;
}

/** `[a,b]` against `[c,d]` (or both in parentheses): each comma part by `math_equal`. */
function partsEqual(pred: string, ref: string, symbolic: (a: string, b: string) => Tri): Tri {
  const same = (wrapped(pred, "[", "]") && wrapped(ref, "[", "]")) || (wrapped(pred, "(", ")") && wrapped(ref, "(", ")"));
  if (!same) return false;
  const ps = pred.slice(1, -1).split(",");
  const rs = ref.slice(1, -1).split(",");
  if (ps.length !== rs.length) return false;
  let all: Tri = true;
  for (let i = 0; i < ps.length && all !== false; i++) all = and(all, paperMathEqual(ps[i]!, rs[i]!, symbolic).result);
  return all;
}

/**
 * ToRA's verdict for a normalised prediction and ground truth. `symbolic(a, b)` answers ToRA's
 * `symbolic_equal` (true, false, or undefined while unknown).
 */
export function paperMathEqual(
  prediction: string,
  reference: string,
  symbolic: (a: string, b: string) => Tri,
): { result: Tri; rule: PaperRule } {
  const p = paperNumber(prediction);
  const g = paperNumber(reference);
  if (p !== null && g !== null) return { result: numbersEqual(p, g), rule: "numeric" };
  if (prediction === "") return { result: false, rule: "no-answer" };
  const ref = pyStrip(reference);
  const pred = pyStrip(prediction);
  if (bracketStrippedEqual(pred, ref)) return { result: true, rule: "exact" };
  const parts = partsEqual(pred, ref, symbolic);
  if (parts === true) return { result: true, rule: "structural" };
  return { result: or(parts === false ? false : undefined, () => symbolic(pred, ref)), rule: "symbolic" };
}
