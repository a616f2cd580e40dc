/** The records of the pairing step: graded trajectories, M-DPO pairs, KTO examples. */
import type { Rule } from "../grading/index.js";
import type { Trajectory } from "../rollout/index.js";

/** Reward fields added to a trajectory by annotation. */
export interface Reward {
  /** The final answer equals the ground truth (the reward bit). */
  correct: boolean;
  /** The answer extracted from the last model turn, verbatim (null when none was found). */
  pred: string | null;
  /** The ground-truth answer graded against. */
  gt: string;
  /** The grading step that decided. */
  rule: Rule;
}

/** A trajectory with its reward: one line of an `.annotated.jsonl` file. */
export type Annotated = Trajectory & Reward;

/** One message of an exported conversation; `model_written` tells whether the policy wrote it (un-masked in training). */
export interface ExportMessage {
  role: "user" | "assistant";
  content: string;
  /** True for text the model wrote (assistant turns); false for the prompt and every observation. */
  model_written: boolean;
}

export type PairStrategy = "random" | "all" | "max-length-margin" | "min-length-margin";
export const PAIR_STRATEGIES: readonly PairStrategy[] = ["random", "all", "max-length-margin", "min-length-margin"];

/** One M-DPO pair: a correct (chosen) and a wrong (rejected) trajectory of the same problem. */
export interface Pair {
  problemId: string;
  chosen: Annotated;
  rejected: Annotated;
  strategy: PairStrategy;
}

/** One KTO example: a kept trajectory and its label (desirable = correct). */
export interface KtoExample {
  problemId: string;
  trajectory: Annotated;
  label: boolean;
}
