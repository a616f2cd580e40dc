/**
 * Causal self-attention of the training pass as one differentiable op, with hand-written forward and
 * backward passes (no tfjs ops inside).
 *
 * Why: on the tfjs wasm backend a batched matMul (one matrix per sequence and head) takes a naive
 * path, ~0.4 GMAC/s, and made 55 % of a training step; per-slice 2-D matMuls are slower still (each
 * call packs its right operand). Here only the causal half of the score matrix is computed (the
 * masked half never is), forward and backward: when the head size is a multiple of 4, the dot
 * products, weighted sums, softmax and softmax gradient run in WebAssembly SIMD (`simd.ts`, float32);
 * else all of it runs in plain JS (float64). Every sum has a fixed order, so the numbers are the same
 * on every run of the same path.
 */
import * as tf from "@tensorflow/tfjs";
import { simdKernels, type SimdKernels } from "./simd.js";
import { rowDots, softmaxRow } from "./dots.js";
import { peek, tensorOf } from "./matmul.js";

type CGF = Parameters<typeof tf.customGrad>[0];

interface Dims {
  B: number;
  T: number;
  H: number;
  dh: number;
  scale: number;
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

type Dots = (a: number, b: number, stride: number, n: number, out: number) => void;
type Mix = (w: number, ws: number, b: number, stride: number, n: number, y: number, scale: number) => void;

/** The SIMD dot-product and weighted-sum kernels for head size `dh` (the dh = 16 ones where they fit). */
function kernelsFor(k: SimdKernels, dh: number): { dots: Dots; mix: Mix } {
  if (dh === 16) return { dots: k.dots16, mix: k.mix16 };
  const bytes = 4 * dh;
  return {
    dots: (a, b, stride, n, out) => k.dots(a, b, stride, bytes, n, out),
    mix: (w, ws, b, stride, n, y, scale) => k.mix(w, ws, b, stride, bytes, n, y, scale),
  };
}

/** Float offsets of the regions of the SIMD scratch memory, in order, and its size in bytes. */
function layout(sizes: Record<string, number>): { at: Record<string, number>; bytes: number } {
  const at: Record<string, number> = {};
  let n = 0;
  for (const [k, v] of Object.entries(sizes)) {
    at[k] = n;
    n += v + ((4 - (v % 4)) % 4);
  }
  return { at, bytes: n * 4 };
}

/** The softmax of `scale ·` the scores at float `r0` (`t + 1` of them, room for a multiple of 4) into float `po`. */
function softmaxSimd(k: SimdKernels, r0: number, t: number, scale: number, po: number): void {
  const n4 = (t + 4) & ~3;
  k.f32.fill(-Infinity, r0 + t + 1, r0 + n4);
  k.softmax(r0 * 4, n4, scale, po * 4);
}

/** `attentionForward` with the dot products, weighted sums and exponentials in WebAssembly SIMD; the results are views into the module's memory (valid until its next kernel call). */
export function attentionForwardSimd(k: SimdKernels, qkv: Float32Array, o: Dims): { out: Float32Array; probs: Float32Array } {
  const { B, T, H, dh, scale } = o;
  const d = H * dh;
  const K = kernelsFor(k, dh);
  // The softmax writes whole vectors: up to 3 floats past a row (the next row's, or the guard's).
  const L = layout({ qkv: B * T * 3 * d, out: B * T * d, probs: B * H * T * T, guard: 4, row: T });
  k.reserve(L.bytes);
  const f = k.f32;
  const { qkv: Q0, out: O0, probs: P0, row: R0 } = L.at as Record<string, number>;
  f.set(qkv, Q0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const q0 = Q0! + b * T * 3 * d + h * dh;
      const pg = P0! + (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        K.dots((q0 + t * 3 * d) * 4, (q0 + d) * 4, 12 * d, t + 1, R0! * 4);
        softmaxSimd(k, R0!, t, scale, pg + t * T);
        K.mix((pg + t * T) * 4, 4, (q0 + 2 * d) * 4, 12 * d, t + 1, (O0! + (b * T + t) * d + h * dh) * 4, 1);
      }
    }
  }
  return { out: f.subarray(O0, O0! + B * T * d), probs: f.subarray(P0, P0! + B * H * T * T) };
}

