/**
 * The paper's iterative loop on the tiny policy, composed of the pipeline's real stages: for each
 * iteration, rollout by mixture sampling (N trajectories per prompt, some from the current model and
 * the rest from the previous iteration's, the interpreter in the loop) → the one reward rule → the
 * paper's filters → the update (M-DPO on random pairs, M-KTO, or RAFT) against the reference (by
 * default the previous iteration's model) → `evaluate()` on the test problems.
 */
import * as aq from "arquero";
import type { Problem } from "../data/index.js";
import { Grader } from "../grading/index.js";
import { PyodidePool } from "../interpreter/index.js";
import { DEFAULT_REFERENCE, PAPER_BETA, PAPER_NLL_COEF, type ReferenceChoice } from "../losses/index.js";
import type { FilterSet } from "../pairing/index.js";
import { promptStats } from "../metrics/index.js";
import { accuracyOf, evaluate, type Evaluation } from "../evaluate/index.js";
import { Progress } from "../display/index.js";
import { tinyTemplate } from "./encode.js";
import type { TinyModel, Weights } from "../tiny/model.js";
import type { AdamOptions } from "./optim.js";
import { TinyPolicy } from "../tiny/policy.js";
import type { TrainResult } from "./trainer.js";
import { collect, iterationPrompts, type Collected, type InterpreterLike } from "./iteration-data.js";
import { UPDATES, type LossName, type UpdateSettings } from "./update.js";

export type { InterpreterLike } from "./iteration-data.js";

/** Every setting of the loop (the update's own are `UpdateSettings`), with its one default (`ITERATE_DEFAULTS`). */
export interface IterateSettings extends UpdateSettings {
  iterations: number;
  /** Trajectories per prompt (N). */
  samplesPerPrompt: number;
  /**
   * Of each prompt's N samples, how many the previous iteration's model writes (the paper's mixture
   * sampling: 10 of 30); 0 is on-policy sampling. In iteration 1 the "previous" model is
   * `previousPolicy` (the paper: the 1-epoch SFT model), or the starting policy when none is given.
   */
  previousSamples: number;
  /** Training prompts per iteration; each iteration takes the next ones (wrapping around). */
  promptsPerIteration: number;
  /** Reference of iteration t: the previous iteration's model (the paper's) or the SFT model (its ablation). */
  reference: ReferenceChoice;
  /** The paper's filters to switch off (all on by default). */
  filters: FilterSet;
  /** Sampling temperature of the data collection. */
  temperature: number;
  topP: number;
  horizon: number;
  maxTokens: number;
  /** Trajectories in flight. */
  concurrency: number;
  /** Which iterations' models are evaluated on the test problems: every one, or only the last (iteration 0 always). */
  evaluate: "every" | "last";
  /**
   * Which model an iteration keeps: the last of its update, or the checkpoint (every `checkpointEvery`
   * steps, and the last) with the best greedy accuracy on `validationProblems` (the paper evaluates every
   * 50 steps on held-out prompts and keeps the best).
   */
  select: "last" | "best";
  checkpointEvery: number;
}

export const ITERATE_DEFAULTS: Readonly<IterateSettings> = {
  iterations: 3,
  samplesPerPrompt: 6,
  previousSamples: 2,
  // At lr 1e-4, 200 prompts (3× the steps an iteration) make M-DPO collapse by iteration 3 unless select is "best" (docs/train.md).
  promptsPerIteration: 64,
  loss: "mdpo",
  reference: DEFAULT_REFERENCE,
  mask: true,
  beta: PAPER_BETA,
  lr: 1e-4,
  epochs: 2,
  batchSize: 8,
  // "mdpo-nll" is Table 5's ablation.
  nllCoef: PAPER_NLL_COEF,
  trainable: "all",
  filters: {},
  temperature: 0.7,
  topP: 1,
  horizon: 4,
  maxTokens: 160,
  concurrency: 16,
  evaluate: "every",
  select: "last",
  checkpointEvery: 10,
  seed: 0,
};

/**
 * Shares the work that runs from the same starting policy have in common (the starting model's test
 * accuracy, iteration 1's collection, which depends only on the starting models, the prompts and the
 * sampling settings). Share one only between runs with the same policy, previousPolicy, problems and test problems.
 */
export class IterateCache {
  private readonly m = new Map<string, Promise<unknown>>();
  get<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.m.get(key) as Promise<T> | undefined;
    if (!p) this.m.set(key, (p = make()));
    return p;
  }
}

