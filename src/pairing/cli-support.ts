/** What the `annotate`, `pairs`, `kto` and `metrics` commands share: options, input loading, reports. */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../cli/command.js";
import { DATASET_SPLITS, type DatasetName as DataName, loadProblems, type Problem } from "../data/index.js";
import { MathagentError } from "../errors.js";
import { checkNotInPlace, loadAnnotated } from "./annotate.js";
import { fileTypeOf } from "./export.js";
import { applyFilters, FILTER_NAMES, type FilterName, type FilterSet } from "./filters.js";
import { formatIssue, type RowIssue } from "./read.js";

export const INPUT_OPTIONS = {
  input: { type: "string" },
  dataset: { type: "string" },
  split: { type: "string" },
  lenient: { type: "boolean" },
  quiet: { type: "boolean" },
} as const;

export const INPUT_USAGE = `  --input FILE       rollout JSONL (raw, graded on the fly, or annotated by \`mathagent annotate\`)
  --dataset NAME     grade against gsm8k, math or math500 answers from the data directory; a
                     trajectory of a problem not in it is a bad line
  --split NAME       dataset split (default test)
  --lenient          skip bad lines (each reported with file:line) instead of stopping at the first
  --quiet            no progress bar`;

export function requireInput(v: string | undefined): string {
  if (!v) throw new UsageError("--input FILE is required");
  if (!fs.existsSync(v)) throw new MathagentError(`--input ${v}: no such file`);
  return v;
}

export async function problemsFor(dataset: string | undefined, split: string | undefined): Promise<Problem[] | undefined> {
  if (dataset === undefined) return undefined;
  if (!Object.prototype.hasOwnProperty.call(DATASET_SPLITS, dataset)) throw new UsageError(`unknown --dataset "${dataset}": one of ${Object.keys(DATASET_SPLITS).join(", ")}`);
  const s = split ?? "test";
  if (!DATASET_SPLITS[dataset as DataName].includes(s)) throw new UsageError(`--split ${s}: ${dataset} has ${DATASET_SPLITS[dataset as DataName].join(", ")}`);
  return loadProblems(dataset as DataName, s);
}

/** A non-negative integer option. */
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

/** `dir/x.jsonl` or `dir/x.annotated.jsonl` → `dir/x.<suffix>`. */
export function besideInput(input: string, suffix: string): string {
  const base = path.basename(input).replace(/\.jsonl$/i, "").replace(/\.annotated$/i, "");
  return path.join(path.dirname(input), `${base}.${suffix}`);
}

/** Print skipped lines (at most 20) to `out`. */
export function reportIssues(issues: readonly RowIssue[], out: NodeJS.WritableStream): void {
  if (issues.length === 0) return;
  const kinds = new Map<string, number>();
  for (const i of issues) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
  out.write(`skipped ${issues.length} line(s): ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}\n`);
  for (const i of issues.slice(0, 20)) out.write(`  ${formatIssue(i)}\n`);
  if (issues.length > 20) out.write(`  … and ${issues.length - 20} more\n`);
}

/** An export path must have a known file type and must not be the input. */
export function checkExportPath(input: string, out: string): void {
  try {
    fileTypeOf(out);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  checkNotInPlace(input, out);
}

/** Reads (and grades where needed) the rollout file the input options name, reports bad lines, applies the filters. */
export async function loadFiltered(
  input: string,
  values: { dataset?: string; split?: string; lenient?: boolean; quiet?: boolean },
  filters: FilterSet,
  stderr: NodeJS.WritableStream,
) {
  const problems = await problemsFor(values.dataset, values.split);
  const loaded = await loadAnnotated(input, { lenient: values.lenient ?? false, progress: values.quiet ? false : { stream: stderr }, ...(problems ? { problems } : {}) });
  reportIssues(loaded.issues, stderr);
  const { kept, summary } = applyFilters(loaded.rows, filters);
  return { kept, filterSummary: summary, skippedLines: loaded.issues.length };
}
