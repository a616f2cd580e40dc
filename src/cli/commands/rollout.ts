import * as fs from "node:fs";
import { type Command, type CommandIO, parseCommandArgs, UsageError } from "../command.js";
import { MathagentError } from "../../errors.js";
import { FAMILIES, getTemplate, isFamily } from "../../chat/index.js";
import { HttpPolicy, type ApiKind } from "../../policy/index.js";
import { rollout, type RolloutProblem, type RolloutProgress, type RolloutResult, type Trajectory } from "../../rollout/index.js";
import { Progress } from "../../display/index.js";
import { DATASET_SPLITS, type DatasetName, loadProblems, readJsonl } from "../../data/index.js";
import { PyodidePool } from "../../interpreter/index.js";
import { type DatasetName as GradingDataset, DATASET_NAMES, gradeFast } from "../../grading/index.js";

/** Options shared by `mathagent rollout` and `mathagent eval`. */
export const ROLLOUT_OPTIONS = {
  server: { type: "string" },
  api: { type: "string" },
  model: { type: "string" },
  "api-key": { type: "string" },
  family: { type: "string" },
  cot: { type: "boolean" },
  dataset: { type: "string" },
  split: { type: "string" },
  problems: { type: "string" },
  limit: { type: "string" },
  samples: { type: "string" },
  temperature: { type: "string" },
  "top-p": { type: "string" },
  "max-tokens": { type: "string" },
  horizon: { type: "string" },
  concurrency: { type: "string" },
  seed: { type: "string" },
  mode: { type: "string" },
  "request-timeout": { type: "string" },
  retries: { type: "string" },
  "code-timeout": { type: "string" },
  workers: { type: "string" },
  out: { type: "string" },
  quiet: { type: "boolean" },
} as const;

export const ROLLOUT_USAGE_OPTIONS = `  --server URL[,URL…]    OpenAI-compatible completions endpoint(s) (vLLM, SGLang, llama.cpp, TGI, Ollama);
                         several URLs are balanced by least outstanding requests
  --api openai|vllm-generate   wire protocol (default openai)
  --model NAME           model name (default: the first of GET /v1/models)
  --api-key KEY          bearer token (default $OPENAI_API_KEY when set)
  --family NAME          chat template: ${FAMILIES.join(", ")}
  --cot                  chain-of-thought variant: one turn, no tools
  --dataset NAME         gsm8k, math or math500 (from the data directory; see \`mathagent data\`)
  --split NAME           dataset split (default test)
  --problems FILE        read problems from a JSONL file of {id, question, answer} instead
  --limit N              only the first N problems
  --samples N            trajectories per problem (default SAMPLES)
  --temperature T        sampling temperature (default TEMPERATURE)
  --top-p P              nucleus sampling (default 1)
  --max-tokens N         new tokens per model call (default 1024)
  --horizon H            most tool calls per trajectory (default 6, the paper's)
  --concurrency C        trajectories in flight (default 64)
  --seed S               run seed; each (problem, sample) gets a derived seed (default 0)
  --mode async|barrier   per-trajectory async loop (default) or the paper's turn-synchronous order
  --request-timeout S    bound on one HTTP attempt in seconds (default 600)
  --retries N            retries per request on 5xx / resets / time-outs / bad replies (default 8)
  --code-timeout S       time limit per code block in seconds (default 20, the paper's)
  --workers N            Python interpreter workers (default 2)
  --out FILE             append-only JSONL of trajectories; rerun the same command to resume
  --quiet                no progress bar`;

