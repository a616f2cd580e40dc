import * as fs from "node:fs";
import { type Command, type CommandIO, parseCommandArgs, UsageError } from "../command.js";
import { MathagentError } from "../../errors.js";
import { FAMILIES, getTemplate, isFamily } from "../../chat/index.js";
import { HttpPolicy, type ApiKind } from "../../policy/index.js";
import {
  assignSamples,
  isProtocolName,
  matchMixture,
  type MixtureEntry,
  parseMixSpec,
  parseServerSpec,
  PROTOCOL_NAMES,
  PROTOCOLS,
  type ProtocolName,
  type ProtocolOverrides,
  type ResolvedProtocol,
  resolveProtocol,
  rollout,
  type RolloutProblem,
  type RolloutProgress,
  type RolloutResult,
  type Trajectory,
} from "../../rollout/index.js";
import { Progress } from "../../display/index.js";
import { DATASET_SPLITS, type DatasetName, loadProblems, readJsonl } from "../../data/index.js";
import { PyodidePool } from "../../interpreter/index.js";
import { fastReward } from "../../trajectory/index.js";

/** Options shared by `mathagent rollout` and `mathagent eval`. */
export const ROLLOUT_OPTIONS = {
  server: { type: "string", multiple: true },
  mix: { type: "string" },
  protocol: { type: "string" },
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
  "top-k": { type: "string" },
  "max-tokens": { type: "string" },
  horizon: { type: "string" },
  concurrency: { type: "string" },
  seed: { type: "string" },
  "seed-mode": { type: "string" },
  execution: { type: "string" },
  mode: { type: "string" },
  "request-timeout": { type: "string" },
  retries: { type: "string" },
  "code-timeout": { type: "string" },
  workers: { type: "string" },
  out: { type: "string" },
  quiet: { type: "boolean" },
} as const;

const USAGE_TEMPLATE = `  --protocol NAME        settings preset: ${PROTOCOL_NAMES.join(" or ")} (default PROTOCOL); every value
                         below marked "preset" comes from it unless given (see docs/rollout.md)
  --server [NAME=]URL[,URL…]  OpenAI-compatible completions endpoint(s) (vLLM, SGLang, llama.cpp, TGI,
                         Ollama); several URLs are balanced by least outstanding requests; repeat
                         --server NAME=URL with --mix for several policies
  --mix NAME:SHARE,…     mixture sampling: each named policy writes SHARE of every prompt's samples
                         (the paper: --mix cur:20,prev:10); samples = the sum of the shares
  --api openai|vllm-generate   wire protocol (default openai)
  --model NAME           model name (default: the first of GET /v1/models)
  --api-key KEY          bearer token (default $OPENAI_API_KEY when set)
  --family NAME          chat template: ${FAMILIES.join(", ")}
  --cot                  chain-of-thought variant: one turn, no tools
  --dataset NAME         gsm8k, math or math500 (from the data directory; see \`mathagent data\`)
  --split NAME           dataset split (default test)
  --problems FILE        read problems from a JSONL file of {id, question, answer} instead
  --limit N              only the first N problems
  --samples N            trajectories per problem (preset: SAMPLES)
  --temperature T        sampling temperature (preset: TEMPERATURE)
  --top-p P              nucleus sampling (preset: 1)
  --top-k K|none         top-k, -1 for all tokens; none sends no top_k field, for servers that
                         refuse it (preset: -1)
  --max-tokens N         new tokens per model call (preset: 1024)
  --horizon H            most model calls per trajectory (preset: HORIZON)
  --concurrency C        trajectories in flight (default 64)
  --seed S               run seed (preset: 0)
  --seed-mode run|sample|trajectory   request seed: the run seed, seed + sample, or a hash per
                         (problem, sample) (preset: SEEDMODE)
  --execution cells|session   cells: the paper's executor, every closed block so far re-run in a fresh
                         interpreter; session: one interpreter per trajectory, new blocks only (preset: cells)
  --mode async|barrier   per-trajectory async loop (default) or the paper's turn-synchronous order
  --request-timeout S    bound on one HTTP attempt in seconds (default 600)
  --retries N            retries per request on 5xx / resets / time-outs / bad replies (default 8)
  --code-timeout S       time limit per code block in seconds (preset: 20)
  --workers N            Python interpreter workers (default 2)
  --out FILE             append-only JSONL of trajectories; rerun the same command to resume
  --quiet                no progress bar`;

