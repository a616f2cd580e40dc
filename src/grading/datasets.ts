/** Per-dataset grading defaults: where the answer is, and which numeric variants count. */
import type { AnswerFormat } from "./extract.js";

export type DatasetName = "math" | "math500" | "gsm8k" | "default";

export const DATASET_NAMES: readonly DatasetName[] = ["math", "math500", "gsm8k", "default"];

export interface DatasetGrading {
  /** How to find the answer in a whole model output (`extract: true`). */
  predFormats: readonly AnswerFormat[];
  /** How to find the answer in a ground truth that is a whole solution; else it is used as is. */
  gtFormats: readonly AnswerFormat[];
  /** Accept gt/100 and gt·100 for a numeric gt, as the MATH reference graders do. */
  percentVariants: boolean;
}

const MATH: DatasetGrading = {
  // The ToRA / Qwen2.5-Math order; "last-number" is their documented fallback.
  predFormats: ["boxed", "answer-is", "last-number"],
  gtFormats: ["boxed"],
  percentVariants: true,
};

const DEFAULTS: Record<DatasetName, DatasetGrading> = {
  math: MATH,
  math500: MATH,
  // GSM8K answers are plain numbers: "0.5" for "50" is wrong there, so no percent variants.
  gsm8k: {
    predFormats: ["gsm8k-hash", "answer-colon", "boxed", "answer-is", "last-number"],
    gtFormats: ["gsm8k-hash", "answer-colon", "boxed"],
    percentVariants: false,
  },
  default: MATH,
};

/** The defaults for `dataset`; an unknown name is a mistake worth naming. */
export function datasetGrading(dataset: string = "default"): DatasetGrading {
  const d = DEFAULTS[dataset as DatasetName];
  if (d === undefined) {
    throw new Error(`unknown dataset "${dataset}" for grading: use one of ${DATASET_NAMES.join(", ")}`);
  }
  return d;
}
