/**
 * LayerNorm over the last axis of `[N, d]` as one differentiable op: in WebAssembly SIMD (float32,
 * `layernorm-kernels.ts`) when d is a multiple of 4, else in plain JS (float64 sums, float32 results). Why: composed from tfjs ops (moments, sub, rsqrt, mul, add) it costs ~10 kernels forward
 * and ~20 backward on the wasm backend, each a pass over memory and a host call; here it is two loops.
 */
import * as tf from "@tensorflow/tfjs";
import { LN_EPS } from "./config.js";
import { peek, tensorOf } from "./matmul.js";
import { simdKernels, type SimdKernels } from "./simd.js";

type CGF = Parameters<typeof tf.customGrad>[0];

/**
 * `y = (x - mean)/√(var + eps)·g + b` per row; also the normalised rows and each row's 1/√(var + eps).
 * On the SIMD path `y` and `xhat` are views into the module's memory (valid until its next kernel call).
 */
export function layerNormForward(x: Float32Array, g: Float32Array, b: Float32Array, d: number, k: SimdKernels | null = simdKernels()): { y: Float32Array; xhat: Float32Array; inv: Float32Array | Float64Array } {
  const N = x.length / d;
  if (k && d % 4 === 0) return layerNormForwardSimd(k, x, g, b, d);
  const y = new Float32Array(x.length);
  const xhat = new Float32Array(x.length);
  const inv = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    const o = r * d;
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[o + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) {
      const u = x[o + i]! - mean;
      v += u * u;
    }
    const k = 1 / Math.sqrt(v / d + LN_EPS);
    inv[r] = k;
    for (let i = 0; i < d; i++) {
      const h = (x[o + i]! - mean) * k;
      xhat[o + i] = h;
      y[o + i] = h * g[i]! + b[i]!;
    }
  }
  return { y, xhat, inv };
}

/** Gradients `[dx, dg, db]` of `layerNormForward` given dy; on the SIMD path `dx` is a view into the module's memory. */
export function layerNormBackward(dy: Float32Array, xhat: Float32Array, inv: Float32Array | Float64Array, g: Float32Array, d: number, k: SimdKernels | null = simdKernels()): [Float32Array, Float32Array, Float32Array] {
  const N = dy.length / d;
  if (k && d % 4 === 0 && inv instanceof Float32Array) return layerNormBackwardSimd(k, dy, xhat, inv, g, d);
  const dx = new Float32Array(dy.length);
  const dg = new Float64Array(d);
  const db = new Float64Array(d);
  for (let r = 0; r < N; r++) {
    const o = r * d;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < d; i++) {
      const gy = dy[o + i]!;
      const h = xhat[o + i]!;
      dg[i] += gy * h;
      db[i] += gy;
      const dh = gy * g[i]!;
      m1 += dh;
      m2 += dh * h;
    }
    m1 /= d;
    m2 /= d;
    const k = inv[r]!;
    for (let i = 0; i < d; i++) dx[o + i] = k * (dy[o + i]! * g[i]! - m1 - xhat[o + i]! * m2);
  }
  return [dx, Float32Array.from(dg), Float32Array.from(db)];
}

function layerNormForwardSimd(k: SimdKernels, x: Float32Array, g: Float32Array, b: Float32Array, d: number): { y: Float32Array; xhat: Float32Array; inv: Float32Array } {
  const n = x.length;
  const N = n / d;
  const at = { g: n, b: n + d, y: n + 2 * d, xhat: 2 * n + 2 * d, inv: 3 * n + 2 * d };
  k.reserve((at.inv + N) * 4);
  const f = k.f32;
  f.set(x, 0);
  f.set(g, at.g);
  f.set(b, at.b);
  k.lnf(0, at.g * 4, at.b * 4, d * 4, N, at.y * 4, at.xhat * 4, at.inv * 4);
  return { y: f.subarray(at.y, at.y + n), xhat: f.subarray(at.xhat, at.xhat + n), inv: f.slice(at.inv, at.inv + N) };
}

function layerNormBackwardSimd(k: SimdKernels, dy: Float32Array, xhat: Float32Array, inv: Float32Array, g: Float32Array, d: number): [Float32Array, Float32Array, Float32Array] {
  const n = dy.length;
  const N = n / d;
  const at = { xhat: n, inv: 2 * n, g: 2 * n + N, dx: 2 * n + N + d, dg: 3 * n + N + d, db: 3 * n + N + 2 * d };
  k.reserve((at.db + d) * 4);
  const f = k.f32;
  f.set(dy, 0);
  f.set(xhat, at.xhat);
  f.set(inv, at.inv);
  f.set(g, at.g);
  f.fill(0, at.dg, at.db + d);
  k.lnb(0, at.xhat * 4, at.inv * 4, at.g * 4, d * 4, N, at.dx * 4, at.dg * 4, at.db * 4);
  return [f.subarray(at.dx, at.dx + n), f.slice(at.dg, at.dg + d), f.slice(at.db, at.db + d)];
}

/** LayerNorm of `x` `[N, d]` with gain `g` and bias `b` `[d]`, differentiable. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const [N, d] = x.shape as [number, number];
  const f = tf.customGrad(((xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor, save: tf.GradSaveFunc) => {
    const { y, xhat, inv } = layerNormForward(peek(xt), peek(gt), peek(bt), d);
    const value = tensorOf(y, [N, d]);
    save([tensorOf(xhat, [N, d]), gt]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [xh, gs]: tf.Tensor[]) => {
        const [dx, dg, db] = layerNormBackward(peek(dy), peek(xh!), inv, peek(gs!), d);
        return [tensorOf(dx, [N, d]), tf.tensor1d(dg), tf.tensor1d(db)];
      },
    };
  }) as unknown as CGF) as unknown as (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
  return f(x, g, b);
}
