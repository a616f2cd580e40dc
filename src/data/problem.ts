/** The benchmark datasets mathagent can load from its data directory. */
export type DatasetName = "gsm8k" | "math" | "math500";

export const DATASET_SPLITS: Record<DatasetName, readonly string[]> = {
  gsm8k: ["train", "test"],
  math: ["test"],
  math500: ["test"],
};

/** One problem, whatever dataset it came from. */
export interface Problem {
  /** Stable id, unique within the dataset: `gsm8k/test/17`, `math/test/4021`, `math500/test/precalculus/807`. */
  id: string;
  dataset: string;
  question: string;
  /** Ground-truth final answer as written in the source (GSM8K's "#### " line, MATH's last \boxed{}). */
  answer: string;
  /** The reference worked solution, when the dataset has one. */
  solution?: string;
  /** MATH difficulty 1–5. */
  level?: number;
  /** MATH subject, e.g. "Algebra", "Precalculus". */
  subject?: string;
}
