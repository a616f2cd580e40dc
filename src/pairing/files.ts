/** What the pairing outputs share: where they go beside the input, the filtered input, skipped-line reports. */
import * as path from "node:path";
import { checkDatasetSplit, loadProblems, type Problem } from "../data/index.js";
import { formatIssue, type RowIssue } from "../trajectory/index.js";
import { loadAnnotated } from "./annotate.js";
import { checkNotInPlace, fileTypeOf } from "../io/index.js";
import { applyFilters, type FilterOptions, type TokenCounter } from "./filters.js";
import { loadTokenizer } from "../losses/tokenizer.js";

/** The problems of a dataset split from the data directory (undefined when no dataset is named). */
export async function problemsFor(dataset: string | undefined, split: string | undefined): Promise<Problem[] | undefined> {
  if (dataset === undefined) return undefined;
  checkDatasetSplit(dataset, split);
  return loadProblems(dataset, split ?? "test");
}

/** `dir/x.jsonl` or `dir/x.annotated.jsonl` → `dir/x.<suffix>`. */
export function besideInput(input: string, suffix: string): string {
  const base = path.basename(input).replace(/\.jsonl$/i, "").replace(/\.annotated$/i, "");
  return path.join(path.dirname(input), `${base}.${suffix}`);
}

/** Skipped lines as text (at most 20 named), or "" when none. */
export function describeIssues(issues: readonly RowIssue[]): string {
  if (issues.length === 0) return "";
  const kinds = new Map<string, number>();
  for (const i of issues) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
  const lines = [`skipped ${issues.length} line(s): ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`];
  for (const i of issues.slice(0, 20)) lines.push(`  ${formatIssue(i)}`);
  if (issues.length > 20) lines.push(`  … and ${issues.length - 20} more`);
  return lines.join("\n") + "\n";
}

/** An export path must have a known file type and must not be the input. */
export function checkExportPath(input: string, out: string): void {
  fileTypeOf(out);
  checkNotInPlace(input, out);
}

export interface FilteredInput {
  /** Grade against these problems' answers (see `problemsFor`). */
  problems?: readonly Problem[];
  lenient?: boolean;
  /** Where skipped lines are reported (nowhere when undefined). */
  stderr?: NodeJS.WritableStream;
  /** Show progress on `stderr` (default true). */
  progress?: boolean;
}

/** Reads (and grades where needed) a rollout file, reports skipped lines, applies the paper's filters. */
export async function loadFiltered(input: string, o: FilteredInput, filters: FilterOptions) {
  const loaded = await loadAnnotated(input, { lenient: o.lenient ?? false, progress: o.stderr && o.progress !== false ? { stream: o.stderr } : false, ...(o.problems ? { problems: o.problems } : {}) });
  o.stderr?.write(describeIssues(loaded.issues));
  const { kept, summary } = applyFilters(loaded.rows, filters);
  return { kept, filterSummary: summary, skippedLines: loaded.issues.length };
}

/** A token counter from a tokenizer file (a Hugging Face tokenizer.json, file or folder). */
export function tokenCounterFrom(file: string): TokenCounter {
  const tok = loadTokenizer(file) as ReturnType<typeof loadTokenizer> & { encode?: (text: string) => number[] };
  return tok.encode ? (text) => tok.encode!(text).length : (text) => tok.encodeWithOffsets(text).ids.length;
}
