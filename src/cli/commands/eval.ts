import * as fs from "node:fs";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { MathagentError } from "../../errors.js";
import { EVAL_PROTOCOL, evaluate, type Evaluation } from "../../evaluate/index.js";
import { isProtocolName, PROTOCOL_NAMES, PROTOCOLS, type ProtocolName, type SeedMode } from "../../rollout/index.js";
import { accuracyTable, formatAccuracyTable, type Table } from "../../metrics/index.js";
import { Progress } from "../../display/index.js";
import type { RolloutProgress } from "../../rollout/index.js";
import { lazyPool, num, policyOf, posInt, problemsOf, ROLLOUT_OPTIONS, templateOf } from "../rollout-setup.js";

const P = PROTOCOLS[EVAL_PROTOCOL];
const usage = `usage: mathagent eval --server URL[,URL…] --family NAME (--dataset NAME [--split S] | --problems FILE)
                      --out FILE [--samples N --temperature T] [--json FILE] [options]

The paper's evaluation (--protocol ${EVAL_PROTOCOL}, inference/scripts/eval.sh): greedy decoding
(temperature ${P.temperature.value}, ${P.samples.value} sample), horizon ${P.horizon.value}, ${P.maxTokens.value} new tokens per model call; explicit flags override the preset. Runs (or resumes) the rollout into --out, grades
every trajectory with the paper's answer rule (the last model turn only; no answer at the horizon)
and prints accuracy overall and per level / subject. With --samples n (Figure 2: --samples 64
--temperature 0.7) it also prints the pass@k curve for k = 1, 2, 4, …, n (unbiased estimator,
bootstrap 95% intervals) and the prompt coverage.

options:
  --protocol NAME        settings preset: ${PROTOCOL_NAMES.join(" or ")} (default ${EVAL_PROTOCOL}); see docs/rollout.md
  --execution cells|session   cells: the paper's executor (preset); session: one interpreter per trajectory
  --server URL[,URL…]    OpenAI-compatible completions endpoint(s)
  --api openai|vllm-generate   wire protocol (default openai)
  --model NAME / --api-key KEY
  --family NAME          chat template of the served model
  --cot                  chain-of-thought variant: one turn, no tools
  --dataset NAME         gsm8k, math or math500 (from the data directory)   --split NAME (default test)
  --problems FILE        problems from a JSONL file of {id, question, answer} instead
  --limit N              only the first N problems
  --samples N            trajectories per problem (preset: ${P.samples.value})
  --temperature T        sampling temperature (preset: ${P.temperature.value})
  --top-p P              nucleus sampling (preset: ${P.topP.value})
  --max-tokens N         new tokens per model call (preset: ${P.maxTokens.value})
  --horizon H            most tool calls per trajectory (preset: ${P.horizon.value}, eval.sh's)
  --seed-mode run|sample|trajectory   which seed each request carries (preset: ${P.seedMode.value})
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

/** The entries of `o` that are set. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An optional number flag: undefined keeps the preset's value. */
const opt = (v: string | undefined, name: string, check: (x: number) => boolean) => (v === undefined ? undefined : num(v, name, 0, check));

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
    const { values } = parseCommandArgs(args, { ...ROLLOUT_OPTIONS, protocol: { type: "string" }, execution: { type: "string" }, "seed-mode": { type: "string" }, json: { type: "string" } });
    const protocolName = (values.protocol ?? EVAL_PROTOCOL) as ProtocolName;
    if (!isProtocolName(protocolName)) throw new UsageError(`unknown --protocol "${protocolName}": one of ${PROTOCOL_NAMES.join(", ")}`);
    const execution = values.execution ?? PROTOCOLS[protocolName].execution.value;
    if (execution !== "cells" && execution !== "session") throw new UsageError(`--execution must be cells or session, not "${execution}"`);
    const seedMode = values["seed-mode"] as SeedMode | undefined;
    if (seedMode !== undefined && seedMode !== "run" && seedMode !== "sample" && seedMode !== "trajectory") throw new UsageError(`--seed-mode must be run, sample or trajectory, not "${seedMode}"`);
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
        protocolName,
        ...(template.mode === "tool" ? { interpreter: execution === "cells" ? pool.shared() : pool.session, execution } : {}),
        ...defined({
          samples: opt(values.samples, "samples", posInt),
          temperature: opt(values.temperature, "temperature", (x) => x >= 0),
          topP: opt(values["top-p"], "top-p", (x) => x > 0 && x <= 1),
          maxTokens: opt(values["max-tokens"], "max-tokens", posInt),
          horizon: opt(values.horizon, "horizon", posInt),
          seed: opt(values.seed, "seed", Number.isInteger),
          seedMode,
        }),
        concurrency: num(values.concurrency, "concurrency", 64, posInt),
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
