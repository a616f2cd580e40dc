import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { JUPYTER_PYTHON, jupyterEnv, requireJupyter } from "../jupyter.js";
import { projectPath } from "../../paths.js";
import { indexPage, type NotebookResult } from "../../report/index-page.js";

const usage = `usage: mathagent report [NOTEBOOK.ipynb…] [--out DIR] [--timeout SECONDS]

Executes notebooks on the mathagent kernel, headless and in order (default: every notebooks/*.ipynb),
and writes each executed .ipynb and a self-contained .html into the output folder, plus index.html
linking them. A failing cell is printed with its number, source and error. The last line is
"N passed, N failed"; the exit code is 1 when any notebook failed.

options:
  --out DIR          output folder (default: reports)
  --timeout SECONDS  per-cell time limit (default: 900)`;

export const command: Command = {
  name: "report",
  summary: "execute the notebooks headless into reports/ (.ipynb + offline .html + index.html)",
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { out: { type: "string" }, timeout: { type: "string" } }, true);
    const timeout = Number(values.timeout ?? "900");
    if (!Number.isInteger(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive whole number of seconds`);
    const notebooks = positionals.length > 0 ? positionals.map((p) => path.resolve(p)) : defaultNotebooks();
    for (const nb of notebooks) if (!fs.existsSync(nb)) throw new UsageError(`notebook not found: ${nb}`);
    requireJupyter();
    const out = path.resolve(values.out ?? projectPath("reports"));
    fs.mkdirSync(out, { recursive: true });
    const summary = path.join(out, "summary.json");
    fs.rmSync(summary, { force: true });
    const runner = projectPath("kernel", "run_notebooks.py");
    const argv = [runner, "--out", out, "--timeout", String(timeout), "--summary", summary, "--no-total", ...notebooks];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(JUPYTER_PYTHON, argv, { env: { ...jupyterEnv(), PYTHONWARNINGS: "ignore" }, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (b: Buffer) => io.stdout.write(b));
      child.stderr.on("data", (b: Buffer) => io.stderr.write(b));
      child.on("error", reject);
      child.on("close", (c) => resolve(c ?? 1));
    });
    if (!fs.existsSync(summary)) {
      io.stderr.write(`mathagent report: the notebook runner exited with code ${code} before writing its summary\n`);
      io.stdout.write(`0 passed, ${notebooks.length} failed\n`);
      return 1;
    }
    const results = JSON.parse(fs.readFileSync(summary, "utf8")) as NotebookResult[];
    fs.writeFileSync(path.join(out, "index.html"), indexPage(results, new Date()));
    const failed = results.filter((r) => !r.ok).length;
    io.stdout.write(`report: ${path.join(out, "index.html")}\n`);
    io.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
    return failed > 0 || code !== 0 ? 1 : 0;
  },
};

function defaultNotebooks(): string[] {
  const dir = projectPath("notebooks");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}
