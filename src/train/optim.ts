/**
 * Adam with decoupled weight decay (off by default), global-norm gradient clipping and a
 * warm-up + cosine learning-rate schedule, on tfjs variables (the update itself in JS).
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

/** One parameter's Adam state: its float32 values (the master copy) and the two moments. */
interface Slot {
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  matrix: boolean;
}

/**
 * Adam over plain float32 arrays: each step reads the gradients once, updates in JS (float64
 * arithmetic, float32 storage, a fixed order) and writes each parameter back with one assign. On the
 * wasm backend this replaces ~13 small tfjs ops per parameter (36 parameters for the tiny model),
 * each a host call.
 */
export class Adam {
  private readonly slots = new Map<string, Slot>();
  private t = 0;
  readonly o: Required<AdamOptions>;
  constructor(o: AdamOptions = {}) {
    this.o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, clipNorm: 1, ...o };
  }

  /** Apply one update; returns the gradient norm before clipping. */
  step(vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap, lr: number): number {
    const names = [...vars.keys()].filter((k) => grads[vars.get(k)!.name] !== undefined);
    const gs = names.map((k) => grads[vars.get(k)!.name]!.dataSync() as Float32Array);
    let sq = 0;
    for (const g of gs) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
    const gnorm = Math.sqrt(sq);
    const scale = this.o.clipNorm > 0 && gnorm > this.o.clipNorm ? this.o.clipNorm / gnorm : 1;
    this.t++;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.o;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    names.forEach((k, j) => {
      const variable = vars.get(k)!;
      const s = this.slot(k, variable);
      const g = gs[j]!;
      const decay = wd > 0 && s.matrix ? 1 - lr * wd : 1;
      for (let i = 0; i < g.length; i++) {
        const gi = g[i]! * scale;
        const m = (s.m[i] = b1 * s.m[i]! + (1 - b1) * gi);
        const v = (s.v[i] = b2 * s.v[i]! + (1 - b2) * gi * gi);
        s.p[i] = s.p[i]! * decay - lr * (m / c1 / (Math.sqrt(v / c2) + eps));
      }
      const value = tf.tensor(s.p, variable.shape, "float32");
      variable.assign(value);
      value.dispose();
    });
    return gnorm;
  }

  private slot(k: string, variable: tf.Variable): Slot {
    let s = this.slots.get(k);
    if (!s) {
      const p = Float32Array.from(variable.dataSync() as Float32Array);
      s = { p, m: new Float32Array(p.length), v: new Float32Array(p.length), matrix: variable.shape.length === 2 };
      this.slots.set(k, s);
    }
    return s;
  }

  dispose(): void {
    this.slots.clear();
  }
}
