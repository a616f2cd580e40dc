import { setMaxListeners } from "node:events";
import type { ChatTemplate } from "../chat/index.js";
import type { Policy } from "../policy/index.js";
import { MathagentError } from "../errors.js";
import { ErrorBreaker } from "./breaker.js";
import { paperObservationText } from "./cells.js";
import { type Job, Live, type RunSettings } from "./live.js";
import { assignSamples, DEFAULT_POLICY_NAME, type MixtureEntry } from "./mixture.js";
import type { SeedMode } from "./protocol.js";
import { openForResume } from "./resume.js";
import { runAsync, runBarrier, type Scheduler } from "./schedule.js";
import { pairKey, type TrajectoryWriter } from "./store.js";
import { Tally } from "./tally.js";
import { trajectorySeed } from "./text.js";
import { completeTurn, errMessage, type ExecutionMode, executeTurn, type TurnContext } from "./turn.js";
import type { CodeSession, Interpreter, Observation, RolloutProblem, Trajectory } from "./types.js";

export { cutAtStop } from "./live.js";
export type { ExecutionMode } from "./turn.js";

export interface RolloutProgress {
  /** Pairs finished, including those found in the output file. */
  done: number;
  total: number;
  /** Pairs found already finished in the output file. */
  resumed: number;
  /** Trajectories that ended with finish "error" (this run). */
  errors: number;
  /** Graded so far / correct so far (when a `grade` function was given). */
  graded: number;
  correct: number;
  elapsedMs: number;
  /** Trajectories per second this run (resumed ones excluded). */
  rate: number;
  etaMs: number | null;
}

export interface RolloutOptions {
  problems: RolloutProblem[];
  /** The policy; or give `mixture` instead. */
  policy?: Policy;
  /** Several policies, each writing `share` of every prompt's samples (then `samples` is the sum of shares). */
  mixture?: MixtureEntry[];
  template: ChatTemplate;
  /**
   * A shared interpreter, or a factory giving one session per trajectory (e.g.
   * `() => pool.session()` for a `PyodidePool`). Needed in tool mode.
   */
  interpreter?: Interpreter | (() => CodeSession | Promise<CodeSession>);
  /** Default: `cells` (the paper's) with a shared interpreter, `session` with a factory. */
  execution?: ExecutionMode;
  samples?: number;
  /** Most model calls (each but the last may run code) per trajectory (the paper: 6; its eval.sh: 4). */
  horizon?: number;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** `top_k` for every request (-1: off); not sent when unset or null. */
  topK?: number | null;
  seed?: number;
  /** Which seed each request carries (default `trajectory`; the paper's presets use `run` / `sample`). */
  seedMode?: SeedMode;
  /** The preset name to record in every trajectory (see protocol.ts). */
  protocol?: string;
  /** Trajectories in flight (async) / requests in flight (barrier). */
  concurrency?: number;
  /** `async`: each trajectory runs on its own; `barrier`: turn-synchronous, as in the paper. */
  mode?: "async" | "barrier";
  /** Per-run time limit for code (passed to the interpreter). */
  codeTimeoutMs?: number;
  /** Append-only JSONL output; finished pairs already in it are skipped. */
  out?: string;
  signal?: AbortSignal;
  onProgress?: (p: RolloutProgress) => void;
  /** Called as each trajectory finishes (after it is written). */
  onTrajectory?: (t: Trajectory) => void;
  onWarning?: (msg: string) => void;
  /** Turns an interpreter observation into the text shown to the model (default: the paper's executor text). */
  observationText?: (obs: Observation) => string;
  /** Grades a finished trajectory for the progress display: true, false, or null (cannot tell). */
  grade?: (t: Trajectory) => boolean | null;
  /**
   * Stop the run (rejecting with a `MathagentError`) after this many failed model calls in a row,
   * each after its retries: a dead server should not turn a whole dataset into error records.
   * Default max(16, concurrency); 0 never stops.
   */
  maxConsecutiveErrors?: number;
  /** Redo pairs whose row in `out` ended in `error` (default true); the redo's row supersedes it. */
  retryErrors?: boolean;
  /** Return the trajectories in the result (default true); false keeps memory flat on huge runs. */
  collect?: boolean;
  /** Check the settings (and mixture) recorded in `out` match this run (default true). */
  checkSettings?: boolean;
}

