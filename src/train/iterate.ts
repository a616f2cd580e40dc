/**
 * The paper's iterative loop on the tiny policy, composed of the pipeline's real stages: for each
 * iteration, rollout (N trajectories per prompt, the interpreter in the loop) → the one reward rule →
 * the paper's filters → `buildPairs` (one random correct, one random wrong per prompt) or `buildKto`
 * → M-DPO / M-KTO against the reference (by default the previous iteration's model) → `evaluate()`
 * on the test problems.
 */
import * as aq from "arquero";
import type { Problem } from "../data/index.js";
import { Grader } from "../grading/index.js";
import { PyodidePool, type Interpreter } from "../interpreter/index.js";
import { DEFAULT_REFERENCE, ReferenceLogProbCache, type ReferenceChoice } from "../losses/index.js";
import { applyFilters, buildKto, buildPairs, type FilterSet } from "../pairing/index.js";
import type { Annotated } from "../trajectory/index.js";
import { promptStats } from "../metrics/index.js";
import { rollout, type CodeSession } from "../rollout/index.js";
import { accuracyOf, evaluate, type Evaluation, rewardAll } from "../evaluate/index.js";
import { Progress } from "../display/index.js";
import { encodeTrajectory, tinyTemplate } from "./encode.js";
import type { TinyModel } from "../tiny/model.js";
import type { AdamOptions } from "./optim.js";
import { TinyPolicy } from "../tiny/policy.js";
import { ktoReference, TRAINABLE, mdpoTrain, mktoTrain, pairReference, type KtoItem, type PreferencePair, type TrainResult } from "./trainer.js";

export type InterpreterLike = Interpreter | (() => CodeSession | Promise<CodeSession>);

/** Every setting of the loop, with its one default (`ITERATE_DEFAULTS`). */
export interface IterateSettings {
  iterations: number;
  /** Trajectories per prompt (N). */
  samplesPerPrompt: number;
  /** Training prompts per iteration; each iteration takes the next ones (wrapping around). */
  promptsPerIteration: number;
  loss: "mdpo" | "mkto";
  /** Reference of iteration t: the previous iteration's model (the paper's) or the SFT model (its ablation). */
  reference: ReferenceChoice;
  /** true (the paper): prompt and observation tokens are masked out of the log-probs. */
  mask: boolean;
  beta: number;
  /** Peak learning rate of the preference steps. */
  lr: number;
  /** Passes over each iteration's data. */
  epochs: number;
  /** Sequences per step (M-DPO pairs count two). */
  batchSize: number;
  /** NLL coefficient on the chosen trajectories (M-DPO; 1 for the tiny policy, the paper's default is 0: see docs/train.md). */
  nllCoef: number;
  /** Which parameters the preference steps train: "all" or "mlp" (attention and embeddings frozen). */
  trainable: "all" | "mlp";
  /** The paper's filters to switch off (all on by default). */
  filters: FilterSet;
  /** Sampling temperature of the data collection. */
  temperature: number;
  topP: number;
  horizon: number;
  maxTokens: number;
  /** Trajectories in flight. */
  concurrency: number;
  seed: number;
}

export const ITERATE_DEFAULTS: Readonly<IterateSettings> = {
  iterations: 3,
  samplesPerPrompt: 4,
  promptsPerIteration: 200,
  loss: "mdpo",
  reference: DEFAULT_REFERENCE,
  mask: true,
  beta: 0.1,
  lr: 1e-4,
  epochs: 2,
  batchSize: 8,
  nllCoef: 1,
  trainable: "all",
  filters: {},
  temperature: 0.7,
  topP: 1,
  horizon: 4,
  maxTokens: 160,
  concurrency: 16,
  seed: 0,
};

export interface IterateOptions extends Partial<IterateSettings> {
  /** The starting policy (the SFT model); it is not modified. */
  policy: TinyModel;
  problems: readonly Problem[];
  /** The fixed test set for greedy accuracy. */
  testProblems: readonly Problem[];
  /** Adam settings of the preference steps (eps, betas, clipNorm, weightDecay). */
  optimizer?: AdamOptions;
  /** A shared interpreter or a session factory; default: a PyodidePool made and closed here. */
  interpreter?: InterpreterLike;
  signal?: AbortSignal;
  /** Show a progress display. Default true. */
  progress?: boolean;
  onIteration?: (m: IterationMetrics, model: TinyModel) => void;
  onLog?: (line: string) => void;
}

