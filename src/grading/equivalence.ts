/**
 * Equivalence of two normalised answers, cheap steps first: exact → multiple choice → numeric →
 * structural (element by element) → symbolic. The comparison is three-valued: `undefined` means
 * "a symbolic check is needed". It never calls the CAS itself; it asks `ctx.symbolic`, which
 * either knows the answer (cached) or records the query, so the same code serves the synchronous
 * fast path and the asynchronous full check.
 */
import { parseNumeric, robustNumericEqual } from "./numeric.js";
import { type Interval, matrixAsVector, shapeOf, type Shape } from "./structure.js";

export type Tri = boolean | undefined;

/** The step that decided a verdict. */
export type Rule =
  | "no-answer" // nothing was extracted from the prediction
  | "exact" // equal strings after normalisation
  | "choice" // multiple-choice letters
  | "numeric" // both numbers: equal (robust: up to float noise or the gt's stated precision; paper: rel. 1e-4) or not
  | "structural" // tuples, intervals, sets, matrices, ±, compared element-wise
  | "equation" // equations compared as equations
  | "text" // words that differ
  | "symbolic" // decided by the CAS
  | "symbolic-timeout" // the CAS ran past its time limit: counted as not equal
  | "too-long" // an answer too long to be a real one: not equal
  | "malformed" // unbalanced or absurdly deep brackets: not equal, and not worth a CAS call
  | "undecided"; // only from the fast path: needs the symbolic step

/** What a symbolic query asks: are two expressions equal, or two equations equivalent? */
export interface SymbolicQuery {
  /** `paper`: ToRA's `symbolic_equal` (sympy-like parse, `simplify(a-b) == 0` or values within rel. 1e-3). */
  kind: "expression" | "equation" | "paper";
  a: string;
  b: string;
}

export interface CompareContext {
  percentVariants: boolean;
  /** Known answer for a symbolic query, or undefined (and the query is recorded). */
  symbolic(query: SymbolicQuery): Tri;
}

/** Answers longer than this are not compared beyond exact equality. */
export const MAX_ANSWER_LENGTH = 2000;
const MAX_DEPTH = 6;
const MAX_NESTING = 64;
const MULTIPLE_CHOICE = /^[A-E]$/;

export function compareAnswers(pred: string, gt: string, ctx: CompareContext): { result: Tri; rule: Rule } {
  if (sameText(pred, gt)) return { result: true, rule: "exact" };
  if (MULTIPLE_CHOICE.test(gt)) return { result: pred.toUpperCase() === gt, rule: "choice" };
  if (pred.length > MAX_ANSWER_LENGTH || gt.length > MAX_ANSWER_LENGTH) return { result: false, rule: "too-long" };
  if (!wellFormed(pred) || !wellFormed(gt)) return { result: false, rule: "malformed" };
  const p = parseNumeric(pred);
  const g = parseNumeric(gt);
  if (p !== null && g !== null) {
    return { result: robustNumericEqual(p, g, gt, ctx.percentVariants), rule: "numeric" };
  }

  const ps = shapeOf(pred);
  const gs = shapeOf(gt);
  if (ps.kind === "scalar" && gs.kind === "scalar") return compareScalar(pred, gt, ctx);
  if (ps.kind === "equation" || gs.kind === "equation") return { result: compareEquations(ps, gs, ctx), rule: "equation" };
  return { result: compareShapes(ps, gs, ctx, 0), rule: "structural" };
}

/**
 * Brackets balance in total (interval ends may mix kinds: `[0,1)`), never close before they open,
 * and nest at most MAX_NESTING deep.
 */
function wellFormed(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\") {
      const next = s[i + 1];
      if (next === "{") depth++;
      else if (next === "}") depth--;
      i++;
    } else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (depth < 0 || depth > MAX_NESTING) return false;
  }
  return depth === 0;
}

