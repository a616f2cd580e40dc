import * as fs from "node:fs";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { MathagentError } from "../../errors.js";
import { EVAL_DEFAULTS, evaluate, type Evaluation } from "../../evaluate/index.js";
import { accuracyTable, formatAccuracyTable, type Table } from "../../metrics/index.js";
import { Progress } from "../../display/index.js";
import type { RolloutProgress } from "../../rollout/index.js";
import { lazyPool, num, policyOf, posInt, problemsOf, ROLLOUT_OPTIONS, templateOf } from "../rollout-setup.js";

const usage = `usage: mathagent eval --server URL[,URL…] --family NAME (--dataset NAME [--split S] | --problems FILE)
                      --out FILE [--samples N --temperature T] [--json FILE] [options]

The paper's evaluation (inference/scripts/eval.sh): greedy decoding (temperature 0, one sample),
horizon ${EVAL_DEFAULTS.horizon}, ${EVAL_DEFAULTS.maxTokens} new tokens per model call. Runs (or resumes) the rollout into --out, grades
every trajectory with the paper's answer rule (the last model turn only; no answer at the horizon)
and prints accuracy overall and per level / subject. With --samples n (Figure 2: --samples 64
--temperature 0.7) it also prints the pass@k curve for k = 1, 2, 4, …, n (unbiased estimator,
bootstrap 95% intervals) and the prompt coverage.

options:
  --server URL[,URL…]    OpenAI-compatible completions endpoint(s)
  --api openai|vllm-generate   wire protocol (default openai)
  --model NAME / --api-key KEY
  --family NAME          chat template of the served model
  --cot                  chain-of-thought variant: one turn, no tools
  --dataset NAME         gsm8k, math or math500 (from the data directory)   --split NAME (default test)
  --problems FILE        problems from a JSONL file of {id, question, answer} instead
  --limit N              only the first N problems
  --samples N            trajectories per problem (default ${EVAL_DEFAULTS.samples})
  --temperature T        sampling temperature (default ${EVAL_DEFAULTS.temperature})
  --top-p P              nucleus sampling (default ${EVAL_DEFAULTS.topP})
  --max-tokens N         new tokens per model call (default ${EVAL_DEFAULTS.maxTokens})
  --horizon H            most tool calls per trajectory (default ${EVAL_DEFAULTS.horizon}, eval.sh's)
  --concurrency C        trajectories in flight (default 64)
  --seed S               run seed (default 0)
  --mode async|barrier   per-trajectory async loop (default) or turn-synchronous
  --request-timeout S / --retries N / --code-timeout S / --workers N
  --out FILE             append-only JSONL of trajectories; rerun the same command to resume
  --json FILE            also write the tables and settings as JSON
  --quiet                no progress bar

example:
  mathagent eval --server http://127.0.0.1:8000 --family gemma --dataset math500 --out runs/eval-math500.jsonl
  mathagent eval --server http://127.0.0.1:8000 --family gemma --dataset gsm8k --samples 64 --temperature 0.7 --out runs/passn.jsonl
`;
// TODO(lead, at merge): add --protocol NAME (interface 4: resolveProtocol(name, overrides) from
// src/rollout/protocol.ts, default "paper-eval") and pass the resolved values to evaluate().

/** The tables `eval` prints after the accuracy table: the summary with intervals, and pass@k when there are several samples. */
function evalTables(e: Evaluation): Record<string, Table> {
  const tables: Record<string, Table> = { summary: e.metrics.summary };
  if (e.settings.samples > 1) tables["pass@k"] = e.metrics.passAtK;
  return tables;
}

function progressBar(io: { stderr: NodeJS.WritableStream }, quiet: boolean | undefined) {
  let bar: Progress | undefined;
  return {
    update(p: RolloutProgress) {
      if (quiet) return;
      bar ??= new Progress({ total: p.total - p.resumed, label: "eval", stream: io.stderr, intervalMs: (io.stderr as { isTTY?: boolean }).isTTY ? 250 : 10_000 });
      bar.update(p.done - p.resumed);
    },
    finish: () => bar?.finish(),
  };
}

export const command: Command = {
  name: "eval",
  summary: "evaluate a policy server: rollout (greedy by default), the paper's reward, accuracy and pass@k tables",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { ...ROLLOUT_OPTIONS, json: { type: "string" } });
    if (!values.out) throw new UsageError("--out FILE is required (the trajectories file; rerun with it to resume)");
    const mode = values.mode ?? "async";
    if (mode !== "async" && mode !== "barrier") throw new UsageError(`--mode must be async or barrier, not "${mode}"`);
    const template = templateOf(values);
    const policy = policyOf(values, (l) => io.stderr.write(`\n${l}\n`));
    const problems = await problemsOf(values);
    const pool = lazyPool(values, (l) => io.stderr.write(`\n${l}\n`));
    const bar = progressBar(io, values.quiet);
    const ac = new AbortController();
    const onSignal = () => ac.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let e: Evaluation;
    try {
      e = await evaluate({
        problems,
        policy,
        template,
        interpreter: pool.session,
        samples: num(values.samples, "samples", EVAL_DEFAULTS.samples, posInt),
        temperature: num(values.temperature, "temperature", EVAL_DEFAULTS.temperature, (x) => x >= 0),
        topP: num(values["top-p"], "top-p", EVAL_DEFAULTS.topP, (x) => x > 0 && x <= 1),
        maxTokens: num(values["max-tokens"], "max-tokens", EVAL_DEFAULTS.maxTokens, posInt),
        horizon: num(values.horizon, "horizon", EVAL_DEFAULTS.horizon, posInt),
        concurrency: num(values.concurrency, "concurrency", 64, posInt),
        seed: num(values.seed, "seed", 0, Number.isInteger),
        codeTimeoutMs: num(values["code-timeout"], "code-timeout", 20, (x) => x > 0) * 1000,
        mode,
        out: values.out,
        signal: ac.signal,
        onWarning: (w) => io.stderr.write(`\nwarning: ${w}\n`),
        onProgress: (p) => bar.update(p),
      });
    } catch (err) {
      if (err instanceof Error && err.name === "AbortError") throw new MathagentError(`interrupted; finished trajectories are in ${values.out}: rerun the same command to resume`);
      throw err;
    } finally {
      bar.finish();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await pool.close();
    }
    const finishes = new Map<string, number>();
    for (const r of e.rows) finishes.set(r.finish, (finishes.get(r.finish) ?? 0) + 1);
    io.stdout.write(
      `${e.rows.length} trajectories in ${values.out} (${e.written} new, ${e.resumed} resumed) · ${[...finishes].map(([k, v]) => `${k} ${v}`).join(", ")} · ${e.rows.filter((r) => r.correct).length} correct\n`,
    );
    const accuracy = accuracyTable(e.rows);
    io.stdout.write(`\n${formatAccuracyTable(accuracy, e.settings.samples)}\n`);
    const tables = evalTables(e);
    for (const [name, t] of Object.entries(tables)) io.stdout.write(`\n## ${name}\n\n${t.toMarkdown({ limit: Infinity, maxdigits: 4 } as never)}`);
    if (values.json) {
      const json = { trajectories: values.out, samples: e.settings.samples, settings: e.settings, timing: e.timing, rows: accuracy, tables: Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, t.objects()])) };
      fs.writeFileSync(values.json, JSON.stringify(json, null, 2) + "\n");
    }
    return 0;
  },
};
