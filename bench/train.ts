/**
 * The paper's Tables 1 and 2 in miniature on the tiny policy: every method of `METHODS` from the same
 * SFT model, 3 iterations each, greedy accuracy on the fixed synthetic test set, per seed and as
 * mean ± sd over seeds. One process per seed (run `--jobs` at a time); the table, the command, the
 * settings, the seeds and the versions go to one JSON file.
 *
 *   node --import tsx bench/train.ts --seeds 0,1,2 --test 1000 --out data/tiny/results.json
 *   node --import tsx bench/train.ts --aggregate data/tiny/results.json       # print a saved table
 *   node --import tsx bench/train.ts --aggregate data/tiny/results.json --markdown   # its tables as docs/train.md shows them
 *   node --import tsx bench/train.ts ... --dir DIR --no-run    # the table from the (partial) per-seed files in DIR
 *   node --import tsx bench/train.ts ... --test 300 --test-from 1000   # a validation slice, disjoint from the table's test set
 *   node --import tsx bench/train.ts ... --select best [--validation 300] [--checkpoint-every 10]   # keep each iteration's best checkpoint (chosen on test problems 1,000+)
 *
 * Each worker saves its seed's runs after every method (DIR/seed-S.json), so a run cut short still gives
 * the rows it finished.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { projectPath } from "../src/paths.js";
import { SYNTHETIC_VALIDATION_SIZE, syntheticRunProblems, syntheticTestProblems, syntheticValidationProblems } from "../src/data/synthetic.js";
import { ensureBackend } from "../src/losses/index.js";
import { PyodidePool } from "../src/interpreter/index.js";
import { checkTargets, findingsView, ITERATE_DEFAULTS, METHOD_NAMES, runMethods, summariseMethods, tableFindings, tableView, TinyModel, type IterateSettings, type IterationMetrics, type MethodName, type SummaryRow } from "../src/train/index.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "data/tiny/sft" },
    previous: { type: "string" },
    seeds: { type: "string", default: "0,1,2" },
    methods: { type: "string", default: METHOD_NAMES.join(",") },
    test: { type: "string", default: "1000" },
    "test-from": { type: "string", default: "0" },
    prompts: { type: "string", default: String(ITERATE_DEFAULTS.promptsPerIteration) },
    samples: { type: "string", default: String(ITERATE_DEFAULTS.samplesPerPrompt) },
    "previous-samples": { type: "string", default: String(ITERATE_DEFAULTS.previousSamples) },
    lr: { type: "string", default: String(ITERATE_DEFAULTS.lr) },
    epochs: { type: "string", default: String(ITERATE_DEFAULTS.epochs) },
    temperature: { type: "string", default: String(ITERATE_DEFAULTS.temperature) },
    nll: { type: "string", default: String(ITERATE_DEFAULTS.nllCoef) },
    select: { type: "string", default: ITERATE_DEFAULTS.select },
    "checkpoint-every": { type: "string", default: String(ITERATE_DEFAULTS.checkpointEvery) },
    validation: { type: "string", default: String(SYNTHETIC_VALIDATION_SIZE) },
    jobs: { type: "string", default: "3" },
    out: { type: "string", default: "data/tiny/results.json" },
    worker: { type: "string" },
    dir: { type: "string" },
    "no-run": { type: "boolean", default: false },
    aggregate: { type: "string" },
    markdown: { type: "boolean", default: false },
  },
});

/** The settings every method shares (each method's own go over them, see METHODS). */
function sharedSettings(): Partial<IterateSettings> {
  return {
    iterations: 3,
    promptsPerIteration: Number(values.prompts),
    samplesPerPrompt: Number(values.samples),
    previousSamples: Number(values["previous-samples"]),
    lr: Number(values.lr),
    epochs: Number(values.epochs),
    temperature: Number(values.temperature),
    nllCoef: Number(values.nll),
    select: values.select as IterateSettings["select"],
    checkpointEvery: Number(values["checkpoint-every"]),
  };
}

/**
 * Test problems `--test-from` … `--test-from + --test − 1` of the synthetic test split. The table uses the
 * first 1,000; a setting is chosen on problems 1,000 and up (a validation slice the table never reads).
 */
function testFrom(): number {
  const from = Number(values["test-from"]);
  if (!Number.isInteger(from) || from < 0) throw new Error(`--test-from must be an integer ≥ 0, got "${values["test-from"]}"`);
  return from;
}

function testProblems() {
  return syntheticTestProblems(Number(values.test), testFrom());
}

/** With `--select best`: the held-out problems the checkpoints are chosen on (never the table's). */
function validationProblems() {
  return values.select === "best" ? syntheticValidationProblems(Number(values.validation), testFrom() + Number(values.test)) : undefined;
}

