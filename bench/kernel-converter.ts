/**
 * The kernel's TypeScript work per cell, without Jupyter: CPU time of each cell's `convert` (type
 * check and emit) on tslab's converter and on the kernel's (kernel/converter.cjs), in fresh processes
 * run alternately, cells back to back (no idle warm-up), as bench/kernel.ts's `./lib` cells. CPU time,
 * not wall time, so a shared machine's load disturbs it less.
 *
 *   node --import tsx bench/kernel-converter.ts [--runs 3]
 */
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { projectRoot } from "../src/paths.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });

const CELLS: [string, string][] = [
  ["1 + 1", "1 + 1"],
  ["import ./lib/data", 'import { loadProblems } from "./lib/data/index.js";\nconsole.log(typeof loadProblems);'],
  ["import ./lib/grading + ./lib/display", 'import { Grader } from "./lib/grading/index.js";\nimport { showTable } from "./lib/display/index.js";\nconsole.log(typeof Grader, typeof showTable);'],
  ["import ./lib/inspect", 'import { openPreferenceData } from "./lib/inspect/index.js";\nconsole.log(typeof openPreferenceData);'],
  ["a cell after the imports", "const k = 6 * 7;\nconsole.log(k);"],
  ["the next cell", "const j = k + 1;\nconsole.log(j);"],
];

/** One process: builds the converter as the kernel does, converts the cells, prints CPU ms per cell as JSON. */
const CHILD = `
const root = process.argv[1], which = process.argv[2], cells = JSON.parse(process.argv[3]);
process.chdir(root);
const startup = require(root + "/kernel/ts-startup.cjs");
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const ts = startup.loadTypeScript(root).exports;
startup.nodeTypesOnly(ts, root);
require(root + "/kernel/ts-watch.cjs").limitWatchers(ts, root);
const create = which === "tslab" ? require(root + "/node_modules/tslab/dist/converter.js").createConverter : require(root + "/kernel/converter.cjs").createConverter;
const { warmConverter, libraryEntries } = require(root + "/kernel/warmup.cjs");
let t = cpu();
const conv = warmConverter(create({ isJS: false, isBrowser: false }), libraryEntries(root));
const out = { "start (TypeScript loaded, first program)": cpu() };
let decl = "";
for (const [label, src] of cells) {
  t = cpu();
  const r = conv.convert(decl, src);
  out[label] = cpu() - t;
  if (r.diagnostics.length) throw new Error(label + ": " + JSON.stringify(r.diagnostics));
  decl = r.declOutput || "";
}
console.log(JSON.stringify(out));
process.exit(0);
`;

const runs = Number(values.runs);
const results: Record<string, Record<string, number[]>> = { tslab: {}, own: {} };
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
const loadBefore = load();
for (let i = 0; i < runs; i++) {
  for (const which of ["tslab", "own"] as const) {
    const r = spawnSync(process.execPath, ["-e", CHILD, projectRoot, which, JSON.stringify(CELLS)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${which}: ${r.stderr}`);
    for (const [label, ms] of Object.entries(JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>)) (results[which]![label] ??= []).push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`load average (1, 5, 15 min) on ${os.cpus().length} cores: ${loadBefore} before, ${load()} after`);
console.log(`CPU ms, median of ${runs} fresh processes each (tslab's converter | the kernel's):`);
for (const label of Object.keys(results["tslab"]!)) {
  const [a, b] = [median(results["tslab"]![label]!), median(results["own"]![label]!)];
  console.log(`  ${label.padEnd(42)} ${a.toFixed(0).padStart(6)} | ${b.toFixed(0).padStart(6)}`);
}