export interface IterateOptions extends Partial<IterateSettings> {
  /** The starting policy (the SFT model); it is not modified. */
  policy: TinyModel;
  /** The "previous" model of iteration 1's mixture sampling (the paper: a 1-epoch SFT model); default `policy`. */
  previousPolicy?: TinyModel;
  problems: readonly Problem[];
  /** The fixed test set for greedy accuracy. */
  testProblems: readonly Problem[];
  /** Held-out problems the checkpoints are chosen on (`select: "best"`); never the test problems. */
  validationProblems?: readonly Problem[];
  /** Adam settings of the updates (eps, betas, clipNorm, weightDecay). */
  optimizer?: AdamOptions;
  /** A shared interpreter or a session factory; default: a PyodidePool made and closed here. */
  interpreter?: InterpreterLike;
  cache?: IterateCache;
  signal?: AbortSignal;
  /** Show a progress display. Default true. */
  progress?: boolean;
  onIteration?: (m: IterationMetrics, model: TinyModel) => void;
  /** Called with each iteration's collected (graded, filtered) trajectories. */
  onCollected?: (it: number, c: Collected) => void;
  onLog?: (line: string) => void;
}

export interface IterationMetrics {
  /** 0 = the starting (SFT) model. */
  iteration: number;
  /** Greedy accuracy on the test problems (null: not evaluated, see `evaluate`). */
  greedyAccuracy: number | null;
  /** With `select: "best"`: the update step of the kept checkpoint and its validation accuracy. */
  selectedStep: number | null;
  validationAccuracy: number | null;
  /** The same per problem subject (a synthetic problem's subject is its template), when evaluated. */
  greedyBySubject: Record<string, number> | null;
  /** Share of training prompts with at least one correct sample among N. */
  passAtK: number | null;
  /** Share of correct sampled trajectories. */
  sampleAccuracy: number | null;
  /** Share of training prompts with at least one correct and one wrong sample (they can give a pair). */
  coverage: number | null;
  /** Trajectories kept by the filters. */
  kept: number | null;
  /** Pairs (M-DPO), labelled trajectories (M-KTO) or correct trajectories (RAFT) trained on. */
  pairsUsed: number | null;
  /** Training-set reward accuracy / margin / loss, over the last epoch's steps. */
  rewardAccuracy: number | null;
  margin: number | null;
  loss: number | null;
  seconds: number;
}

export interface IterateResult {
  /** Metrics per iteration (row 0 = the starting model), as an Arquero table (without `greedyBySubject`). */
  table: aq.ColumnTable;
  rows: IterationMetrics[];
  /** The policy after each iteration (index 0 = the starting model). */
  models: TinyModel[];
  training: TrainResult[];
  /** The settings the loop ran with (defaults filled in). */
  settings: IterateSettings;
}

interface Ctx {
  s: IterateSettings;
  o: IterateOptions;
  interpreter: InterpreterLike;
  grader: Grader;
  cache: IterateCache;
}

export interface GreedyEvaluation extends Evaluation {
  accuracy: number;
  correct: number;
  total: number;
  /** Accuracy per problem subject (`metrics.bySubject`). */
  bySubject: Record<string, number>;
}

