/**
 * Dense layers of the training pass as differentiable ops with hand-written gradients: `dense`
 * (x·W + b) and the MLP of a transformer block, `gelu(h·W1 + b1)·W2 + b2` with gelu(u) = u·σ(1.702u). Why: composed from tfjs ops, every op on the tape
 * clones the inputs its gradient needs (five `[N, dFF]` copies per block on the wasm backend) and
 * the tape adds a host round trip per op; here the gelu and its derivative are one WebAssembly SIMD
 * loop each (`simd.ts`), and each op saves, as tensors, only what its gradient reads (`mlpBlock`: h,
 * the pre-activations u, the sigmoids s, the activations a, w1 and w2). The matrix
 * products and bias gradients are the SIMD module's (`matmul.ts`): tfjs-wasm's matMul takes a slow
 * path for transposed operands.
 */
import * as tf from "@tensorflow/tfjs";
import { colSums, matmulView, peek, tensorOf } from "./matmul.js";
import { simdKernels } from "./simd.js";

type CGF = Parameters<typeof tf.customGrad>[0];

const dims = (t: tf.Tensor) => t.shape as [number, number];

/** `x·w + b` for `x` `[N, din]`, differentiable; the gradient saves `x` and `w`. */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const f = tf.customGrad(((xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor, save: tf.GradSaveFunc) => {
    const [n, din] = dims(xt);
    const dout = wt.shape[1]!;
    save([xt, wt]);
    return {
      value: tensorOf(matmulView(peek(xt), peek(wt), n, din, dout, { bias: peek(bt) }), [n, dout]),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
        tensorOf(matmulView(peek(dy), peek(ws!), n, dout, din, { transB: true }), [n, din]),
        tensorOf(matmulView(peek(xs!), peek(dy), din, n, dout, { transA: true }), [din, dout]),
        tf.tensor1d(colSums(peek(dy), n, dout)),
      ],
    };
  }) as unknown as CGF) as unknown as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
  return f(x, w, b);
}

/**
 * `gelu(h·w1 + b1)·w2 + b2` for `h` `[N, d]`, differentiable in all five inputs. The gradient saves
 * h, the pre-activations u, the sigmoids s and the activations a as tensors (on the wasm backend they
 * live in its heap, which the JS garbage collector does not scan).
 */
export function mlpBlock(h: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Tensor2D {
  const f = tf.customGrad(((ht: tf.Tensor, w1t: tf.Tensor, b1t: tf.Tensor, w2t: tf.Tensor, b2t: tf.Tensor, save: tf.GradSaveFunc) => {
    const [n, d] = dims(ht);
    const dff = w1t.shape[1]!;
    const ut = tensorOf(matmulView(peek(ht), peek(w1t), n, d, dff, { bias: peek(b1t) }), [n, dff]);
    const { a, s } = geluForward(peek(ut));
    const st = tensorOf(s, [n, dff]);
    const at = tensorOf(a, [n, dff]);
    save([ht, ut, st, at, w1t, w2t]);
    return {
      value: tensorOf(matmulView(peek(at), peek(w2t), n, dff, d, { bias: peek(b2t) }), [n, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => mlpGrads(dy, saved, n, d, dff),
    };
  }) as unknown as CGF) as unknown as (h: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => tf.Tensor2D;
  return f(h, w1, b1, w2, b2);
}

/** `[dh, dw1, db1, dw2, db2]` of `mlpBlock` from dy and the saved `[h, u, s, a, w1, w2]`. */
function mlpGrads(dy: tf.Tensor, [h, u, s, a, w1, w2]: tf.Tensor[], n: number, d: number, dff: number): tf.Tensor[] {
  const du = tensorOf(geluBackward(matmulView(peek(dy), peek(w2!), n, d, dff, { transB: true }), peek(u!), peek(s!)), [n, dff]);
  return [
    tensorOf(matmulView(peek(du), peek(w1!), n, dff, d, { transB: true }), [n, d]),
    tensorOf(matmulView(peek(h!), peek(du), d, n, dff, { transA: true }), [d, dff]),
    tf.tensor1d(colSums(peek(du), n, dff)),
    tensorOf(matmulView(peek(a!), peek(dy), dff, n, d, { transA: true }), [dff, d]),
    tf.tensor1d(colSums(peek(dy), n, d)),
  ];
}

/**
 * `u·σ(1.702u)` per element, and the sigmoids (for the gradient); in WebAssembly SIMD when available,
 * then both are views into the module's memory (valid until its next kernel call).
 */
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
  return { a: k.f32.subarray(n4, n4 + n), s: k.f32.subarray(2 * n4, 2 * n4 + n) };
}

/** `da · d/du[u·σ(1.702u)] = da·(σ + 1.702·u·σ·(1 − σ))`; on the SIMD path a view into the module's memory. */
export function geluBackward(da: Float32Array, u: Float32Array, s: Float32Array): Float32Array {
  const k = simdKernels();
  if (!k) return da.map((g, i) => g * (s[i]! + 1.702 * u[i]! * s[i]! * (1 - s[i]!)));
  const n = da.length;
  const n4 = (n + 3) & ~3;
  // Growing the memory detaches views of it, da among them when it is one.
  const src = da.buffer === k.f32.buffer && 4 * n4 * 4 > k.f32.byteLength ? da.slice() : da;
  k.reserve(4 * n4 * 4);
  const f = k.f32;
  f.set(src, 0);
  f.set(u, n4);
  f.set(s, 2 * n4);
  k.gelub(0, n4 * 4, 2 * n4 * 4, 3 * n4 * 4, n4);
  return f.subarray(3 * n4, 3 * n4 + n);
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
        const g = peek(dy);
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
