/** The records the rollout engine writes, and what it needs from the interpreter and data modules. */

import type { Interpreter, InterpreterSession, Observation } from "../interpreter/index.js";
import type { Problem } from "../data/index.js";

export type { Interpreter, InterpreterSession, Observation };

/** What a session factory may return: a pool session, or any interpreter used for one trajectory. */
export type CodeSession = Pick<Interpreter, "run"> & { close(): void | Promise<void> };

/** The fields of a `Problem` (src/data) the engine uses. */
export type RolloutProblem = Pick<Problem, "id" | "question" | "answer"> & Partial<Pick<Problem, "dataset" | "level" | "subject">>;

/** Why a trajectory ended. */
export type FinishReason = "answer" | "horizon" | "length" | "error";

/** One model turn and, when it wrote code, the run of that code. */
export interface Step {
  /** The model's text for this turn, verbatim (cut at the first stop string if the server did not stop there). */
  text: string;
  /** The server's text when it ran past a stop string and was cut (`text` is the part before it). */
  rawText?: string;
  /** "stop" or "length" from the server; null when the request failed. */
  finishReason: "stop" | "length" | null;
  stopReason?: string | null;
  /** The code run after this turn (the turn's ```python blocks), or null. */
  code: string | null;
  /** True when the last ```python block was not closed (it is still run, as the paper does). */
  unclosedBlock?: boolean;
  observation: Observation | null;
  /** The observation text appended to the transcript (inside the ```output fence). */
  observationText: string | null;
  promptTokens?: number;
  completionTokens?: number;
  genMs: number;
  execMs: number;
  /** A failed request or interpreter crash, recorded instead of thrown. */
  error?: string;
}

export const TRAJECTORY_SCHEMA = 1;

/** One (problem, sample) rollout; one JSON line in the output file. */
export interface Trajectory {
  schema: typeof TRAJECTORY_SCHEMA;
  problemId: string;
  dataset?: string;
  sample: number;
  /** Seed sent with every request of this trajectory (derived from the run seed, problem and sample). */
  seed: number;
  runSeed: number;
  question: string;
  /** The problem's reference answer, copied for grading. */
  gold: string;
  level?: number;
  subject?: string;
  family: string;
  mode: "tool" | "cot";
  policy: string;
  horizon: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  steps: Step[];
  finish: FinishReason;
  error?: string;
  /** Number of interpreter runs. */
  toolCalls: number;
  /** True when the horizon note was appended after the last observation. */
  horizonNote: boolean;
  /** The full text: prompt, model turns, observations (and the horizon note). */
  transcript: string;
  startedAt: string;
  durationMs: number;
  genMs: number;
  execMs: number;
  promptTokens?: number;
  completionTokens?: number;
}