function num(v: string | undefined, name: string, def: number, check: (x: number) => boolean = () => true): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} ${JSON.stringify(v)} is not a valid value`);
  return x;
}
const posInt = (x: number) => Number.isInteger(x) && x >= 1;

type Values = ReturnType<typeof parseCommandArgs<typeof ROLLOUT_OPTIONS>>["values"];

async function readProblemFile(file: string): Promise<RolloutProblem[]> {
  if (!fs.existsSync(file)) throw new MathagentError(`--problems ${file}: no such file`);
  const out: RolloutProblem[] = [];
  for await (const { line, value } of readJsonl(file)) {
    const v = value as Record<string, unknown>;
    if (typeof v !== "object" || v === null || typeof v.question !== "string" || typeof v.answer !== "string") {
      throw new MathagentError(`${file}:${line}: a problem needs string "question" and "answer" fields`);
    }
    const id = typeof v.id === "string" || typeof v.id === "number" ? String(v.id) : `${file}:${line}`;
    const p: RolloutProblem = { id, question: v.question, answer: v.answer };
    if (typeof v.dataset === "string") p.dataset = v.dataset;
    if (typeof v.level === "number") p.level = v.level;
    if (typeof v.subject === "string") p.subject = v.subject;
    out.push(p);
  }
  return out;
}

/** Grading dataset for a problem's dataset name. */
export function gradingDataset(dataset: string | undefined): GradingDataset {
  return dataset && (DATASET_NAMES as readonly string[]).includes(dataset) ? (dataset as GradingDataset) : "default";
}

/** What the model wrote, all turns: the answer is extracted from it. */
export function modelText(t: Trajectory): string {
  return t.steps.map((s) => s.text).join("\n");
}

/** Fast grading for the progress bar: true / false, or null when only the symbolic step could tell. */
export function quickGrade(t: Trajectory): boolean | null {
  const v = gradeFast(modelText(t), t.gold, { dataset: gradingDataset(t.dataset), extract: true });
  return v.correct === undefined ? null : v.correct;
}

export interface RolloutRun {
  result: RolloutResult;
  out: string;
  /** The last progress report (counts include resumed pairs). */
  progress: RolloutProgress | undefined;
  /** Finish reasons of the trajectories this run wrote. */
  finishes: Record<string, number>;
}

/** Parse the shared options and run the rollout; the exit code is the caller's. */
export async function runRollout(
  values: Values,
  io: CommandIO,
  defaults: { samples: number; temperature: number; label: string; collect: boolean },
): Promise<RolloutRun> {
  if (!values.server) throw new UsageError("--server is required (e.g. --server http://127.0.0.1:8000)");
  if (!values.family) throw new UsageError(`--family is required: one of ${FAMILIES.join(", ")}`);
  if (!isFamily(values.family)) throw new UsageError(`unknown --family "${values.family}": one of ${FAMILIES.join(", ")}`);
  if (!values.out) throw new UsageError("--out FILE is required (the trajectories file; rerun with it to resume)");
  if (!values.dataset === !values.problems) throw new UsageError("give exactly one of --dataset NAME or --problems FILE");
  const api = (values.api ?? "openai") as ApiKind;
  if (api !== "openai" && api !== "vllm-generate") throw new UsageError(`--api must be openai or vllm-generate, not "${values.api}"`);
  const mode = values.mode ?? "async";
  if (mode !== "async" && mode !== "barrier") throw new UsageError(`--mode must be async or barrier, not "${mode}"`);
  const samples = num(values.samples, "samples", defaults.samples, posInt);
  const temperature = num(values.temperature, "temperature", defaults.temperature, (x) => x >= 0);
  const topP = num(values["top-p"], "top-p", 1, (x) => x > 0 && x <= 1);
  const maxTokens = num(values["max-tokens"], "max-tokens", 1024, posInt);
  const horizon = num(values.horizon, "horizon", 6, posInt);
  const concurrency = num(values.concurrency, "concurrency", 64, posInt);
  const seed = num(values.seed, "seed", 0, Number.isInteger);
  const requestTimeout = num(values["request-timeout"], "request-timeout", 600, (x) => x > 0);
  const retries = num(values.retries, "retries", 8, (x) => Number.isInteger(x) && x >= 0);
  const codeTimeout = num(values["code-timeout"], "code-timeout", 20, (x) => x > 0);
  const workers = num(values.workers, "workers", 2, posInt);
  const limit = values.limit === undefined ? undefined : num(values.limit, "limit", 0, posInt);

  let problems: RolloutProblem[];
  if (values.problems) problems = await readProblemFile(values.problems);
  else {
    const ds = values.dataset as DatasetName;
    if (!Object.prototype.hasOwnProperty.call(DATASET_SPLITS, ds)) throw new UsageError(`unknown --dataset "${ds}": gsm8k, math or math500`);
    problems = await loadProblems(ds, values.split ?? "test");
  }
  if (limit !== undefined) problems = problems.slice(0, limit);

  let policy: HttpPolicy;
  let lastRetryLine = 0;
  let retriesSince = 0;
  try {
    policy = new HttpPolicy({
      endpoints: values.server,
      api,
      ...(values.model ? { model: values.model } : {}),
      ...((values["api-key"] ?? process.env.OPENAI_API_KEY) ? { apiKey: values["api-key"] ?? process.env.OPENAI_API_KEY } : {}),
      timeoutMs: requestTimeout * 1000,
      retries,
      onRetry: (i) => {
        // at most one line per 10 s, however many requests are retrying
        retriesSince++;
        const now = Date.now();
        if (values.quiet || now - lastRetryLine < 10_000) return;
        const more = retriesSince > 1 ? ` (+${retriesSince - 1} other retries)` : "";
        io.stderr.write(`\n[retrying] ${i.endpoint}: ${i.error.slice(0, 200)}${more}\n`);
        lastRetryLine = now;
        retriesSince = 0;
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const template = getTemplate(values.family, values.cot ? "cot" : "tool");
  let pool: PyodidePool | undefined;
  const getPool = () =>
    (pool ??= new PyodidePool({ workers, timeoutMs: codeTimeout * 1000, log: (level, m) => level === "warn" && io.stderr.write(`\n[interpreter] ${m}\n`) }));
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once("SIGINT", onSigint);
  process.once("SIGTERM", onSigint);
  // The project's progress display over the pairs still to do (resumed ones are in the status).
  let bar: Progress | undefined;
  let last: RolloutProgress | undefined;
  const status = () => {
    if (!last) return "";
    const parts: string[] = [];
    if (last.resumed > 0) parts.push(`${last.resumed} resumed`);
    if (last.errors > 0) parts.push(`${last.errors} errors`);
    if (last.graded > 0) parts.push(`acc ${((100 * last.correct) / last.graded).toFixed(1)}% (${last.correct}/${last.graded})`);
    return parts.join(" · ");
  };
  const finishes: Record<string, number> = {};
  try {
    const result = await rollout({
      problems,
      policy,
      template,
      interpreter: () => getPool().session(),
      samples,
      horizon,
      maxTokens,
      temperature,
      topP,
      seed,
      concurrency,
      mode,
      codeTimeoutMs: codeTimeout * 1000,
      out: values.out,
      signal: ac.signal,
      grade: quickGrade,
      collect: defaults.collect,
      onWarning: (w) => io.stderr.write(`\nwarning: ${w}\n`),
      onTrajectory: (t) => void (finishes[t.finish] = (finishes[t.finish] ?? 0) + 1),
      onProgress: (p) => {
        last = p;
        if (values.quiet) return;
        bar ??= new Progress({
          total: p.total - p.resumed,
          label: defaults.label,
          stream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
          intervalMs: (io.stderr as { isTTY?: boolean }).isTTY ? 250 : 10_000,
          status,
        });
        bar.update(p.done - p.resumed);
      },
    });
    bar?.finish();
    return { result, out: values.out, progress: last, finishes };
  } catch (e) {
    bar?.finish();
    if (e instanceof Error && e.name === "AbortError") {
      throw new MathagentError(`interrupted; finished trajectories are in ${values.out}: rerun the same command to resume`);
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    await pool?.close();
  }
}

/** One line of counts by finish reason. */
export function finishSummary(ts: Trajectory[]): string {
  const by: Record<string, number> = {};
  for (const t of ts) by[t.finish] = (by[t.finish] ?? 0) + 1;
  return Object.entries(by)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

export const command: Command = {
  name: "rollout",
  summary: "sample multi-turn tool-integrated trajectories from a policy server into a resumable JSONL file",
  usage: `usage: mathagent rollout --server URL[,URL…] --family NAME (--dataset NAME [--split S] | --problems FILE)
                         --out FILE [options]

