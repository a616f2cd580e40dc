/**
 * What `eval` needs from the rollout options: the problems, the policy, the template and the
 * interpreter pool, from the parsed option values.
 * TODO(lead, at merge): `commands/rollout.ts` (protocol helper) keeps its own copy of these options
 * and of this setup in `runRollout`; make it use this module (or protocol's library equivalent) so
 * both commands share one declaration.
 */
import * as fs from "node:fs";
import { UsageError } from "./command.js";
import { MathagentError } from "../errors.js";
import { type ChatTemplate, FAMILIES, getTemplate, isFamily } from "../chat/index.js";
import { type ApiKind, HttpPolicy } from "../policy/index.js";
import type { RolloutProblem } from "../rollout/index.js";
import { DATASET_SPLITS, type DatasetName, loadProblems, readJsonl } from "../data/index.js";
import { PyodidePool } from "../interpreter/index.js";

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

export type RolloutValues = { [K in keyof typeof ROLLOUT_OPTIONS]?: (typeof ROLLOUT_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

export function num(v: string | undefined, name: string, def: number, check: (x: number) => boolean = () => true): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} ${JSON.stringify(v)} is not a valid value`);
  return x;
}
export const posInt = (x: number) => Number.isInteger(x) && x >= 1;

async function readProblemFile(file: string): Promise<RolloutProblem[]> {
  if (!fs.existsSync(file)) throw new MathagentError(`--problems ${file}: no such file`);
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
export async function problemsOf(values: RolloutValues): Promise<RolloutProblem[]> {
  if (!values.dataset === !values.problems) throw new UsageError("give exactly one of --dataset NAME or --problems FILE");
  let problems: RolloutProblem[];
  if (values.problems) problems = await readProblemFile(values.problems);
  else {
    const ds = values.dataset as DatasetName;
    if (!Object.prototype.hasOwnProperty.call(DATASET_SPLITS, ds)) throw new UsageError(`unknown --dataset "${ds}": gsm8k, math or math500`);
    problems = await loadProblems(ds, values.split ?? "test");
  }
  const limit = values.limit === undefined ? undefined : num(values.limit, "limit", 0, posInt);
  return limit === undefined ? problems : problems.slice(0, limit);
}

/** The HTTP policy of `--server`, `--api`, `--model`, `--api-key`, `--request-timeout`, `--retries`. */
export function policyOf(values: RolloutValues, onRetryLine: (line: string) => void): HttpPolicy {
  if (!values.server) throw new UsageError("--server is required (e.g. --server http://127.0.0.1:8000)");
  const api = (values.api ?? "openai") as ApiKind;
  if (api !== "openai" && api !== "vllm-generate") throw new UsageError(`--api must be openai or vllm-generate, not "${values.api}"`);
  const apiKey = values["api-key"] ?? process.env.OPENAI_API_KEY;
  let last = 0;
  try {
    return new HttpPolicy({
      endpoints: values.server,
      api,
      ...(values.model ? { model: values.model } : {}),
      ...(apiKey ? { apiKey } : {}),
      timeoutMs: num(values["request-timeout"], "request-timeout", 600, (x) => x > 0) * 1000,
      retries: num(values.retries, "retries", 8, (x) => Number.isInteger(x) && x >= 0),
      onRetry: (i) => {
        // at most one line per 10 s, however many requests are retrying
        if (values.quiet || Date.now() - last < 10_000) return;
        last = Date.now();
        onRetryLine(`[retrying] ${i.endpoint}: ${i.error.slice(0, 200)}`);
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The chat template of `--family` (and `--cot`). */
export function templateOf(values: RolloutValues): ChatTemplate {
  if (!values.family) throw new UsageError(`--family is required: one of ${FAMILIES.join(", ")}`);
  if (!isFamily(values.family)) throw new UsageError(`unknown --family "${values.family}": one of ${FAMILIES.join(", ")}`);
  return getTemplate(values.family, values.cot ? "cot" : "tool");
}

/** A lazily started interpreter pool of `--workers` and `--code-timeout`. */
export function lazyPool(values: RolloutValues, log: (line: string) => void): { session: () => ReturnType<PyodidePool["session"]>; shared: () => PyodidePool; close: () => Promise<void> } {
  const workers = num(values.workers, "workers", 2, posInt);
  const timeoutMs = num(values["code-timeout"], "code-timeout", 20, (x) => x > 0) * 1000;
  let pool: PyodidePool | undefined;
  const get = () => (pool ??= new PyodidePool({ workers, timeoutMs, log: (level, m) => level === "warn" && log(`[interpreter] ${m}`) }));
  return {
    session: () => get().session(),
    shared: get,
    close: async () => pool?.close(),
  };
}
