/** The records of the pairing step: graded trajectories, M-DPO pairs, KTO examples. */

export type { Annotated, Reward } from "../trajectory/index.js";
import type { Annotated } from "../trajectory/index.js";
import type { TrajectoryMessage } from "../trajectory/index.js";

/** One message of an exported conversation (see `TrajectoryMessage`). */
export type ExportMessage = TrajectoryMessage;

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