Samples N trajectories per problem with the Python interpreter in the loop: the model writes a
\`\`\`python block and stops at "\`\`\`output", the block runs in a sandboxed Pyodide session, its output
is appended and the model continues, up to --horizon tool calls or a \\boxed{} answer. Each finished
trajectory is appended to --out as one JSON line; rerunning the same command skips the finished
(problem, sample) pairs, so an interrupted or crashed run resumes where it stopped.

options:
${ROLLOUT_USAGE_OPTIONS.replace("SAMPLES", "1").replace("TEMPERATURE", "0.7")}

example:
  mathagent rollout --server http://127.0.0.1:8000 --family gemma --dataset gsm8k --split train \\
    --samples 8 --temperature 1.0 --horizon 6 --concurrency 128 --out runs/iter1.jsonl
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, ROLLOUT_OPTIONS);
    const { result, out, progress, finishes } = await runRollout(values, io, { samples: 1, temperature: 0.7, label: "rollout", collect: false });
    const total = result.written + result.resumed;
    const acc = progress && progress.graded > 0 ? ` · answers correct (fast check) ${progress.correct}/${progress.graded}` : "";
    const fin = Object.entries(finishes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    io.stdout.write(
      `${total} trajectories in ${out} (${result.written} new, ${result.resumed} resumed) in ${(result.elapsedMs / 1000).toFixed(1)} s${fin ? ` · new: ${fin}` : ""}${acc}\n`,
    );
    return 0;
  },
};
