import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { plotHtml } from "../../src/display/plot.js";
import { combinedReport, withPlotly } from "../../src/report/pages.js";
import { runCli } from "../helpers/cli.js";
import { writeNotebook } from "../helpers/notebook.js";
import { openPage, PLOTS_DRAWN } from "./chromium.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "browser-"));
const figure = (y: number) => ({ data: [{ type: "bar" as const, x: ["a", "b"], y: [1, y] }], layout: { title: { text: `plot ${y}` } } });

test("a page with plotly.js in its head draws every plot as SVG, offline, with no console errors", async () => {
  const file = path.join(tmp, "page.html");
  fs.writeFileSync(file, withPlotly(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${plotHtml(figure(2))}<p>text</p>${plotHtml(figure(3))}</body></html>`));
  const r = await openPage(file, PLOTS_DRAWN);
  assert.deepEqual(r.value, { plots: 2, drawn: 2, texts: [] });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.network, []);
});

test("without plotly.js and outside Jupyter, a plot says so instead of failing", async () => {
  const file = path.join(tmp, "bare.html");
  fs.writeFileSync(file, `<!DOCTYPE html><html><head></head><body>${plotHtml(figure(2))}</body></html>`);
  const r = await openPage(file, PLOTS_DRAWN, 300);
  assert.deepEqual(r.value, { plots: 1, drawn: 0, texts: ["plotly.js is not loaded on this page"] });
  assert.deepEqual(r.errors, []);
});

test("the report's pages and report.html draw every chart, with no console errors and no network requests", async () => {
  const nb = writeNotebook(path.join(tmp, "charts.ipynb"), [
    'import { showPlot } from "./src/display/index.js";\nshowPlot({ data: [{ type: "bar", x: ["a"], y: [1] }] });',
    'showPlot({ data: [{ type: "scatter", x: [1, 2], y: [3, 4] }] });\nshowPlot({ data: [{ type: "box", y: [1, 2, 3] }] });',
  ]);
  const out = path.join(tmp, "reports");
  const run = await runCli(["report", "--out", out, nb]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  for (const page of ["charts.html", "report.html"]) {
    const r = await openPage(path.join(out, page), PLOTS_DRAWN);
    assert.deepEqual(r.value, { plots: 3, drawn: 3, texts: [] }, page);
    assert.deepEqual(r.errors, [], page);
    assert.deepEqual(r.network, [], page);
  }
  const combined = combinedReport([], new Date(0));
  assert.match(combined, /0 notebooks/);
});

test("live Notebook UI: a saved notebook's charts draw on reload, plotly.js loaded once from the Jupyter server", async () => {
  const { spawn } = await import("node:child_process");
  const { plotBundle } = await import("../../src/display/plot.js");
  const { projectPath } = await import("../../src/paths.js");
  const net = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const name = `browser-test-${process.pid}.ipynb`;
  const child = spawn(process.execPath, [projectPath("bin/mathagent.mjs"), "notebook", "--port", String(port), "--token", "t0k"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout!.on("data", (b: Buffer) => (log += b));
  child.stderr!.on("data", (b: Buffer) => (log += b));
  const api = `http://127.0.0.1:${port}/api`;
  try {
    let up = false;
    for (let i = 0; i < 150 && !up; i++) up = (await fetch(`${api}/status?token=t0k`).then((r) => r.ok, () => false)) || (await new Promise((r) => setTimeout(r, 200)), false);
    assert.ok(up, `server did not answer:\n${log}`);
    const output = (y: number) => ({ output_type: "display_data", metadata: {}, data: plotBundle(figure(y)) });
    const nb = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: "mathagent", display_name: "mathagent (TypeScript)", language: "typescript" } },
      // As the page saves it after the second plot cell was re-run alone, and a cell was added.
      cells: [
        { cell_type: "code", id: "a1", metadata: { trusted: true }, execution_count: 1, source: "showPlot(a)", outputs: [output(2)] },
        { cell_type: "code", id: "a2", metadata: { trusted: true }, execution_count: 5, source: "showPlot(b)", outputs: [output(3)] },
        { cell_type: "code", metadata: { trusted: true }, execution_count: null, source: "", outputs: [] },
      ],
    };
    const put = await fetch(`${api}/contents/notebooks/${name}?token=t0k`, { method: "PUT", body: JSON.stringify({ type: "notebook", format: "json", content: nb }) });
    assert.equal(put.status, 201, await put.text());
    const file = path.join(tmp, "open.html");
    // A file: page that sends the browser to the live notebook (openPage navigates to file: URLs).
    fs.writeFileSync(file, `<script>location.href = "http://127.0.0.1:${port}/notebooks/notebooks/${name}?token=t0k";</script>`);
    const r = await openPage(file, PLOTS_DRAWN, 6000);
    assert.deepEqual(r.value, { plots: 2, drawn: 2, texts: [] }, `charts not drawn:\n${r.errors.join("\n")}`);
    const plotlyLoads = r.network.filter((u) => u.includes("plotly.min.js"));
    assert.equal(plotlyLoads.length, 1, r.network.join("\n"));
    assert.ok(r.network.every((u) => u.startsWith(`http://127.0.0.1:${port}/`)), r.network.join("\n"));
  } finally {
    fs.rmSync(projectPath("notebooks", name), { force: true });
    process.kill(-child.pid!, "SIGINT");
    await new Promise((r) => child.once("close", r));
  }
});
