/**
 * Independent float64 reference for the loss tests, in plain TypeScript (no tfjs): per-token
 * log-probs with a two-pass log-sum-exp, M-DPO / M-KTO losses, and their analytic gradients with
 * respect to the logits.
 */
import { seededRandom } from "../../src/random.js";


export function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Fixed, so every run checks the same numbers; set LOSSES_TEST_SEED to try others. */
export const SEED = Number(process.env["LOSSES_TEST_SEED"] ?? 942344743);

/** Random logits `[B,T,V]` (float32 values, N(0, scale²) + a boost on the label) and labels. */
export function randomBatch(r: () => number, B: number, T: number, V: number, scale = 2) {
  const labels = new Int32Array(B * T);
  const logits = new Float32Array(B * T * V);
  for (let i = 0; i < B * T; i++) {
    labels[i] = Math.floor(r() * V);
    for (let v = 0; v < V; v++) logits[i * V + v] = scale * normal(r);
    logits[i * V + labels[i]!] += 3 * r();
  }
  return { logits, labels };
}

/** Mask: prompt (first ~25%) and one "tool output" block (~50–60%) are 0, then random padding at the end. */
export function randomMask(r: () => number, B: number, T: number): Float32Array {
  const m = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const pad = Math.floor(r() * (T / 4));
    for (let t = 0; t < T; t++) {
      const prompt = t < Math.floor(T / 4);
      const tool = t >= Math.floor(T / 2) && t < Math.floor(0.6 * T) + 1;
      const padding = t >= T - pad;
      m[b * T + t] = prompt || tool || padding ? 0 : 1;
    }
  }
  return m;
}

/** Per-token log-probs (float64) `[N]` for logits `[N,V]`. */
export function tokenLogp64(logits: Float32Array, labels: Int32Array, V: number): Float64Array {
  const N = labels.length;
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[i * V + v]! - m);
    out[i] = logits[i * V + labels[i]!]! - (m + Math.log(s));
  }
  return out;
}

/** d/dlogits of Σ_i c_i·logp_i: (onehot − softmax)·c_i, float64 `[N*V]`. */
export function tokenLogpGrad64(logits: Float32Array, labels: Int32Array, V: number, coef: Float64Array): Float64Array {
  const N = labels.length;
  const g = new Float64Array(N * V);
  for (let i = 0; i < N; i++) {
    if (coef[i] === 0) continue;
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[i * V + v]! - m);
    for (let v = 0; v < V; v++) {
      const p = Math.exp(logits[i * V + v]! - m) / s;
      g[i * V + v] = ((v === labels[i] ? 1 : 0) - p) * coef[i]!;
    }
  }
  return g;
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 30 ? x : Math.log(1 + Math.exp(x)));

export interface Dpo64Options {
  beta: number;
  lossType: "sigmoid" | "ipo" | "hinge";
  labelSmoothing: number;
  nllCoef: number;
}

/**
 * M-DPO in float64 from per-token log-probs. Returns the loss, per-pair values, and the
 * coefficients dLoss/dlogp_t for chosen and rejected tokens.
 */
