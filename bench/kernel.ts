/**
 * Kernel speed, side by side with IPython: cold start to the first result (start the kernel, run
 * `1 + 1`), then each library import cell, timed from execute_request to the idle status, through
 * jupyter_client (Debian's Python) exactly as Jupyter drives a kernel. Each run starts a fresh kernel.
 *
 *   node --import tsx bench/kernel.ts [--runs 3] [--pause S] [--json FILE] [--skip-ipython]
 *
 * `--pause S` waits S seconds after each result before the next cell, as a person typing does: the
 * kernel warms the library up while idle (kernel/warmup.cjs), so back-to-back cells (the default,
 * 0) measure the worst case.
 *
 * Prints the median of the runs per cell. Goals (issue 21): first result ≤ 1.5× IPython's, every
 * library import cell ≤ 150 ms. The `./lib` cells run twice, on kernels started from the start-up
 * snapshot (kernel/snapshot.cjs; the "mathagent" set uses it too) and without it, in alternating
 * rounds. `MATHAGENT_KERNEL_CONVERTER=tslab` in the environment runs the
 * kernel with tslab's own converter instead of kernel/converter.cjs (run the two alternately to
 * compare them on a shared machine).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { JUPYTER_PYTHON, jupyterEnv } from "../src/cli/jupyter.js";
import { projectRoot } from "../src/paths.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, pause: { type: "string", default: "0" }, json: { type: "string" }, "skip-ipython": { type: "boolean", default: false } } });
const runs = Number(values.runs);

/** The `./lib` cells, run on kernels started with and without the start-up snapshot. */
const LIB_CELLS: [string, string][] = [
  ["first result (1 + 1)", "1 + 1"],
  ["import ./lib/data", 'import { loadProblems } from "./lib/data/index.js";\nconsole.log(typeof loadProblems);'],
  ["import ./lib/grading + ./lib/display", 'import { Grader } from "./lib/grading/index.js";\nimport { showTable } from "./lib/display/index.js";\nconsole.log(typeof Grader, typeof showTable);'],
  ["import ./lib/inspect", 'import { openPreferenceData } from "./lib/inspect/index.js";\nconsole.log(typeof openPreferenceData);'],
  ["a cell after the imports", "const k = 6 * 7;\nconsole.log(k);"],
];

/** Cell sets: the kernel each runs on, then [label, code] per cell. */
const CELLS: Record<"mathagent" | "mathagent-lib" | "mathagent-lib, no snapshot" | "python3", [string, string][]> = {
  mathagent: [
    ["first result (1 + 1)", "1 + 1"],
    ["import ./src/data", 'import { loadProblems } from "./src/data/index.js";\nconsole.log(typeof loadProblems);'],
    ["import ./src/grading + ./src/display", 'import { Grader } from "./src/grading/index.js";\nimport { showTable } from "./src/display/index.js";\nconsole.log(typeof Grader, typeof showTable);'],
    ["import ./src/inspect", 'import { openPreferenceData } from "./src/inspect/index.js";\nconsole.log(typeof openPreferenceData);'],
    ["a cell after the imports", "const k = 6 * 7;\nconsole.log(k);"],
  ],
  "mathagent-lib": LIB_CELLS,
  "mathagent-lib, no snapshot": LIB_CELLS,
  python3: [
    ["first result (1 + 1)", "1 + 1"],
    ["import json, fractions, statistics", "import json, fractions, statistics"],
    ["a cell after the imports", "k = 6 * 7\nprint(k)"],
  ],
};

