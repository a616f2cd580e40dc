/**
 * What `rollout` and `eval` share: one option declaration (with the command's default preset
 * filled in) and one setup from the parsed values — the preset with the flags over it, the
 * problems, the policy or mixture, the chat template, the interpreter and the interrupt handling.
 */
import { type CommandIO, UsageError } from "./command.js";
import { OPTION_ERRORS, type Values } from "./options.js";
import { MathagentError } from "../errors.js";
import { requireFile } from "../io/errors.js";
import { type ChatTemplate, FAMILIES, getTemplate } from "../chat/index.js";
import { HttpPolicy } from "../policy/index.js";
import {
  assignSamples,
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
  type RolloutProblem,
  type RolloutProgress,
} from "../rollout/index.js";
import { Progress } from "../display/index.js";
import { DATASET_SPLITS, type DatasetName, loadProblems, readJsonl } from "../data/index.js";
import { PyodidePool } from "../interpreter/index.js";

const DATASETS = Object.keys(DATASET_SPLITS) as DatasetName[];

/** The options of `rollout` and `eval`; values marked "preset" come from `protocol` unless given. */
export function rolloutOptions(protocol: ProtocolName) {
  const p = PROTOCOLS[protocol];
  const preset = (v: unknown) => `${String(v)}, from the ${protocol} preset`;
  return {
    protocol: { type: "string", choices: PROTOCOL_NAMES, default: protocol, metavar: "NAME", help: "settings preset; every value marked preset comes from it unless given (see docs/rollout.md)" },
    server: { type: "string", multiple: true, required: true, metavar: "[NAME=]URL[,URL…]", help: "OpenAI-compatible completions endpoint(s) (vLLM, SGLang, llama.cpp, TGI, Ollama); several URLs are balanced by least outstanding requests; repeat --server NAME=URL with --mix for several policies" },
    mix: { type: "string", metavar: "NAME:SHARE,…", help: "mixture sampling: each named policy writes SHARE of every prompt's samples (the paper: --mix cur:20,prev:10); samples = the sum of the shares" },
    api: { type: "string", choices: ["openai", "vllm-generate"], default: "openai", help: "wire protocol" },
    model: { type: "string", metavar: "NAME", help: "model name", defaultText: "the first of GET /v1/models" },
    "api-key": { type: "string", metavar: "KEY", help: "bearer token", defaultText: "$OPENAI_API_KEY when set" },
    family: { type: "string", choices: FAMILIES, required: true, metavar: "NAME", help: `chat template: ${FAMILIES.join(", ")}` },
    cot: { type: "boolean", help: "chain-of-thought variant: one turn, no tools" },
    dataset: { type: "string", choices: DATASETS, metavar: "NAME", help: "dataset from the data directory (see `mathagent data`); give this or --problems" },
    split: { type: "string", default: "test", metavar: "NAME", help: "dataset split" },
    problems: { type: "string", metavar: "FILE", help: "read problems from a JSONL file of {id, question, answer} instead (questions are stripped, as the paper's)" },
    limit: { type: "int", min: 1, help: "only the first N problems" },
    samples: { type: "int", min: 1, help: "trajectories per problem", defaultText: preset(p.samples.value) },
    temperature: { type: "number", min: 0, metavar: "T", help: "sampling temperature", defaultText: preset(p.temperature.value) },
    "top-p": { type: "number", min: 0, max: 1, metavar: "P", help: "nucleus sampling", defaultText: preset(p.topP.value) },
    "top-k": { type: "string", metavar: "K|none", help: "top-k, -1 for all tokens; none sends no top_k field, for servers that refuse it", defaultText: preset(p.topK.value) },
    "max-tokens": { type: "int", min: 1, help: "new tokens per model call", defaultText: preset(p.maxTokens.value) },
    horizon: { type: "int", min: 1, metavar: "H", help: "most model calls per trajectory", defaultText: preset(p.horizon.value) },
    concurrency: { type: "int", min: 1, default: 64, metavar: "C", help: "trajectories in flight" },
    seed: { type: "int", metavar: "S", help: "run seed", defaultText: preset(p.seed.value) },
    "seed-mode": { type: "string", choices: ["run", "sample", "trajectory"], help: "request seed: the run seed, seed + sample, or a hash per (problem, sample)", defaultText: preset(p.seedMode.value) },
    execution: { type: "string", choices: ["cells", "session"], help: "cells: the paper's executor, every closed block so far re-run in a fresh interpreter; session: one interpreter per trajectory, new blocks only", defaultText: preset(p.execution.value) },
    mode: { type: "string", choices: ["async", "barrier"], default: "async", help: "per-trajectory async loop or the paper's turn-synchronous order" },
    "request-timeout": { type: "number", min: 0, default: 600, metavar: "S", help: "bound on one HTTP attempt in seconds" },
    retries: { type: "int", min: 0, default: 8, help: "retries per request on 5xx / resets / time-outs / bad replies" },
    "code-timeout": { type: "number", min: 0, metavar: "S", help: "time limit per code block in seconds", defaultText: preset(p.codeTimeoutS.value) },
    workers: { type: "int", min: 1, default: 2, help: "Python interpreter workers" },
    out: { type: "string", required: true, metavar: "FILE", help: "append-only JSONL of trajectories; rerun the same command to resume" },
    quiet: { type: "boolean", help: "no progress bar" },
  } as const;
}

