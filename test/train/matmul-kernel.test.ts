import { test } from "node:test";
import assert from "node:assert/strict";
import { colSums, matmul, type MatMulOptions } from "../../src/tiny/matmul.js";
import { layerNormBackward, layerNormForward } from "../../src/tiny/layernorm.js";
import { simdKernels } from "../../src/tiny/simd.js";
import { seededRandom } from "../../src/random.js";

const r = seededRandom(19);
const rnd = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);

/** op(A)·op(B) + bias in float64. */
function reference(a: Float32Array, b: Float32Array, M: number, K: number, N: number, o: MatMulOptions): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = o.bias ? o.bias[j]! : 0;
      for (let q = 0; q < K; q++) s += (o.transA ? a[q * M + i]! : a[i * K + q]!) * (o.transB ? b[j * K + q]! : b[q * N + j]!);
      out[i * N + j] = s;
    }
  }
  return out;
}

const maxErr = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x, (v, i) => Math.abs(v - y[i]!)).reduce((m, e) => Math.max(m, e), 0);

test("the SIMD matrix products A·B, Aᵀ·B, A·Bᵀ (with and without bias, padded and aligned shapes, K in slices) match float64 JS, and the JS path bit for bit", () => {
  assert.ok(simdKernels(), "WebAssembly SIMD is available in this Node");
  const shapes: [number, number, number][] = [[8, 16, 16], [7, 5, 13], [4, 64, 8], [33, 70, 99], [1, 1, 1], [64, 160, 24], [12, 600, 20]];
  const variants: MatMulOptions[] = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];
  for (const [M, K, N] of shapes) {
    for (const v of variants) {
      for (const bias of [undefined, rnd(N)]) {
        const a = rnd(M * K);
        const b = rnd(K * N);
        const o = { ...v, bias };
        const got = matmul(a, b, M, K, N, o);
        assert.equal(got.length, M * N);
        const want = reference(a, b, M, K, N, o);
        const err = maxErr(got, want);
        assert.ok(err < 1e-5 * Math.sqrt(K + 1) * 4, `${M}×${K}×${N} ${JSON.stringify({ ...v, bias: !!bias })}: max error ${err}`);
        assert.deepEqual(matmul(a, b, M, K, N, o), got, "same inputs, same bits");
        assert.deepEqual(matmul(a, b, M, K, N, o, null), got, "the JS path gives the same bits");
      }
    }
  }
});

test("a matrix product is summed in ascending k from the bias, in float32: the same bits as the scalar float32 loop", () => {
  const [M, K, N] = [6, 37, 11];
  const a = rnd(M * K);
  const b = rnd(K * N);
  const bias = rnd(N);
  const got = matmul(a, b, M, K, N, { bias });
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias[j]!;
      for (let q = 0; q < K; q++) s = Math.fround(s + Math.fround(a[i * K + q]! * b[q * N + j]!));
      assert.equal(got[i * N + j], s, `element ${i},${j}`);
    }
  }
});

test("column sums (bias gradients) match float64 JS, SIMD and JS paths alike", () => {
  for (const [M, N] of [[2560, 64], [7, 13], [1, 99], [40, 4]] as const) {
    const x = rnd(M * N);
    const want = new Float64Array(N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) want[j] += x[i * N + j]!;
    for (const k of [simdKernels(), null]) {
      const got = colSums(x, M, N, k);
      assert.equal(got.length, N);
      assert.ok(maxErr(got, want) < 1e-6 * M, `${M}×${N} ${k ? "SIMD" : "JS"}: max error ${maxErr(got, want)}`);
    }
    assert.deepEqual(colSums(x, M, N, null), colSums(x, M, N), "SIMD and JS add in the same order");
  }
});

test("matmul rejects operands of the wrong size, naming its file", () => {
  assert.throws(() => matmul(new Float32Array(5), new Float32Array(6), 2, 3, 2), /src\/tiny\/matmul\.ts/);
  assert.throws(() => matmul(new Float32Array(6), new Float32Array(6), 2, 3, 2, { bias: new Float32Array(3) }), /src\/tiny\/matmul\.ts/);
});

test("matmul rejects an operand that is a view into the SIMD module's memory, and takes a copy of it", () => {
  const k = simdKernels()!;
  k.reserve(4096);
  const [x, y] = [rnd(6), rnd(6)];
  const view = (v: Float32Array, at: number) => (k.f32.set(v, at), k.f32.subarray(at, at + v.length));
  assert.throws(() => matmul(view(x, 0), y, 2, 3, 2, {}, k), /src\/tiny\/matmul\.ts: .*view into the SIMD module's memory/);
  assert.throws(() => matmul(x, view(y, 512), 2, 3, 2, {}, k), /view into the SIMD module's memory/);
  assert.throws(() => matmul(x, y, 2, 3, 2, { bias: view(rnd(2), 512) }, k), /view into the SIMD module's memory/);
  assert.deepEqual(matmul(view(x, 0).slice(), y, 2, 3, 2, {}, k), matmul(x, y, 2, 3, 2, {}, k));
});

test("LayerNorm's SIMD kernels (forward, and dx, dg, db backward) match the float64 JS path", () => {
  const k = simdKernels();
  assert.ok(k, "WebAssembly SIMD is available in this Node");
  for (const [N, d] of [[40, 64], [3, 4], [9, 12]] as const) {
    const x = Float32Array.from(rnd(N * d), (v, i) => 3 * v + (i % d) * 0.1 + 1);
    const [g, b, dy] = [rnd(d), rnd(d), rnd(N * d)];
    const js = layerNormForward(x, g, b, d, null);
    const sd = layerNormForward(x, g, b, d, k);
    assert.ok(sd.inv instanceof Float32Array, "the SIMD path ran");
    for (const key of ["y", "xhat", "inv"] as const) assert.ok(maxErr(sd[key], js[key]) < 2e-5, `${N}×${d} ${key}: max error ${maxErr(sd[key], js[key])}`);
    const gj = layerNormBackward(dy, js.xhat, js.inv, g, d, null);
    const gs = layerNormBackward(dy, sd.xhat.slice(), sd.inv, g, d, k);
    gs.forEach((a, i) => assert.ok(maxErr(a, gj[i]!) < 2e-5 * Math.sqrt(N), `${N}×${d} gradient ${i}: max error ${maxErr(a, gj[i]!)}`));
  }
});
