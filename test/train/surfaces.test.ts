/**
 * One run, three surfaces: `mathagent train iterate`, the library's `iterate` and the table's
 * `runMethods` (bench/train.ts, notebook 05) give the same iteration rows for the same seed and
 * settings, the paper's checkpoint choice included.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureBackend } from "../../src/losses/index.js";
import { syntheticRunProblems, syntheticTestProblems, syntheticValidationProblems } from "../../src/data/synthetic.js";
import { TinyModel } from "../../src/tiny/model.js";
import { iterate, type IterationMetrics } from "../../src/train/iterate.js";
import { runMethods } from "../../src/train/methods.js";
import { runCli } from "../helpers/cli.js";

const RUN = { iterations: 2, prompts: 4, samples: 4, previousSamples: 1, test: 16, validation: 12, checkpointEvery: 1, seed: 5 };

/** The rows without their wall-clock times, as JSON writes them. */
function untimed(rows: readonly IterationMetrics[]): unknown {
  return JSON.parse(JSON.stringify(rows.map(({ seconds: _s, ...r }) => r)));
}

test("train iterate --select best, the library's iterate and runMethods give the same rows on the same seed", async () => {
  await ensureBackend();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "surfaces-"));
  try {
    const cli = await runCli([
      "train", "iterate", "--model", "data/tiny/sft", "--iterations", String(RUN.iterations), "--prompts", String(RUN.prompts),
      "--samples", String(RUN.samples), "--previous-samples", String(RUN.previousSamples), "--test", String(RUN.test),
      "--select", "best", "--validation", String(RUN.validation), "--checkpoint-every", String(RUN.checkpointEvery),
      "--seed", String(RUN.seed), "--out", out,
    ], { timeoutMs: 300_000 });
    assert.equal(cli.code, 0, cli.stderr);
    const cliRows = JSON.parse(fs.readFileSync(path.join(out, "metrics.json"), "utf8")).rows as IterationMetrics[];

    const shared = {
      problems: syntheticRunProblems(RUN.prompts, RUN.iterations, RUN.seed),
      testProblems: syntheticTestProblems(RUN.test),
      validationProblems: syntheticValidationProblems(RUN.validation, RUN.test),
    };
    const settings = {
      iterations: RUN.iterations, promptsPerIteration: RUN.prompts, samplesPerPrompt: RUN.samples, previousSamples: RUN.previousSamples,
      select: "best" as const, checkpointEvery: RUN.checkpointEvery, seed: RUN.seed,
    };
    const lib = await iterate({ policy: TinyModel.load("data/tiny/sft"), ...shared, ...settings, progress: false });
    const table = await runMethods({ policy: TinyModel.load("data/tiny/sft"), ...shared, methods: ["mdpo"], settings });

    assert.equal(cliRows.length, RUN.iterations + 1);
    assert.ok(cliRows.slice(1).every((r) => Number.isInteger(r.selectedStep) && r.validationAccuracy !== null), "every iteration chose a checkpoint");
    assert.ok(cliRows.slice(1).some((r) => (r.pairsUsed ?? 0) > 0), "the run trained on some pairs");
    assert.deepEqual(untimed(lib.rows), untimed(cliRows), "library = CLI");
    assert.deepEqual(untimed(table["mdpo"]!), untimed(cliRows), "runMethods (bench, notebook 05) = CLI");
    // The saved model of the last iteration is the one the library kept.
    const saved = TinyModel.load(path.join(out, `iter-${RUN.iterations}`));
    for (const [name, v] of lib.models[RUN.iterations]!.weights) {
      assert.ok(Buffer.from(v.buffer).equals(Buffer.from(saved.weights.get(name)!.buffer)), `weights ${name}`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
