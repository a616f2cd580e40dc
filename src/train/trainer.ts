/**
 * Training steps for the tiny policy: SFT (masked NLL on the model-written tokens) and M-DPO /
 * M-KTO (the losses module's utilities on masked per-token log-probs), with Adam, gradient
 * clipping and a warm-up + cosine schedule. Reference log-probs are computed once per call and
 * cached by example key.
 */
import * as tf from "@tensorflow/tfjs";
import { ensureBackend, mdpoLoss, mktoLoss, ReferenceLogProbCache, tokenLogProbs, type MdpoOptions, type MktoOptions } from "../losses/index.js";
import { seededRandom, shuffledIndices } from "../random.js";
import { batchOf, type EncodedSequence, type MaskMode } from "./encode.js";
import { forwardLogits, type TfParams, type TinyModel, toVariables, type Weights, weightsFromVariables } from "../tiny/model.js";
import { Adam, learningRate, type AdamOptions, type ScheduleOptions } from "./optim.js";

export interface TrainOptions extends ScheduleOptions, AdamOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Sequences per step (pairs per step for M-DPO). */
  batchSize?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after each step. */
  onStep?: (s: StepLog) => void;
  /** Which parameters train (default all); the others stay frozen. See `TRAINABLE`. */
  trainable?: (name: string) => boolean;
  /** Every `checkpointEvery` steps before the last, `onCheckpoint` gets the weights so far (the paper evaluates checkpoints). */
  checkpointEvery?: number;
  onCheckpoint?: (step: number, weights: Weights) => Promise<void>;
}

/**
 * Parameter subsets: "all", or "mlp" (the MLPs, final LayerNorm and output layer train; embeddings and
 * attention stay frozen: it keeps the copying circuit SFT built, which preference steps on a tiny model
 * otherwise damage).
 */
export const TRAINABLE: Record<"all" | "mlp", (name: string) => boolean> = {
  all: () => true,
  mlp: (name) => /\.(w1|b1|w2|b2|ln2_g|ln2_b)$/.test(name) || name.startsWith("lnf_") || name === "wout" || name === "bout",
};

export interface StepLog {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Loss-specific numbers (DPO: reward accuracy, margin; KTO: kl). */
  extra?: Record<string, number>;
}

export interface TrainResult {
  steps: number;
  /** Loss per step. */
  losses: number[];
  logs: StepLog[];
  ms: number;
}

/** Batches of indices per epoch: shuffled, then grouped by similar length to cut padding. */
function batches(lengths: number[], batchSize: number, epochs: number, seed: number): number[][] {
  const r = seededRandom(seed ^ 0xb47c);
  const out: number[][] = [];
  for (let e = 0; e < epochs; e++) {
    const order = shuffledIndices(lengths.length, r);
    // Sort within windows of 8 batches by length, then shuffle the batches.
    const win = batchSize * 8;
    const bs: number[][] = [];
    for (let i = 0; i < order.length; i += win) {
      const w = order.slice(i, i + win).sort((a, b) => lengths[a]! - lengths[b]!);
      for (let j = 0; j < w.length; j += batchSize) bs.push(w.slice(j, j + batchSize));
    }
    for (const k of shuffledIndices(bs.length, r)) out.push(bs[k]!);
  }
  return out;
}

/** Run `steps` optimiser steps of `lossFn`; writes the trained weights back into `model`. */
async function optimise(
  model: TinyModel,
  plan: number[][],
  o: TrainOptions,
  lossFn: (p: TfParams, batch: number[]) => { loss: tf.Scalar; extra?: () => Record<string, number> },
): Promise<TrainResult> {
  await ensureBackend();
  const t0 = performance.now();
  const vars = toVariables(model.config, model.weights, o.trainable ?? true);
  const opt = new Adam(o);
  const losses: number[] = [];
  const logs: StepLog[] = [];
  try {
    for (let s = 0; s < plan.length; s++) {
      o.signal?.throwIfAborted();
      const lr = learningRate(s, plan.length, o);
      let extra: Record<string, number> | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = lossFn(vars, plan[s]!);
        if (r.extra) extra = r.extra();
        return r.loss;
      });
      const gradNorm = opt.step(vars, grads, lr);
      const loss = (await value.data())[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      losses.push(loss);
      const log: StepLog = { step: s + 1, steps: plan.length, loss, lr, gradNorm, ...(extra ? { extra } : {}) };
      logs.push(log);
      o.onStep?.(log);
      if (o.onCheckpoint && o.checkpointEvery && (s + 1) % o.checkpointEvery === 0 && s + 1 < plan.length) await o.onCheckpoint(s + 1, weightsFromVariables(vars));
      else if (s % 4 === 3) await new Promise<void>((r) => setImmediate(r));
    }
    model.setWeights(weightsFromVariables(vars));
  } finally {
    opt.dispose();
    for (const v of vars.values()) v.dispose();
  }
  return { steps: plan.length, losses, logs, ms: performance.now() - t0 };
}