/** `attentionBackward` with the dot products and weighted sums in WebAssembly SIMD; the result is a view into the module's memory. */
export function attentionBackwardSimd(k: SimdKernels, qkv: Float32Array, probs: Float32Array, dO: Float32Array, o: Dims): Float32Array {
  const { B, T, H, dh, scale } = o;
  const d = H * dh;
  const K = kernelsFor(k, dh);
  const L = layout({ qkv: B * T * 3 * d, probs: B * H * T * T, dO: B * T * d, g: B * T * 3 * d, dS: T * T, guard: 4, dP: T, pRow: T });
  k.reserve(L.bytes);
  const f = k.f32;
  const { qkv: Q0, probs: P0, dO: D0, g: G0, dS: S0, dP: R0, pRow: W0 } = L.at as Record<string, number>;
  f.set(qkv, Q0);
  f.set(probs, P0);
  f.set(dO, D0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const q0 = b * T * 3 * d + h * dh;
      const o0 = D0! + b * T * d + h * dh;
      const pg = P0! + (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        K.dots((o0 + t * d) * 4, (Q0! + q0 + 2 * d) * 4, 12 * d, t + 1, R0! * 4);
        const po = pg + t * T;
        // dS = p·(dP − Σ p·dP) over whole vectors: the row of p copied (its padding would be the next row's), both padded with 0.
        const n4 = (t + 4) & ~3;
        f.copyWithin(W0!, po, po + t + 1);
        f.fill(0, W0! + t + 1, W0! + n4);
        f.fill(0, R0! + t + 1, R0! + n4);
        k.dsoft(W0! * 4, R0! * 4, n4, (S0! + t * T) * 4);
        K.mix((S0! + t * T) * 4, 4, (Q0! + q0 + d) * 4, 12 * d, t + 1, (G0! + q0 + t * 3 * d) * 4, scale);
      }
      for (let s = 0; s < T; s++) {
        K.mix((S0! + s * T + s) * 4, 4 * T, (Q0! + q0 + s * 3 * d) * 4, 12 * d, T - s, (G0! + q0 + s * 3 * d + d) * 4, scale);
        K.mix((pg + s * T + s) * 4, 4 * T, (o0 + s * d) * 4, 4 * d, T - s, (G0! + q0 + s * 3 * d + 2 * d) * 4, 1);
      }
    }
  }
  return f.subarray(G0, G0! + B * T * 3 * d);
}

/**
 * Causal multi-head attention, differentiable: `qkv` `[B·T, 3d]` (queries, keys, values side by side,
 * each split into `heads` heads) → `[B·T, d]`.
 */
export function causalAttention(qkv: tf.Tensor2D, B: number, T: number, heads: number): tf.Tensor2D {
  const d = qkv.shape[1] / 3;
  const dims: Dims = { B, T, H: heads, dh: d / heads, scale: 1 / Math.sqrt(d / heads) };
  const k = dims.dh % 4 === 0 ? simdKernels() : null;
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    if (!k) {
      const X = x.dataSync() as Float32Array;
      const { out, probs } = attentionForward(X, dims);
      return { value: tf.tensor2d(out, [B * T, d]), gradFunc: (dy: tf.Tensor) => tf.tensor2d(attentionBackward(X, probs, dy.dataSync() as Float32Array, dims), [B * T, 3 * d]) };
    }
    // The SIMD path keeps its inputs and probabilities as tensors (on the wasm backend, in its heap, which the garbage collector does not scan).
    const { out, probs } = attentionForwardSimd(k, peek(x), dims);
    const value = tensorOf(out, [B * T, d]);
    save([x, tensorOf(probs, [B * heads * T, T])]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [xs, ps]: tf.Tensor[]) => tensorOf(attentionBackwardSimd(k, peek(xs!), peek(ps!), peek(dy), dims), [B * T, 3 * d]),
    };
  }) as unknown as CGF) as unknown as (x: tf.Tensor) => tf.Tensor2D;
  return f(qkv);
}