export interface IterationMetrics {
  /** 0 = the starting (SFT) model. */
  iteration: number;
  /** Greedy accuracy on the test problems. */
  greedyAccuracy: number;
  /** Share of training prompts with at least one correct sample among N. */
  passAtK: number | null;
  /** Share of correct sampled trajectories. */
  sampleAccuracy: number | null;
  /** Share of training prompts with at least one correct and one wrong sample (they can give a pair). */
  coverage: number | null;
  /** Trajectories kept by the filters. */
  kept: number | null;
  /** Pairs (M-DPO) or labelled trajectories (M-KTO) trained on. */
  pairsUsed: number | null;
  /** Training-set reward accuracy / margin / loss, over the last epoch's steps. */
  rewardAccuracy: number | null;
  margin: number | null;
  loss: number | null;
  seconds: number;
}

export interface IterateResult {
  /** Metrics per iteration (row 0 = the starting model), as an Arquero table. */
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
}

export interface GreedyEvaluation extends Evaluation {
  accuracy: number;
  correct: number;
  total: number;
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
  return { ...e, accuracy: accuracyOf(e), correct, total: e.rows.length };
}

/** Rollout → reward → filters for one iteration's prompts. */
async function collect(c: Ctx, model: TinyModel, it: number) {
  const { s, o } = c;
  const P = Math.min(s.promptsPerIteration, o.problems.length);
  const prompts = Array.from({ length: P }, (_, i) => o.problems[((it - 1) * P + i) % o.problems.length]!);
  const ro = await rollout({
    problems: prompts,
    policy: new TinyPolicy(model),
    template: tinyTemplate(),
    interpreter: c.interpreter,
    samples: s.samplesPerPrompt,
    temperature: s.temperature,
    topP: s.topP,
    horizon: s.horizon,
    maxTokens: s.maxTokens,
    seed: s.seed * 1000 + it,
    concurrency: s.concurrency,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const rows = await rewardAll(ro.trajectories, c.grader);
  const { kept, summary } = applyFilters(rows, s.filters);
  return { rows, kept, filterSummary: summary };
}

/** Train `next` on the kept rows against `ref`: M-DPO on random pairs or M-KTO on labelled trajectories. */
async function trainOn(c: Ctx, next: TinyModel, ref: TinyModel, kept: readonly Annotated[], it: number): Promise<{ tr: TrainResult; used: number }> {
  const { s, o } = c;
  const tok = next.tokenizer;
  const tpl = tinyTemplate();
  const enc = (t: Annotated) => encodeTrajectory(tok, tpl, t, next.config.maxLen);
  const opts = {
    lr: s.lr,
    epochs: s.epochs,
    seed: s.seed * 1000 + it,
    mask: s.mask ? ("model" as const) : ("all" as const),
    beta: s.beta,
    warmupRatio: 0.1,
    trainable: TRAINABLE[s.trainable],
    ...o.optimizer,
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const none: TrainResult = { steps: 0, losses: [], logs: [], ms: 0 };
  if (s.loss === "mdpo") {
    const { pairs: raw } = buildPairs(kept, { strategy: "random", seed: s.seed * 1000 + it });
    const pairs: PreferencePair[] = raw.map((p, i) => ({ key: `${it}:${i}`, chosen: enc(p.chosen), rejected: enc(p.rejected) }));
    const cache = await pairReference(ref, pairs, new ReferenceLogProbCache());
    return { tr: pairs.length ? await mdpoTrain(next, pairs, cache, { ...opts, batchSize: s.batchSize, nllCoef: s.nllCoef }) : none, used: pairs.length };
  }
  const { examples } = buildKto(kept, { balance: "none", seed: s.seed * 1000 + it });
  const items: KtoItem[] = examples.map((e, i) => ({ key: `${it}:${i}`, seq: enc(e.trajectory), desirable: e.label }));
  const cache = await ktoReference(ref, items);
  return { tr: items.length ? await mktoTrain(next, items, cache, { ...opts, batchSize: 2 * s.batchSize }) : none, used: items.length };
}

function lastEpochMean(logs: TrainResult["logs"], key: string, epochs: number): number | null {
  const n = Math.max(1, Math.floor(logs.length / Math.max(1, epochs)));
  const xs = logs.slice(-n).map((l) => (key === "loss" ? l.loss : l.extra?.[key])).filter((x): x is number => typeof x === "number");
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** One iteration: collect, train a copy of `cur`, evaluate it. */
async function iteration(c: Ctx, sft: TinyModel, cur: TinyModel, it: number, log: (l: string) => void) {
  const { s } = c;
  const t0 = performance.now();
  const { rows, kept, filterSummary } = await collect(c, cur, it);
  const stats = promptStats(rows);
  const ref = s.reference === "previous" ? cur : sft;
  const next = cur.clone();
  next.meta = { ...cur.meta, iteration: it, loss: s.loss, reference: s.reference, mask: s.mask };
  log(`iteration ${it}: ${rows.length} trajectories, ${kept.length} kept by the filters, sample accuracy ${(stats.sampleAccuracy * 100).toFixed(1)}%, coverage ${(stats.coverage * 100).toFixed(1)}%`);
  const { tr, used } = await trainOn(c, next, ref, kept, it);
  const ev = await evaluateGreedy(next, c.o.testProblems, { interpreter: c.interpreter, horizon: s.horizon, maxTokens: s.maxTokens, grader: c.grader, ...(c.o.signal ? { signal: c.o.signal } : {}) });
  const row: IterationMetrics = {
    iteration: it,
    greedyAccuracy: ev.accuracy,
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
  log(`iteration ${it}: greedy accuracy ${(ev.accuracy * 100).toFixed(1)}% (${tr.steps} steps, ${row.seconds.toFixed(0)} s)`);
  return { row, next, tr };
}

function checkSettings(s: IterateSettings, o: IterateOptions): void {
  if (!Number.isInteger(s.iterations) || s.iterations < 0) throw new Error(`iterations must be a non-negative integer, got ${s.iterations}`);
  if (!Number.isInteger(s.samplesPerPrompt) || s.samplesPerPrompt < 2) throw new Error(`samplesPerPrompt must be an integer ≥ 2 (pairs need a correct and a wrong sample), got ${s.samplesPerPrompt}`);
  if (o.problems.length === 0) throw new Error("no training problems");
}

/** Run the iterative M-DPO / M-KTO loop; returns the metrics table and the models. */
export async function iterate(o: IterateOptions): Promise<IterateResult> {
  const s: IterateSettings = { ...ITERATE_DEFAULTS };
  for (const k of Object.keys(ITERATE_DEFAULTS) as (keyof IterateSettings)[]) if (o[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = o[k];
  checkSettings(s, o);
  const log = o.onLog ?? (() => {});
  let own: PyodidePool | undefined;
  const interpreter: InterpreterLike = o.interpreter ?? (() => (own ??= new PyodidePool({ workers: 1, timeoutMs: 5000 })).session());
  const c: Ctx = { s, o, interpreter, grader: new Grader() };
  const bar = o.progress === false ? null : new Progress({ total: 1 + s.iterations, label: `${s.loss} ×${s.iterations}` });
  const models: TinyModel[] = [o.policy];
  const rows: IterationMetrics[] = [];
  const training: TrainResult[] = [];
  try {
    const t0 = performance.now();
    const e0 = await evaluateGreedy(o.policy, o.testProblems, { interpreter, horizon: s.horizon, maxTokens: s.maxTokens, grader: c.grader, ...(o.signal ? { signal: o.signal } : {}) });
    const row0: IterationMetrics = { iteration: 0, greedyAccuracy: e0.accuracy, passAtK: null, sampleAccuracy: null, coverage: null, kept: null, pairsUsed: null, rewardAccuracy: null, margin: null, loss: null, seconds: (performance.now() - t0) / 1000 };
    rows.push(row0);
    o.onIteration?.(row0, o.policy);
    bar?.tick();
    log(`iteration 0: greedy accuracy ${(e0.accuracy * 100).toFixed(1)}%`);
    for (let it = 1; it <= s.iterations; it++) {
      const { row, next, tr } = await iteration(c, o.policy, models[models.length - 1]!, it, log);
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
  return { table: aq.from(rows), rows, models, training, settings: s };
}
