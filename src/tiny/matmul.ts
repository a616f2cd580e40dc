/**
 * Float32 matrix products of the training pass's dense layers on the SIMD module's `mm` kernel
 * (`matmul-kernels.ts`): `A·B`, `Aᵀ·B` (read in place through strides) and `A·Bᵀ` (Bᵀ formed first:
 * B is a weight matrix, small), with an optional bias row, and column sums for bias gradients. Why:
 * tfjs-wasm's matMul made two thirds of a training step and transposes operands in a slow path.
 * Operands are copied into the module's memory, padded to the kernel's 4 × 8 tiles with zeros; each
 * output element is summed in ascending k, starting from its bias, so the results are the same on
 * every run. Without WebAssembly SIMD, plain JS loops in the same order (float32 rounding per step).
 */
import * as tf from "@tensorflow/tfjs";
import { simdKernels, type SimdKernels } from "./simd.js";

export interface MatMulOptions {
  /** A is given as `[K, M]` (use Aᵀ). */
  transA?: boolean;
  /** B is given as `[N, K]` (use Bᵀ). */
  transB?: boolean;
  /** Added to every row of the product (N floats). */
  bias?: Float32Array;
}

/**
 * Rows of B per kernel call: a long K (the weight gradients' Aᵀ·B, K = batch × length) in slices
 * whose operands stay in the L2 cache, each slice adding to C; the same sums in the same order.
 */
const KC = 256;

const up = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * `op(A)·op(B) (+ bias)` as a row-major `[M, N]` array, for `op(A)` `[M, K]` and `op(B)` `[K, N]`;
 * `k = null` takes the JS path (the same bits).
 */
export function matmul(a: Float32Array, b: Float32Array, M: number, K: number, N: number, o: MatMulOptions = {}, k: SimdKernels | null = simdKernels()): Float32Array {
  const v = matmulView(a, b, M, K, N, o, k);
  return k && v.buffer === k.f32.buffer ? v.slice() : v;
}

/**
 * A tensor of `v`, which may be a view into the SIMD module's memory: the wasm backend copies it into
 * its own heap at once; other backends keep the array they are given, so they get a copy.
 */
export const tensorOf = (v: Float32Array, shape: [number, number]) => tf.tensor2d(tf.getBackend() === "wasm" ? v : v.slice(), shape);

/** The part of tfjs-wasm's backend used by `peek`. */
interface HeapBackend {
  typedArrayFromHeap?(t: tf.Tensor): Float32Array;
}

/**
 * The values of a float32 tensor, on the wasm backend as a view of its heap (no copy: valid only
 * until the next tfjs call, which may grow the heap), elsewhere `dataSync`'s array. Why: every
 * `dataSync` allocates an array, and a training step read ~50 MB that way, collected by the GC.
 */
