/** Answer extraction and equivalence grading: the reward bit of the pipeline. */
export {
  type AnswerFormat,
  type ExtractOptions,
  extractAnswer,
  extractAnswerColon,
  extractAnswerIs,
  extractBoxed,
  extractHashAnswer,
  extractLastNumber,
} from "./extract.js";
export { NORMALIZATION_RULES, type NormalizationRule, normalizeAnswer } from "./normalize.js";
export { numbersClose, numericEqual, parseNumeric, RELATIVE_TOLERANCE } from "./numeric.js";
export { compareAnswers, type Rule, type SymbolicQuery, type Tri } from "./equivalence.js";
export { DATASET_NAMES, type DatasetGrading, type DatasetName, datasetGrading } from "./datasets.js";
export {
  DEFAULT_SYMBOLIC_TIMEOUT_MS,
  SymbolicChecker,
  type SymbolicOptions,
  type SymbolicResult,
  type SymbolicStats,
} from "./symbolic.js";
export { type FastVerdict, grade, type GradeOptions, Grader, type GraderStats, gradeFast, type Verdict } from "./grader.js";
export { type BatchOptions, type GradeItem, GraderPool, type GraderPoolOptions } from "./pool.js";
