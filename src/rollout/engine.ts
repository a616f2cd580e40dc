import { setMaxListeners } from "node:events";
import { type ChatTemplate, HORIZON_NOTE, render, type Turn } from "../chat/index.js";
import { type Completion, type Policy } from "../policy/index.js";
import { MathagentError } from "../errors.js";
import { pairKey, TrajectoryWriter } from "./store.js";
import { extractCode, hasAnswer, hasCode, replayCode, trajectorySeed } from "./text.js";
import { observationText } from "../interpreter/index.js";
import {
  type CodeSession,
  type FinishReason,
  type Interpreter,
  type Observation,
  type RolloutProblem,
  type Step,
  TRAJECTORY_SCHEMA,
  type Trajectory,
} from "./types.js";

/**
 * How code reaches the interpreter:
 * - `session`: one interpreter per trajectory (from a factory), each turn's blocks run in it;
 * - `replay`: a shared stateless interpreter; earlier turns' blocks re-run silently first;
 * - `last`: a shared interpreter; only the turn's blocks run (the paper's ToRA-style executor).
 */
export type ExecutionMode = "session" | "replay" | "last";

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
  policy: Policy;
  template: ChatTemplate;
  /**
   * A shared interpreter, or a factory giving one session per trajectory (e.g.
   * `() => pool.session()` for a `PyodidePool`). Needed in tool mode.
   */
  interpreter?: Interpreter | (() => CodeSession | Promise<CodeSession>);
  /** Default: `session` with a factory, `replay` with a shared interpreter. */
  execution?: ExecutionMode;
  samples?: number;
  /** Most tool calls per trajectory (the paper: 6). */
  horizon?: number;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
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
  /** Turns an interpreter observation into the text shown to the model (default: the interpreter's `observationText`). */
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
  /** Check the settings recorded in `out` match this run (default true). */
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

interface Job {
  problem: RolloutProblem;
  order: number;
  sample: number;
  seed: number;
}

/** Live state of one trajectory. */
class Live {
  turns: Turn[] = [];
  steps: Step[] = [];
  blocks: string[] = [];
  session: CodeSession | null = null;
  finish: FinishReason | null = null;
  error: string | undefined;
  horizonNote = false;
  readonly started = Date.now();
  readonly startedAt = new Date().toISOString();
  constructor(readonly job: Job) {}
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === "AbortError";
}

/** Cut `text` at the earliest stop string, as the server should have done. */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stop: string | null } {
  let at = -1;
  let which: string | null = null;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) {
      at = i;
      which = s;
    }
  }
  return at < 0 ? { text, stop: null } : { text: text.slice(0, at), stop: which };
}

