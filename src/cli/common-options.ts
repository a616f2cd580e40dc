/**
 * Option declarations several commands share, to spread into a `defineCommand` declaration:
 * `options: { ...INPUT_OPTIONS, ...FORCE_OPTION, seed: SEED_OPTION, … }`.
 */
import type { OptionSpec } from "./options.js";

/** The rollout-file input of annotate, pairs, kto and metrics. */
export const INPUT_OPTIONS = {
  input: { type: "string", metavar: "FILE", required: true, help: "rollout JSONL (raw, graded on the fly, or annotated by `mathagent annotate`)" },
  dataset: { type: "string", choices: ["gsm8k", "math", "math500"], metavar: "NAME", help: "grade against this dataset's answers from the data directory; a trajectory of a problem not in it is a bad row" },
  split: { type: "string", metavar: "NAME", default: "test", help: "dataset split" },
  lenient: { type: "boolean", help: "skip bad rows (each reported as FILE:LINE, and counted) instead of stopping at the first" },
  quiet: { type: "boolean", help: "no progress bar" },
} as const satisfies Record<string, OptionSpec>;

/** `--force`: let an empty result replace a non-empty output. */
export const FORCE_OPTION = {
  force: { type: "boolean", help: "replace an existing non-empty output even when this run produced no rows" },
} as const satisfies Record<string, OptionSpec>;

export const SEED_OPTION = { type: "int", min: 0, default: 0, help: "seed of the random choices" } as const satisfies OptionSpec;
