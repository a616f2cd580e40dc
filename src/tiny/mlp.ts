/**
 * Dense layers of the training pass as differentiable ops with hand-written gradients: `dense`
 * (x·W + b) and the MLP of a transformer block, `gelu(h·W1 + b1)·W2 + b2` with gelu(u) = u·σ(1.702u). Why: composed from tfjs ops, every op on the tape
 * clones the inputs its gradient needs (five `[N, dFF]` copies per block on the wasm backend) and
 * the tape adds a host round trip per op; here the gelu and its derivative are one WebAssembly SIMD
 * loop each (`simd.ts`), the pre-activations and sigmoids stay in JS arrays for the gradient, and
 * the tape keeps no tensors. The matrix products and bias gradients are the SIMD module's
 * (`matmul.ts`): tfjs-wasm's matMul takes a slow path for transposed operands.
 */
import * as tf from "@tensorflow/tfjs";
import { colSums, matmul, matmulView, tensorOf } from "./matmul.js";
import { simdKernels } from "./simd.js";

type CGF = Parameters<typeof tf.customGrad>[0];

const data = (t: tf.Tensor) => t.dataSync() as Float32Array;
const dims = (t: tf.Tensor) => t.shape as [number, number];

/** `x·w + b` for `x` `[N, din]`, differentiable; the gradient keeps `x` and `w` as JS arrays. */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const f = tf.customGrad(((xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) => {
    const [n, din] = dims(xt);
    const dout = wt.shape[1]!;
    const xa = data(xt);
    const wa = data(wt);
    return {
      value: tensorOf(matmulView(xa, wa, n, din, dout, { bias: data(bt) }), [n, dout]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        return [
          tensorOf(matmulView(g, wa, n, dout, din, { transB: true }), [n, din]),
          tensorOf(matmulView(xa, g, din, n, dout, { transA: true }), [din, dout]),
          tf.tensor1d(colSums(g, n, dout)),
        ];
      },
    };
  }) as unknown as CGF) as unknown as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
  return f(x, w, b);
}

/** `gelu(h·w1 + b1)·w2 + b2` for `h` `[N, d]`, differentiable in all five inputs. */
export function mlpBlock(h: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Tensor2D {
  const f = tf.customGrad(((ht: tf.Tensor, w1t: tf.Tensor, b1t: tf.Tensor, w2t: tf.Tensor, b2t: tf.Tensor) => {
    const [n, d] = dims(ht);
    const dff = w1t.shape[1]!;
    const [ha, w1a, w2a] = [data(ht), data(w1t), data(w2t)];
    const u = matmul(ha, w1a, n, d, dff, { bias: data(b1t) });
    const { a, s } = geluForward(u);
    return {
      value: tensorOf(matmulView(a, w2a, n, dff, d, { bias: data(b2t) }), [n, d]),
      gradFunc: (dy: tf.Tensor) => {
        const g = data(dy);
        const du = geluBackward(matmul(g, w2a, n, d, dff, { transB: true }), u, s);
        return [
          tensorOf(matmulView(du, w1a, n, dff, d, { transB: true }), [n, d]),
          tensorOf(matmulView(ha, du, d, n, dff, { transA: true }), [d, dff]),
          tf.tensor1d(colSums(du, n, dff)),
          tensorOf(matmulView(a, g, dff, n, d, { transA: true }), [dff, d]),
          tf.tensor1d(colSums(g, n, d)),
        ];
      },
    };
  }) as unknown as CGF) as unknown as (h: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => tf.Tensor2D;
  return f(h, w1, b1, w2, b2);
}

/** `u·σ(1.702u)` per element, and the sigmoids (for the gradient); in WebAssembly SIMD when available. */
export function geluForward(u: Float32Array): { a: Float32Array; s: Float32Array } {
  const n = u.length;
  const k = simdKernels();
  if (!k) {
    const s = u.map((x) => 1 / (1 + Math.exp(-1.702 * x)));
    return { a: u.map((x, i) => x * s[i]!), s };
  }
  const n4 = (n + 3) & ~3;
  k.reserve(3 * n4 * 4);
  k.f32.set(u, 0);
  k.geluf(0, n4 * 4, 2 * n4 * 4, n4);
  return { a: k.f32.slice(n4, n4 + n), s: k.f32.slice(2 * n4, 2 * n4 + n) };
}

/** `da · d/du[u·σ(1.702u)] = da·(σ + 1.702·u·σ·(1 − σ))`. */
export function geluBackward(da: Float32Array, u: Float32Array, s: Float32Array): Float32Array {
  const k = simdKernels();
  if (!k) return da.map((g, i) => g * (s[i]! + 1.702 * u[i]! * s[i]! * (1 - s[i]!)));
  const n = da.length;
  const n4 = (n + 3) & ~3;
  k.reserve(4 * n4 * 4);
  const f = k.f32;
  f.set(da, 0);
  f.set(u, n4);
  f.set(s, 2 * n4);
  k.gelub(0, n4 * 4, 2 * n4 * 4, 3 * n4 * 4, n4);
  return f.slice(3 * n4, 3 * n4 + n);
}

/**
 * Token + position embeddings of `ids` `[B, T]` → `[B·T, d]`, differentiable in both tables: a row
 * gather forward and a scatter-add backward in JS (rows added in order), instead of a one-hot
 * `[B·T, V]` matrix times the table (tfjs wasm has no gather gradient).
 */
export function embed(ids: Int32Array, B: number, T: number, wte: tf.Tensor, wpe: tf.Tensor): tf.Tensor2D {
  const [V, d] = wte.shape as [number, number];
  const f = tf.customGrad(((te: tf.Tensor, pe: tf.Tensor) => {
    const E = te.dataSync() as Float32Array;
    const P = pe.dataSync() as Float32Array;
    const x = new Float32Array(B * T * d);
    for (let r = 0; r < B * T; r++) {
      const e = ids[r]! * d;
      const p = (r % T) * d;
      for (let i = 0; i < d; i++) x[r * d + i] = E[e + i]! + P[p + i]!;
    }
    return {
      value: tf.tensor2d(x, [B * T, d]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dE = new Float32Array(V * d);
        const dP = new Float32Array(pe.size);
        for (let r = 0; r < B * T; r++) {
          const e = ids[r]! * d;
          const p = (r % T) * d;
          for (let i = 0; i < d; i++) {
            dE[e + i] += g[r * d + i]!;
            dP[p + i] += g[r * d + i]!;
          }
        }
        return [tf.tensor(dE, te.shape), tf.tensor(dP, pe.shape)];
      },
    };
  }) as unknown as CGF) as unknown as (wte: tf.Tensor, wpe: tf.Tensor) => tf.Tensor2D;
  return f(wte, wpe);
}