/** The usage text of the shared options with a preset's values filled in. */
export function rolloutUsageOptions(protocol: ProtocolName): string {
  const p = PROTOCOLS[protocol];
  return USAGE_TEMPLATE.replace("PROTOCOL", protocol)
    .replace("SAMPLES", String(p.samples.value))
    .replace("TEMPERATURE", String(p.temperature.value))
    .replace("HORIZON", String(p.horizon.value))
    .replace("SEEDMODE", p.seedMode.value);
}

/** The shared options for a command whose default preset is paper-eval (SAMPLES and TEMPERATURE left for the caller to fill). */
export const ROLLOUT_USAGE_OPTIONS = USAGE_TEMPLATE.replace("PROTOCOL", "paper-eval")
  .replace("HORIZON", String(PROTOCOLS["paper-eval"].horizon.value))
  .replace("SEEDMODE", PROTOCOLS["paper-eval"].seedMode.value);

function num(v: string | undefined, name: string, check: (x: number) => boolean = () => true): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} ${JSON.stringify(v)} is not a valid value`);
  return x;
}
const posInt = (x: number) => Number.isInteger(x) && x >= 1;

function oneOf<T extends string>(v: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be ${allowed.join(" or ")}, not "${v}"`);
  return v as T;
}

type Values = ReturnType<typeof parseCommandArgs<typeof ROLLOUT_OPTIONS>>["values"];

/** The preset named by --protocol (or the caller's default) with the explicit flags over it. */
export function resolveRolloutProtocol(values: Values, fallback: ProtocolName, callerDefaults: ProtocolOverrides = {}): ResolvedProtocol {
  const name = values.protocol ?? fallback;
  if (!isProtocolName(name)) throw new UsageError(`unknown --protocol "${name}": one of ${PROTOCOL_NAMES.join(", ")}`);
  const flags: ProtocolOverrides = {
    samples: num(values.samples, "samples", posInt),
    temperature: num(values.temperature, "temperature", (x) => x >= 0),
    topP: num(values["top-p"], "top-p", (x) => x > 0 && x <= 1),
    topK: values["top-k"] === "none" ? null : num(values["top-k"], "top-k", (x) => Number.isInteger(x) && x >= -1),
    maxTokens: num(values["max-tokens"], "max-tokens", posInt),
    horizon: num(values.horizon, "horizon", posInt),
    seed: num(values.seed, "seed", Number.isInteger),
    seedMode: oneOf(values["seed-mode"], "seed-mode", ["run", "sample", "trajectory"] as const),
    execution: oneOf(values.execution, "execution", ["cells", "session"] as const),
    codeTimeoutS: num(values["code-timeout"], "code-timeout", (x) => x > 0),
  };
  // A caller's own defaults count only when the user did not pick a preset.
  const base = values.protocol === undefined ? callerDefaults : {};
  const merged: ProtocolOverrides = { ...base };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return resolveProtocol(name, merged);
}

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

async function loadRolloutProblems(values: Values): Promise<RolloutProblem[]> {
  if (!values.dataset === !values.problems) throw new UsageError("give exactly one of --dataset NAME or --problems FILE");
  const limit = num(values.limit, "limit", posInt);
  let problems: RolloutProblem[];
  if (values.problems) problems = await readProblemFile(values.problems);
  else {
    const ds = values.dataset as DatasetName;
    if (!Object.prototype.hasOwnProperty.call(DATASET_SPLITS, ds)) throw new UsageError(`unknown --dataset "${ds}": gsm8k, math or math500`);
    problems = await loadProblems(ds, values.split ?? "test");
  }
  return limit !== undefined ? problems.slice(0, limit) : problems;
}