/** Worker: one seed, every method; writes {seed, seconds, runs} to `file`. */
async function worker(seed: number, file: string): Promise<void> {
  await ensureBackend();
  const pool = new PyodidePool({ workers: 1, timeoutMs: 5000 });
  const t0 = Date.now();
  try {
    const settings = { ...sharedSettings(), seed };
    const validation = validationProblems();
    const runs = await runMethods({
      policy: TinyModel.load(values.model!),
      ...(values.previous ? { previousPolicy: TinyModel.load(values.previous) } : {}),
      problems: syntheticRunProblems(settings.promptsPerIteration!, settings.iterations!, seed),
      testProblems: testProblems(),
      ...(validation ? { validationProblems: validation } : {}),
      methods: values.methods!.split(",") as MethodName[],
      settings,
      interpreter: () => pool.session(),
      onLog: (l) => console.error(`[seed ${seed}] ${l}`),
      onMethod: (runs) => fs.writeFileSync(file, JSON.stringify({ seed, seconds: (Date.now() - t0) / 1000, runs }) + "\n"),
    });
    fs.writeFileSync(file, JSON.stringify({ seed, seconds: (Date.now() - t0) / 1000, runs }) + "\n");
  } finally {
    await pool.close();
  }
}

function runWorker(seed: number, dir: string): Promise<void> {
  const args = ["--import", "tsx", projectPath("bench", "train.ts"), ...process.argv.slice(2).filter((a) => a !== "--no-run"), "--worker", String(seed), "--aggregate", path.join(dir, `seed-${seed}.json`)];
  return new Promise((resolve, reject) => {
    const log = fs.createWriteStream(path.join(dir, `seed-${seed}.log`));
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`seed ${seed} exited ${c}; see ${dir}/seed-${seed}.log`))));
  });
}

async function pool<T>(items: readonly T[], jobs: number, f: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await f(x);
  }));
}

function versions(): Record<string, string> {
  const pkg = (name: string) => (JSON.parse(fs.readFileSync(projectPath("node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: projectPath(), encoding: "utf8" }).trim();
  } catch { /* not a git checkout */ }
  return { node: process.version, "@tensorflow/tfjs": pkg("@tensorflow/tfjs"), pyodide: pkg("pyodide"), mathagent: (JSON.parse(fs.readFileSync(projectPath("package.json"), "utf8")) as { version: string }).version, commit };
}

function printTable(rows: readonly SummaryRow[]): void {
  const f = (x: number | null) => (x === null ? "-" : x.toFixed(1));
  console.log("method                                   | ours: mean ± sd | per seed            | paper GSM8K | MATH");
  for (const r of rows) console.log(`${r.row.padEnd(40)} | ${`${f(r.mean)} ± ${f(r.sd)}`.padStart(15)} | ${r.perSeed.map(f).join(", ").padEnd(19)} | ${r.gsm8k.toFixed(1).padStart(11)} | ${r.math.toFixed(1)}`);
}

/** The table, the findings and the targets as Markdown (docs/train.md's layout). */
function printMarkdown(rows: readonly SummaryRow[]): void {
  const md = (recs: Record<string, string | number | boolean>[]) => {
    const keys = Object.keys(recs[0] ?? {});
    const cell = (v: string | number | boolean) => (typeof v === "boolean" ? (v ? "yes" : "**no**") : typeof v === "number" ? v.toFixed(1) : v);
    return [`| ${keys.join(" | ")} |`, `|${keys.map(() => "---").join("|")}|`, ...recs.map((r) => `| ${keys.map((k) => cell(r[k]!)).join(" | ")} |`)].join("\n");
  };
  console.log(md(tableView(rows)) + "\n");
  console.log(md(findingsView(tableFindings(rows))) + "\n");
  console.log(md(checkTargets(rows).map((t) => ({ ...t }))));
}

async function main(): Promise<void> {
  if (values.worker !== undefined) return worker(Number(values.worker), values.aggregate!);
  if (values.aggregate) {
    const saved = (JSON.parse(fs.readFileSync(values.aggregate, "utf8")) as { table: SummaryRow[] }).table;
    return values.markdown ? printMarkdown(saved) : printTable(saved);
  }
  testFrom();
  validationProblems();
  const seeds = values.seeds!.split(",").map(Number);
  const dir = values.dir ?? fs.mkdtempSync(path.join("/tmp", "tiny-table-"));
  fs.mkdirSync(dir, { recursive: true });
  const started = versions();
  const t0 = Date.now();
  if (!values["no-run"]) await pool(seeds, Number(values.jobs), (s) => runWorker(s, dir));
  const parts = seeds.map((s) => JSON.parse(fs.readFileSync(path.join(dir, `seed-${s}.json`), "utf8")) as { seed: number; seconds: number; runs: Record<string, IterationMetrics[]> });
  const table = summariseMethods(parts.map((p) => p.runs));
  const result = {
    command: `node --import tsx bench/train.ts ${process.argv.slice(2).join(" ")}`,
    created: new Date().toISOString(),
    seconds: values["no-run"] ? Math.max(...parts.map((p) => p.seconds)) : (Date.now() - t0) / 1000,
    versions: started,
    model: values.model,
    seeds,
    test: Number(values.test),
    testFrom: testFrom(),
    settings: { ...ITERATE_DEFAULTS, ...sharedSettings() },
    methods: values.methods!.split(","),
    table,
    perSeed: parts,
  };
  fs.mkdirSync(path.dirname(values.out!), { recursive: true });
  fs.writeFileSync(values.out!, JSON.stringify(result, null, 1) + "\n");
  printTable(table);
  console.log(`${seeds.length} seeds in ${result.seconds.toFixed(0)} s; logs in ${dir}; saved ${values.out}`);
}

await main();