export type RolloutValues = Values<ReturnType<typeof rolloutOptions>>;

function topKOf(raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === "none") return null;
  const k = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(k) || k < -1) throw new UsageError(OPTION_ERRORS.bad("--top-k", "an integer ≥ -1 or none", raw));
  return k;
}

/** The explicit flags that override a preset (undefined: not given). */
function protocolFlags(values: RolloutValues): ProtocolOverrides {
  const flags: ProtocolOverrides = {
    samples: values.samples,
    temperature: values.temperature,
    topP: values["top-p"],
    topK: topKOf(values["top-k"]),
    maxTokens: values["max-tokens"],
    horizon: values.horizon,
    seed: values.seed,
    seedMode: values["seed-mode"],
    execution: values.execution,
    codeTimeoutS: values["code-timeout"],
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as ProtocolOverrides;
}

/** The preset named by --protocol with the explicit flags over it. */
export function resolveRolloutProtocol(values: RolloutValues): ResolvedProtocol {
  return resolveProtocol(values.protocol, protocolFlags(values));
}

async function readProblemFile(file: string): Promise<RolloutProblem[]> {
  requireFile(file);
  const out: RolloutProblem[] = [];
  for await (const { line, value } of readJsonl(file)) {
    const v = value as Record<string, unknown>;
    if (typeof v !== "object" || v === null || typeof v.question !== "string" || typeof v.answer !== "string") {
      throw new MathagentError(`${file}:${line}: a problem needs string "question" and "answer" fields`);
    }
    const id = typeof v.id === "string" || typeof v.id === "number" ? String(v.id) : `${file}:${line}`;
    const p: RolloutProblem = { id, question: v.question.trim(), answer: v.answer };
    if (typeof v.dataset === "string") p.dataset = v.dataset;
    if (typeof v.level === "number") p.level = v.level;
    if (typeof v.subject === "string") p.subject = v.subject;
    out.push(p);
  }
  return out;
}

/** The problems of `--dataset`/`--split` or `--problems`, cut to `--limit`. */
export async function loadRolloutProblems(values: RolloutValues): Promise<RolloutProblem[]> {
  if (!values.dataset === !values.problems) throw new UsageError("give exactly one of --dataset NAME or --problems FILE");
  const problems = values.problems ? await readProblemFile(values.problems) : await loadProblems(values.dataset!, values.split);
  return values.limit !== undefined ? problems.slice(0, values.limit) : problems;
}

/** The HTTP policy (or the mixture of them) the flags describe, with at most one retry line per 10 s. */
export function makePolicies(values: RolloutValues, io: CommandIO): { policy: HttpPolicy } | { mixture: MixtureEntry[] } {
  const apiKey = values["api-key"] ?? process.env.OPENAI_API_KEY;
  let lastRetryLine = 0;
  let retriesSince = 0;
  const make = (endpoints: string) =>
    new HttpPolicy({
      endpoints,
      api: values.api,
      ...(values.model ? { model: values.model } : {}),
      ...(apiKey ? { apiKey } : {}),
      timeoutMs: values["request-timeout"] * 1000,
      retries: values.retries,
      onRetry: (i) => {
        retriesSince++;
        const now = Date.now();
        if (values.quiet || now - lastRetryLine < 10_000) return;
        const more = retriesSince > 1 ? ` (+${retriesSince - 1} other retries)` : "";
        io.stderr.write(`\n[retrying] ${i.endpoint}: ${i.error.slice(0, 200)}${more}\n`);
        lastRetryLine = now;
        retriesSince = 0;
      },
    });
  try {
    const servers = values.server.map(parseServerSpec);
    if (values.mix !== undefined) return { mixture: matchMixture(parseMixSpec(values.mix), servers, make) };
    if (servers.length > 1) throw new UsageError("several --server groups need --mix NAME:SHARE,… (or give one --server with comma-separated URLs)");
    return { policy: make(servers[0]!.urls) };
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

/** Samples per prompt: a mixture's is the sum of its shares, which an explicit --samples must equal. */
export function samplesOf(policies: { policy: HttpPolicy } | { mixture: MixtureEntry[] }, p: ResolvedProtocol, given: number | undefined): number {
  if (!("mixture" in policies)) return p.samples;
  try {
    const total = assignSamples(policies.mixture).length;
    if (given !== undefined && given !== total) throw new UsageError(`--samples ${given} but the mixture's shares add up to ${total}`);
    return total;
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

export function templateOf(values: RolloutValues): ChatTemplate {
  return getTemplate(values.family, values.cot ? "cot" : "tool");
}

/** The interpreter a tool template needs (a shared pool for cells, a session per trajectory otherwise), started lazily. */
export function interpreterOf(values: RolloutValues, p: ResolvedProtocol, template: ChatTemplate, io: CommandIO) {
  let pool: PyodidePool | undefined;
  const getPool = () =>
    (pool ??= new PyodidePool({ workers: values.workers, timeoutMs: p.codeTimeoutS * 1000, log: (level, m) => level === "warn" && io.stderr.write(`\n[interpreter] ${m}\n`) }));
  const interpreter = template.mode !== "tool" ? undefined : p.execution === "cells" ? getPool() : () => getPool().session();
  return { ...(interpreter ? { interpreter } : {}), close: async () => pool?.close() };
}

/** Runs `fn` with SIGINT/SIGTERM aborting it; an abort says how to resume from `out`. */
export async function interruptible<T>(out: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await fn(ac.signal);
  } catch (e) {
    if (e instanceof Error && e.name === "AbortError") throw new MathagentError(`interrupted; finished trajectories are in ${out}: rerun the same command to resume`);
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The progress bar of a run (over the pairs still to do; resumed ones are in the status). */
export function progressDisplay(quiet: boolean, io: CommandIO, label: string) {
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
      if (quiet) return;
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

/** The preset and what was changed from it, e.g. "paper-collect (horizon 4, samples 8)". */
export function protocolLine(p: ResolvedProtocol): string {
  const changed = p.overridden.map((k) => `${k} ${JSON.stringify((p as unknown as Record<string, unknown>)[k])}`);
  return changed.length ? `${p.protocol} (${changed.join(", ")})` : p.protocol;
}