export function dpo64(
  lpc: Float64Array,
  lpr: Float64Array,
  refc: Float64Array | Float32Array,
  refr: Float64Array | Float32Array,
  mc: Float32Array,
  mr: Float32Array,
  P: number,
  o: Dpo64Options,
) {
  const Tc = lpc.length / P;
  const Tr = lpr.length / P;
  const dc = new Float64Array(lpc.length);
  const dr = new Float64Array(lpr.length);
  const losses: number[] = [];
  const cRew: number[] = [];
  const rRew: number[] = [];
  const cLp: number[] = [];
  const rLp: number[] = [];
  for (let p = 0; p < P; p++) {
    let cl = 0;
    let rl = 0;
    let cs = 0;
    let rs = 0;
    for (let t = 0; t < Tc; t++) {
      const i = p * Tc + t;
      cl += mc[i]! * (lpc[i]! - refc[i]!);
      cs += mc[i]! * lpc[i]!;
    }
    for (let t = 0; t < Tr; t++) {
      const i = p * Tr + t;
      rl += mr[i]! * (lpr[i]! - refr[i]!);
      rs += mr[i]! * lpr[i]!;
    }
    const z = cl - rl;
    let loss: number;
    let dz: number; // dloss/dz
    if (o.lossType === "sigmoid") {
      const e = o.labelSmoothing;
      loss = (1 - e) * softplus(-o.beta * z) + e * softplus(o.beta * z);
      dz = (1 - e) * -o.beta * sig(-o.beta * z) + e * o.beta * sig(o.beta * z);
    } else if (o.lossType === "ipo") {
      loss = (z - 1 / (2 * o.beta)) ** 2;
      dz = 2 * (z - 1 / (2 * o.beta));
    } else {
      loss = Math.max(0, 1 - o.beta * z);
      dz = 1 - o.beta * z > 0 ? -o.beta : 0;
    }
    losses.push(loss);
    cRew.push(o.beta * cl);
    rRew.push(o.beta * rl);
    cLp.push(cs);
    rLp.push(rs);
    for (let t = 0; t < Tc; t++) dc[p * Tc + t] = (dz * mc[p * Tc + t]!) / P;
    for (let t = 0; t < Tr; t++) dr[p * Tr + t] = (-dz * mr[p * Tr + t]!) / P;
  }
  let loss = losses.reduce((a, b) => a + b, 0) / P;
  let nll: number | undefined;
  if (o.nllCoef > 0) {
    let s = 0;
    let n = 0;
    for (let i = 0; i < lpc.length; i++) {
      s += -mc[i]! * lpc[i]!;
      n += mc[i]!;
    }
    nll = s / Math.max(1, n);
    loss += o.nllCoef * nll;
    for (let i = 0; i < lpc.length; i++) dc[i] += (o.nllCoef * -mc[i]!) / Math.max(1, n);
  }
  let acc = 0;
  for (let p = 0; p < P; p++) if (cRew[p]! > rRew[p]!) acc++;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    loss,
    losses,
    nll,
    dc,
    dr,
    metrics: {
      "rewards/chosen": mean(cRew),
      "rewards/rejected": mean(rRew),
      "rewards/accuracies": acc / P,
      "rewards/margins": mean(cRew.map((c, i) => c - rRew[i]!)),
      "logps/chosen": mean(cLp),
      "logps/rejected": mean(rLp),
    },
  };
}

/** M-KTO in float64: loss, per-example losses, z0, and dLoss/dlogp_t. */
export function kto64(lp: Float64Array, ref: Float64Array | Float32Array, m: Float32Array, desirable: boolean[], o: { beta: number; lD: number; lU: number }) {
  const B = desirable.length;
  const T = lp.length / B;
  const r: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += m[b * T + t]! * (lp[b * T + t]! - ref[b * T + t]!);
    r.push(s);
  }
  const z0 = Math.max(0, r.reduce((a, b) => a + b, 0) / B);
  const losses: number[] = [];
  const d = new Float64Array(lp.length);
  for (let b = 0; b < B; b++) {
    let loss: number;
    let dr: number;
    if (desirable[b]) {
      const s = sig(o.beta * (r[b]! - z0));
      loss = o.lD * (1 - s);
      dr = -o.lD * o.beta * s * (1 - s);
    } else {
      const s = sig(o.beta * (z0 - r[b]!));
      loss = o.lU * (1 - s);
      dr = o.lU * o.beta * s * (1 - s);
    }
    losses.push(loss);
    for (let t = 0; t < T; t++) d[b * T + t] = (dr * m[b * T + t]!) / B;
  }
  return { loss: losses.reduce((a, b) => a + b, 0) / B, losses, z0, rewards: r.map((x) => o.beta * x), d };
}

export function relErr(a: number, b: number, floor = 1e-3): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}

export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}
