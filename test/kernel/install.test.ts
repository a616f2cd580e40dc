import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JUPYTER_PYTHON } from "../../src/cli/jupyter.js";
import { runCli } from "../helpers/cli.js";
import { sharedDataDir } from "../helpers/env.js";

test("kernel install records the data directory in the kernel's environment and says so", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-kernel-"));
  const data = sharedDataDir();
  const r = await runCli(["kernel", "install", "--dir", dir], { env: { MATHAGENT_DATA_DIR: data } });
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernels/mathagent/kernel.json"), "utf8")) as { env: Record<string, string> };
  assert.equal(spec.env["MATHAGENT_DATA_DIR"], path.resolve(data));
  assert.match(r.stdout, new RegExp(`its data directory: ${path.resolve(data).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}; to use another, set MATHAGENT_DATA_DIR`));
  assert.match(r.stdout, /from any notebook: import \{ openPreferenceData \} from "mathagent\/inspect"/);
  const missing = await runCli(["kernel", "install", "--dir", dir], { env: { MATHAGENT_DATA_DIR: path.join(dir, "nowhere") } });
  assert.match(missing.stdout, /nowhere \(missing: run `mathagent data fetch`\)/);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A notebook of these code cells, in nbformat 4.5. */
function notebook(cells: string[]): string {
  const cell = (source: string, i: number) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source });
  const kernelspec = { name: "mathagent", display_name: "mathagent (TypeScript)", language: "typescript" };
  return JSON.stringify({ cells: cells.map(cell), metadata: { kernelspec }, nbformat: 4, nbformat_minor: 5 });
}

test("the installed kernel runs a notebook outside the project: `mathagent` imports, numbered cells, a failing cell named", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-kernel-"));
  const r = await runCli(["kernel", "install", "--dir", dir], { env: { MATHAGENT_DATA_DIR: sharedDataDir() } });
  assert.equal(r.code, 0, r.stderr);
  const nb = path.join(dir, "elsewhere.ipynb");
  fs.writeFileSync(
    nb,
    notebook([
      'import { openPreferenceData } from "mathagent/inspect";\nimport { inspect, errors } from "mathagent";\nconsole.log(typeof openPreferenceData, inspect.openPreferenceData === openPreferenceData, typeof errors.MathagentError);',
      'throw new RangeError("too far");',
    ]),
  );
  const env = { ...process.env, JUPYTER_PATH: dir, JUPYTER_DATA_DIR: dir, JUPYTER_CONFIG_DIR: path.join(dir, "config"), JUPYTER_RUNTIME_DIR: path.join(dir, "runtime") };
  const run = spawnSync(JUPYTER_PYTHON, ["-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--output", "out.ipynb", nb], { cwd: dir, env, encoding: "utf8", timeout: 180_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(fs.readFileSync(path.join(dir, "out.ipynb"), "utf8")) as { cells: { execution_count: number | null; outputs: { text?: string }[] }[] };
  assert.deepEqual(out.cells.map((c) => c.execution_count), [1, 2], JSON.stringify(out.cells));
  assert.equal(out.cells[0]!.outputs.map((o) => o.text).join(""), "function true function\n");
  fs.writeFileSync(nb, notebook(['throw new RangeError("too far");']));
  const strict = spawnSync(JUPYTER_PYTHON, ["-m", "nbconvert", "--to", "notebook", "--execute", "--output", "strict.ipynb", nb], { cwd: dir, env, encoding: "utf8", timeout: 180_000 });
  assert.notEqual(strict.status, 0);
  assert.match(strict.stderr, /RangeError: too far/);
  assert.doesNotMatch(strict.stderr, /<Error>: \n/);
  fs.rmSync(dir, { recursive: true, force: true });
});
