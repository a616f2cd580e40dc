/**
 * The one reward rule of the pipeline (the paper's, issue 20 item 5): the answer is read from the
 * last model segment only, with ToRA's extraction; a trajectory that ended at the horizon has no
 * answer (its last segment is the note "\nReach max function call limit."), so it is wrong. `eval`,
 * `annotate`, `pairs`, `kto`, `metrics`, the notebooks and the tiny loop all call `rewardOf`.
 */
import { type DatasetName, type GradeOptions, Grader, gradeFast, type Rule } from "../grading/index.js";
import { MathagentError } from "../errors.js";
import type { Trajectory } from "./types.js";
import { gradingDatasetOf } from "./dataset.js";

/** Reward fields added to a trajectory by annotation. */
export interface Reward {
  /** The final answer equals the ground truth (the reward bit). */
  correct: boolean;
  /** The answer extracted from the last model segment, verbatim (null when none was found). */
  pred: string | null;
  /** The ground-truth answer graded against. */
  gt: string;
  /** The grading step that decided. */
  rule: Rule;
}

/** A trajectory with its reward: one line of an `.annotated.jsonl` file. */
export type Annotated = Trajectory & Reward;

/**
 * The text the answer is read from: the last model segment, "" when the trajectory ended at the
 * horizon or its last model call failed. (The paper's code splits the prompt on the family's
 * assistant header; for Gemma and Mistral that gives "" at the horizon, which is the rule used here
 * for every family: see docs/architecture.md.)
 */
export function answerSegment(t: Pick<Trajectory, "steps" | "horizonNote" | "finish">): string {
  if (t.horizonNote || t.finish === "horizon") return "";
  return t.steps[t.steps.length - 1]?.text ?? "";
}

export type GradingMode = "paper" | "robust";

/** Grading options of the reward rule for a dataset: paper mode owns ToRA's extraction order. */
export function rewardGradeOptions(dataset: DatasetName, mode: GradingMode = "paper"): GradeOptions {
  return { dataset, extract: true, mode };
}

export interface RewardOptions {
  /** A shared grader (its symbolic worker is reused). */
  grader: Grader;
  /** "paper" (default): ToRA's extraction and comparison. */
  mode?: GradingMode;
  /** Ground truth to grade against; default the trajectory's `gold`. */
  gt?: string;
  /** Grading dataset; default from the trajectory's `dataset`. */
  dataset?: DatasetName;
}

function groundTruth(t: Pick<Trajectory, "gold" | "problemId" | "sample">, gt: string | undefined): string {
  const g = gt ?? t.gold;
  if (typeof g !== "string") throw new MathagentError(`trajectory of problem ${t.problemId} sample ${t.sample} has no ground truth ("gold")`);
  return g;
}

/** The reward of one trajectory. */
export async function rewardOf(t: Trajectory, opts: RewardOptions): Promise<Reward> {
  const gt = groundTruth(t, opts.gt);
  const v = await opts.grader.grade(answerSegment(t), gt, rewardGradeOptions(opts.dataset ?? gradingDatasetOf(t.dataset), opts.mode));
  return { correct: v.correct, pred: v.predAnswer, gt, rule: v.rule };
}

/** The trajectory with its reward fields set (a new object). */
export async function annotate(t: Trajectory, opts: RewardOptions): Promise<Annotated> {
  return { ...t, ...(await rewardOf(t, opts)) };
}

/** The reward without the symbolic step: true / false, or null when only the CAS could tell (progress bars). */
export function fastReward(t: Trajectory, mode: GradingMode = "paper"): boolean | null {
  const v = gradeFast(answerSegment(t), t.gold, rewardGradeOptions(gradingDatasetOf(t.dataset), mode));
  return v.correct === undefined ? null : v.correct;
}
