/**
 * The paper's iterative loop on the tiny policy: for each iteration, sample N trajectories per prompt
 * from the current policy with the interpreter in the loop (the real rollout engine), grade them, build
 * pairs (one random correct, one random wrong per prompt) or KTO labels, train with M-DPO / M-KTO
 * against the reference (the SFT model, or the previous iteration's), and evaluate greedy accuracy
 * on the test problems.
 */
import * as aq from "arquero";
import type { Problem } from "../data/index.js";
import { seededRandom } from "../random.js";
import { gradeFast } from "../grading/index.js";
import { PyodidePool, type Interpreter } from "../interpreter/index.js";
import { ReferenceLogProbCache } from "../losses/index.js";
import { rollout, type CodeSession, type Trajectory } from "../rollout/index.js";
import { Progress } from "../display/index.js";
import { encodeTrajectory, tinyTemplate } from "./encode.js";
import type { TinyModel } from "../tiny/model.js";
import type { AdamOptions } from "./optim.js";
import { TinyPolicy } from "../tiny/policy.js";
import { ktoReference, TRAINABLE, mdpoTrain, mktoTrain, pairReference, type KtoItem, type PreferencePair, type TrainResult } from "./trainer.js";

/** Whether a finished trajectory's final boxed answer equals its gold answer. */
export function isCorrect(t: Trajectory): boolean {
  if (t.finish !== "answer") return false;
  const last = t.steps[t.steps.length - 1];
  if (!last || !last.text.includes("boxed")) return false;
  const v = gradeFast(last.text, t.gold, { extract: true, formats: ["boxed"] });
  return v.correct === true;
}

export type InterpreterLike = Interpreter | (() => CodeSession | Promise<CodeSession>);

export interface EvaluateOptions {
  interpreter: InterpreterLike;
  /** Most tool calls per trajectory (default 4). */
  horizon?: number;
  maxTokens?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  accuracy: number;
  correct: number;
  total: number;
  trajectories: Trajectory[];
}

/** Greedy accuracy of a model on problems, through the rollout engine. */
export async function evaluateGreedy(model: TinyModel, problems: readonly Problem[], o: EvaluateOptions): Promise<EvalResult> {
  const res = await rollout({
    problems: [...problems],
    policy: new TinyPolicy(model),
    template: tinyTemplate(),
    interpreter: o.interpreter,
    samples: 1,
    temperature: 0,
    horizon: o.horizon ?? 4,
    maxTokens: o.maxTokens ?? 160,
    concurrency: o.concurrency ?? 16,
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: (p) => o.onProgress?.(p.done, p.total),
  });
  const correct = res.trajectories.filter(isCorrect).length;
  return { accuracy: correct / Math.max(1, res.trajectories.length), correct, total: res.trajectories.length, trajectories: res.trajectories };
}

/** One random correct and one random wrong trajectory per prompt that has both (seeded). */
export function randomPairs(trajs: readonly Trajectory[], seed: number): { chosen: Trajectory; rejected: Trajectory }[] {
  const r = seededRandom(seed ^ 0x9a125);
  const by = new Map<string, Trajectory[]>();
  for (const t of trajs) {
    if (t.finish === "error") continue;
    const a = by.get(t.problemId) ?? [];
    a.push(t);
    by.set(t.problemId, a);
  }
  const out: { chosen: Trajectory; rejected: Trajectory }[] = [];
  for (const ts of by.values()) {
    const good = ts.filter(isCorrect);
    const bad = ts.filter((t) => !isCorrect(t));
    if (good.length === 0 || bad.length === 0) continue;
    out.push({ chosen: good[Math.floor(r() * good.length)]!, rejected: bad[Math.floor(r() * bad.length)]! });
  }
  return out;
}

export interface IterationMetrics {
  /** 0 = the starting (SFT) model. */
  iteration: number;
  /** Greedy accuracy on the test problems. */
  greedyAccuracy: number;
  /** Fraction of training prompts with at least one correct sample among k (pass@k, k = samplesPerPrompt). */
  passAtK: number | null;
  /** Mean correctness of the sampled trajectories. */
  sampleAccuracy: number | null;
  pairsUsed: number | null;
  /** Training-set reward accuracy / margin / loss, over the last epoch's steps. */
  rewardAccuracy: number | null;
  margin: number | null;
  loss: number | null;
  seconds: number;
}