function tensors(rows: EncodedSequence[], mode: MaskMode, padId: number) {
  const b = batchOf(rows, mode, padId);
  return {
    T: b.T,
    ids: tf.tensor2d(b.inputIds, [b.B, b.T], "int32"),
    labels: tf.tensor2d(b.labels, [b.B, b.T], "int32"),
    mask: tf.tensor2d(b.mask, [b.B, b.T], "float32"),
  };
}

/** Supervised fine-tuning: mean NLL over the masked (model-written) tokens. */
export async function sft(model: TinyModel, data: readonly EncodedSequence[], o: TrainOptions & { mask?: MaskMode } = {}): Promise<TrainResult> {
  const bs = o.batchSize ?? 16;
  const plan = batches(
    data.map((d) => d.inputIds.length),
    bs,
    o.epochs ?? 1,
    o.seed ?? 0,
  );
  const pad = model.tokenizer.padId!;
  return optimise(model, plan, { warmupRatio: 0.05, ...o }, (p, idx) => {
    const t = tensors(idx.map((i) => data[i]!), o.mask ?? "model", pad);
    const lp = tokenLogProbs(forwardLogits(model.config, p, t.ids), t.labels);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(lp, t.mask))), tf.maximum(tf.sum(t.mask), 1)) as tf.Scalar;
    return { loss };
  });
}

