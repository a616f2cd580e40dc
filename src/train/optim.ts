/**
 * Adam with decoupled weight decay (off by default), global-norm gradient clipping and a
 * warm-up + cosine learning-rate schedule, on tfjs variables.
 */
import * as tf from "@tensorflow/tfjs";

export interface ScheduleOptions {
  /** Peak learning rate (default 1e-3). */
  lr?: number;
  /** Fraction of the steps spent warming up linearly from 0 (the paper: 0.1). */
  warmupRatio?: number;
  /** "cosine" (the paper's) decays to `minLrRatio`·lr; "constant" keeps lr after warm-up. */
  schedule?: "cosine" | "constant";
  minLrRatio?: number;
}

/** The learning rate at `step` (0-based) of `total`. */
export function learningRate(step: number, total: number, o: ScheduleOptions): number {
  const lr = o.lr ?? 1e-3;
  const warm = Math.max(0, Math.round((o.warmupRatio ?? 0.1) * total));
  if (step < warm) return (lr * (step + 1)) / warm;
  if ((o.schedule ?? "cosine") === "constant") return lr;
  const min = (o.minLrRatio ?? 0.1) * lr;
  const t = total - warm <= 1 ? 1 : (step - warm) / (total - warm - 1);
  return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * Math.min(1, t)));
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Clip the global gradient norm to this (default 1; 0 = off). */
  clipNorm?: number;
}

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;
  readonly o: Required<AdamOptions>;
  constructor(o: AdamOptions = {}) {
    this.o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, clipNorm: 1, ...o };
  }

  /** Apply one update; returns the gradient norm before clipping. */
  step(vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap, lr: number): number {
    const names = [...vars.keys()].filter((k) => grads[vars.get(k)!.name] !== undefined);
    const gnorm = tf.tidy(() => Math.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[vars.get(k)!.name]!)))).dataSync()[0]!));
    const scale = this.o.clipNorm > 0 && gnorm > this.o.clipNorm ? this.o.clipNorm / gnorm : 1;
    this.t++;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.o;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      for (const k of names) {
        const p = vars.get(k)!;
        const g = scale === 1 ? grads[p.name]! : tf.mul(grads[p.name]!, scale);
        let m = this.m.get(k);
        let v = this.v.get(k);
        if (!m) {
          m = tf.variable(tf.zerosLike(p), false);
          v = tf.variable(tf.zerosLike(p), false);
          this.m.set(k, m);
          this.v.set(k, v);
        }
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v!.assign(tf.add(tf.mul(v!, b2), tf.mul(tf.square(g), 1 - b2)));
        const upd = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v!, c2)), eps));
        const decayed = wd > 0 && p.shape.length === 2 ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(decayed, tf.mul(upd, lr)));
      }
    });
    return gnorm;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
