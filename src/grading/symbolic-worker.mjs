// Symbolic equality with the Cortex Compute Engine, in a worker thread so a slow or runaway
// check can be cut off by terminating the thread. Plain JavaScript on purpose: it loads the same
// way under tsx, plain Node and the tslab kernel.
//
// Message in:  { id, kind: "expression" | "equation" | "paper", a, b }   (normalised LaTeX)
// Message out: { id, result: boolean, error?: string }           and { ready: true } once at start.
import { parentPort } from "node:worker_threads";
import { ComputeEngine } from "@cortex-js/compute-engine";

const ce = new ComputeEngine();
// Fixed sample points (not 0, 1, or small integers where unequal polynomials often agree).
const POINTS = [0.5772, 1.4142, -0.7071, 2.7183, -1.6180, 0.3183];
const REL_TOL = 1e-6;

function parse(latex) {
  const e = ce.parse(latex);
  if (!e.isValid) throw new Error(`not valid LaTeX for the CAS: ${latex.slice(0, 80)}`);
  return e;
}

/** A finite complex value {re, im}, or null. */
function valueOf(expr) {
  const v = expr.N();
  const re = v.re;
  const im = v.im ?? 0;
  if (typeof re !== "number" || !Number.isFinite(re) || !Number.isFinite(im)) return null;
  return { re, im };
}

function close(x, y) {
  const scale = Math.max(Math.hypot(x.re, x.im), Math.hypot(y.re, y.im));
  const gap = Math.hypot(x.re - y.re, x.im - y.im);
  // Relative, with a tiny absolute floor for round-off around zero (sin²x + cos²x − 1).
  return gap <= REL_TOL * scale || gap <= 1e-12;
}

function unknownsOf(...exprs) {
  const names = new Set();
  for (const e of exprs) for (const n of e.unknowns ?? []) names.add(n);
  return [...names];
}

function at(expr, vars, k) {
  const subs = {};
  vars.forEach((name, j) => {
    subs[name] = ce.number(POINTS[(k + 2 * j) % POINTS.length] + 0.1 * j);
  });
  return valueOf(expr.subs(subs));
}

/** Equal expressions agree at every point where both are defined; require several such points. */
function sampledEqual(A, B, vars) {
  let agreed = 0;
  for (let k = 0; k < POINTS.length; k++) {
    const x = at(A, vars, k);
    const y = at(B, vars, k);
    if (x === null || y === null) continue;
    if (!close(x, y)) return false;
    agreed++;
  }
  return agreed >= 3;
}

// Heads sympy would not subtract: tuples, lists, sets, relations, ratios, strings.
const NOT_SCALAR = new Set([
  "Tuple", "List", "Set", "Sequence", "Delimiter", "Pair", "Triple", "Matrix", "Equal", "NotEqual", "Less",
  "LessEqual", "Greater", "GreaterEqual", "Colon", "Element", "Union", "Intersection", "Interval", "Range",
  "String", "PlusMinus", "Error",
]);

/**
 * ToRA's symbolic_equal: simplify(a - b) == 0, or both evaluate to real numbers within
 * math.isclose(rel_tol=1e-3). Anything sympy could not subtract is not equal.
 */
function paperEqual(a, b) {
  const A = parse(a);
  const B = parse(b);
  if (NOT_SCALAR.has(A.operator) || NOT_SCALAR.has(B.operator)) return false;
  if (A.isSame(B)) return true;
  const vars = unknownsOf(A, B);
  if (vars.length > 0) {
    if (ce.box(["Subtract", A, B]).simplify().isSame(0)) return true;
    return sampledEqual(A, B, vars);
  }
  const diff = ce.box(["Subtract", A, B]).evaluate();
  if (diff.isSame(0)) return true;
  const x = valueOf(A);
  const y = valueOf(B);
  if (x === null || y === null || x.im !== 0 || y.im !== 0) return false;
  const gap = Math.abs(x.re - y.re);
  return gap <= 1e-3 * Math.abs(x.re) || gap <= 1e-3 * Math.abs(y.re);
}

function expressionsEqual(a, b) {
  const A = parse(a);
  const B = parse(b);
  if (A.isSame(B)) return true;
  const vars = unknownsOf(A, B);
  if (vars.length === 0) {
    // Exact arithmetic first: 2^{2005} and 1/2004! are beyond floating point. (`isSame` is
    // structural; `is(0)` and `isEqual` use a tolerance and call 3/2004! equal to 1/2004!.)
    const diff = ce.box(["Subtract", A, B]).evaluate();
    if (diff.isSame(0)) return true;
    if (diff.isNumberLiteral && diff.isExact) return false;
    const x = valueOf(A);
    const y = valueOf(B);
    return x !== null && y !== null && close(x, y);
  }
  const diff = ce.box(["Subtract", A, B]).simplify();
  if (diff.isSame(0)) return true;
  return sampledEqual(A, B, vars);
}

/** Equations f = 0 and g = 0 (given as f and g) are the same when f / g is one non-zero constant. */
function equationsEquivalent(a, b) {
  const F = parse(a);
  const G = parse(b);
  const vars = unknownsOf(F, G);
  if (vars.length === 0) return false;
  let ratio = null;
  let agreed = 0;
  for (let k = 0; k < POINTS.length; k++) {
    const f = at(F, vars, k);
    const g = at(G, vars, k);
    if (f === null || g === null) continue;
    const gAbs = Math.hypot(g.re, g.im);
    const fAbs = Math.hypot(f.re, f.im);
    if (gAbs < 1e-12 || fAbs < 1e-12) {
      if (gAbs < 1e-12 && fAbs < 1e-12) continue;
      return false;
    }
    const d = g.re * g.re + g.im * g.im;
    const r = { re: (f.re * g.re + f.im * g.im) / d, im: (f.im * g.re - f.re * g.im) / d };
    if (ratio === null) ratio = r;
    else if (!close(ratio, r)) return false;
    agreed++;
  }
  return agreed >= 3;
}

parentPort.on("message", (msg) => {
  let result = false;
  let error;
  try {
    const check = msg.kind === "equation" ? equationsEquivalent : msg.kind === "paper" ? paperEqual : expressionsEqual;
    result = check(msg.a, msg.b);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  parentPort.postMessage({ id: msg.id, result, error });
});

// Warm the engine (its first parse compiles dictionaries), then say we are ready.
try {
  expressionsEqual("x^2+1", "1+x^2");
} catch {
  // A failed warm-up only means the first real query pays for it.
}
parentPort.postMessage({ ready: true });