/** Per-token log-probs `[n][T_i]` of sequences under `model` (no gradient), batched. */
export async function sequenceLogProbs(model: TinyModel, data: readonly EncodedSequence[], batchSize = 32): Promise<Float32Array[]> {
  await ensureBackend();
  const vars = toVariables(model.config, model.weights, false);
  const out: Float32Array[] = new Array(data.length);
  const pad = model.tokenizer.padId!;
  try {
    const order = data.map((_, i) => i).sort((a, b) => data[a]!.inputIds.length - data[b]!.inputIds.length);
    for (let i = 0; i < order.length; i += batchSize) {
      const idx = order.slice(i, i + batchSize);
      const rows = idx.map((k) => data[k]!);
      // The tensor leaves the tidy, not its values: tidy walks a returned typed array element by element.
      const lp = tf.tidy(() => {
        const t = tensors(rows, "model", pad);
        return tokenLogProbs(forwardLogits(model.config, vars, t.ids), t.labels);
      });
      const vals = lp.dataSync() as Float32Array;
      lp.dispose();
      const T = vals.length / rows.length;
      idx.forEach((k, b) => (out[k] = vals.slice(b * T, b * T + data[k]!.inputIds.length)));
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    for (const v of vars.values()) v.dispose();
  }
  return out;
}

export interface PreferencePair {
  /** Key for the reference cache (unique per pair). */
  key: string;
  chosen: EncodedSequence;
  rejected: EncodedSequence;
}

export interface KtoItem {
  key: string;
  seq: EncodedSequence;
  desirable: boolean;
}

/** The reference log-probs of pairs, computed once (cached by `key:c` / `key:r`). */
export async function pairReference(ref: TinyModel, pairs: readonly PreferencePair[], cache = new ReferenceLogProbCache()): Promise<ReferenceLogProbCache> {
  const todo: { key: string; seq: EncodedSequence }[] = [];
  for (const p of pairs) {
    if (!cache.has(p.key + ":c")) todo.push({ key: p.key + ":c", seq: p.chosen });
    if (!cache.has(p.key + ":r")) todo.push({ key: p.key + ":r", seq: p.rejected });
  }
  const lps = await sequenceLogProbs(
    ref,
    todo.map((t) => t.seq),
  );
  todo.forEach((t, i) => cache.set(t.key, lps[i]!));
  return cache;
}

function pad2(rows: Float32Array[], T: number): tf.Tensor2D {
  const a = new Float32Array(rows.length * T);
  rows.forEach((r, b) => a.set(r.subarray(0, T), b * T));
  return tf.tensor2d(a, [rows.length, T]);
}

export interface MdpoTrainOptions extends TrainOptions, MdpoOptions {
  /** "model" (the paper: prompt and observations masked) or "all" (observation tokens count). */
  mask?: MaskMode;
}

/**
 * M-DPO on pairs: per step, the chosen and rejected sequences of `batchSize` pairs go through the
 * model, their masked log-ratios against the cached reference give the sigmoid loss.
 */
export async function mdpoTrain(model: TinyModel, pairs: readonly PreferencePair[], ref: ReferenceLogProbCache, o: MdpoTrainOptions = {}): Promise<TrainResult> {
  const bs = o.batchSize ?? 8;
  const plan = batches(
    pairs.map((p) => Math.max(p.chosen.inputIds.length, p.rejected.inputIds.length)),
    bs,
    o.epochs ?? 1,
    o.seed ?? 0,
  );
  const pad = model.tokenizer.padId!;
  const mode = o.mask ?? "model";
  const { beta, lossType, labelSmoothing, nllCoef, averageLogRatios } = o;
  const lossOpts: MdpoOptions = {};
  if (beta !== undefined) lossOpts.beta = beta;
  if (lossType !== undefined) lossOpts.lossType = lossType;
  if (labelSmoothing !== undefined) lossOpts.labelSmoothing = labelSmoothing;
  if (nllCoef !== undefined) lossOpts.nllCoef = nllCoef;
  if (averageLogRatios !== undefined) lossOpts.averageLogRatios = averageLogRatios;
  return optimise(model, plan, o, (p, idx) => {
    const ps = idx.map((i) => pairs[i]!);
    const rows = [...ps.map((x) => x.chosen), ...ps.map((x) => x.rejected)];
    const t = tensors(rows, mode, pad);
    const lp = tokenLogProbs(forwardLogits(model.config, p, t.ids), t.labels);
    const n = ps.length;
    const refs = pad2([...ps.map((x) => ref.get(x.key + ":c")!), ...ps.map((x) => ref.get(x.key + ":r")!)], t.T);
    const out = mdpoLoss(
      {
        policyChosen: tf.slice(lp, [0, 0], [n, t.T]),
        policyRejected: tf.slice(lp, [n, 0], [n, t.T]),
        refChosen: tf.slice(refs, [0, 0], [n, t.T]),
        refRejected: tf.slice(refs, [n, 0], [n, t.T]),
        maskChosen: tf.slice(t.mask, [0, 0], [n, t.T]),
        maskRejected: tf.slice(t.mask, [n, 0], [n, t.T]),
      },
      lossOpts,
    );
    return {
      loss: out.loss,
      extra: () => {
        const cr = out.chosenRewards.dataSync();
        const rr = out.rejectedRewards.dataSync();
        let acc = 0;
        let margin = 0;
        for (let i = 0; i < cr.length; i++) {
          if (cr[i]! > rr[i]!) acc++;
          margin += cr[i]! - rr[i]!;
        }
        return { rewardAccuracy: acc / cr.length, margin: margin / cr.length, chosenReward: mean(cr), rejectedReward: mean(rr) };
      },
    };
  });
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length ? s / a.length : 0;
}

/** The reference log-probs of KTO items (cached by key). */
export async function ktoReference(ref: TinyModel, items: readonly KtoItem[], cache = new ReferenceLogProbCache()): Promise<ReferenceLogProbCache> {
  const todo = items.filter((x) => !cache.has(x.key));
  const lps = await sequenceLogProbs(
    ref,
    todo.map((t) => t.seq),
  );
  todo.forEach((t, i) => cache.set(t.key, lps[i]!));
  return cache;
}

export interface MktoTrainOptions extends TrainOptions, MktoOptions {
  mask?: MaskMode;
}

/** M-KTO on labelled trajectories (desirable = correct). */
export async function mktoTrain(model: TinyModel, items: readonly KtoItem[], ref: ReferenceLogProbCache, o: MktoTrainOptions = {}): Promise<TrainResult> {
  const bs = o.batchSize ?? 16;
  const plan = batches(
    items.map((p) => p.seq.inputIds.length),
    bs,
    o.epochs ?? 1,
    o.seed ?? 0,
  );
  const pad = model.tokenizer.padId!;
  const mode = o.mask ?? "model";
  const lossOpts: MktoOptions = {};
  if (o.beta !== undefined) lossOpts.beta = o.beta;
  if (o.desirableWeight !== undefined) lossOpts.desirableWeight = o.desirableWeight;
  if (o.undesirableWeight !== undefined) lossOpts.undesirableWeight = o.undesirableWeight;
  if (o.kl !== undefined) lossOpts.kl = o.kl;
  return optimise(model, plan, o, (p, idx) => {
    const xs = idx.map((i) => items[i]!);
    const t = tensors(
      xs.map((x) => x.seq),
      mode,
      pad,
    );
    const lp = tokenLogProbs(forwardLogits(model.config, p, t.ids), t.labels);
    const out = mktoLoss(
      {
        policy: lp,
        ref: pad2(
          xs.map((x) => ref.get(x.key)!),
          t.T,
        ),
        mask: t.mask,
        desirable: xs.map((x) => x.desirable),
      },
      lossOpts,
    );
    return { loss: out.loss, extra: () => ({ kl: out.kl.dataSync()[0]! }) };
  });
}