export interface RolloutResult {
  /** Every pair of the run, resumed and new, ordered by problem then sample (empty when `collect` is false). */
  trajectories: Trajectory[];
  written: number;
  resumed: number;
  warnings: string[];
  elapsedMs: number;
}

/** The seed every request of (problem, sample) carries. */
export function requestSeed(mode: SeedMode, runSeed: number, problemId: string, sample: number): number {
  if (mode === "run") return runSeed;
  if (mode === "sample") return runSeed + sample;
  return trajectorySeed(runSeed, problemId, sample);
}

function positiveInt(name: string, x: number): number {
  if (!Number.isInteger(x) || x < 1) throw new MathagentError(`${name} must be a positive integer, got ${x}`);
  return x;
}

/** The policy of each sample index, and the number of samples per prompt. */
function samplePolicies(opts: RolloutOptions) {
  if (opts.mixture && opts.policy) throw new MathagentError("give either policy or mixture, not both");
  if (opts.mixture) {
    const bySample = assignSamples(opts.mixture);
    if (opts.samples !== undefined && opts.samples !== bySample.length) {
      throw new MathagentError(`samples is ${opts.samples} but the mixture's shares add up to ${bySample.length}`);
    }
    return bySample;
  }
  if (!opts.policy) throw new MathagentError("rollout needs a policy (or a mixture)");
  const samples = positiveInt("samples", opts.samples ?? 1);
  return Array.from({ length: samples }, () => ({ name: DEFAULT_POLICY_NAME, policy: opts.policy! }));
}

/** The (problem, sample) pairs of the run, in order. */
function planJobs(opts: RolloutOptions, runSeed: number, seedMode: SeedMode): Job[] {
  const bySample = samplePolicies(opts);
  const jobs: Job[] = [];
  const ids = new Set<string>();
  opts.problems.forEach((problem, order) => {
    if (ids.has(problem.id)) throw new MathagentError(`problem id "${problem.id}" appears twice in the input`);
    ids.add(problem.id);
    bySample.forEach((policy, sample) => jobs.push({ problem, order, sample, policy, seed: requestSeed(seedMode, runSeed, problem.id, sample) }));
  });
  return jobs;
}

function turnContext(opts: RolloutOptions, s: RunSettings, signal: AbortSignal, breaker: ErrorBreaker): TurnContext {
  const interp = opts.interpreter;
  const ctx: TurnContext = {
    template: s.template,
    maxTokens: s.maxTokens,
    temperature: s.temperature,
    topP: s.topP,
    execution: s.execution,
    signal,
    breaker,
    observationText: opts.observationText ?? paperObservationText,
  };
  if (s.topK !== undefined) ctx.topK = s.topK;
  if (typeof interp === "function") ctx.factory = interp;
  else if (interp) ctx.shared = interp;
  if (opts.codeTimeoutMs !== undefined) ctx.codeTimeoutMs = opts.codeTimeoutMs;
  if (s.template.mode === "tool" && !interp) throw new MathagentError("tool mode needs an interpreter (or use a cot template)");
  if (ctx.execution === "session" && !ctx.factory) throw new MathagentError('execution "session" needs an interpreter factory');
  if (ctx.execution !== "session" && !ctx.shared && interp) throw new MathagentError(`execution "${ctx.execution}" needs a shared interpreter, not a factory`);
  return ctx;
}

function runSettings(opts: RolloutOptions): RunSettings {
  const s: RunSettings = {
    template: opts.template,
    runSeed: opts.seed ?? 0,
    seedMode: opts.seedMode ?? "trajectory",
    horizon: positiveInt("horizon", opts.horizon ?? 6),
    temperature: opts.temperature ?? 0,
    topP: opts.topP ?? 1,
    maxTokens: opts.maxTokens ?? 1024,
    execution: opts.execution ?? (typeof opts.interpreter === "function" ? "session" : "cells"),
  };
  if (opts.topK !== undefined && opts.topK !== null) s.topK = opts.topK;
  if (opts.protocol !== undefined) s.protocol = opts.protocol;
  return s;
}