/** The HTTP policy (or the mixture of them) the flags describe. */
function makePolicies(values: Values, io: CommandIO, quiet: boolean): { policy: HttpPolicy } | { mixture: MixtureEntry[] } {
  const api = (values.api ?? "openai") as ApiKind;
  if (api !== "openai" && api !== "vllm-generate") throw new UsageError(`--api must be openai or vllm-generate, not "${values.api}"`);
  const requestTimeout = num(values["request-timeout"], "request-timeout", (x) => x > 0) ?? 600;
  const retries = num(values.retries, "retries", (x) => Number.isInteger(x) && x >= 0) ?? 8;
  const apiKey = values["api-key"] ?? process.env.OPENAI_API_KEY;
  let lastRetryLine = 0;
  let retriesSince = 0;
  const make = (endpoints: string) =>
    new HttpPolicy({
      endpoints,
      api,
      ...(values.model ? { model: values.model } : {}),
      ...(apiKey ? { apiKey } : {}),
      timeoutMs: requestTimeout * 1000,
      retries,
      onRetry: (i) => {
        // at most one line per 10 s, however many requests are retrying
        retriesSince++;
        const now = Date.now();
        if (quiet || now - lastRetryLine < 10_000) return;
        const more = retriesSince > 1 ? ` (+${retriesSince - 1} other retries)` : "";
        io.stderr.write(`\n[retrying] ${i.endpoint}: ${i.error.slice(0, 200)}${more}\n`);
        lastRetryLine = now;
        retriesSince = 0;
      },
    });
  const servers = (values.server ?? []).map(parseServerSpec);
  try {
    if (values.mix !== undefined) return { mixture: matchMixture(parseMixSpec(values.mix), servers, make) };
    if (servers.length > 1) throw new UsageError("several --server groups need --mix NAME:SHARE,… (or give one --server with comma-separated URLs)");
    return { policy: make(servers[0]!.urls) };
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

export interface RolloutRun {
  result: RolloutResult;
  out: string;
  /** The last progress report (counts include resumed pairs). */
  progress: RolloutProgress | undefined;
  /** Finish reasons of the trajectories this run wrote. */
  finishes: Record<string, number>;
  /** The preset and the values the run used. */
  protocol: ResolvedProtocol;
}

/** Samples per prompt of a mixture: the sum of its shares, which an explicit --samples must equal. */
function mixtureSamples(mixture: MixtureEntry[], given: number | undefined): number {
  try {
    const total = assignSamples(mixture).length;
    if (given !== undefined && given !== total) throw new UsageError(`--samples ${given} but the mixture's shares add up to ${total}`);
    return total;
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

/** What the caller of `runRollout` decides: the default preset, and its own defaults under the flags. */
export interface RolloutDefaults {
  label: string;
  collect: boolean;
  /** The preset when --protocol is not given (default paper-eval: `eval` passes none; `rollout` passes paper-collect). */
  protocol?: ProtocolName;
  /** Used instead of the preset's value when --protocol is not given. */
  samples?: number;
  temperature?: number;
}

/** The progress bar of a run (over the pairs still to do; resumed ones are in the status). */
function progressDisplay(values: Values, io: CommandIO, label: string) {
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
  return {
    last: () => last,
    finish: () => bar?.finish(),
    onProgress: (p: RolloutProgress) => {
      last = p;
      if (values.quiet) return;
      bar ??= new Progress({
        total: p.total - p.resumed,
        label,
        stream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
        intervalMs: (io.stderr as { isTTY?: boolean }).isTTY ? 250 : 10_000,
        status,
      });
      bar.update(p.done - p.resumed);
    },
  };
}

/** Parse the shared options and run the rollout; the exit code is the caller's. */
export async function runRollout(values: Values, io: CommandIO, defaults: RolloutDefaults): Promise<RolloutRun> {
  if (!values.server?.length) throw new UsageError("--server is required (e.g. --server http://127.0.0.1:8000)");
  if (!values.family) throw new UsageError(`--family is required: one of ${FAMILIES.join(", ")}`);
  if (!isFamily(values.family)) throw new UsageError(`unknown --family "${values.family}": one of ${FAMILIES.join(", ")}`);
  if (!values.out) throw new UsageError("--out FILE is required (the trajectories file; rerun with it to resume)");
  const mode = oneOf(values.mode, "mode", ["async", "barrier"] as const) ?? "async";
  const callerDefaults: ProtocolOverrides = {};
  if (defaults.samples !== undefined) callerDefaults.samples = defaults.samples;
  if (defaults.temperature !== undefined) callerDefaults.temperature = defaults.temperature;
  const p = resolveRolloutProtocol(values, defaults.protocol ?? "paper-eval", callerDefaults);
  const concurrency = num(values.concurrency, "concurrency", posInt) ?? 64;
  const workers = num(values.workers, "workers", posInt) ?? 2;
  const problems = await loadRolloutProblems(values);
  const policies = makePolicies(values, io, values.quiet === true);
  const samples = "mixture" in policies ? mixtureSamples(policies.mixture, values.samples !== undefined ? p.samples : undefined) : p.samples;
  const template = getTemplate(values.family, values.cot ? "cot" : "tool");
  let pool: PyodidePool | undefined;
  const getPool = () =>
    (pool ??= new PyodidePool({ workers, timeoutMs: p.codeTimeoutS * 1000, log: (level, m) => level === "warn" && io.stderr.write(`\n[interpreter] ${m}\n`) }));
  const interpreter = template.mode !== "tool" ? undefined : p.execution === "cells" ? getPool() : () => getPool().session();
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once("SIGINT", onSigint);
  process.once("SIGTERM", onSigint);
  const display = progressDisplay(values, io, defaults.label);
  const finishes: Record<string, number> = {};
  try {
    const result = await rollout({
      problems,
      ...policies,
      template,
      ...(interpreter ? { interpreter } : {}),
      execution: p.execution,
      ...(samples !== undefined ? { samples } : {}),
      horizon: p.horizon,
      maxTokens: p.maxTokens,
      temperature: p.temperature,
      topP: p.topP,
      topK: p.topK,
      seed: p.seed,
      seedMode: p.seedMode,
      protocol: p.protocol,
      concurrency,
      mode,
      codeTimeoutMs: p.codeTimeoutS * 1000,
      out: values.out,
      signal: ac.signal,
      grade: (t) => fastReward(t),
      collect: defaults.collect,
      onWarning: (w) => io.stderr.write(`\nwarning: ${w}\n`),
      onTrajectory: (t) => void (finishes[t.finish] = (finishes[t.finish] ?? 0) + 1),
      onProgress: display.onProgress,
    });
    display.finish();
    return { result, out: values.out, progress: display.last(), finishes, protocol: p };
  } catch (e) {
    display.finish();
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

/** The preset and what was changed from it, e.g. "paper-collect (horizon 4, samples 8)". */
export function protocolLine(p: ResolvedProtocol): string {
  const changed = p.overridden.map((k) => `${k} ${JSON.stringify((p as unknown as Record<string, unknown>)[k])}`);
  return changed.length ? `${p.protocol} (${changed.join(", ")})` : p.protocol;
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

Samples N trajectories per problem with the Python interpreter in the loop, as the paper's code
does: the model writes a \`\`\`python block and stops at "\`\`\`output"; every closed block of the
conversation so far re-runs in a fresh sandboxed interpreter and the last block's output is
appended; the model continues, up to --horizon model calls or a turn without code (a \\boxed{}
answer). The settings come from a preset (--protocol, default paper-collect: T = 1.0, H = 6, N = 30),
each overridable. Each finished trajectory is appended to --out as one JSON line; rerunning the same
command skips the finished (problem, sample) pairs, so an interrupted or crashed run resumes where
it stopped.

options:
${rolloutUsageOptions("paper-collect")}

example:
  mathagent rollout --server http://127.0.0.1:8000 --family gemma --dataset gsm8k --split train \\
    --samples 8 --concurrency 128 --out runs/iter1.jsonl
  mathagent rollout --server cur=http://a:8000 --server prev=http://b:8000 --mix cur:20,prev:10 \\
    --family gemma --problems prompts-iter2.jsonl --out runs/iter2.jsonl
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, ROLLOUT_OPTIONS);
    const { result, out, progress, finishes, protocol } = await runRollout(values, io, { label: "rollout", collect: false, protocol: "paper-collect" });
    const total = result.written + result.resumed;
    const acc = progress && progress.graded > 0 ? ` · answers correct (fast check) ${progress.correct}/${progress.graded}` : "";
    const fin = Object.entries(finishes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    io.stdout.write(
      `${total} trajectories in ${out} (${result.written} new, ${result.resumed} resumed) in ${(result.elapsedMs / 1000).toFixed(1)} s${fin ? ` · new: ${fin}` : ""}${acc} · protocol ${protocolLine(protocol)}\n`,
    );
    return 0;
  },
};
