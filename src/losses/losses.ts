/**
 * M-DPO and M-KTO losses in TensorFlow.js over masked per-token log-probabilities.
 *
 * Inputs are per-token log-probs `[B,T]` of the policy and of the reference model, and the mask
 * `[B,T]` (1 = a token the model wrote, 0 = prompt / tool output / padding). Margins are computed
 * from per-token log-ratios `Σ_t mask·(logπ_t − logπref_t)` — small numbers — and never as the
 * difference of two large sequence sums (float32 cancellation).
 */
import * as tf from "@tensorflow/tfjs";

type CGF = Parameters<typeof tf.customGrad>[0];
import { dpoMetrics, ktoMetrics, type DpoMetrics, type KtoMetrics } from "./metrics.js";
import { resolveMdpoOptions, resolveMktoOptions, type MdpoOptions, type MktoOptions } from "./options.js";

import { DPO_LOSS_TYPES, dpoLossTypeOf } from "./loss-types.js";
export { PAPER_BETA, PAPER_NLL_COEF, resolveMdpoOptions, resolveMktoOptions, type DpoLossType, type MdpoOptions, type MktoOptions } from "./options.js";

/** A tensor or host data a tensor can be made from. */
export type TensorLike2D = tf.Tensor | number[][] | Float32Array;

export interface MdpoInputs {
  /** Per-token policy log-probs of the chosen trajectories `[P,Tc]` (differentiable). */
  policyChosen: tf.Tensor;
  /** Per-token policy log-probs of the rejected trajectories `[P,Tr]` (differentiable). */
  policyRejected: tf.Tensor;
  /** Per-token reference log-probs, `[P,Tc]`: a tensor, or precomputed arrays (cached once per iteration). */
  refChosen: TensorLike2D;
  refRejected: TensorLike2D;
  maskChosen: TensorLike2D;
  maskRejected: TensorLike2D;
}

export interface MdpoOutput {
  /** The batch loss: mean pair loss + nllCoef · NLL. */
  loss: tf.Scalar;
  /** Per-pair loss `[P]` (without the NLL term). */
  losses: tf.Tensor1D;
  /** β·Σ mask·(logπ − logπref) of the chosen / rejected trajectories `[P]`. */
  chosenRewards: tf.Tensor1D;
  rejectedRewards: tf.Tensor1D;
  /** Σ mask·logπ of the chosen / rejected trajectories `[P]`. */
  chosenLogps: tf.Tensor1D;
  rejectedLogps: tf.Tensor1D;
  /** Token-mean NLL of the chosen trajectories over the batch, when nllCoef > 0. */
  nll: tf.Scalar | null;
}

function like(x: TensorLike2D, shape: number[], what: string): tf.Tensor {
  let t: tf.Tensor;
  if (x instanceof tf.Tensor) t = x.dtype === "float32" ? x : tf.cast(x, "float32");
  else if (x instanceof Float32Array) t = tf.tensor(x, shape, "float32");
  else t = tf.tensor2d(x, undefined, "float32");
  if (t.shape.join(",") !== shape.join(",")) throw new Error(`${what} has shape [${t.shape.join(",")}], expected [${shape.join(",")}]`);
  return t;
}

/** A copy of `x` through which no gradient flows. */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as CGF) as unknown as <T extends tf.Tensor>(x: T) => T;

/** `Σ_t mask·(a − b)` per row (or the per-token mean over mask when `average`). */
export function maskedLogRatio(policy: tf.Tensor, ref: tf.Tensor, mask: tf.Tensor, average = false): tf.Tensor1D {
  const s = tf.sum(tf.mul(tf.sub(policy, ref), mask), -1) as tf.Tensor1D;
  return average ? tf.div(s, tf.maximum(tf.sum(mask, -1), 1)) : s;
}

/** Per-pair DPO loss from the logit difference `z = chosenLogRatio − rejectedLogRatio`. */
export function dpoPairLoss(z: tf.Tensor1D, opts: Required<Pick<MdpoOptions, "beta" | "lossType" | "labelSmoothing">>): tf.Tensor1D {
  return DPO_LOSS_TYPES[dpoLossTypeOf(opts.lossType)].tfjs(tf, z, opts.beta, opts.labelSmoothing);
}

/**
 * Multi-turn DPO. Every tensor input is `[P,T]` (chosen and rejected may have different T).
 * Use inside `tf.tidy` / `optimizer.minimize(() => mdpoLoss(...).loss)`.
 */
