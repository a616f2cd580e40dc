/**
 * The DPO loss types, one entry each: the TensorFlow.js version (for training) and the float64 host
 * version (for precomputed log-probs) side by side. Adding a loss type is one entry here and its
 * test (test/losses/losses.test.ts checks every entry's two versions agree).
 *
 * `z` is the logit difference Σ log π/π_ref (chosen) − Σ log π/π_ref (rejected); β the KL strength,
 * ε the label smoothing (sigmoid only). This module imports no tfjs: the caller passes it.
 */
import type * as TF from "@tensorflow/tfjs";
import { isTableKey, tableNames } from "../table.js";

type Tf = typeof TF;

export interface DpoLossEntry {
  summary: string;
  /** Other names the CLI accepts. */
  aliases: readonly string[];
  /** Whether label smoothing applies. */
  labelSmoothing: boolean;
  host(z: number, beta: number, eps: number): number;
  tfjs(tf: Tf, z: TF.Tensor1D, beta: number, eps: number): TF.Tensor1D;
}

/** −log σ(x) = softplus(−x), stable for large |x|. */
export function softplusNeg(x: number): number {
  return x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
}

export const DPO_LOSS_TYPES = {
  sigmoid: {
    summary: "−log σ(βz) (the paper's M-DPO; with label smoothing ε: conservative DPO)",
    aliases: ["dpo"],
    labelSmoothing: true,
    host: (z, beta, eps) => (1 - eps) * softplusNeg(beta * z) + eps * softplusNeg(-beta * z),
    tfjs: (tf, z, beta, eps) => {
      const bz = tf.mul(z, beta);
      // −log σ(x) = softplus(−x); tf.logSigmoid's gradient is broken on intermediates in tfjs 4.22.
      const main = tf.softplus(tf.neg(bz));
      return (eps ? tf.add(tf.mul(main, 1 - eps), tf.mul(tf.softplus(bz), eps)) : main) as TF.Tensor1D;
    },
  },
  ipo: {
    summary: "(z − 1/(2β))² (IPO)",
    aliases: [],
    labelSmoothing: false,
    host: (z, beta) => (z - 1 / (2 * beta)) ** 2,
    tfjs: (tf, z, beta) => tf.square(tf.sub(z, 1 / (2 * beta))) as TF.Tensor1D,
  },
  hinge: {
    summary: "max(0, 1 − βz) (SLiC hinge)",
    aliases: [],
    labelSmoothing: false,
    host: (z, beta) => Math.max(0, 1 - beta * z),
    tfjs: (tf, z, beta) => tf.relu(tf.sub(1, tf.mul(z, beta))) as TF.Tensor1D,
  },
} as const satisfies Record<string, DpoLossEntry>;

export type DpoLossType = keyof typeof DPO_LOSS_TYPES;

/** The loss type names, derived from the table. */
export const DPO_LOSS_NAMES = tableNames(DPO_LOSS_TYPES);

export function isDpoLossType(name: string): name is DpoLossType {
  return isTableKey(DPO_LOSS_TYPES, name);
}

/** A loss type by name or alias ("dpo" → "sigmoid"), or an error listing the choices. */
export function dpoLossTypeOf(name: string): DpoLossType {
  if (isDpoLossType(name)) return name;
  for (const t of DPO_LOSS_NAMES) if ((DPO_LOSS_TYPES[t].aliases as readonly string[]).includes(name)) return t;
  throw new Error(`unknown DPO loss type "${name}"; expected ${DPO_LOSS_NAMES.map((t) => [t, ...DPO_LOSS_TYPES[t].aliases].join(" / ")).join(", ")}`);
}
