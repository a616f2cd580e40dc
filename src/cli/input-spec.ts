/** The declared options (for `defineCommand`) of the commands that read a rollout file. */
import { DATASET_SPLITS, type DatasetName } from "../data/index.js";

export const INPUT_SPECS = {
  input: { type: "string", required: true, metavar: "FILE", help: "rollout JSONL (raw, graded on the fly, or annotated by `mathagent annotate`)" },
  dataset: { type: "string", choices: Object.keys(DATASET_SPLITS) as DatasetName[], metavar: "NAME", help: "grade against the answers of this dataset from the data directory; a trajectory of a problem not in it is a bad line" },
  split: { type: "string", metavar: "NAME", help: "dataset split", defaultText: "test" },
  lenient: { type: "boolean", help: "skip bad lines (each reported with file:line) instead of stopping at the first" },
  quiet: { type: "boolean", help: "no progress bar" },
} as const;
