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
