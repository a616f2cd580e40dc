/**
 * Notebook 02 and the CLI agree on the same run file: the accuracy and interval notebook 02 reports
 * (through `evaluate()`) equal what `mathagent metrics` prints for the trajectory file the notebook wrote.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectPath } from "../../src/paths.js";
import { readTrajectoryFile } from "../../src/trajectory/index.js";
import { runCli } from "../helpers/cli.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-nb02-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

interface KeyFigure {
  label: string;
  value: string;
}
interface SummaryRow {
  metric: string;
  value: number;
  lo: number;
  hi: number;
}

test("notebook 02's accuracy on its run file equals `mathagent metrics` on that file", { timeout: 300_000 }, async () => {
  const out = path.join(tmp, "reports");
  const env = { MATHAGENT_SERVER: "", MATHAGENT_EVAL_LIMIT: "40", MATHAGENT_PASSN_SAMPLES: "1", MATHAGENT_CONCURRENCY: "8" };
  const r = await runCli(["report", "--out", out, projectPath("notebooks", "02-evaluate.ipynb")], { env, timeoutMs: 280_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const figures = JSON.parse(fs.readFileSync(path.join(out, "02-evaluate.key.json"), "utf8")) as KeyFigure[];
  const accuracy = figures.find((f) => f.label === "synthetic test accuracy")?.value;
  const runFile = path.join(out, "runs", "eval-synthetic.jsonl");
  assert.ok(accuracy, JSON.stringify(figures));
  assert.ok(figures.some((f) => f.label === "synthetic test run file" && f.value.endsWith(path.join("runs", "eval-synthetic.jsonl"))));

  let rows = 0;
  for await (const _ of readTrajectoryFile(runFile)) rows++;
  assert.equal(rows, 40, "one greedy trajectory per problem");
  const m = await runCli(["metrics", "--input", runFile, "--json", "--quiet"]);
  assert.equal(m.code, 0, m.stderr);
  const summary = (JSON.parse(m.stdout) as { summary: SummaryRow[] }).summary;
  const acc = summary.find((s) => s.metric === "accuracy") ?? summary[0]!;
  const pct = (x: number) => (100 * x).toFixed(1);
  assert.equal(accuracy, `${pct(acc.value)}% [${pct(acc.lo)}, ${pct(acc.hi)}] (n=40, preset paper-eval)`);
  assert.ok(acc.value > 0 && acc.value < 1, `a figure that can disagree: ${acc.value}`);
});
