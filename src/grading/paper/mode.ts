/** The `paper` grading mode: ToRA's extraction, normalisation and `math_equal`, as the paper graded. */
import type { GradeOptions, ModeImpl, Prepared } from "../verdict.js";
import { baseOf, checkStrings, recordingOracle } from "../verdict.js";
import type { SymbolicQuery } from "../equivalence.js";
import { extractPaperAnswer, paperGroundTruth, toraRawAnswer } from "./extract.js";
import { firstPart } from "./python.js";
import { paperMathEqual } from "./math-equal.js";
import { sympyComparable } from "./sympy-input.js";

function prepare(pred: string, gt: string, options: GradeOptions): Prepared {
  checkStrings(pred, gt);
  const dataset = options.dataset ?? "default";
  if (options.extract) {
    const { source, raw } = toraRawAnswer(pred);
    const first = firstPart(raw, "\n");
    return {
      mode: "paper",
      predAnswer: first === "" ? null : first,
      gtAnswer: gt,
      pred: extractPaperAnswer(pred, dataset),
      gt: paperGroundTruth(gt, dataset),
      source,
      percentVariants: true,
    };
  }
  return {
    mode: "paper",
    predAnswer: pred,
    gtAnswer: gt,
    pred: paperGroundTruth(pred, dataset),
    gt: paperGroundTruth(gt, dataset),
    source: "as-given",
    percentVariants: true,
  };
}

export const PAPER_MODE: ModeImpl = {
  prepare,
  decide(p, known) {
    const pending: SymbolicQuery[] = [];
    const ask = recordingOracle(known, pending);
    const symbolic = (a: string, b: string) => {
      const x = sympyComparable(a);
      const y = sympyComparable(b);
      return x === null || y === null ? false : ask({ kind: "paper", a: x, b: y });
    };
    const { result, rule } = paperMathEqual(p.pred, p.gt, symbolic);
    if (result === undefined) return { ...baseOf(p), correct: undefined, rule: "undecided", pending };
    return { ...baseOf(p), correct: result, rule };
  },
};
