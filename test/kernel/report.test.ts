import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../helpers/cli.js";
import { readExecuted, text, writeNotebook } from "../helpers/notebook.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-report-"));
const out = path.join(tmp, "reports");

test("a notebook runs on the kernel from the project root, with tables, plots and progress", async () => {
  const nb = writeNotebook(path.join(tmp, "nested", "good.ipynb"), [
    'import { projectRoot } from "./src/paths.js";\nconsole.log(process.cwd() === projectRoot ? "cwd is project root" : process.cwd());',
    'import * as aq from "arquero";\nimport { showTable, showPlot, showProgress, reportKeyFigure } from "./src/display/index.js";\n' +
      "showTable(aq.table({ n: Array.from({ length: 50 }, (_, i) => i) }), { limit: 5 });",
    'showPlot({ data: [{ type: "bar", x: ["a"], y: [1] }] });\nshowPlot({ data: [{ type: "bar", x: ["b"], y: [2] }] });',
    "const p = showProgress({ total: 3, intervalMs: 0 });\nfor (let i = 0; i < 3; i++) p.tick();\np.finish();",
    'reportKeyFigure("answer", 42);',
  ]);
  const r = await runCli(["report", "--out", out, nb]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout.trim().split("\n").at(-1)!, /^1 passed, 0 failed$/);
  const cells = readExecuted(path.join(out, "good.ipynb"));
  assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5]);
  assert.equal(text(cells[0]!.outputs[0]!.text).trim(), "cwd is project root");
  const table = cells[1]!.outputs.find((o) => o.output_type === "display_data")!;
  assert.match(text(table.data!["text/html"] as string), /50 rows × 1 column, first 5 shown/);
  const plots = cells[2]!.outputs.filter((o) => o.output_type === "display_data");
  assert.equal(plots.length, 2);
  for (const p of plots) assert.ok(p.data!["application/vnd.plotly.v1+json"], "plotly JSON in the bundle");
  const sizes = plots.map((p) => text(p.data!["text/html"] as string).length);
  assert.ok(sizes.every((n) => n < 5000), `no plot output carries plotly.js (${sizes.join(", ")} characters)`);
  assert.ok(fs.statSync(path.join(out, "good.ipynb")).size < 100_000, "the executed notebook stays small");
  const progress = cells[3]!.outputs.filter((o) => o.output_type === "display_data" || o.output_type === "update_display_data");
  assert.ok(progress.length >= 1);
  assert.match(text(progress.at(-1)!.data!["text/plain"] as string), /3\/3 \(100%\)/);
  const html = fs.readFileSync(path.join(out, "good.html"), "utf8");
  assert.ok(html.length > 4e6 && html.includes("first 5 shown"));
  assert.equal(html.split("<!-- mathagent: plotly.js -->").length, 2, "the page carries plotly.js once");
  const combined = fs.readFileSync(path.join(out, "report.html"), "utf8");
  assert.equal(combined.split("<!-- mathagent: plotly.js -->").length, 2, "report.html carries plotly.js once");
  assert.match(combined, /<a href="#nb-good">good<\/a>/);
  assert.match(combined, /<section id="nb-good"/);
  const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
  assert.match(index, /href="good\.html"/);
  assert.match(index, /answer: <strong>42<\/strong>/);
});

test("a failing cell is printed with its number, source and error, and the run exits 1", async () => {
  const nb = writeNotebook(path.join(tmp, "bad.ipynb"), ['console.log("one")', 'const boom = 1;\nthrow new Error("boom in cell two")', 'console.log("never")']);
  const r = await runCli(["report", "--out", out, nb]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL .*bad\.ipynb: cell \[2\] error/);
  assert.match(r.stdout, /--- cell \[2\] source ---\nconst boom = 1;\nthrow new Error\("boom in cell two"\)/);
  assert.match(r.stdout, /Error: boom in cell two/);
  assert.equal(r.stdout.trim().split("\n").at(-1), "0 passed, 1 failed");
  const cells = readExecuted(path.join(out, "bad.ipynb"));
  assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, null], "the partial notebook is written");
  assert.match(fs.readFileSync(path.join(out, "index.html"), "utf8"), /failed at cell \[2\]/);
});

test("a type error fails its cell before it runs", async () => {
  const nb = writeNotebook(path.join(tmp, "types.ipynb"), ['const n: number = "not a number";']);
  const r = await runCli(["report", "--out", out, nb]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Type 'string' is not assignable to type 'number'/);
});

test("the per-cell timeout stops a hung cell", async () => {
  const nb = writeNotebook(path.join(tmp, "slow.ipynb"), ["await new Promise((r) => setTimeout(r, 60_000));"]);
  const t0 = performance.now();
  const r = await runCli(["report", "--out", out, "--timeout", "3", nb]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /cell \[1\] timed out after 3s/);
  assert.ok(performance.now() - t0 < 40_000);
});

test("a missing notebook fails by name and the index is still written", async () => {
  const missing = path.join(tmp, "nope.ipynb");
  const r = await runCli(["report", "--out", out, missing]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`FAIL ${missing}: no such file`));
  assert.match(fs.readFileSync(path.join(out, "index.html"), "utf8"), /nope\.ipynb: no such file/);
});
