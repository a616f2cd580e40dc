/**
 * Grading throughput of both modes (paper, robust): pairs/s single-thread and over the worker
 * pool, the share of pairs each rule decided, and p99 time per pair — on the three sets of
 * tora-grader-verdicts.jsonl (MATH gold solutions, the 800 Qwen2.5-Math samples, the 5,276 GSM8K
 * model solutions; whole outputs, answer extracted), with the ratio to ToRA's grader on the same
 * rows (11,076 pairs in 1.6 s on 2 processes ≈ 6,900 pairs/s). With --extra, also MATH gold
 * against equivalent re-renderings and against perturbed answers (robust); with --cas, the
 * symbolic-step comparison behind the CAS choice (Compute Engine in a worker vs sympy in Pyodide).
 *
 *   node --import tsx bench/grading.ts [--workers N] [--limit N] [--extra] [--cas]
 *
 * Needs MATHAGENT_DATA_DIR (scripts/env.sh sets it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { type GradeItem, type GradeMode, Grader, GraderPool, gradeFast, SymbolicChecker, type Verdict } from "../src/grading/index.js";
import { equivalentRenderings, perturbOneNumber } from "../test/grading/renderings.js";

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "2" },
    limit: { type: "string" },
    cas: { type: "boolean", default: false },
    extra: { type: "boolean", default: false },
  },
});
const WORKERS = Number(values.workers);
const LIMIT = values.limit ? Number(values.limit) : Infinity;

const dataDir = process.env.MATHAGENT_DATA_DIR;
if (!dataDir) {
  console.error("MATHAGENT_DATA_DIR is not set: source scripts/env.sh or point it at the shared data folder");
  process.exit(2);
}

function readJsonl<T>(rel: string): T[] {
  return fs
    .readFileSync(path.join(dataDir!, rel), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function mathRenderingItems(): GradeItem[] {
  const rows = JSON.parse(fs.readFileSync(path.join(dataDir!, "grading/math-test-answer-types.json"), "utf8")) as {
    answer: string | string[];
    human_type: string;
  }[];
  const items: GradeItem[] = [];
  for (const row of rows) {
    for (const answer of [row.answer].flat().map(String)) {
      for (const r of equivalentRenderings(answer, row.human_type)) items.push({ pred: r.text, gt: answer, dataset: "math" });
    }
  }
  return items.slice(0, LIMIT);
}

/** Symbolic-heavier: gold answers of non-numeric types against a one-number perturbation. */
function perturbedItems(): GradeItem[] {
  const rows = JSON.parse(fs.readFileSync(path.join(dataDir!, "grading/math-test-answer-types.json"), "utf8")) as {
    answer: string | string[];
    human_type: string;
  }[];
  const items: GradeItem[] = [];
  for (const row of rows) {
    if (row.human_type === "Real") continue;
    for (const answer of [row.answer].flat().map(String)) {
      const p = perturbOneNumber(answer);
      if (p !== null) items.push({ pred: p, gt: answer, dataset: "math" });
    }
  }
  return items.slice(0, LIMIT);
}

/** ToRA's grader on the 11,076 rows of tora-grader-verdicts.jsonl: 1.6 s on 2 worker processes. */
const TORA_PAIRS_PER_S = 11076 / 1.6;

