/**
 * The records the rollout engine writes. Structural types for the interpreter match
 * `src/interpreter/index.ts` (Interpreter, Observation), so a `PyodidePool` plugs in directly.
 */

/** What one interpreter run returns (the interpreter module's `Observation`). */
export interface Observation {
  stdout: string;
  stderr: string;
  value: string | null;
  error: string | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

/** Runs untrusted Python (the interpreter module's `Interpreter`). */
export interface Interpreter {
  run(code: string, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Observation>;
  close(): Promise<void>;
}

/** The fields of a `Problem` (src/data) the engine uses. */
export interface RolloutProblem {
  id: string;
  question: string;
  answer: string;
  dataset?: string;
  level?: string | number;
  subject?: string;
}

/** Why a trajectory ended. */
export type FinishReason = "answer" | "horizon" | "length" | "error";

/** One model turn and, when it wrote code, the run of that code. */
export interface Step {
  /** The model's text for this turn, verbatim. */
  text: string;
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
  level?: string | number;
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
