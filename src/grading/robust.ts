/** The `robust` grading mode: extraction per dataset, normalisation, and the cheap-first equivalence chain. */
import { datasetGrading } from "./datasets.js";
import { compareAnswers, type SymbolicQuery } from "./equivalence.js";
import { extractAnswer } from "./extract.js";
import { extractRobust } from "./extract-robust.js";
import { shapeOf } from "./structure.js";
import { normalizeAnswer } from "./normalize.js";
import { baseOf, checkStrings, type GradeOptions, type ModeImpl, type Prepared, recordingOracle } from "./verdict.js";

/** With explicit `formats`: the configured extractors, and the dataset's gt formats. */
function prepareWithFormats(pred: string, gt: string, options: GradeOptions, formats: NonNullable<GradeOptions["formats"]>): Prepared {
  const d = datasetGrading(options.dataset);
  const predAnswer = options.extract ? extractAnswer(pred, { formats }) : pred;
  const gtAnswer = extractAnswer(gt, { formats: d.gtFormats }) ?? gt;
  return {
    mode: "robust",
    predAnswer,
    gtAnswer,
    pred: predAnswer === null ? "" : normalizeAnswer(predAnswer),
    gt: normalizeAnswer(gtAnswer),
    source: options.extract ? formats.join("|") : "as-given",
    percentVariants: options.percentVariants ?? d.percentVariants,
  };
}

function prepare(pred: string, gt: string, options: GradeOptions): Prepared {
  checkStrings(pred, gt);
  if (options.formats) return prepareWithFormats(pred, gt, options, options.formats);
  const d = datasetGrading(options.dataset);
  const p = extractRobust(pred, options.extract ? "output" : "answer");
  const g = extractRobust(gt, "answer");
  const predAnswer = p?.answer ?? null;
  const gtAnswer = g?.answer ?? gt;
  const [predNorm, gtNorm] = normalizePair(predAnswer ?? "", gtAnswer);
  return {
    mode: "robust",
    predAnswer,
    gtAnswer,
    pred: predAnswer === null ? "" : predNorm,
    gt: gtNorm,
    source: p?.source ?? "none",
    percentVariants: options.percentVariants ?? d.percentVariants,
  };
}

/** "x", "x_1", "f(x)": a left side that only names the answer. */
const LONE_VARIABLE = /^\s*(?:[a-zA-Z](?:_\{?\w+\}?)?|[a-zA-Z]\([a-zA-Z]\))\s*$/;

/**
 * Both sides normalised; when either is an equation beyond "x = …" (`2x+4y-3=0`), neither loses
 * its "y =" prefix, so `y=2x` meets `2x-y=0` as an equation.
 */
function normalizePair(pred: string, gt: string): [string, string] {
  const keep = [pred, gt].some((s) => {
    const full = normalizeAnswer(s, { keepVariablePrefix: true });
    const shape = shapeOf(full);
    return shape.kind === "equation" && !LONE_VARIABLE.test(shape.lhs);
  });
  return [normalizeAnswer(pred, { keepVariablePrefix: keep }), normalizeAnswer(gt, { keepVariablePrefix: keep })];
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