function toraSets(): [string, GradeItem[]][] {
  const rows = readJsonl<{ set: string; dataset: "math" | "gsm8k"; pred_text: string; gt: string }>("grading/tora-grader-verdicts.jsonl");
  const sets = new Map<string, GradeItem[]>();
  for (const r of rows) {
    const items = sets.get(r.set) ?? [];
    items.push({ pred: r.pred_text, gt: r.gt, dataset: r.dataset, extract: true });
    sets.set(r.set, items);
  }
  return [...sets].map(([name, items]) => [name, items.slice(0, LIMIT)]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function shares(verdicts: Verdict[]): string {
  const counts: Record<string, number> = {};
  for (const v of verdicts) counts[v.rule] = (counts[v.rule] ?? 0) + 1;
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${((100 * n) / verdicts.length).toFixed(1)}%`)
    .join(", ");
}

function rate(n: number, ms: number): string {
  const perS = (n * 1000) / ms;
  return `${Math.round(perS)} pairs/s (${(perS / TORA_PAIRS_PER_S).toFixed(2)}× ToRA's 6,900)`;
}

async function singleThread(name: string, items: GradeItem[], mode: GradeMode): Promise<void> {
  const grader = new Grader({ mode });
  // Warm the CAS worker so its start-up is not billed to the first symbolic pair.
  await grader.grade("x+1", "1+x");
  const times: number[] = [];
  const verdicts: Verdict[] = [];
  const t0 = performance.now();
  for (const item of items) {
    const s = performance.now();
    const options = { ...item, mode };
    const fast = gradeFast(item.pred, item.gt, options);
    verdicts.push(fast.correct === undefined ? await grader.grade(item.pred, item.gt, options) : fast);
    times.push(performance.now() - s);
  }
  const ms = performance.now() - t0;
  await grader.close();
  times.sort((a, b) => a - b);
  const correct = verdicts.filter((v) => v.correct).length;
  console.log(
    `${mode} · ${name}, single thread: ${items.length} pairs in ${(ms / 1000).toFixed(2)} s = ${rate(items.length, ms)}; ` +
      `p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms, max ${times.at(-1)!.toFixed(1)} ms; ` +
      `${correct} correct`,
  );
  console.log(`  decided by: ${shares(verdicts)}`);
}

async function pooled(name: string, items: GradeItem[], mode: GradeMode): Promise<void> {
  const chunkSize = 256;
  const pool = new GraderPool({ workers: WORKERS, chunkSize, mode });
  // Start every worker and its CAS worker: one symbolic chunk each, outside the timing.
  const warm = Array.from({ length: WORKERS * chunkSize }, (): GradeItem => ({ pred: "x+1", gt: "1+x" }));
  await pool.gradeBatch(warm);
  const t0 = performance.now();
  const verdicts = await pool.gradeBatch(items);
  const ms = performance.now() - t0;
  await pool.close();
  console.log(
    `${mode} · ${name}, pool of ${WORKERS}: ${items.length} pairs in ${(ms / 1000).toFixed(2)} s = ${rate(items.length, ms)}; ` +
      `${verdicts.filter((v) => v.correct).length} correct`,
  );
}

/** The same expression pairs in LaTeX (for the Compute Engine) and in sympy syntax. */
const CAS_PAIRS: [string, string, string, string, boolean][] = [
  ["x^2+2x+1", "(x+1)^2", "x**2+2*x+1", "(x+1)**2", true],
  ["x^2+2x+1", "(x+2)^2", "x**2+2*x+1", "(x+2)**2", false],
  ["\\sin^2 x+\\cos^2 x", "1", "sin(x)**2+cos(x)**2", "1", true],
  ["\\frac{x^2-1}{x-1}", "x+1", "(x**2-1)/(x-1)", "x+1", true],
  ["7(x+3)(x-3)", "7x^2-63", "7*(x+3)*(x-3)", "7*x**2-63", true],
  ["2x(15x^2-4x+10)", "30x^3-8x^2+20x", "2*x*(15*x**2-4*x+10)", "30*x**3-8*x**2+20*x", true],
  ["\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", "(x+2)/7", "x/7+2/7", true],
  ["\\frac{x+3}{7}", "\\frac{x+2}{7}", "(x+3)/7", "(x+2)/7", false],
  ["\\sqrt{x}", "x^{1/2}", "sqrt(x)", "x**(1/2)", true],
  ["6r^2-4r-24", "2(3r^2-2r-12)", "6*r**2-4*r-24", "2*(3*r**2-2*r-12)", true],
  ["-\\sqrt{x-3}+3", "3-\\sqrt{x-3}", "-sqrt(x-3)+3", "3-sqrt(x-3)", true],
  ["\\frac{1}{5}+\\frac{3}{5}i", "\\frac{1+3i}{5}", "1/5+3*I/5", "(1+3*I)/5", true],
  ["2^{2005}\\cdot 2", "2^{2006}", "2**2005*2", "2**2006", true],
  ["\\frac{3}{2004!}", "\\frac{1}{2004!}", "3/factorial(2004)", "1/factorial(2004)", false],
  ["(a+b)^5", "a^5+5a^4b+10a^3b^2+10a^2b^3+5ab^4+b^5", "(a+b)**5", "a**5+5*a**4*b+10*a**3*b**2+10*a**2*b**3+5*a*b**4+b**5", true],
  ["\\log_2 8", "3", "log(8,2)", "3", true],
];

async function compareCas(): Promise<void> {
  console.log(`\nCAS comparison on ${CAS_PAIRS.length} expression pairs (after warm-up, serial):`);
  let t0 = performance.now();
  const checker = new SymbolicChecker({ timeoutMs: 10_000 });
  await checker.check({ kind: "expression", a: "x", b: "x" });
  const ceStart = performance.now() - t0;
  t0 = performance.now();
  let ceRight = 0;
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    for (const [a, b, , , eq] of CAS_PAIRS) if ((await checker.check({ kind: "expression", a, b })).equal === eq && r === 0) ceRight++;
  }
  const cePer = (performance.now() - t0) / (rounds * CAS_PAIRS.length);
  await checker.close();
  console.log(`  Compute Engine (worker thread): start-up ${ceStart.toFixed(0)} ms, ${cePer.toFixed(2)} ms/pair, ${ceRight}/${CAS_PAIRS.length} right`);

  // sympy from Debian's python3-sympy, imported into Pyodide from the local disk.
  const sympyDir = "/usr/lib/python3/dist-packages";
  if (!fs.existsSync(path.join(sympyDir, "sympy"))) {
    console.log(`  sympy in Pyodide: skipped (no sympy in ${sympyDir}; apt-get install python3-sympy)`);
    return;
  }
  t0 = performance.now();
  const { loadPyodide } = await import("pyodide");
  const py = await loadPyodide();
  py.FS.mkdirTree("/deb");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: sympyDir }, "/deb");
  py.runPython(`
import sys; sys.path.append('/deb')
import sympy
from sympy.parsing.sympy_parser import parse_expr, standard_transformations, implicit_multiplication_application, convert_xor
T = standard_transformations + (implicit_multiplication_application, convert_xor)
def eq(a, b):
    A = parse_expr(a, transformations=T); B = parse_expr(b, transformations=T)
    return bool(sympy.simplify(A - B) == 0)
`);
  const eq = py.globals.get("eq") as (a: string, b: string) => boolean;
  const pyStart = performance.now() - t0;
  t0 = performance.now();
  let pyRight = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [, , a, b, want] of CAS_PAIRS) if (eq(a, b) === want && r === 0) pyRight++;
  }
  const pyPer = (performance.now() - t0) / (rounds * CAS_PAIRS.length);
  console.log(
    `  sympy ${py.runPython("sympy.__version__")} in Pyodide (main thread, sympy syntax, no LaTeX parser): start-up ${pyStart.toFixed(0)} ms, ${pyPer.toFixed(2)} ms/pair, ${pyRight}/${CAS_PAIRS.length} right`,
  );
}

console.log(`grading benchmark (${new Date().toISOString()}, node ${process.version})`);
const sets = toraSets();
const all: GradeItem[] = sets.flatMap(([, items]) => items);
for (const mode of ["paper", "robust"] as const) {
  for (const [name, items] of sets) await singleThread(name, items, mode);
  await singleThread("all 11,076 rows", all, mode);
  await pooled("all 11,076 rows", all, mode);
}
if (values.extra) {
  for (const [name, items] of [
    ["MATH gold vs re-renderings", mathRenderingItems()],
    ["MATH non-Real gold vs perturbed", perturbedItems()],
  ] as const) {
    await singleThread(name, items, "robust");
    await pooled(name, items, "robust");
  }
}
if (values.cas) await compareCas();
