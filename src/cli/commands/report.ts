import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type CommandIO, defineCommand } from "../command.js";
import { JUPYTER_PYTHON, jupyterEnv, requireJupyter } from "../jupyter.js";
import { projectPath } from "../../paths.js";
import { ensureDirectory, readJson, readNotebook, writeFileAtomic } from "../../io/index.js";
import { failedResult, indexPage, type NotebookResult } from "../../report/index-page.js";
import { combinedReport, type ReportPage, withPlotly } from "../../report/pages.js";

function defaultNotebooks(): string[] {
  const dir = projectPath("notebooks");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Each notebook that cannot be read as one (missing, a directory, not JSON, no cells) fails by name here, before any kernel starts. */
function precheck(notebooks: string[], io: CommandIO): Map<string, NotebookResult> {
  const failed = new Map<string, NotebookResult>();
  for (const nb of notebooks) {
    try {
      readNotebook(nb);
    } catch (e) {
      const why = (e as Error).message;
      io.stdout.write(`FAIL ${why.startsWith(nb) ? why : `${nb}: ${why}`}\n`);
      failed.set(nb, failedResult(nb, why));
    }
  }
  return failed;
}

/** Runs the notebooks on the kernel; returns the runner's exit code. Its summary is rewritten after each notebook. */
function runNotebooks(notebooks: string[], out: string, timeout: number, summary: string, io: CommandIO): Promise<number> {
  if (notebooks.length === 0) return Promise.resolve(0);
  const argv = [projectPath("kernel", "run_notebooks.py"), "--out", out, "--timeout", String(timeout), "--summary", summary, "--no-total", ...notebooks];
  return new Promise<number>((resolve, reject) => {
    const child = spawn(JUPYTER_PYTHON, argv, { env: { ...jupyterEnv(), PYTHONWARNINGS: "ignore" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (b: Buffer) => io.stdout.write(b));
    child.stderr.on("data", (b: Buffer) => io.stderr.write(b));
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  });
}

/** Each page gets plotly.js once; report.html holds every notebook that ran, with one copy of it. */
function writeTravellingPages(results: readonly NotebookResult[], out: string): void {
  const pages: ReportPage[] = [];
  for (const r of results) {
    const file = r.html ? path.join(out, r.html) : "";
    if (!file || !fs.existsSync(file)) continue;
    const html = withPlotly(fs.readFileSync(file, "utf8"));
    writeFileAtomic(file, html, { force: true });
    pages.push({ name: r.name, title: r.name, html });
  }
  writeFileAtomic(path.join(out, "report.html"), combinedReport(pages, new Date()), { force: true });
}

function readSummary(summary: string): NotebookResult[] {
  try {
    return readJson(summary) as NotebookResult[];
  } catch {
    return [];
  }
}

export const command = defineCommand({
  name: "report",
  summary: "execute the notebooks headless into reports/ (.ipynb + offline .html + index.html)",
  description: `Executes notebooks on the mathagent kernel, headless and in order (default: every notebooks/*.ipynb), and writes each executed .ipynb (charts as data: plotly.js is not stored in it) and a self-contained .html (plotly.js once in its head, opens offline) into the output folder, plus index.html linking them and report.html holding every notebook that ran with a table of contents and one copy of plotly.js. Every notebook given is run: one that is missing, not a notebook or failing is recorded by name and the others still run; index.html is always written. A failing cell is printed with its number, source and error. The last line is "N passed, N failed"; the exit code is 1 when any notebook failed.`,
  positionals: [{ name: "NOTEBOOK.ipynb", variadic: true, help: "notebooks to run (default: every notebooks/*.ipynb)" }],
  options: {
    out: { type: "string", metavar: "DIR", help: "output folder", defaultText: "reports" },
    timeout: { type: "int", min: 1, default: 900, metavar: "SECONDS", help: "per-cell time limit" },
  },
  async run({ values, positionals, io }) {
    const notebooks = positionals.length > 0 ? positionals.map((p) => path.resolve(p)) : defaultNotebooks();
    const out = path.resolve(values.out ?? projectPath("reports"));
    ensureDirectory(out);
    const failed = precheck(notebooks, io);
    const runnable = notebooks.filter((nb) => !failed.has(nb));
    if (runnable.length > 0) requireJupyter();
    const summary = path.join(out, "summary.json");
    fs.rmSync(summary, { force: true });
    const code = await runNotebooks(runnable, out, values.timeout, summary, io);
    const ran = new Map(readSummary(summary).map((r) => [path.resolve(r.notebook), r]));
    const results = notebooks.map(
      (nb) => failed.get(nb) ?? ran.get(nb) ?? failedResult(nb, `the notebook runner exited with code ${code} before finishing this notebook`),
    );
    for (const r of results) if (!failed.has(r.notebook) && !ran.has(r.notebook)) io.stdout.write(`FAIL ${r.notebook}: ${r.failure!.why}\n`);
    writeFileAtomic(summary, JSON.stringify(results, null, 1), { force: true });
    writeFileAtomic(path.join(out, "index.html"), indexPage(results, new Date()), { force: true });
    writeTravellingPages(results, out);
    const nFailed = results.filter((r) => !r.ok).length;
    io.stdout.write(`report: ${path.join(out, "index.html")}\n`);
    io.stdout.write(`${results.length - nFailed} passed, ${nFailed} failed\n`);
    return nFailed > 0 || code !== 0 ? 1 : 0;
  },
});
