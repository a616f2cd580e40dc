import * as fs from "node:fs";
import { defineCommand } from "../command.js";
import { EVAL_PROTOCOL, evaluate, type Evaluation } from "../../evaluate/index.js";
import { PROTOCOLS } from "../../rollout/index.js";
import { accuracyTable, formatAccuracyTable, type Table } from "../../metrics/index.js";
import { interpreterOf, interruptible, loadRolloutProblems, makePolicies, progressDisplay, resolveRolloutProtocol, rolloutOptions, samplesOf, templateOf } from "../rollout-setup.js";

const P = PROTOCOLS[EVAL_PROTOCOL];

/** The tables `eval` prints after the accuracy table: the summary with intervals, and pass@k when there are several samples. */
function evalTables(e: Evaluation): Record<string, Table> {
  const tables: Record<string, Table> = { summary: e.metrics.summary };
  if (e.settings.samples > 1) tables["pass@k"] = e.metrics.passAtK;
  return tables;
}

export const command = defineCommand({
  name: "eval",
  summary: "evaluate a policy server: rollout (greedy by default), the paper's reward, accuracy and pass@k tables",
  description: `The paper's evaluation (--protocol ${EVAL_PROTOCOL}, inference/scripts/eval.sh): greedy decoding (temperature ${P.temperature.value}, ${P.samples.value} sample), horizon ${P.horizon.value}, ${P.maxTokens.value} new tokens per model call; explicit flags override the preset, and the preset is recorded in every trajectory and in --json. Runs (or resumes) the rollout into --out, grades every trajectory with the paper's answer rule (the last model turn only; no answer at the horizon) and prints accuracy overall and per level / subject. With --samples n (Figure 2: --samples 64 --temperature 0.7) it also prints the pass@k curve for k = 1, 2, 4, …, n (unbiased estimator, bootstrap 95% intervals) and the prompt coverage.

example:
  mathagent eval --server http://127.0.0.1:8000 --family gemma --dataset math500 --out runs/eval-math500.jsonl
  mathagent eval --server http://127.0.0.1:8000 --family gemma --dataset gsm8k --samples 64 --temperature 0.7 --out runs/passn.jsonl`,
  options: {
    ...rolloutOptions(EVAL_PROTOCOL),
    json: { type: "string", metavar: "FILE", help: "also write the tables, the preset and the settings as JSON" },
  },
  async run({ values, io }) {
    const p = resolveRolloutProtocol(values);
    const problems = await loadRolloutProblems(values);
    const policies = makePolicies(values, io);
    const template = templateOf(values);
    const { close, ...interpreter } = interpreterOf(values, p, template, io);
    const bar = progressDisplay(values.quiet, io, "eval");
    const given = (k: string) => p.overridden.includes(k);
    const e = await interruptible(values.out, (signal) =>
      evaluate({
        problems,
        ...policies,
        template,
        protocolName: p.protocol,
        ...interpreter,
        execution: p.execution,
        ...("mixture" in policies || given("samples") ? { samples: samplesOf(policies, p, values.samples) } : {}),
        ...(given("temperature") ? { temperature: p.temperature } : {}),
        ...(given("topP") ? { topP: p.topP } : {}),
        ...(given("topK") ? { topK: p.topK } : {}),
        ...(given("maxTokens") ? { maxTokens: p.maxTokens } : {}),
        ...(given("horizon") ? { horizon: p.horizon } : {}),
        ...(given("seed") ? { seed: p.seed } : {}),
        ...(given("seedMode") ? { seedMode: p.seedMode } : {}),
        concurrency: values.concurrency,
        codeTimeoutMs: p.codeTimeoutS * 1000,
        mode: values.mode,
        out: values.out,
        signal,
        onWarning: (w) => io.stderr.write(`\nwarning: ${w}\n`),
        onProgress: bar.onProgress,
      }),
    ).finally(async () => {
      bar.finish();
      await close();
    });
    const finishes = new Map<string, number>();
    for (const r of e.rows) finishes.set(r.finish, (finishes.get(r.finish) ?? 0) + 1);
    io.stdout.write(
      `${e.rows.length} trajectories in ${values.out} (${e.written} new, ${e.resumed} resumed) · ${[...finishes].map(([k, v]) => `${k} ${v}`).join(", ")} · ${e.rows.filter((r) => r.correct).length} correct · protocol ${e.settings.protocol}\n`,
    );
    const accuracy = accuracyTable(e.rows);
    io.stdout.write(`\n${formatAccuracyTable(accuracy, e.settings.samples)}\n`);
    const tables = evalTables(e);
    for (const [name, t] of Object.entries(tables)) io.stdout.write(`\n## ${name}\n\n${t.toMarkdown({ limit: Infinity, maxdigits: 4 } as never)}`);
    if (values.json) {
      const json = { trajectories: values.out, preset: e.settings.protocol, samples: e.settings.samples, settings: e.settings, timing: e.timing, rows: accuracy, tables: Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, t.objects()])) };
      fs.writeFileSync(values.json, JSON.stringify(json, null, 2) + "\n");
    }
    return 0;
  },
});