/** The driver: starts a kernel, times each cell, prints JSON {cell: seconds}. */
const DRIVER = `
import json, sys, time
from jupyter_client.manager import start_new_kernel
name, cells, pause = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
t0 = time.perf_counter()
km, kc = start_new_kernel(kernel_name=name, startup_timeout=180)
out = {}
try:
    for i, (label, code) in enumerate(cells):
        if i > 0:
            time.sleep(pause)
        t = time.perf_counter()
        errors = []
        reply = kc.execute_interactive(code, timeout=180, output_hook=lambda m: errors.append(m["content"].get("text", "")) if m["msg_type"] == "stream" and m["content"].get("name") == "stderr" else None)
        out[label] = time.perf_counter() - (t0 if i == 0 else t)
        if reply["content"]["status"] != "ok" or errors:
            raise SystemExit(f"{name}: cell {label!r} failed: {''.join(errors)}")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps(out))
`;

const KERNEL_OF: Record<keyof typeof CELLS, string> = { mathagent: "mathagent", "mathagent-lib": "mathagent", "mathagent-lib, no snapshot": "mathagent", python3: "python3" };
/** Environment added per set: the same `./lib` cells on a kernel started without its start-up snapshot (kernel/snapshot.cjs). */
const ENV_OF: Partial<Record<keyof typeof CELLS, NodeJS.ProcessEnv>> = { "mathagent-lib, no snapshot": { MATHAGENT_KERNEL_SNAPSHOT: "0" } };

function runOnce(set: keyof typeof CELLS): Record<string, number> {
  const kernel = KERNEL_OF[set];
  const r = spawnSync(JUPYTER_PYTHON, ["-c", DRIVER, kernel, JSON.stringify(CELLS[set]), values.pause], { cwd: projectRoot, env: { ...jupyterEnv(), ...ENV_OF[set] }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${kernel} kernel run failed:\n${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const libBuilt = fs.existsSync(`${projectRoot}/lib/inspect/index.js`);
if (!libBuilt) console.log("lib/ not built (scripts/setup.d/30-kernel-lib.sh): the ./lib cells are skipped");
const snapshotBuilt = fs.existsSync(`${projectRoot}/.cache/kernel/kernel.blob.node`);
if (!snapshotBuilt) console.log("no start-up snapshot (scripts/setup.d/40-kernel-snapshot.sh): every kernel starts without it");
const libSets = libBuilt ? (["mathagent-lib", ...(snapshotBuilt ? (["mathagent-lib, no snapshot"] as const) : [])] as const) : [];
const kernels: (keyof typeof CELLS)[] = ["mathagent", ...libSets, ...(values["skip-ipython"] ? [] : (["python3"] as const))];
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
const loadBefore = load();
const results: Record<string, Record<string, number>> = {};
// Rounds alternate the kernels, so a shared machine's load falls on each alike.
const all: Record<string, Record<string, number[]>> = {};
for (let i = 0; i < runs; i++) {
  for (const k of kernels) for (const [label, s] of Object.entries(runOnce(k))) ((all[k] ??= {})[label] ??= []).push(s);
}
for (const k of kernels) results[k] = Object.fromEntries(Object.entries(all[k]!).map(([label, xs]) => [label, median(xs)]));
console.log(`load average (1, 5, 15 min) on ${os.cpus().length} cores: ${loadBefore} before, ${load()} after`);
for (const k of kernels) {
  console.log(`${k} (median of ${runs} fresh kernels, ${values.pause} s between cells):`);
  for (const [label, s] of Object.entries(results[k]!)) console.log(`  ${label.padEnd(40)} ${(s * 1000).toFixed(0).padStart(6)} ms`);
}
if (results["python3"]) {
  for (const set of kernels.filter((k) => k !== "python3")) {
    const ratio = results[set]!["first result (1 + 1)"]! / results["python3"]["first result (1 + 1)"]!;
    console.log(`first result: ${set} / IPython = ${ratio.toFixed(2)} (goal ≤ 1.5)`);
  }
}
for (const set of kernels.filter((k) => k !== "python3")) {
  const slowest = Math.max(...Object.entries(results[set]!).filter(([l]) => l.startsWith("import")).map(([, s]) => s));
  console.log(`${set}: slowest library import cell ${(slowest * 1000).toFixed(0)} ms (goal ≤ 150 ms)`);
}
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ runs, pause: Number(values.pause), results }, null, 2) + "\n");
