/**
 * The shape of a normalised answer: a matrix, a union of intervals, a bracketed tuple, a set or
 * bare list, an equation, or one scalar. Equivalence compares shapes element by element.
 */
import { firstGroupSpansAll, splitTopLevel } from "./latex.js";

export interface Interval {
  open: "(" | "[";
  close: ")" | "]";
  lo: string;
  hi: string;
}

export type Shape =
  | { kind: "matrix"; rows: string[][] }
  | { kind: "intervals"; parts: Interval[] }
  | { kind: "tuple"; open: string; close: string; items: string[] }
  | { kind: "set"; items: string[] }
  | { kind: "equation"; lhs: string; rhs: string }
  | { kind: "scalar"; value: string };

const MATRIX = /^\\begin\{pmatrix\}(.*)\\end\{pmatrix\}$/s;

/** The shape of a normalised answer. */
export function shapeOf(s: string): Shape {
  const m = MATRIX.exec(s);
  if (m && !m[1]!.includes("\\begin{pmatrix}")) {
    const rows = m[1]!
      .split("\\\\")
      .map((r) => r.trim())
      .filter((r) => r !== "")
      .map((r) => r.split("&").map((c) => c.trim()));
    return { kind: "matrix", rows };
  }

  const unionParts = splitTopLevel(s, "\\cup");
  if (unionParts.length > 1 || isInterval(s)) {
    const parts = unionParts.flatMap(parseUnionPart);
    if (parts.every((p): p is Interval => p !== null)) return { kind: "intervals", parts };
  }

  if (bracketed(s)) {
    const inner = s.slice(1, -1);
    const items = splitTopLevel(inner, ",");
    if (s[0] === "{") return { kind: "set", items: expandPlusMinus(items) };
    return { kind: "tuple", open: s[0]!, close: s[s.length - 1]!, items };
  }

  const items = splitTopLevel(s, ",");
  if (items.length > 1) return { kind: "set", items: expandPlusMinus(items) };

  const sides = splitTopLevel(s, "=");
  if (sides.length === 2 && sides[0] !== "" && sides[1] !== "") {
    return { kind: "equation", lhs: sides[0]!, rhs: sides[1]! };
  }

  const pm = expandPlusMinus([s]);
  if (pm.length > 1) return { kind: "set", items: pm };
  return { kind: "scalar", value: s };
}

/** `(…)`, `[…]`, `{…}` around the whole string (any closer for intervals like `[0,1)`). */
function bracketed(s: string): boolean {
  if (!/^[([{]/.test(s) || !/[)\]}]$/.test(s)) return false;
  return firstGroupSpansAll(s);
}

/** An interval has two items and ends that are not both parentheses unless one is infinite. */
function isInterval(s: string): boolean {
  const iv = parseInterval(s);
  if (iv === null) return false;
  const mixed = iv.open !== "(" || iv.close !== ")";
  return mixed || /\\infty/.test(iv.lo + iv.hi);
}

/** An interval, or a set of points `{-3}` / `{1,2}` as degenerate closed intervals. */
function parseUnionPart(s: string): (Interval | null)[] {
  const t = s.trim();
  if (t.startsWith("{") && bracketed(t)) {
    return splitTopLevel(t.slice(1, -1), ",").map((x) => ({ open: "[", close: "]", lo: x.trim(), hi: x.trim() }));
  }
  return [parseInterval(t)];
}

function parseInterval(s: string): Interval | null {
  const t = s.trim();
  if (!/^[([]/.test(t) || !/[)\]]$/.test(t) || !bracketed(t)) return null;
  const items = splitTopLevel(t.slice(1, -1), ",");
  if (items.length !== 2) return null;
  return { open: t[0] as "(" | "[", close: t[t.length - 1] as ")" | "]", lo: items[0]!.trim(), hi: items[1]!.trim() };
}

/** `a\pm b` → `a+b`, `a-b`; each item with one top-level `\pm` becomes two. */
export function expandPlusMinus(items: string[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const parts = splitTopLevel(item, "\\pm");
    if (parts.length === 2) {
      const [a, b] = parts as [string, string];
      if (a.trim() === "") out.push(b, `-${b}`);
      else out.push(`${a}+${b}`, `${a}-${b}`);
    } else out.push(item);
  }
  return out;
}

/** The items of a one-row or one-column matrix, for comparing with a tuple. */
export function matrixAsVector(rows: string[][]): string[] | null {
  if (rows.length === 1) return rows[0]!;
  if (rows.every((r) => r.length === 1)) return rows.map((r) => r[0]!);
  return null;
}