async function closeSession(live: Live, shared: Interpreter | undefined, warn: (m: string) => void): Promise<void> {
  const s = live.session;
  live.session = null;
  if (!s || s === shared) return;
  try {
    await s.close();
  } catch (e) {
    warn(`closing an interpreter session failed: ${errMessage(e)}`);
  }
}

/** The abort signal of a run: the caller's, or the error breaker's. */
function runSignal(opts: RolloutOptions, concurrency: number) {
  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  // Every trajectory in flight listens on it (model call, code run): more than Node's default 10 is expected.
  setMaxListeners(4 * concurrency + 10, signal);
  const breaker = new ErrorBreaker(opts.maxConsecutiveErrors ?? Math.max(16, concurrency), controller);
  return { signal, breaker };
}

/**
 * Sample trajectories with the interpreter in the loop, as the paper's `infer_eval.py`: per turn,
 * complete → right-strip → go on when the turn has no "boxed" and contains "```python" (whatever the
 * finish reason) → run the closed blocks of the prompt so far, append the last one's output; after
 * `horizon` model calls the note "\nReach max function call limit." ends the trajectory.
 */
export async function rollout(opts: RolloutOptions): Promise<RolloutResult> {
  const t0 = Date.now();
  const settings = runSettings(opts);
  const concurrency = Math.max(1, opts.concurrency ?? 64);
  const { signal, breaker } = runSignal(opts, concurrency);
  const ctx = turnContext(opts, settings, signal, breaker);
  const jobs = planJobs(opts, settings.runSeed, settings.seedMode);
  const tally = new Tally(jobs.length, t0, opts);
  const collect = opts.collect !== false;
  const results = new Map<string, Trajectory>();
  let writer: TrajectoryWriter | undefined;
  let todo = jobs;
  if (opts.out) {
    const { template, runSeed, seedMode, horizon, temperature, topP, maxTokens } = settings;
    const grade = tally.grader;
    const state = await openForResume({
      out: opts.out,
      jobs,
      settings: { family: template.family, mode: template.mode, horizon, temperature, topP, maxTokens, runSeed, seedMode },
      check: opts.checkSettings !== false,
      retryErrors: opts.retryErrors !== false,
      collect,
      warn: tally.warn,
      ...(grade ? { grade } : {}),
    });
    writer = state.writer;
    for (const [k, t] of state.rows) results.set(k, t);
    todo = jobs.filter((j) => !state.finished.has(pairKey(j.problem.id, j.sample)));
    tally.setResumed(jobs.length - todo.length, state.grades.values());
  }
  tally.report();
  const lives = new Set<Live>();
  const scheduler: Scheduler = {
    concurrency,
    signal,
    start: (job) => {
      const l = new Live(job, settings);
      lives.add(l);
      return l;
    },
    complete: (l) => completeTurn(ctx, l),
    execute: (l) => executeTurn(ctx, l),
    finish: async (l) => {
      await closeSession(l, ctx.shared, tally.warn);
      lives.delete(l);
      const t = l.toTrajectory();
      if (writer) await writer.append(t);
      if (collect) results.set(pairKey(t.problemId, t.sample), t);
      tally.add(t);
      opts.onTrajectory?.(t);
      tally.report();
    },
  };
  try {
    await ((opts.mode ?? "async") === "async" ? runAsync : runBarrier)(todo, scheduler);
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : Object.assign(new Error("rollout aborted"), { name: "AbortError" });
  } catch (e) {
    if (!breaker.tripped) throw e;
    const kept = opts.out ? ` in ${opts.out}` : "";
    throw new MathagentError(`stopped: ${breaker.tripped}. Is the policy server up and the URL right? Finished trajectories are kept${kept}; rerun to resume.`);
  } finally {
    await Promise.all([...lives].map((l) => closeSession(l, ctx.shared, tally.warn)));
    await writer?.close();
  }
  const trajectories = jobs.map((j) => results.get(pairKey(j.problem.id, j.sample))).filter((t): t is Trajectory => t !== undefined);
  return { trajectories, written: writer?.written ?? todo.length, resumed: jobs.length - todo.length, warnings: tally.warnings, elapsedMs: Date.now() - t0 };
}