export interface IterateOptions {
  /** The starting policy (the SFT model); it is not modified. */
  policy: TinyModel;
  /** Training prompts; each iteration takes the next `promptsPerIteration` of them (wrapping around). */
  problems: readonly Problem[];
  /** The fixed test set for greedy accuracy. */
  testProblems: readonly Problem[];
  iterations?: number;
  samplesPerPrompt?: number;
  promptsPerIteration?: number;
  /** How pairs are built (only "random": one random correct vs one random wrong per prompt, seeded). */
  pairing?: "random";
  loss?: "mdpo" | "mkto";
  /** Reference model: the SFT model in every iteration, or the previous iteration's. */
  reference?: "sft" | "last";
  /** true (the paper): prompt and observation tokens are masked out of the log-probs. */
  mask?: boolean;
  beta?: number;
  /** Peak learning rate of the preference steps (default 1e-4). */
  lr?: number;
  /** Passes over each iteration's pairs (default 2). */
  epochs?: number;
  batchSize?: number;
  /** NLL coefficient on the chosen trajectories (M-DPO; default 1 for the tiny policy, the paper's default is 0: see docs/train.md). */
  nllCoef?: number;
  /** Which parameters the preference steps train: "all" (default) or "mlp" (attention and embeddings frozen). */
  trainable?: "all" | "mlp";
  /** Adam settings of the preference steps (eps, betas, clipNorm, weightDecay). */
  optimizer?: AdamOptions;
  /** Sampling temperature of the data collection (default 0.7). */
  temperature?: number;
  topP?: number;
  horizon?: number;
  maxTokens?: number;
  seed?: number;
  /** A shared interpreter or a session factory; default: a PyodidePool made and closed here. */
  interpreter?: InterpreterLike;
  signal?: AbortSignal;
  /** Show a progress display (a bar in a terminal, an updating cell in a notebook). Default true. */
  progress?: boolean;
  /** Called with each iteration's metrics as they come. */
  onIteration?: (m: IterationMetrics, model: TinyModel) => void;
  /** Called with a line of text per phase. */
  onLog?: (line: string) => void;
}

export interface IterateResult {
  /** Metrics per iteration (row 0 = the starting model), as an Arquero table. */
  table: aq.ColumnTable;
  rows: IterationMetrics[];
  /** The policy after each iteration (index 0 = the starting model). */
  models: TinyModel[];
  /** Training logs per iteration. */
  training: TrainResult[];
}

