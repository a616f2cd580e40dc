/** The records the rollout engine writes, and what it needs from the interpreter and data modules. */

import type { Interpreter, InterpreterSession, Observation } from "../interpreter/index.js";
import type { Problem } from "../data/index.js";

export type { Interpreter, InterpreterSession, Observation };

/** What a session factory may return: a pool session, or any interpreter used for one trajectory. */
export type CodeSession = Pick<Interpreter, "run"> & { close(): void | Promise<void> };

/** The fields of a `Problem` (src/data) the engine uses. */
export type RolloutProblem = Pick<Problem, "id" | "question" | "answer"> & Partial<Pick<Problem, "dataset" | "level" | "subject">>;

export { TRAJECTORY_SCHEMA } from "../trajectory/types.js";
export type { FinishReason, SeedMode, Step, Trajectory } from "../trajectory/types.js";
