/** What the commands that read a rollout file (`annotate`, `pairs`, `kto`, `metrics`) make of their declared option values. */
import * as fs from "node:fs";
import { UsageError } from "./command.js";
import { MathagentError } from "../errors.js";
import { checkDatasetSplit, type Problem } from "../data/index.js";
import { DEFAULT_REFERENCE, type ReferenceChoice } from "../losses/reference.js";
import { FILTER_NAMES, type FilterName, type FilterOptions, type FilterSet, problemsFor, tokenCounterFrom } from "../pairing/index.js";

/** An integer option ≥ `min`. */
export function intOption(v: string | undefined, name: string, def: number, min = 0): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (v.trim() === "" || !Number.isInteger(x) || x < min) throw new UsageError(`--${name} ${JSON.stringify(v)} must be an integer ≥ ${min}`);
  return x;
}

/** `--skip-filter a,b` → the filter switches. */
export function filterSwitches(skip: string | undefined): FilterSet {
  const set: FilterSet = {};
  if (!skip) return set;
  for (const name of skip.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (name === "all") FILTER_NAMES.forEach((f) => (set[f] = false));
    else if ((FILTER_NAMES as readonly string[]).includes(name)) set[name as FilterName] = false;
    else throw new UsageError(`unknown filter "${name}" in --skip-filter: use ${FILTER_NAMES.join(", ")} or all`);
  }
  return set;
}

/** Run a library check whose failure is the caller's mistake (exit 2 with the usage). */
export function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The problems `--dataset` / `--split` name (a wrong name is a usage error). */
export async function inputProblems(values: { dataset?: string; split?: string }): Promise<Problem[] | undefined> {
  if (values.dataset !== undefined) asUsage(() => checkDatasetSplit(values.dataset!, values.split));
  return problemsFor(values.dataset, values.split);
}

/** `--skip-filter`, `--tokenizer`, `--max-tokens` → the filter options. */
export function filterOptions(values: { "skip-filter"?: string; tokenizer?: string; "max-tokens"?: string }): FilterOptions {
  const o: FilterOptions = { enabled: filterSwitches(values["skip-filter"]), maxTokens: intOption(values["max-tokens"], "max-tokens", 2048, 1) };
  if (values.tokenizer !== undefined) {
    if (!fs.existsSync(values.tokenizer)) throw new MathagentError(`--tokenizer ${values.tokenizer}: no such file or folder`);
    o.countTokens = tokenCounterFrom(values.tokenizer);
  }
  return o;
}

/** `--reference previous|sft` (default previous, the paper's). */
export function referenceOption(v: string | undefined): ReferenceChoice {
  const r = v ?? DEFAULT_REFERENCE;
  if (r !== "previous" && r !== "sft") throw new UsageError(`--reference must be previous or sft, got "${r}"`);
  return r;
}