function lastEpochMean(logs: TrainResult["logs"], key: string, epochs: number): number | null {
  const n = Math.max(1, Math.floor(logs.length / Math.max(1, epochs)));
  const xs = logs.slice(-n).map((l) => (key === "loss" ? l.loss : l.extra?.[key])).filter((x): x is number => typeof x === "number");
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Run the iterative M-DPO / M-KTO loop; returns the metrics table and the models. */
export async function iterate(o: IterateOptions): Promise<IterateResult> {
  const iterations = o.iterations ?? 3;
  const k = o.samplesPerPrompt ?? 4;
  const P = Math.min(o.promptsPerIteration ?? 200, o.problems.length);
  const seed = o.seed ?? 0;
  const lossKind = o.loss ?? "mdpo";
  const epochs = o.epochs ?? 2;
  const mask = o.mask ?? true;
  const log = o.onLog ?? (() => {});
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`iterations must be a non-negative integer, got ${iterations}`);
  if (!Number.isInteger(k) || k < 2) throw new Error(`samplesPerPrompt must be an integer ≥ 2 (pairs need a correct and a wrong sample), got ${k}`);
  if (o.problems.length === 0) throw new Error("no training problems");
  let own: PyodidePool | undefined;
  const interpreter: InterpreterLike =
    o.interpreter ??
    (() => {
      own ??= new PyodidePool({ workers: 1, timeoutMs: 5000 });
      return own.session();
    });
  const total = 1 + iterations * 3;
  const bar = o.progress === false ? null : new Progress({ total, label: `${lossKind} ×${iterations}` });
  let phase = "";
  const status = () => phase;
  void status;
  const sft = o.policy;
  const models: TinyModel[] = [sft];
  const rows: IterationMetrics[] = [];
  const training: TrainResult[] = [];
  const evalOpts = { interpreter, horizon: o.horizon ?? 4, maxTokens: o.maxTokens ?? 160, ...(o.signal ? { signal: o.signal } : {}) };
  try {
    let t0 = performance.now();
    phase = "evaluating the starting model";
    log(phase);
    const e0 = await evaluateGreedy(sft, o.testProblems, evalOpts);
    bar?.tick();
    const row0: IterationMetrics = { iteration: 0, greedyAccuracy: e0.accuracy, passAtK: null, sampleAccuracy: null, pairsUsed: null, rewardAccuracy: null, margin: null, loss: null, seconds: (performance.now() - t0) / 1000 };
    rows.push(row0);
    o.onIteration?.(row0, sft);
    log(`iteration 0: greedy accuracy ${(e0.accuracy * 100).toFixed(1)}%`);
    let cur = sft;
    for (let it = 1; it <= iterations; it++) {
      t0 = performance.now();
      const prompts = Array.from({ length: P }, (_, i) => o.problems[((it - 1) * P + i) % o.problems.length]!);
      phase = `iteration ${it}: sampling ${k}×${P}`;
      log(phase);
      const ro = await rollout({
        problems: prompts,
        policy: new TinyPolicy(cur),
        template: tinyTemplate(),
        interpreter,
        samples: k,
        temperature: o.temperature ?? 0.7,
        topP: o.topP ?? 1,
        horizon: o.horizon ?? 4,
        maxTokens: o.maxTokens ?? 160,
        seed: seed * 1000 + it,
        concurrency: 16,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      bar?.tick();
      const trajs = ro.trajectories;
      const correct = trajs.map(isCorrect);
      const byPrompt = new Map<string, boolean>();
      trajs.forEach((t, i) => byPrompt.set(t.problemId, (byPrompt.get(t.problemId) ?? false) || correct[i]!));
      const passAtK = [...byPrompt.values()].filter(Boolean).length / Math.max(1, byPrompt.size);
      const sampleAccuracy = correct.filter(Boolean).length / Math.max(1, trajs.length);
      const ref = o.reference === "last" ? cur : sft;
      const next = cur.clone();
      next.meta = { ...cur.meta, iteration: it, loss: lossKind, reference: o.reference ?? "sft", mask };
      const tok = cur.tokenizer;
      const tpl = tinyTemplate();
      const maxLen = cur.config.maxLen;
      const trainOpts = {
        lr: o.lr ?? 1e-4,
        epochs,
        seed: seed * 1000 + it,
        mask: mask ? ("model" as const) : ("all" as const),
        beta: o.beta ?? 0.1,
        warmupRatio: 0.1,
        trainable: TRAINABLE[o.trainable ?? "all"],
        ...o.optimizer,
        ...(o.signal ? { signal: o.signal } : {}),
      };
      let tr: TrainResult;
      let pairsUsed: number;
      phase = `iteration ${it}: training (${lossKind})`;
      if (lossKind === "mdpo") {
        const raw = randomPairs(trajs, seed * 1000 + it);
        const pairs: PreferencePair[] = raw.map((p, i) => ({
          key: `${it}:${i}`,
          chosen: encodeTrajectory(tok, tpl, p.chosen, maxLen),
          rejected: encodeTrajectory(tok, tpl, p.rejected, maxLen),
        }));
        pairsUsed = pairs.length;
        log(`${phase}: ${pairs.length} pairs, sample accuracy ${(sampleAccuracy * 100).toFixed(1)}%, pass@${k} ${(passAtK * 100).toFixed(1)}%`);
        const cache = await pairReference(ref, pairs, new ReferenceLogProbCache());
        tr = pairs.length ? await mdpoTrain(next, pairs, cache, { ...trainOpts, batchSize: o.batchSize ?? 8, nllCoef: o.nllCoef ?? 1 }) : { steps: 0, losses: [], logs: [], ms: 0 };
      } else {
        const items: KtoItem[] = trajs
          .filter((t) => t.finish !== "error")
          .map((t, i) => ({ key: `${it}:${i}`, seq: encodeTrajectory(tok, tpl, t, maxLen), desirable: isCorrect(t) }));
        pairsUsed = items.length;
        log(`${phase}: ${items.length} labelled trajectories, sample accuracy ${(sampleAccuracy * 100).toFixed(1)}%`);
        const cache = await ktoReference(ref, items);
        tr = items.length ? await mktoTrain(next, items, cache, { ...trainOpts, batchSize: o.batchSize ?? 16 }) : { steps: 0, losses: [], logs: [], ms: 0 };
      }
      bar?.tick();
      training.push(tr);
      phase = `iteration ${it}: evaluating`;
      const ev = await evaluateGreedy(next, o.testProblems, evalOpts);
      bar?.tick();
      const row: IterationMetrics = {
        iteration: it,
        greedyAccuracy: ev.accuracy,
        passAtK,
        sampleAccuracy,
        pairsUsed,
        rewardAccuracy: lastEpochMean(tr.logs, "rewardAccuracy", epochs),
        margin: lastEpochMean(tr.logs, "margin", epochs),
        loss: lastEpochMean(tr.logs, "loss", epochs),
        seconds: (performance.now() - t0) / 1000,
      };
      rows.push(row);
      models.push(next);
      o.onIteration?.(row, next);
      log(`iteration ${it}: greedy accuracy ${(ev.accuracy * 100).toFixed(1)}% (${tr.steps} steps, ${row.seconds.toFixed(0)} s)`);
      cur = next;
    }
  } finally {
    bar?.finish();
    await own?.close();
  }
  return { table: aq.from(rows), rows, models, training };
}