/** Greedy accuracy of a tiny model on problems: `evaluate()` with the tiny policy. */
export async function evaluateGreedy(
  model: TinyModel,
  problems: readonly Problem[],
  o: { interpreter: InterpreterLike; horizon?: number; maxTokens?: number; concurrency?: number; grader?: Grader; signal?: AbortSignal },
): Promise<GreedyEvaluation> {
  const e = await evaluate({
    problems: [...problems],
    policy: new TinyPolicy(model),
    template: tinyTemplate(),
    interpreter: o.interpreter,
    samples: 1,
    temperature: 0,
    horizon: o.horizon ?? ITERATE_DEFAULTS.horizon,
    maxTokens: o.maxTokens ?? ITERATE_DEFAULTS.maxTokens,
    concurrency: o.concurrency ?? ITERATE_DEFAULTS.concurrency,
    bootstrap: { resamples: 0 },
    ...(o.grader ? { grader: o.grader } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const correct = e.rows.filter((r) => r.correct).length;
  const bySubject = Object.fromEntries((e.metrics.bySubject.objects() as { subject: string; accuracy: number }[]).map((r) => [r.subject, r.accuracy]));
  return { ...e, accuracy: accuracyOf(e), correct, total: e.rows.length, bySubject };
}

function greedyOf(c: Ctx, model: TinyModel): Promise<GreedyEvaluation> {
  const { s, o } = c;
  return evaluateGreedy(model, o.testProblems, { interpreter: c.interpreter, horizon: s.horizon, maxTokens: s.maxTokens, concurrency: s.concurrency, grader: c.grader, ...(o.signal ? { signal: o.signal } : {}) });
}

/** Iteration `it`'s collection; iteration 1's is shared through the cache (it depends only on the starting models). */
function collectFor(c: Ctx, models: readonly TinyModel[], it: number): Promise<Collected> {
  const { s, o } = c;
  const current = models[it - 1]!;
  const previous = it >= 2 ? models[it - 2]! : (o.previousPolicy ?? o.policy);
  const run = () => collect(s, iterationPrompts(o.problems, s.promptsPerIteration, it), { current, previous }, { interpreter: c.interpreter, grader: c.grader, it, ...(o.signal ? { signal: o.signal } : {}) });
  if (it !== 1) return run();
  const { samplesPerPrompt, previousSamples, promptsPerIteration, temperature, topP, horizon, maxTokens, filters, seed } = s;
  return c.cache.get(`collect:${JSON.stringify({ samplesPerPrompt, previousSamples, promptsPerIteration, temperature, topP, horizon, maxTokens, filters, seed })}`, run);
}

/** The paper's checkpoint choice: greedy accuracy on the validation problems of each checkpoint and of the last model; the best is kept (the earliest on a tie). */
class CheckpointSelection {
  private best: { step: number; accuracy: number; weights: Weights | null } | null = null;
  constructor(private readonly c: Ctx, private readonly model: TinyModel) {}

  private async consider(step: number, weights: Weights | null): Promise<void> {
    const m = this.model.clone();
    if (weights) m.setWeights(weights);
    const { s, o } = this.c;
    const e = await evaluateGreedy(m, o.validationProblems!, { interpreter: this.c.interpreter, horizon: s.horizon, maxTokens: s.maxTokens, concurrency: s.concurrency, grader: this.c.grader, ...(o.signal ? { signal: o.signal } : {}) });
    if (!this.best || e.accuracy > this.best.accuracy) this.best = { step, accuracy: e.accuracy, weights };
  }

  hook() {
    return { every: this.c.s.checkpointEvery, on: (step: number, weights: Weights) => this.consider(step, weights) };
  }

  /** Considers the last model (`steps`), then puts the best checkpoint's weights into the model. */
  async finish(steps: number): Promise<{ step: number; accuracy: number }> {
    await this.consider(steps, null);
    const b = this.best!;
    if (b.weights) this.model.setWeights(b.weights);
    return { step: b.step, accuracy: b.accuracy };
  }
}

function lastEpochMean(logs: TrainResult["logs"], key: string, epochs: number): number | null {
  const n = Math.max(1, Math.floor(logs.length / Math.max(1, epochs)));
  const xs = logs.slice(-n).map((l) => (key === "loss" ? l.loss : l.extra?.[key])).filter((x): x is number => typeof x === "number");
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** One iteration: collect, train a copy of the current model, evaluate it (when `evaluate` asks). */
async function iteration(c: Ctx, models: readonly TinyModel[], it: number, log: (l: string) => void) {
  const { s, o } = c;
  const t0 = performance.now();
  const collected = await collectFor(c, models, it);
  o.onCollected?.(it, collected);
  const { rows, kept, filterSummary } = collected;
  const stats = promptStats(rows);
  const cur = models[it - 1]!;
  const ref = s.reference === "previous" ? cur : o.policy;
  const next = cur.clone();
  next.meta = { ...cur.meta, iteration: it, loss: s.loss, reference: s.reference, mask: s.mask, beta: s.beta };
  log(`iteration ${it}: ${rows.length} trajectories, ${kept.length} kept by the filters, sample accuracy ${(stats.sampleAccuracy * 100).toFixed(1)}%, coverage ${(stats.coverage * 100).toFixed(1)}%`);
  const sel = s.select === "best" ? new CheckpointSelection(c, next) : null;
  const { tr, used } = await UPDATES[s.loss]({ s, next, ref, kept, it, ...(o.optimizer ? { optimizer: o.optimizer } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(sel ? { checkpoints: sel.hook() } : {}) });
  const picked = sel ? await sel.finish(tr.steps) : null;
  const ev = s.evaluate === "every" || it === s.iterations ? await greedyOf(c, next) : null;
  const row: IterationMetrics = {
    iteration: it,
    greedyAccuracy: ev ? ev.accuracy : null,
    greedyBySubject: ev ? ev.bySubject : null,
    selectedStep: picked ? picked.step : null,
    validationAccuracy: picked ? picked.accuracy : null,
    passAtK: stats.passAtN,
    sampleAccuracy: stats.sampleAccuracy,
    coverage: stats.coverage,
    kept: filterSummary.kept,
    pairsUsed: used,
    rewardAccuracy: lastEpochMean(tr.logs, "rewardAccuracy", s.epochs),
    margin: lastEpochMean(tr.logs, "margin", s.epochs),
    loss: lastEpochMean(tr.logs, "loss", s.epochs),
    seconds: (performance.now() - t0) / 1000,
  };
  log(`iteration ${it}: greedy accuracy ${ev ? `${(ev.accuracy * 100).toFixed(1)}%` : "not evaluated"} (${used} used, ${tr.steps} steps${picked ? `, kept step ${picked.step}: validation ${(picked.accuracy * 100).toFixed(1)}%` : ""}, ${row.seconds.toFixed(0)} s)`);
  return { row, next, tr };
}

function checkSettings(s: IterateSettings, o: IterateOptions): void {
  if (!Number.isInteger(s.iterations) || s.iterations < 0) throw new Error(`iterations must be a non-negative integer, got ${s.iterations}`);
  if (!Number.isInteger(s.samplesPerPrompt) || s.samplesPerPrompt < 2) throw new Error(`samplesPerPrompt must be an integer ≥ 2 (pairs need a correct and a wrong sample), got ${s.samplesPerPrompt}`);
  if (!Number.isInteger(s.previousSamples) || s.previousSamples < 0 || s.previousSamples >= s.samplesPerPrompt) throw new Error(`previousSamples must be an integer in [0, samplesPerPrompt), got ${s.previousSamples}`);
  if (!(s.loss in UPDATES)) throw new Error(`unknown loss "${s.loss}": use ${Object.keys(UPDATES).join(", ")}`);
  if (o.problems.length === 0) throw new Error("no training problems");
  if (s.select === "best" && !o.validationProblems?.length) throw new Error('select "best" needs validationProblems (held-out problems, not the test problems)');
  if (!Number.isInteger(s.checkpointEvery) || s.checkpointEvery < 1) throw new Error(`checkpointEvery must be a positive integer, got ${s.checkpointEvery}`);
}

function settingsOf(o: IterateOptions): IterateSettings {
  const s: IterateSettings = { ...ITERATE_DEFAULTS };
  for (const k of Object.keys(ITERATE_DEFAULTS) as (keyof IterateSettings)[]) if (o[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = o[k];
  checkSettings(s, o);
  return s;
}

/** Iteration 0: the starting model's greedy accuracy (shared through the cache). */
async function startRow(c: Ctx): Promise<IterationMetrics> {
  const t0 = performance.now();
  const { s } = c;
  const e0 = await c.cache.get(`eval0:${JSON.stringify({ horizon: s.horizon, maxTokens: s.maxTokens })}`, () => greedyOf(c, c.o.policy));
  return { iteration: 0, greedyAccuracy: e0.accuracy, greedyBySubject: e0.bySubject, selectedStep: null, validationAccuracy: null, passAtK: null, sampleAccuracy: null, coverage: null, kept: null, pairsUsed: null, rewardAccuracy: null, margin: null, loss: null, seconds: (performance.now() - t0) / 1000 };
}

/** Run the iterative M-DPO / M-KTO / RAFT loop; returns the metrics table and the models. */
export async function iterate(o: IterateOptions): Promise<IterateResult> {
  const s = settingsOf(o);
  const log = o.onLog ?? (() => {});
  let own: PyodidePool | undefined;
  const interpreter: InterpreterLike = o.interpreter ?? (() => (own ??= new PyodidePool({ workers: 1, timeoutMs: 5000 })).session());
  const c: Ctx = { s, o, interpreter, grader: new Grader(), cache: o.cache ?? new IterateCache() };
  const bar = o.progress === false ? null : new Progress({ total: 1 + s.iterations, label: `${s.loss} ×${s.iterations}` });
  const models: TinyModel[] = [o.policy];
  const rows: IterationMetrics[] = [];
  const training: TrainResult[] = [];
  try {
    const row0 = await startRow(c);
    rows.push(row0);
    o.onIteration?.(row0, o.policy);
    bar?.tick();
    log(`iteration 0: greedy accuracy ${(row0.greedyAccuracy! * 100).toFixed(1)}%`);
    for (let it = 1; it <= s.iterations; it++) {
      const { row, next, tr } = await iteration(c, models, it, log);
      rows.push(row);
      models.push(next);
      training.push(tr);
      o.onIteration?.(row, next);
      bar?.tick();
    }
  } finally {
    bar?.finish();
    await c.grader.close();
    await own?.close();
  }
  // Flat columns for display; the per-subject accuracies stay in `rows`.
  return { table: aq.from(rows.map(({ greedyBySubject: _bySubject, ...r }) => r)), rows, models, training, settings: s };
}
