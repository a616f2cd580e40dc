/** The `robust` grading mode: extraction per dataset, normalisation, and the cheap-first equivalence chain. */
import { datasetGrading } from "./datasets.js";
import { compareAnswers, type SymbolicQuery } from "./equivalence.js";
import { extractAnswer } from "./extract.js";
import { normalizeAnswer } from "./normalize.js";
import { baseOf, checkStrings, type GradeOptions, type ModeImpl, type Prepared, recordingOracle } from "./verdict.js";

function prepare(pred: string, gt: string, options: GradeOptions): Prepared {
  checkStrings(pred, gt);
  const d = datasetGrading(options.dataset);
  const predAnswer = options.extract ? extractAnswer(pred, { formats: options.formats ?? d.predFormats }) : pred;
  const gtAnswer = extractAnswer(gt, { formats: d.gtFormats }) ?? gt;
  return {
    mode: "robust",
    predAnswer,
    gtAnswer,
    pred: predAnswer === null ? "" : normalizeAnswer(predAnswer),
    gt: normalizeAnswer(gtAnswer),
    source: options.extract ? "extracted" : "as-given",
    percentVariants: options.percentVariants ?? d.percentVariants,
  };
}

export const ROBUST_MODE: ModeImpl = {
  prepare,
  decide(p, known) {
    const base = baseOf(p);
    if (p.predAnswer === null || p.pred === "") return { ...base, correct: false, rule: "no-answer" };
    const pending: SymbolicQuery[] = [];
    const { result, rule } = compareAnswers(p.pred, p.gt, { percentVariants: p.percentVariants, symbolic: recordingOracle(known, pending) });
    if (result === undefined) return { ...base, correct: undefined, rule: "undecided", pending };
    return { ...base, correct: result, rule };
  },
};
