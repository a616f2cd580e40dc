/**
 * Causal self-attention of the training pass as one differentiable op, computed in plain JS.
 *
 * Why: on the tfjs wasm backend a batched matMul (one matrix per sequence and head) takes a naive
 * path, ~0.4 GMAC/s, and made 55 % of a training step; per-slice 2-D matMuls are slower still (each
 * call packs its right operand). Here only the causal half of the score matrix is computed (the
 * masked half never is), forward and backward, in float64 with float32 results, each sum in a fixed
 * order, so the numbers are the same on every run.
 */
import * as tf from "@tensorflow/tfjs";

type CGF = Parameters<typeof tf.customGrad>[0];

interface Dims {
  B: number;
  T: number;
  H: number;
  dh: number;
  scale: number;
}

/** `out[s] = Σ_i a[ao+i]·B[bo + s·stride + i]` for `s ≤ last`, four dimensions at a time (each sum in ascending i). */
function rowDots(a: Float32Array, ao: number, B: Float32Array, bo: number, stride: number, dh: number, last: number, out: Float64Array): void {
  out.fill(0, 0, last + 1);
  let c = 0;
  for (; c + 3 < dh; c += 4) {
    const a0 = a[ao + c]!;
    const a1 = a[ao + c + 1]!;
    const a2 = a[ao + c + 2]!;
    const a3 = a[ao + c + 3]!;
    for (let s = 0, b = bo + c; s <= last; s++, b += stride) out[s] = out[s]! + a0 * B[b]! + a1 * B[b + 1]! + a2 * B[b + 2]! + a3 * B[b + 3]!;
  }
  for (; c < dh; c++) {
    const a0 = a[ao + c]!;
    for (let s = 0, b = bo + c; s <= last; s++, b += stride) out[s] = out[s]! + a0 * B[b]!;
  }
}

/**
 * `y[yo+i] = scale · Σ_s w[wo + s·ws]·B[bo + s·stride + i]` for s in `[from, to]` (a weighted sum of
 * rows of B), four dimensions at a time.
 */
function mixRows(w: Float32Array, wo: number, ws: number, B: Float32Array, bo: number, stride: number, dh: number, from: number, to: number, y: Float32Array, yo: number, scale: number): void {
  let c = 0;
  for (; c + 3 < dh; c += 4) {
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    let y3 = 0;
    for (let s = from, b = bo + from * stride + c, k = wo + from * ws; s <= to; s++, b += stride, k += ws) {
      const p = w[k]!;
      y0 += p * B[b]!;
      y1 += p * B[b + 1]!;
      y2 += p * B[b + 2]!;
      y3 += p * B[b + 3]!;
    }
    y[yo + c] = y0 * scale;
    y[yo + c + 1] = y1 * scale;
    y[yo + c + 2] = y2 * scale;
    y[yo + c + 3] = y3 * scale;
  }
  for (; c < dh; c++) {
    let y0 = 0;
    for (let s = from, b = bo + from * stride + c, k = wo + from * ws; s <= to; s++, b += stride, k += ws) y0 += w[k]! * B[b]!;
    y[yo + c] = y0 * scale;
  }
}

/** Softmax of `row[0..t]·scale` into `probs[po..]`. */
function softmaxRow(row: Float64Array, t: number, scale: number, probs: Float32Array, po: number): void {
  let max = -Infinity;
  for (let s = 0; s <= t; s++) {
    const v = row[s]! * scale;
    row[s] = v;
    if (v > max) max = v;
  }
  let z = 0;
  for (let s = 0; s <= t; s++) {
    const e = Math.exp(row[s]! - max);
    row[s] = e;
    z += e;
  }
  for (let s = 0; s <= t; s++) probs[po + s] = row[s]! / z;
}

/**
 * `O = softmax(scale·QKᵀ + causal)·V` per sequence and head, reading Q, K, V from `qkv` `[B·T, 3d]`
 * (the three projections side by side) and writing O `[B·T, d]`; also returns the probabilities
 * (per sequence and head, rows of T, lower triangle).
 */
export function attentionForward(qkv: Float32Array, o: Dims): { out: Float32Array; probs: Float32Array } {
  const { B, T, H, dh, scale } = o;
  const d = H * dh;
  const out = new Float32Array(B * T * d);
  const probs = new Float32Array(B * H * T * T);
  const row = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const q0 = b * T * 3 * d + h * dh;
      const pg = (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        rowDots(qkv, q0 + t * 3 * d, qkv, q0 + d, 3 * d, dh, t, row);
        softmaxRow(row, t, scale, probs, pg + t * T);
        mixRows(probs, pg + t * T, 1, qkv, q0 + 2 * d, 3 * d, dh, 0, t, out, (b * T + t) * d + h * dh, 1);
      }
    }
  }
  return { out, probs };
}

/** The gradient of `attentionForward` with respect to `qkv` (same layout), given dO `[B·T, d]`. */
export function attentionBackward(qkv: Float32Array, probs: Float32Array, dO: Float32Array, o: Dims): Float32Array {
  const { B, T, H, dh, scale } = o;
  const d = H * dh;
  const g = new Float32Array(B * T * 3 * d);
  const dP = new Float64Array(T);
  /** dScores of one sequence and head, rows of T (lower triangle). */
  const dS = new Float32Array(T * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const q0 = b * T * 3 * d + h * dh;
      const o0 = b * T * d + h * dh;
      const pg = (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        rowDots(dO, o0 + t * d, qkv, q0 + 2 * d, 3 * d, dh, t, dP);
        const po = pg + t * T;
        let sum = 0;
        for (let s = 0; s <= t; s++) sum += probs[po + s]! * dP[s]!;
        for (let s = 0; s <= t; s++) dS[t * T + s] = probs[po + s]! * (dP[s]! - sum);
        mixRows(dS, t * T, 1, qkv, q0 + d, 3 * d, dh, 0, t, g, q0 + t * 3 * d, scale);
      }
      for (let s = 0; s < T; s++) {
        mixRows(dS, s, T, qkv, q0, 3 * d, dh, s, T - 1, g, q0 + s * 3 * d + d, scale);
        mixRows(probs, pg + s, T, dO, o0, d, dh, s, T - 1, g, q0 + s * 3 * d + 2 * d, 1);
      }
    }
  }
  return g;
}

/**
 * Causal multi-head attention, differentiable: `qkv` `[B·T, 3d]` (queries, keys, values side by side,
 * each split into `heads` heads) → `[B·T, d]`.
 */
export function causalAttention(qkv: tf.Tensor2D, B: number, T: number, heads: number): tf.Tensor2D {
  const d = qkv.shape[1] / 3;
  const dims: Dims = { B, T, H: heads, dh: d / heads, scale: 1 / Math.sqrt(d / heads) };
  const f = tf.customGrad(((x: tf.Tensor) => {
    const X = x.dataSync() as Float32Array;
    const { out, probs } = attentionForward(X, dims);
    return {
      value: tf.tensor2d(out, [B * T, d]),
      gradFunc: (dy: tf.Tensor) => tf.tensor2d(attentionBackward(X, probs, dy.dataSync() as Float32Array, dims), [B * T, 3 * d]),
    };
  }) as unknown as CGF) as unknown as (x: tf.Tensor) => tf.Tensor2D;
  return f(qkv);
}