/** Run `fn` over `items` with at most `limit` at once, in order of issue. */
async function pool<T>(items: T[], limit: number, fn: (x: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      if (signal?.aborted) return;
      const x = items[next++]!;
      try {
        await fn(x);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * Sample `samples` trajectories per problem with the interpreter in the loop. Per turn: complete →
 * finish if the text contains "boxed", hit the length limit, or has no ```python block → otherwise
 * run the code, append the observation, continue; after `horizon` tool calls the paper's note
 * "\nReach max function call limit." is appended and the trajectory ends.
 */
export async function rollout(opts: RolloutOptions): Promise<RolloutResult> {
  const t0 = Date.now();
  const samples = opts.samples ?? 1;
  const horizon = opts.horizon ?? 6;
  const maxTokens = opts.maxTokens ?? 1024;
  const temperature = opts.temperature ?? 0;
  const topP = opts.topP ?? 1;
  const runSeed = opts.seed ?? 0;
  const concurrency = Math.max(1, opts.concurrency ?? 64);
  const template = opts.template;
  const tool = template.mode === "tool";
  const obsText = opts.observationText ?? ((o: Observation) => observationText(o));
  // `signal` stops everything: the caller's abort, or the breaker below.
  const breaker = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, breaker.signal]) : breaker.signal;
  // Every trajectory in flight listens on it (model call, code run): more than Node's default 10 is expected.
  setMaxListeners(4 * concurrency + 10, signal);
  const maxConsecutiveErrors = opts.maxConsecutiveErrors ?? Math.max(16, concurrency);
  let consecutiveErrors = 0;
  let tripped: string | undefined;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    opts.onWarning?.(m);
  };
  if (!Number.isInteger(samples) || samples < 1) throw new MathagentError(`samples must be a positive integer, got ${samples}`);
  if (!Number.isInteger(horizon) || horizon < 1) throw new MathagentError(`horizon must be a positive integer, got ${horizon}`);
  const interp = opts.interpreter;
  const factory = typeof interp === "function" ? interp : undefined;
  const shared = typeof interp === "object" ? interp : undefined;
  const execution: ExecutionMode = opts.execution ?? (factory ? "session" : "replay");
  if (tool && !interp) throw new MathagentError("tool mode needs an interpreter (or use a cot template)");
  if (execution === "session" && !factory) throw new MathagentError("execution \"session\" needs an interpreter factory");

  // The pairs of this run, in order.
  const jobs: Job[] = [];
  const ids = new Set<string>();
  opts.problems.forEach((problem, order) => {
    if (ids.has(problem.id)) throw new MathagentError(`problem id "${problem.id}" appears twice in the input`);
    ids.add(problem.id);
    for (let s = 0; s < samples; s++) jobs.push({ problem, order, sample: s, seed: trajectorySeed(runSeed, problem.id, s) });
  });

  const progress: RolloutProgress = {
    done: 0,
    total: jobs.length,
    resumed: 0,
    errors: 0,
    graded: 0,
    correct: 0,
    elapsedMs: 0,
    rate: 0,
    etaMs: null,
  };
  const gradeOne = (t: Trajectory): boolean | null => {
    if (!opts.grade) return null;
    try {
      return opts.grade(t);
    } catch (e) {
      warn(`grading ${t.problemId}#${t.sample} failed: ${errMessage(e)}`);
      return null;
    }
  };
  const count = (g: boolean | null) => {
    if (g === null) return;
    progress.graded++;
    if (g) progress.correct++;
  };
  const grade = (t: Trajectory) => count(gradeOne(t));

  // Resume: the pairs already in the output file are done.
  const collect = opts.collect !== false;
  const jobKeys = new Set(jobs.map((j) => pairKey(j.problem.id, j.sample)));
  const retryErrors = opts.retryErrors !== false;
  const results = new Map<string, Trajectory>();
  const resumedGrades = new Map<string, boolean | null>();
  let writer: TrajectoryWriter | undefined;
  const finishedKeys = new Set<string>();
  if (opts.out) {
    const { writer: w, existing } = await TrajectoryWriter.open(opts.out, {
      onWarning: warn,
      keep: false,
      onRow: (t) => {
        const key = pairKey(t.problemId, t.sample);
        if (!jobKeys.has(key)) return;
        if (t.finish === "error" && retryErrors) {
          results.delete(key);
          resumedGrades.delete(key);
          return;
        }
        if (collect) results.set(key, t);
        resumedGrades.set(key, gradeOne(t));
      },
    });
    writer = w;
    const first = existing.first;
    if (first && opts.checkSettings !== false) {
      const want = { family: template.family, mode: template.mode, horizon, temperature, topP, maxTokens, runSeed };
      for (const [k, v] of Object.entries(want)) {
        const had = (first as unknown as Record<string, unknown>)[k];
        if (had !== v) {
          await w.close();
          throw new MathagentError(
            `${opts.out} was written with ${k}=${JSON.stringify(had)} but this run has ${k}=${JSON.stringify(v)}; use the same settings to resume, or another output file`,
          );
        }
      }
    }
    for (const k of existing.keys) if (!(retryErrors && existing.errorKeys.has(k))) finishedKeys.add(k);
    for (const g of resumedGrades.values()) count(g);
  }
  const todo = jobs.filter((j) => !finishedKeys.has(pairKey(j.problem.id, j.sample)));
  const resumed = jobs.length - todo.length;
  progress.done = progress.resumed = resumed;
  const report = () => {
    progress.elapsedMs = Date.now() - t0;
    const newDone = progress.done - resumed;
    progress.rate = progress.elapsedMs > 0 ? (newDone * 1000) / progress.elapsedMs : 0;
    progress.etaMs = progress.rate > 0 ? ((progress.total - progress.done) / progress.rate) * 1000 : null;
    opts.onProgress?.({ ...progress });
  };
  report();

  const prompt = (live: Live) => render(template, { question: live.job.problem.question, turns: live.turns }).text;

  const complete = async (live: Live): Promise<void> => {
    const g0 = Date.now();
    let c: Completion | undefined;
    try {
      const out = await opts.policy.complete(prompt(live), {
        stop: template.stop,
        maxTokens,
        temperature,
        topP,
        seed: live.job.seed,
        n: 1,
        signal,
      });
      c = out[0];
      if (!c || typeof c.text !== "string") throw new Error("the policy returned no completion");
    } catch (e) {
      if (isAbort(e) || signal.aborted) throw e;
      consecutiveErrors++;
      if (maxConsecutiveErrors > 0 && consecutiveErrors >= maxConsecutiveErrors && !tripped) {
        tripped = `${consecutiveErrors} model calls in a row failed (last: ${errMessage(e)})`;
        breaker.abort();
        throw e;
      }
      live.steps.push({ text: "", finishReason: null, code: null, observation: null, observationText: null, genMs: Date.now() - g0, execMs: 0, error: errMessage(e) });
      live.finish = "error";
      live.error = `model call ${live.steps.length}: ${errMessage(e)}`;
      return;
    }
    consecutiveErrors = 0;
    // A server that ignores `stop` must not put a made-up observation in the transcript.
    const cut = cutAtStop(c.text, template.stop);
    const step: Step = { text: cut.text, finishReason: cut.stop !== null ? "stop" : c.finishReason, code: null, observation: null, observationText: null, genMs: Date.now() - g0, execMs: 0 };
    if (cut.stop !== null) {
      step.stopReason = cut.stop;
      step.rawText = c.text;
    } else if (c.stopReason !== undefined) step.stopReason = c.stopReason;
    if (c.promptTokens !== undefined) step.promptTokens = c.promptTokens;
    if (c.completionTokens !== undefined) step.completionTokens = c.completionTokens;
    live.steps.push(step);
    live.turns.push({ role: "model", text: step.text });
    if (!tool || hasAnswer(step.text)) live.finish = step.finishReason === "length" && !tool ? "length" : "answer";
    else if (step.finishReason === "length") live.finish = "length";
    else if (!hasCode(step.text)) live.finish = "answer";
  };

  const execute = async (live: Live): Promise<void> => {
    const step = live.steps[live.steps.length - 1]!;
    const { blocks, unclosed } = extractCode(step.text);
    const current = blocks.join("\n");
    step.code = current;
    if (unclosed) step.unclosedBlock = true;
    const e0 = Date.now();
    let obs: Observation;
    try {
      let runner: CodeSession;
      let code = current;
      if (execution === "session") {
        live.session ??= await factory!();
        runner = live.session;
      } else {
        runner = shared ?? (live.session ??= await factory!());
        if (execution === "replay") code = replayCode(live.blocks, current);
      }
      const runOpts: { timeoutMs?: number; signal?: AbortSignal } = {};
      if (opts.codeTimeoutMs !== undefined) runOpts.timeoutMs = opts.codeTimeoutMs;
      runOpts.signal = signal;
      obs = await runner.run(code, runOpts);
    } catch (e) {
      if (isAbort(e) || signal.aborted) throw e;
      step.execMs = Date.now() - e0;
      step.error = `interpreter failed: ${errMessage(e)}`;
      live.finish = "error";
      live.error = step.error;
      return;
    }
    live.blocks.push(...blocks);
    step.execMs = Date.now() - e0;
    step.observation = obs;
    let text: string;
    try {
      text = obsText(obs);
    } catch (e) {
      text = `[observation could not be formatted: ${errMessage(e)}]`;
    }
    step.observationText = text;
    live.turns.push({ role: "observation", text });
    if (live.steps.length >= horizon) {
      live.horizonNote = true;
      live.finish = "horizon";
    }
  };

  const toTrajectory = (live: Live): Trajectory => {
    const p = live.job.problem;
    const conv = { question: p.question, turns: live.turns, ...(live.horizonNote ? { trailer: HORIZON_NOTE } : {}) };
    const sum = (k: "promptTokens" | "completionTokens") =>
      live.steps.every((s) => s[k] !== undefined || s.error) && live.steps.some((s) => s[k] !== undefined)
        ? live.steps.reduce((a, s) => a + (s[k] ?? 0), 0)
        : undefined;
    const t: Trajectory = {
      schema: TRAJECTORY_SCHEMA,
      problemId: p.id,
      ...(p.dataset !== undefined ? { dataset: p.dataset } : {}),
      sample: live.job.sample,
      seed: live.job.seed,
      runSeed,
      question: p.question,
      gold: p.answer,
      ...(p.level !== undefined ? { level: p.level } : {}),
      ...(p.subject !== undefined ? { subject: p.subject } : {}),
      family: template.family,
      mode: template.mode,
      policy: opts.policy.name,
      horizon,
      temperature,
      topP,
      maxTokens,
      steps: live.steps,
      finish: live.finish ?? "error",
      ...(live.error !== undefined ? { error: live.error } : {}),
      toolCalls: live.steps.filter((s) => s.observation !== null).length,
      horizonNote: live.horizonNote,
      transcript: render(template, conv).text,
      startedAt: live.startedAt,
      durationMs: Date.now() - live.started,
      genMs: live.steps.reduce((a, s) => a + s.genMs, 0),
      execMs: live.steps.reduce((a, s) => a + s.execMs, 0),
    };
    const pt = sum("promptTokens");
    const ct = sum("completionTokens");
    if (pt !== undefined) t.promptTokens = pt;
    if (ct !== undefined) t.completionTokens = ct;
    return t;
  };

  const closeSession = async (live: Live) => {
    const s = live.session;
    live.session = null;
    if (s && s !== shared) {
      try {
        await s.close();
      } catch (e) {
        warn(`closing an interpreter session failed: ${errMessage(e)}`);
      }
    }
  };

  const finishLive = async (live: Live) => {
    await closeSession(live);
    const t = toTrajectory(live);
    if (writer) await writer.append(t);
    if (collect) results.set(pairKey(t.problemId, t.sample), t);
    progress.done++;
    if (t.finish === "error") progress.errors++;
    grade(t);
    opts.onTrajectory?.(t);
    report();
  };

  // Trajectories in flight (their sessions are closed on the way out, whatever happens).
  const lives = new Set<Live>();
  try {
    if ((opts.mode ?? "async") === "async") {
      await pool(
        todo,
        concurrency,
        async (job) => {
          const live = new Live(job);
          lives.add(live);
          while (live.finish === null) {
            await complete(live);
            if (live.finish === null) await execute(live);
          }
          await finishLive(live);
          lives.delete(live);
        },
        signal,
      );
    } else {
      // The paper's order: every active trajectory's turn t is generated (in input order), then
      // every code block of turn t runs, then turn t + 1 starts.
      let active = todo.map((j) => new Live(j));
      for (const l of active) lives.add(l);
      while (active.length > 0) {
        await pool(active, concurrency, complete, signal);
        if (signal.aborted) break;
        await pool(active.filter((l) => l.finish === null), concurrency, execute, signal);
        if (signal.aborted) break;
        for (const l of active) {
          if (l.finish === null) continue;
          await finishLive(l);
          lives.delete(l);
        }
        active = active.filter((l) => l.finish === null);
      }
    }
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : Object.assign(new Error("rollout aborted"), { name: "AbortError" });
  } catch (e) {
    if (tripped) {
      throw new MathagentError(
        `stopped: ${tripped}. Is the policy server up and the URL right? Finished trajectories are kept${opts.out ? ` in ${opts.out}` : ""}; rerun to resume.`,
      );
    }
    throw e;
  } finally {
    await Promise.all([...lives].map(closeSession));
    await writer?.close();
  }
  const trajectories = jobs.map((j) => results.get(pairKey(j.problem.id, j.sample))).filter((t): t is Trajectory => t !== undefined);
  return { trajectories, written: writer?.written ?? todo.length, resumed, warnings, elapsedMs: Date.now() - t0 };
}
