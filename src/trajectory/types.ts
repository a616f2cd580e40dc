/** The trajectory record: one (problem, sample) rollout, one JSON line of a trajectory file. */

import type { Observation } from "../interpreter/index.js";

/**
 * Which seed a request carries:
 * - `run`: every request of the run carries the run seed (the paper's `infer_eval.py` sends its
 *   `--seed` with every request);
 * - `sample`: every request of sample s carries `runSeed + s`, as if the paper's script were run
 *   once per sample with `--seed runSeed + s` (one seed for N samples of a prompt would make vLLM
 *   return N identical samples);
 * - `trajectory`: a seed hashed from (run seed, problem, sample); mathagent's own scheme.
 */
export type SeedMode = "run" | "sample" | "trajectory";

/** Why a trajectory ended. */
export type FinishReason = "answer" | "horizon" | "length" | "error";

/** One model turn and, when it wrote code, the run of that code. */
export interface Step {
  /**
   * The model's text for this turn as the paper appends it to the prompt: cut at the first stop
   * string (if the server did not stop there) and right-stripped (Python's `rstrip()`).
   */
  text: string;
  /** The server's reply verbatim, when it differs from `text` (trailing white space, or a missed stop string). */
  rawText?: string;
  /** "stop" or "length" from the server; null when the request failed. */
  finishReason: "stop" | "length" | null;
  stopReason?: string | null;
  /**
   * The code whose output is this turn's observation: the last closed ```python block of the prompt
   * so far (`cells` mode), the blocks new in this turn (other modes); null when nothing ran.
   */
  code: string | null;
  /** Closed blocks re-run for this turn's observation (`cells` mode: every one in the prompt so far). */
  cells?: number;
  /** True when this turn left a ```python block open (it is not run, as in the paper's code). */
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
  /** Seed sent with every request of this trajectory (from the run seed by `seedMode`). */
  seed: number;
  runSeed: number;
  /** The question as put in the prompt (stripped like the paper's `parse_question`). */
  question: string;
  /** The problem's reference answer, copied for grading. */
  gold: string;
  level?: number;
  subject?: string;
  family: string;
  mode: "tool" | "cot";
  policy: string;
  /** Which policy of a mixture wrote it (`--mix`); "default" for a single policy. */
  policyName?: string;
  /** The named protocol preset the run started from (src/rollout/protocol.ts), when one was used. */
  protocol?: string;
  /** How request seeds were chosen (absent in files written before it existed: "trajectory"). */
  seedMode?: SeedMode;
  /** How code reached the interpreter. */
  execution?: string;
  horizon: number;
  temperature: number;
  topP: number;
  /** `top_k` sent with every request, when one was. */
  topK?: number;
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