function sameText(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/** Plain words ("Evelyn", "odd", "neither"): a run of 4+ letters that is not a command. */
function isText(s: string): boolean {
  return /(?<![\\a-zA-Z])[a-zA-Z]{4,}/.test(s.replace(/\\[a-zA-Z]+/g, " "));
}

function compareScalar(pred: string, gt: string, ctx: CompareContext): { result: Tri; rule: Rule } {
  if (isText(pred) || isText(gt)) return { result: false, rule: "text" };
  return { result: ctx.symbolic({ kind: "expression", a: pred, b: gt }), rule: "symbolic" };
}

/** Leaf equality inside structures: exact, numeric, else symbolic. */
function leafEqual(a: string, b: string, ctx: CompareContext, depth: number): Tri {
  const x = a.trim();
  const y = b.trim();
  if (sameText(x, y)) return true;
  if (x === "" || y === "") return false;
  const p = parseNumeric(x);
  const g = parseNumeric(y);
  if (p !== null && g !== null) return robustNumericEqual(p, g, y, ctx.percentVariants);
  const xs = shapeOf(x);
  const ys = shapeOf(y);
  if (xs.kind !== "scalar" || ys.kind !== "scalar") {
    return depth >= MAX_DEPTH ? false : compareShapes(xs, ys, ctx, depth + 1);
  }
  return compareScalar(x, y, ctx).result;
}

function compareEquations(ps: Shape, gs: Shape, ctx: CompareContext): Tri {
  if (ps.kind === "equation" && gs.kind === "equation") {
    if (leafEqual(ps.lhs, gs.lhs, ctx, MAX_DEPTH) === true && leafEqual(ps.rhs, gs.rhs, ctx, MAX_DEPTH) === true) return true;
    return ctx.symbolic({ kind: "equation", a: `(${ps.lhs})-(${ps.rhs})`, b: `(${gs.lhs})-(${gs.rhs})` });
  }
  // One side is an equation with a short left side ("y=2x+1" against "2x+1") or a number on the
  // right ("z^3 = -1" against "-1", a labelled value): compare right sides.
  const [eq, other] = ps.kind === "equation" ? [ps, gs] : [gs as Shape & { kind: "equation" }, ps];
  if (eq.kind !== "equation" || other.kind !== "scalar") return false;
  if (eq.lhs.replace(/\s/g, "").length > 2 && parseNumeric(eq.rhs.trim()) === null) return false;
  return ps.kind === "equation" ? leafEqual(eq.rhs, other.value, ctx, MAX_DEPTH) : leafEqual(other.value, eq.rhs, ctx, MAX_DEPTH);
}

function compareShapes(ps: Shape, gs: Shape, ctx: CompareContext, depth: number): Tri {
  // A 2-tuple in parentheses is also an open interval.
  if (gs.kind === "intervals" && ps.kind === "tuple") return compareShapes(tupleAsIntervals(ps) ?? ps, gs, ctx, depth);
  if (ps.kind === "intervals" && gs.kind === "tuple") return compareShapes(ps, tupleAsIntervals(gs) ?? gs, ctx, depth);

  switch (gs.kind) {
    case "matrix": {
      if (ps.kind === "matrix") {
        if (ps.rows.length !== gs.rows.length || ps.rows.some((r, i) => r.length !== gs.rows[i]!.length)) return false;
        return ordered(ps.rows.flat(), gs.rows.flat(), ctx, depth);
      }
      const vec = matrixAsVector(gs.rows);
      if (vec && ps.kind === "tuple" && ps.open === "(") return ordered(ps.items, vec, ctx, depth);
      return false;
    }
    case "intervals": {
      if (ps.kind !== "intervals" || ps.parts.length !== gs.parts.length) return false;
      const same = (a: Interval, b: Interval): Tri =>
        a.open !== b.open || a.close !== b.close ? false : and(leafEqual(a.lo, b.lo, ctx, depth), leafEqual(a.hi, b.hi, ctx, depth));
      return matchAll(ps.parts, gs.parts, same);
    }
    case "tuple": {
      if (ps.kind === "tuple") {
        if (ps.open !== gs.open || ps.close !== gs.close) return false;
        return ordered(ps.items, gs.items, ctx, depth);
      }
      if (ps.kind === "set") return ordered(ps.items, gs.items, ctx, depth);
      if (ps.kind === "matrix") {
        const vec = matrixAsVector(ps.rows);
        return vec && gs.open === "(" ? ordered(vec, gs.items, ctx, depth) : false;
      }
      return false;
    }
    case "set": {
      if (ps.kind === "set") return unordered(ps.items, gs.items, ctx, depth);
      if (ps.kind === "tuple") return ordered(ps.items, gs.items, ctx, depth);
      if (ps.kind === "scalar" && gs.items.length === 1) return leafEqual(ps.value, gs.items[0]!, ctx, depth);
      return false;
    }
    case "scalar": {
      if (ps.kind === "set" && ps.items.length === 1) return leafEqual(ps.items[0]!, gs.value, ctx, depth);
      return false;
    }
    case "equation":
      return compareEquations(ps, gs, ctx);
  }
}

function tupleAsIntervals(t: Shape & { kind: "tuple" }): Shape | null {
  if (t.items.length !== 2) return null;
  return { kind: "intervals", parts: [{ open: t.open as "(", close: t.close as ")", lo: t.items[0]!, hi: t.items[1]! }] };
}

function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === true && b === true) return true;
  return undefined;
}

function ordered(ps: string[], gs: string[], ctx: CompareContext, depth: number): Tri {
  if (ps.length !== gs.length) return false;
  let result: Tri = true;
  for (let i = 0; i < ps.length; i++) {
    result = and(result, leafEqual(ps[i]!, gs[i]!, ctx, depth));
    if (result === false) return false;
  }
  return result;
}

function unordered(ps: string[], gs: string[], ctx: CompareContext, depth: number): Tri {
  return matchAll(ps, gs, (a, b) => leafEqual(a, b, ctx, depth));
}

/**
 * Order-free matching: true when a perfect matching exists using only `true` edges, false when
 * none exists even if every unknown edge were true, else unknown.
 */
function matchAll<T>(ps: T[], gs: T[], eq: (a: T, b: T) => Tri): Tri {
  if (ps.length !== gs.length) return false;
  if (ps.length > 64) return false; // no real answer lists this many items
  const edges = ps.map((p) => gs.map((g) => eq(p, g)));
  if (perfectMatching(edges, (e) => e === true)) return true;
  if (!perfectMatching(edges, (e) => e !== false)) return false;
  return undefined;
}

/** Bipartite perfect matching by augmenting paths (Kuhn); sizes here are tiny. */
function perfectMatching(edges: Tri[][], usable: (e: Tri) => boolean): boolean {
  const n = edges.length;
  const matchOfG: number[] = new Array(n).fill(-1);
  const tryAssign = (p: number, seen: boolean[]): boolean => {
    for (let g = 0; g < n; g++) {
      if (!usable(edges[p]![g]) || seen[g]) continue;
      seen[g] = true;
      if (matchOfG[g] === -1 || tryAssign(matchOfG[g]!, seen)) {
        matchOfG[g] = p;
        return true;
      }
    }
    return false;
  };
  for (let p = 0; p < n; p++) if (!tryAssign(p, new Array(n).fill(false))) return false;
  return true;
}