export function mdpoLoss(inputs: MdpoInputs, options: MdpoOptions = {}): MdpoOutput {
  const o = resolveMdpoOptions(options);
  const pc = inputs.policyChosen;
  const pr = inputs.policyRejected;
  if (pc.rank !== 2 || pr.rank !== 2) throw new Error("policyChosen and policyRejected must be [P,T] per-token log-probs");
  if (pc.shape[0] !== pr.shape[0]) throw new Error(`chosen has ${pc.shape[0]} rows, rejected ${pr.shape[0]}: one row each per pair`);
  const rc = like(inputs.refChosen, pc.shape, "refChosen");
  const rr = like(inputs.refRejected, pr.shape, "refRejected");
  const mc = like(inputs.maskChosen, pc.shape, "maskChosen");
  const mr = like(inputs.maskRejected, pr.shape, "maskRejected");
  const chosenLR = maskedLogRatio(pc, rc, mc, o.averageLogRatios);
  const rejectedLR = maskedLogRatio(pr, rr, mr, o.averageLogRatios);
  const losses = dpoPairLoss(tf.sub(chosenLR, rejectedLR), o);
  let loss = tf.mean(losses) as tf.Scalar;
  let nll: tf.Scalar | null = null;
  if (o.nllCoef > 0) {
    nll = tf.div(tf.neg(tf.sum(tf.mul(pc, mc))), tf.maximum(tf.sum(mc), 1)) as tf.Scalar;
    loss = tf.add(loss, tf.mul(nll, o.nllCoef));
  }
  return {
    loss,
    losses,
    chosenRewards: stopGradient(tf.mul(chosenLR, o.beta)),
    rejectedRewards: stopGradient(tf.mul(rejectedLR, o.beta)),
    chosenLogps: stopGradient(tf.sum(tf.mul(pc, mc), -1) as tf.Tensor1D),
    rejectedLogps: stopGradient(tf.sum(tf.mul(pr, mr), -1) as tf.Tensor1D),
    nll,
  };
}

/** Download an M-DPO output's per-pair values and compute the batch metrics (float64, on the host). */
export async function readMdpoMetrics(out: MdpoOutput): Promise<DpoMetrics> {
  const [losses, cr, rr, cl, rl, loss] = await Promise.all([
    out.losses.data(),
    out.chosenRewards.data(),
    out.rejectedRewards.data(),
    out.chosenLogps.data(),
    out.rejectedLogps.data(),
    out.loss.data(),
  ]);
  const nll = out.nll ? (await out.nll.data())[0] : undefined;
  return dpoMetrics({ losses, chosenRewards: cr, rejectedRewards: rr, chosenLogps: cl, rejectedLogps: rl }, loss[0]!, nll);
}

export interface MktoInputs {
  /** Per-token policy log-probs `[B,T]` (differentiable). */
  policy: tf.Tensor;
  /** Per-token reference log-probs `[B,T]` (tensor or precomputed arrays). */
  ref: TensorLike2D;
  mask: TensorLike2D;
  /** Whether each trajectory is desirable (correct) `[B]`. */
  desirable: boolean[] | tf.Tensor;
  /**
   * Optional sequence log-ratios `[K]` of mismatched (prompt, completion) pairs for the KL
   * estimate, as in TRL's KTOTrainer; used instead of the batch's own when given (detached).
   */
  klLogRatios?: tf.Tensor;
}

export interface MktoOutput {
  loss: tf.Scalar;
  /** Per-example weighted loss `[B]`. */
  losses: tf.Tensor1D;
  /** β·Σ mask·(logπ − logπref) `[B]`. */
  rewards: tf.Tensor1D;
  /** Σ mask·logπ `[B]`. */
  logps: tf.Tensor1D;
  /** z0, the detached KL estimate (clamped at 0). */
  kl: tf.Scalar;
  desirable: tf.Tensor1D;
}

/**
 * Multi-turn KTO: desirable `λD(1 − σ(β(r − z0)))`, undesirable `λU(1 − σ(β(z0 − r)))`, mean
 * over the batch; r = Σ mask·(logπ − logπref), z0 detached and clamped at 0.
 */
export function mktoLoss(inputs: MktoInputs, options: MktoOptions = {}): MktoOutput {
  const o = resolveMktoOptions(options);
  const p = inputs.policy;
  if (p.rank !== 2) throw new Error("policy must be [B,T] per-token log-probs");
  const ref = like(inputs.ref, p.shape, "ref");
  const mask = like(inputs.mask, p.shape, "mask");
  const B = p.shape[0]!;
  const des = inputs.desirable instanceof tf.Tensor ? tf.cast(inputs.desirable, "bool") : tf.tensor1d(inputs.desirable, "bool");
  if (des.size !== B) throw new Error(`desirable has ${des.size} entries, policy has ${B} rows`);
  const r = maskedLogRatio(p, ref, mask);
  let z0: tf.Scalar;
  if (typeof o.kl === "number") z0 = tf.scalar(Math.max(0, o.kl));
  else z0 = stopGradient(tf.relu(tf.mean(inputs.klLogRatios ?? r))) as tf.Scalar;
  const lossD = tf.mul(tf.sub(1, tf.sigmoid(tf.mul(tf.sub(r, z0), o.beta))), o.desirableWeight);
  const lossU = tf.mul(tf.sub(1, tf.sigmoid(tf.mul(tf.sub(z0, r), o.beta))), o.undesirableWeight);
  const losses = tf.where(des as tf.Tensor1D, lossD, lossU) as tf.Tensor1D;
  return {
    loss: tf.mean(losses) as tf.Scalar,
    losses,
    rewards: stopGradient(tf.mul(r, o.beta)),
    logps: stopGradient(tf.sum(tf.mul(p, mask), -1) as tf.Tensor1D),
    kl: z0,
    desirable: des as tf.Tensor1D,
  };
}

export async function readMktoMetrics(out: MktoOutput): Promise<KtoMetrics> {
  const [rewards, logps, des, loss, kl] = await Promise.all([out.rewards.data(), out.logps.data(), out.desirable.data(), out.loss.data(), out.kl.data()]);
  return ktoMetrics({ rewards, logps, desirable: Array.from(des, (v) => v !== 0) }, loss[0]!, kl[0]!);
}
