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
export { type ExtractScope, extractRobust, mathSpans, type RobustAnswer, type RobustSource } from "./extract-robust.js";
export { NORMALIZATION_RULES, type NormalizationRule, normalizeAnswer } from "./normalize.js";
export {
  numbersClose,
  numericEqual,
  parseNumeric,
  RELATIVE_TOLERANCE,
  ROBUST_RELATIVE_TOLERANCE,
  robustNumericEqual,
  statedHalfUnit,
} from "./numeric.js";
export { compareAnswers, type Rule, type SymbolicQuery, type Tri } from "./equivalence.js";
export { DATASET_NAMES, type DatasetGrading, type DatasetName, datasetGrading } from "./datasets.js";
export {
  DEFAULT_SYMBOLIC_TIMEOUT_MS,
  SymbolicChecker,
  type SymbolicOptions,
  type SymbolicResult,
  type SymbolicStats,
} from "./symbolic.js";
export { grade, Grader, type GraderStats, gradeFast } from "./grader.js";
export { type FastVerdict, type GradeMode, GRADE_MODES, type GradeOptions, type Verdict } from "./verdict.js";
export { extractPaperAnswer, extractProgramOutput, type PaperSource, paperGroundTruth, toraExtractAnswer, toraRawAnswer } from "./paper/extract.js";
export { toraStripString } from "./paper/strip-string.js";
export { PAPER_NUMBER_REL_TOL, paperMathEqual } from "./paper/math-equal.js";
export { type BatchOptions, type GradeItem, GraderPool, type GraderPoolOptions } from "./pool.js";
