/** One trajectory in flight: its turns so far, and the record it becomes. */
import { type ChatTemplate, HORIZON_NOTE, render, type Turn } from "../chat/index.js";
import type { Completion, Policy } from "../policy/index.js";
import { continues, pyRstrip, pyStrip } from "./text.js";
import type { SeedMode } from "./protocol.js";
import type { ExecutionMode } from "./turn.js";
import { type CodeSession, type FinishReason, type Observation, type RolloutProblem, type Step, TRAJECTORY_SCHEMA, type Trajectory } from "./types.js";

/** A policy of the run and its name (one of a mixture, or "default"). */
export interface NamedPolicy {
  name: string;
  policy: Policy;
}

/** One (problem, sample) pair to sample. */
export interface Job {
  problem: RolloutProblem;
  order: number;
  sample: number;
  seed: number;
  policy: NamedPolicy;
}

/** The run's settings every trajectory records. */
export interface RunSettings {
  template: ChatTemplate;
  runSeed: number;
  seedMode: SeedMode;
  horizon: number;
  temperature: number;
  topP: number;
  topK?: number;
  maxTokens: number;
  execution: ExecutionMode;
  protocol?: string;
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

function sumOf(steps: Step[], k: "promptTokens" | "completionTokens"): number | undefined {
  const all = steps.every((s) => s[k] !== undefined || s.error) && steps.some((s) => s[k] !== undefined);
  return all ? steps.reduce((a, s) => a + (s[k] ?? 0), 0) : undefined;
}

export class Live {
  readonly question: string;
  turns: Turn[] = [];
  steps: Step[] = [];
  /** Closed blocks already run (session, replay and last modes run only the new ones). */
  ran: string[] = [];
  lastObservation: Observation | null = null;
  session: CodeSession | null = null;
  finish: FinishReason | null = null;
  error: string | undefined;
  horizonNote = false;
  readonly started = Date.now();
  readonly startedAt = new Date().toISOString();

  constructor(
    readonly job: Job,
    private readonly settings: RunSettings,
  ) {
    this.question = pyStrip(job.problem.question);
  }

  /** The text sent to the model next (the paper's query), or the transcript once finished. */
  text(): string {
    const trailer = this.horizonNote ? { trailer: HORIZON_NOTE } : {};
    return render(this.settings.template, { question: this.question, turns: this.turns, ...trailer }).text;
  }

  get lastStep(): Step {
    return this.steps[this.steps.length - 1]!;
  }

  /** A model call that failed for good: the trajectory ends in `error`. */
  failCall(message: string, genMs: number): void {
    this.steps.push({ text: "", finishReason: null, code: null, observation: null, observationText: null, genMs, execMs: 0, error: message });
    this.finish = "error";
    this.error = `model call ${this.steps.length}: ${message}`;
  }

  /** Append a model turn: cut at a missed stop string, right-stripped; decide whether the trajectory goes on. */
  addTurn(c: Completion, genMs: number): void {
    const { template } = this.settings;
    const cut = cutAtStop(c.text, template.stop);
    const text = pyRstrip(cut.text);
    const step: Step = { text, finishReason: cut.stop !== null ? "stop" : c.finishReason, code: null, observation: null, observationText: null, genMs, execMs: 0 };
    if (text !== c.text) step.rawText = c.text;
    if (cut.stop !== null) step.stopReason = cut.stop;
    else if (c.stopReason !== undefined) step.stopReason = c.stopReason;
    if (c.promptTokens !== undefined) step.promptTokens = c.promptTokens;
    if (c.completionTokens !== undefined) step.completionTokens = c.completionTokens;
    this.steps.push(step);
    this.turns.push({ role: "model", text });
    if (template.mode !== "tool" || !continues(text)) this.finish = step.finishReason === "length" ? "length" : "answer";
  }

  /** Append the interpreter's text for the last turn; at the horizon, the paper's note ends the trajectory. */
  addObservation(text: string): void {
    this.lastStep.observationText = text;
    this.turns.push({ role: "observation", text });
    if (this.steps.length >= this.settings.horizon) {
      this.horizonNote = true;
      this.finish = "horizon";
    }
  }

  /** An interpreter that failed under the last turn: the trajectory ends in `error`. */
  failRun(message: string, execMs: number): void {
    this.lastStep.execMs = execMs;
    this.lastStep.error = message;
    this.finish = "error";
    this.error = message;
  }

  toTrajectory(): Trajectory {
    const s = this.settings;
    const p = this.job.problem;
    const t: Trajectory = {
      schema: TRAJECTORY_SCHEMA,
      problemId: p.id,
      ...(p.dataset !== undefined ? { dataset: p.dataset } : {}),
      sample: this.job.sample,
      seed: this.job.seed,
      runSeed: s.runSeed,
      question: this.question,
      gold: p.answer,
      ...(p.level !== undefined ? { level: p.level } : {}),
      ...(p.subject !== undefined ? { subject: p.subject } : {}),
      family: s.template.family,
      mode: s.template.mode,
      policy: this.job.policy.policy.name,
      policyName: this.job.policy.name,
      ...(s.protocol !== undefined ? { protocol: s.protocol } : {}),
      seedMode: s.seedMode,
      execution: s.execution,
      horizon: s.horizon,
      temperature: s.temperature,
      topP: s.topP,
      ...(s.topK !== undefined ? { topK: s.topK } : {}),
      maxTokens: s.maxTokens,
      steps: this.steps,
      finish: this.finish ?? "error",
      ...(this.error !== undefined ? { error: this.error } : {}),
      toolCalls: this.steps.filter((x) => x.observation !== null).length,
      horizonNote: this.horizonNote,
      transcript: this.text(),
      startedAt: this.startedAt,
      durationMs: Date.now() - this.started,
      genMs: this.steps.reduce((a, x) => a + x.genMs, 0),
      execMs: this.steps.reduce((a, x) => a + x.execMs, 0),
    };
    const pt = sumOf(this.steps, "promptTokens");
    const ct = sumOf(this.steps, "completionTokens");
    if (pt !== undefined) t.promptTokens = pt;
    if (ct !== undefined) t.completionTokens = ct;
    return t;
  }
}
