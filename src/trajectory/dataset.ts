/** The one mapping from a trajectory's (or problem's) dataset name to the grader's dataset. */
import { DATASET_NAMES, type DatasetName } from "../grading/index.js";

/** The grading dataset for a dataset name: itself when the grader knows it, else "default" (MATH-like). */
export function gradingDatasetOf(dataset: string | undefined): DatasetName {
  return dataset !== undefined && (DATASET_NAMES as readonly string[]).includes(dataset) ? (dataset as DatasetName) : "default";
}