export function peek(t: tf.Tensor): Float32Array {
  const b = tf.getBackend() === "wasm" && t.dtype === "float32" ? (tf.backend() as unknown as HeapBackend) : null;
  return b?.typedArrayFromHeap ? b.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/**
 * `matmul`, but the product may be a view into the SIMD module's memory, valid only until the next
 * kernel call: for a result copied at once (into a tensor), without allocating an array for it.
 * Precondition: `a`, `b` and the bias are not views into that memory (the operands are packed over
 * it, and growing it detaches them); copy such an input first (`.slice()`). It throws if one is.
 */
export function matmulView(a: Float32Array, b: Float32Array, M: number, K: number, N: number, o: MatMulOptions = {}, k: SimdKernels | null = simdKernels()): Float32Array {
  if (a.length !== M * K || b.length !== K * N) throw new Error(`src/tiny/matmul.ts: matmul of ${M}×${K} by ${K}×${N} got ${a.length} and ${b.length} floats`);
  if (o.bias && o.bias.length !== N) throw new Error(`src/tiny/matmul.ts: bias of ${o.bias.length} floats for ${N} columns`);
  if (!k || K === 0) return matmulJs(a, b, M, K, N, o);
  const mem = k.f32.buffer;
  if (a.buffer === mem || b.buffer === mem || o.bias?.buffer === mem) throw new Error("src/tiny/matmul.ts: an operand of matmulView is a view into the SIMD module's memory, which the product overwrites; pass a copy (.slice())");
  const Mp = up(M, 4);
  const Np = up(N, 8);
  const lay = { a: 0, b: Mp * K, bias: Mp * K + K * Np, c: Mp * K + K * Np + Np };
  k.reserve((lay.c + Mp * Np) * 4);
  const f = k.f32;
  packA(f, a, M, K, Mp, o.transA === true);
  packB(f, lay.b, b, K, N, Np, o.transB === true);
  f.fill(0, lay.bias, lay.c);
  if (o.bias) f.set(o.bias, lay.bias);
  const [ars, aks] = o.transA ? [4, Mp * 4] : [K * 4, 4];
  for (let k0 = 0; k0 < K; k0 += KC) {
    const [bias, bs] = k0 === 0 ? [lay.bias * 4, 0] : [lay.c * 4, Np * 4];
    k.mm(k0 * aks, ars, aks, (lay.b + k0 * Np) * 4, Np * 4, lay.c * 4, Np * 4, Mp, Np, Math.min(KC, K - k0), bias, bs);
  }
  return unpad(f, lay.c, M, N, Np);
}

/** A into the memory at 0: `[Mp, K]` rows (zero rows past M), or for Aᵀ `[K, Mp]` rows (zero columns past M). */
function packA(f: Float32Array, a: Float32Array, M: number, K: number, Mp: number, trans: boolean): void {
  if (Mp === M) {
    f.set(a, 0);
    return;
  }
  if (!trans) {
    f.set(a, 0);
    f.fill(0, M * K, Mp * K);
    return;
  }
  f.fill(0, 0, K * Mp);
  for (let r = 0; r < K; r++) f.set(a.subarray(r * M, (r + 1) * M), r * Mp);
}

/** B (or Bᵀ, formed here) as `[K, Np]` rows at float offset `at`, zero columns past N. */
function packB(f: Float32Array, at: number, b: Float32Array, K: number, N: number, Np: number, trans: boolean): void {
  if (trans) {
    if (Np !== N) f.fill(0, at, at + K * Np);
    for (let j = 0; j < N; j++) for (let q = 0; q < K; q++) f[at + q * Np + j] = b[j * K + q]!;
    return;
  }
  if (Np === N) {
    f.set(b, at);
    return;
  }
  f.fill(0, at, at + K * Np);
  for (let q = 0; q < K; q++) f.set(b.subarray(q * N, (q + 1) * N), at + q * Np);
}

function unpad(f: Float32Array, at: number, M: number, N: number, Np: number): Float32Array {
  if (Np === N) return f.subarray(at, at + M * N);
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) out.set(f.subarray(at + i * Np, at + i * Np + N), i * N);
  return out;
}

function matmulJs(a: Float32Array, b: Float32Array, M: number, K: number, N: number, o: MatMulOptions): Float32Array {
  const out = new Float32Array(M * N);
  const A = (i: number, q: number) => (o.transA ? a[q * M + i]! : a[i * K + q]!);
  const B = (q: number, j: number) => (o.transB ? b[j * K + q]! : b[q * N + j]!);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = o.bias ? o.bias[j]! : 0;
      for (let q = 0; q < K; q++) s = Math.fround(s + Math.fround(A(i, q) * B(q, j)));
      out[i * N + j] = s;
    }
  }
  return out;
}

/** Σ over the rows of `x` `[M, N]` (rows added in order): a bias gradient. */
export function colSums(x: Float32Array, M: number, N: number, k: SimdKernels | null = simdKernels()): Float32Array {
  if (x.length !== M * N) throw new Error(`src/tiny/matmul.ts: colSums of ${M}×${N} got ${x.length} floats`);
  const Np = up(N, 4);
  if (!k) {
    const out = new Float32Array(N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j] = Math.fround(out[j]! + x[i * N + j]!);
    return out;
  }
  k.reserve((M + 1) * Np * 4);
  const f = k.f32;
  if (Np === N) f.set(x, 0);
  else for (let i = 0; i < M; i++) f.set(x.subarray(i * N, (i + 1) * N), i * Np);
  k.colsum(0, Np * 4, M, Np, M * Np * 4);
  return f.slice(M * Np, M * Np + N);
}
