/**
 * Float32 kernels in WebAssembly SIMD (128-bit, f32x4) for the training pass (attention, gelu, matrix
 * products, LayerNorm), where plain JS reaches ~1 GMAC/s. The module is assembled here from its bytes (the project has no wasm
 * toolchain); it imports its memory, so JS fills inputs and reads outputs through typed-array views.
 * Wasm forbids fusing a multiply and an add and fixes every lane's order, so the results are the
 * same on every run and machine.
 *
 * - `dots(a, b, stride, dhBytes, n, out)`: `out[s] = Σ_i a[i]·b[s·stride + i]` for `s < n`
 *   (four lanes of partial sums, then lane 0 + 1 + 2 + 3);
 * - `mix(w, ws, b, stride, dhBytes, n, y, scale)`: `y[i] = scale · Σ_s w[s·ws]·b[s·stride + i]`;
 * - `expv(p, n, shift)`: `p[i] = exp(p[i] - shift)` in place for `i < n` (n a multiple of 4), by
 *   Cephes' expf (range reduction by ln 2, degree-6 polynomial, ~1 ulp); arguments are clamped to
 *   [-87.3, 88.4] (below: ~1e-38 instead of 0; above: ~2e38 instead of infinity) (JS's Math.exp costs ~15–45 ns here, the softmax's main cost).
 * - `geluf(u, a, s, n)`: `s = σ(1.702u)`, `a = u·s`; `gelub(da, u, s, out, n)`: `out = da·(s + 1.702·u·s·(1 − s))`;
 * - `softmax(row, n, scale, out)`: `out = softmax(scale·row)` over n floats (n a multiple of 4, padded
 *   with −∞ by the caller), max, exp and sum as four lanes; `dsoft(p, dP, n, out)`: its gradient
 *   `out = p·(dP − Σ p·dP)` (padding zeroed by the caller);
 * - `dots16`, `mix16`: the same for dh = 16 (the tiny models' head size), with the four vectors of a
 *   row in registers (a third of the loads and loop steps).
 * - `mm`, `colsum`: matrix products in 4 × 8 tiles and column sums (`matmul-kernels.ts`);
 * - `lnf`, `lnb`: LayerNorm forward and backward over rows (`layernorm-kernels.ts`).
 * Every address and stride is in bytes; `dhBytes` is a positive multiple of 16 (dh a multiple of 4).
 */

import { lnbBody, lnfBody } from "./layernorm-kernels.js";
import { colsumBody, mmBody } from "./matmul-kernels.js";
import { EMPTY, F32, I32, V128, f32, get, op, section, set, simd, splat, str, uleb, vec, zero4 } from "./wasm-asm.js";

/** dots(a0 b1 stride2 dh3 n4 out5), locals: c6 end7 acc8. */
const dotsBody = [
  ...vec([
    [2, I32],
    [1, V128],
  ]),
  ...get(5), ...get(4), op.i32const, 2, op.i32shl, op.i32add, ...set(7),
  op.block, EMPTY,
  ...get(5), ...get(7), op.i32geu, op.brIf, 0,
  op.loop, EMPTY,
  ...zero4, ...set(8),
  op.i32const, 0, ...set(6),
  op.loop, EMPTY,
  ...get(8),
  ...get(0), ...get(6), op.i32add, ...simd.load,
  ...get(1), ...get(6), op.i32add, ...simd.load,
  ...simd.mul, ...simd.add, ...set(8),
  ...get(6), op.i32const, 16, op.i32add, op.tee, 6, ...get(3), op.i32ltu, op.brIf, 0,
  op.end,
  ...get(5),
  ...get(8), ...simd.lane(0), ...get(8), ...simd.lane(1), op.f32add, ...get(8), ...simd.lane(2), op.f32add, ...get(8), ...simd.lane(3), op.f32add,
  ...op.f32store,
  ...get(1), ...get(2), op.i32add, ...set(1),
  ...get(5), op.i32const, 4, op.i32add, op.tee, 5, ...get(7), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
  op.end,
];

/** mix(w0 ws1 b2 stride3 dh4 n5 y6 scale7), locals: c8 wp9 bp10 k11 acc12. */
const mixBody = [
  ...vec([
    [4, I32],
    [1, V128],
  ]),
  op.i32const, 0, ...set(8),
  op.loop, EMPTY,
  ...zero4, ...set(12),
  ...get(0), ...set(9),
  ...get(2), ...get(8), op.i32add, ...set(10),
  ...get(5), ...set(11),
  op.block, EMPTY,
  ...get(11), op.i32eqz, op.brIf, 0,
  op.loop, EMPTY,
  ...get(12),
  ...get(9), ...simd.load32Splat,
  ...get(10), ...simd.load,
  ...simd.mul, ...simd.add, ...set(12),
  ...get(9), ...get(1), op.i32add, ...set(9),
  ...get(10), ...get(3), op.i32add, ...set(10),
  ...get(11), op.i32const, 1, op.i32sub, op.tee, 11, op.brIf, 0,
  op.end,
  op.end,
  ...get(6), ...get(8), op.i32add,
  ...get(12), ...get(7), ...simd.splat, ...simd.mul,
  ...simd.store,
  ...get(8), op.i32const, 16, op.i32add, op.tee, 8, ...get(4), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
];

/**
 * exp of the clamped v128 in local `x`, left on the stack: k = nearest(x·log2 e); r = x − k·C1 − k·C2;
 * q = (((((c0·r + c1)·r + c2)·r + c3)·r + c4)·r + c5)·r² + r + 1; e = q·2^k (k + 127 into the
 * exponent bits). Uses locals k, r, q.
 */
const expCore = (x: number, k: number, r: number, q: number) => [
  ...get(x), ...splat(1.44269504088896341), ...simd.mul, ...simd.nearest, ...set(k),
  ...get(x), ...get(k), ...splat(0.693359375), ...simd.mul, ...simd.sub, ...get(k), ...splat(-2.12194440e-4), ...simd.mul, ...simd.sub, ...set(r),
  ...splat(1.9875691500e-4),
  ...[1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].flatMap((c) => [...get(r), ...simd.mul, ...splat(c), ...simd.add]),
  ...get(r), ...get(r), ...simd.mul, ...simd.mul, ...get(r), ...simd.add, ...splat(1), ...simd.add, ...set(q),
  ...get(q),
  ...get(k), ...simd.truncSat, op.i32const, 0xff, 0x00, ...simd.i32splat, ...simd.i32add, op.i32const, 23, ...simd.i32shl,
  ...simd.mul,
];

/** The v128 on the stack clamped to the range where `expCore` is finite and normal. */
const clampExp = [...splat(-87.33654), ...simd.max, ...splat(88.3762626647949), ...simd.min];

/** A loop over `n` floats from pointer local `p0` (end in local `end`), advancing the pointer locals `ptrs` by 16. */
const vecLoop = (p0: number, n: number, end: number, ptrs: number[], body: number[]) => [
  ...get(p0), ...get(n), op.i32const, 2, op.i32shl, op.i32add, ...set(end),
  op.block, EMPTY,
  ...get(p0), ...get(end), op.i32geu, op.brIf, 0,
  op.loop, EMPTY,
  ...body,
  ...ptrs.filter((p) => p !== p0).flatMap((p) => [...get(p), op.i32const, 16, op.i32add, ...set(p)]),
  ...get(p0), op.i32const, 16, op.i32add, op.tee, p0, ...get(end), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
];

/** expv(p0 n1 shift2), locals: end3 x4 k5 r6 q7. */
const expBody = [
  ...vec([
    [1, I32],
    [4, V128],
  ]),
  ...vecLoop(0, 1, 3, [0], [...get(0), ...simd.load, ...get(2), ...simd.splat, ...simd.sub, ...clampExp, ...set(4), ...get(0), ...expCore(4, 5, 6, 7), ...simd.store]),
  op.end,
];

/** geluf(u0 a1 s2 n3): s = σ(1.702u) = 1/(1 + exp(−1.702u)), a = u·s. Locals: end4 x5 k6 r7 q8 s9. */
const geluBody = [
  ...vec([
    [1, I32],
    [5, V128],
  ]),
  ...vecLoop(0, 3, 4, [0, 1, 2], [
    ...get(0), ...simd.load, ...splat(-1.702), ...simd.mul, ...clampExp, ...set(5),
    ...splat(1), ...splat(1), ...expCore(5, 6, 7, 8), ...simd.add, ...simd.div, ...set(9),
    ...get(2), ...get(9), ...simd.store,
    ...get(1), ...get(0), ...simd.load, ...get(9), ...simd.mul, ...simd.store,
  ]),
  op.end,
];

/** gelub(da0 u1 s2 out3 n4): out = da·(s + 1.702·u·s·(1 − s)). Locals: end5 s6. */
const geluGradBody = [
  ...vec([
    [1, I32],
    [1, V128],
  ]),
  ...vecLoop(0, 4, 5, [0, 1, 2, 3], [
    ...get(2), ...simd.load, ...set(6),
    ...get(3),
    ...get(0), ...simd.load,
    ...get(6), ...splat(1.702), ...get(1), ...simd.load, ...simd.mul, ...get(6), ...simd.mul, ...splat(1), ...get(6), ...simd.sub, ...simd.mul, ...simd.add,
    ...simd.mul,
    ...simd.store,
  ]),
  op.end,
];

/** dots16(a0 b1 stride2 n3 out4): `dots` for dh = 16, the query's four vectors loaded once. Locals: end5 q6..q9 acc10. */
const dots16Body = [
  ...vec([
    [1, I32],
    [5, V128],
  ]),
  ...get(4), ...get(3), op.i32const, 2, op.i32shl, op.i32add, ...set(5),
  ...[0, 16, 32, 48].flatMap((o, i) => [...get(0), ...simd.loadAt(o), ...set(6 + i)]),
  op.block, EMPTY,
  ...get(4), ...get(5), op.i32geu, op.brIf, 0,
  op.loop, EMPTY,
  ...get(6), ...get(1), ...simd.loadAt(0), ...simd.mul,
  ...[16, 32, 48].flatMap((o, i) => [...get(7 + i), ...get(1), ...simd.loadAt(o), ...simd.mul, ...simd.add]),
  ...set(10),
  ...get(4),
  ...get(10), ...simd.lane(0), ...get(10), ...simd.lane(1), op.f32add, ...get(10), ...simd.lane(2), op.f32add, ...get(10), ...simd.lane(3), op.f32add,
  ...op.f32store,
  ...get(1), ...get(2), op.i32add, ...set(1),
  ...get(4), op.i32const, 4, op.i32add, op.tee, 4, ...get(5), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
  op.end,
];

/** mix16(w0 ws1 b2 stride3 n4 y5 scale6): `mix` for dh = 16, all four accumulators in one pass. Locals: p7 a8..a11. */
const mix16Body = [
  ...vec([[5, V128]]),
  ...[8, 9, 10, 11].flatMap((i) => [...zero4, ...set(i)]),
  op.block, EMPTY,
  ...get(4), op.i32eqz, op.brIf, 0,
  op.loop, EMPTY,
  ...get(0), ...simd.load32Splat, ...set(7),
  ...[0, 16, 32, 48].flatMap((o, i) => [...get(8 + i), ...get(7), ...get(2), ...simd.loadAt(o), ...simd.mul, ...simd.add, ...set(8 + i)]),
  ...get(0), ...get(1), op.i32add, ...set(0),
  ...get(2), ...get(3), op.i32add, ...set(2),
  ...get(4), op.i32const, 1, op.i32sub, op.tee, 4, op.brIf, 0,
  op.end,
  op.end,
  ...[0, 16, 32, 48].flatMap((o, i) => [...get(5), ...get(8 + i), ...get(6), ...simd.splat, ...simd.mul, ...simd.storeAt(o)]),
  op.end,
];

/**
 * softmax(row0 n1 scale2 out3): `row ← row·scale`, then `out = exp(row − max) / Σ exp(row − max)` over
 * n floats (a multiple of 4; the caller pads with −∞). Locals: p4 end5 o6 | vmax7 x8 k9 r10 q11 vsum12 | m13 z14.
 */
const softmaxBody = [
  ...vec([
    [3, I32],
    [6, V128],
    [2, F32],
  ]),
  ...get(0), ...get(1), op.i32const, 2, op.i32shl, op.i32add, ...set(5),
  // pass 1: scale in place, running max
  ...get(0), ...set(4), ...f32(-Infinity), ...simd.splat, ...set(7),
  op.loop, EMPTY,
  ...get(4), ...get(4), ...simd.load, ...get(2), ...simd.splat, ...simd.mul, op.tee, 8, ...simd.store,
  ...get(7), ...get(8), ...simd.max, ...set(7),
  ...get(4), op.i32const, 16, op.i32add, op.tee, 4, ...get(5), op.i32ltu, op.brIf, 0,
  op.end,
  ...get(7), ...simd.lane(0), ...get(7), ...simd.lane(1), op.f32max, ...get(7), ...simd.lane(2), ...get(7), ...simd.lane(3), op.f32max, op.f32max, ...set(13),
  // pass 2: exp in place, running sum
  ...get(0), ...set(4), ...zero4, ...set(12),
  op.loop, EMPTY,
  ...get(4), ...simd.load, ...get(13), ...simd.splat, ...simd.sub, ...clampExp, ...set(8),
  ...get(4), ...expCore(8, 9, 10, 11), op.tee, 8, ...simd.store,
  ...get(12), ...get(8), ...simd.add, ...set(12),
  ...get(4), op.i32const, 16, op.i32add, op.tee, 4, ...get(5), op.i32ltu, op.brIf, 0,
  op.end,
  ...get(12), ...simd.lane(0), ...get(12), ...simd.lane(1), op.f32add, ...get(12), ...simd.lane(2), op.f32add, ...get(12), ...simd.lane(3), op.f32add, ...set(14),
  // pass 3: divide into out
  ...get(0), ...set(4), ...get(3), ...set(6),
  op.loop, EMPTY,
  ...get(6), ...get(4), ...simd.load, ...get(14), ...simd.splat, ...simd.div, ...simd.store,
  ...get(6), op.i32const, 16, op.i32add, ...set(6),
  ...get(4), op.i32const, 16, op.i32add, op.tee, 4, ...get(5), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
];

/**
 * dsoft(p0 dp1 n2 out3): the softmax gradient of a row, `out = p·(dP − Σ p·dP)` over n floats (a
 * multiple of 4; the caller zeroes the padding of p and dP). Locals: pp4 q5 o6 end7 | acc8 sv9.
 */
const dsoftBody = [
  ...vec([
    [4, I32],
    [2, V128],
  ]),
  ...get(0), ...get(2), op.i32const, 2, op.i32shl, op.i32add, ...set(7),
  ...get(0), ...set(4), ...get(1), ...set(5), ...zero4, ...set(8),
  op.loop, EMPTY,
  ...get(8), ...get(4), ...simd.load, ...get(5), ...simd.load, ...simd.mul, ...simd.add, ...set(8),
  ...get(5), op.i32const, 16, op.i32add, ...set(5),
  ...get(4), op.i32const, 16, op.i32add, op.tee, 4, ...get(7), op.i32ltu, op.brIf, 0,
  op.end,
  ...get(8), ...simd.lane(0), ...get(8), ...simd.lane(1), op.f32add, ...get(8), ...simd.lane(2), op.f32add, ...get(8), ...simd.lane(3), op.f32add, ...simd.splat, ...set(9),
  ...get(0), ...set(4), ...get(1), ...set(5), ...get(3), ...set(6),
  op.loop, EMPTY,
  ...get(6), ...get(4), ...simd.load, ...get(5), ...simd.load, ...get(9), ...simd.sub, ...simd.mul, ...simd.store,
  ...get(5), op.i32const, 16, op.i32add, ...set(5),
  ...get(6), op.i32const, 16, op.i32add, ...set(6),
  ...get(4), op.i32const, 16, op.i32add, op.tee, 4, ...get(7), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
];

function moduleBytes(): Uint8Array {
  const fn = (params: number[]) => [0x60, ...uleb(params.length), ...params, 0];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fn([I32, I32, I32, I32, I32, I32]), fn([I32, I32, I32, I32, I32, I32, I32, F32]), fn([I32, I32, F32]), fn([I32, I32, I32, I32, I32]), fn([I32, I32, I32, I32, I32, I32, F32]), fn([I32, I32, I32, I32]), fn([I32, I32, F32, I32]), fn(Array<number>(12).fill(I32)), fn(Array<number>(8).fill(I32)), fn(Array<number>(9).fill(I32))])),
    ...section(2, vec([[...str("env"), ...str("mem"), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [1], [2], [3], [4], [5], [3], [6], [5], [7], [3], [8], [9]])),
    ...section(7, vec(["dots", "mix", "expv", "dots16", "mix16", "geluf", "gelub", "softmax", "dsoft", "mm", "colsum", "lnf", "lnb"].map((name, i) => [...str(name), 0x00, i]))),
    ...section(10, vec([dotsBody, mixBody, expBody, dots16Body, mix16Body, geluBody, geluGradBody, softmaxBody, dsoftBody, mmBody, colsumBody, lnfBody, lnbBody].map((b) => [...uleb(b.length), ...b]))),
  ]);
}

export interface SimdKernels {
  dots(a: number, b: number, stride: number, dhBytes: number, n: number, out: number): void;
  mix(w: number, ws: number, b: number, stride: number, dhBytes: number, n: number, y: number, scale: number): void;
  expv(p: number, n: number, shift: number): void;
  dots16(a: number, b: number, stride: number, n: number, out: number): void;
  mix16(w: number, ws: number, b: number, stride: number, n: number, y: number, scale: number): void;
  geluf(u: number, a: number, s: number, n: number): void;
  gelub(da: number, u: number, s: number, out: number, n: number): void;
  softmax(row: number, n: number, scale: number, out: number): void;
  dsoft(p: number, dp: number, n: number, out: number): void;
  /** See `matmul-kernels.ts`. */
  mm(a: number, ars: number, aks: number, b: number, ldb: number, c: number, ldc: number, M: number, N: number, K: number, bias: number, bs: number): void;
  colsum(x: number, ld: number, M: number, N: number, out: number): void;
  /** See `layernorm-kernels.ts`. */
  lnf(x: number, g: number, b: number, dBytes: number, n: number, y: number, xhat: number, inv: number): void;
  lnb(dy: number, xhat: number, inv: number, g: number, dBytes: number, n: number, dx: number, dg: number, db: number): void;
  /** The memory as floats; a new view after `reserve` grows it. */
  f32: Float32Array;
  /** Make the memory at least `bytes` long. */
  reserve(bytes: number): void;
}

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

let kernels: SimdKernels | null | undefined;

/** The kernels, or null where WebAssembly SIMD is not available. */
export function simdKernels(): SimdKernels | null {
  if (kernels !== undefined) return kernels;
  const W = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!W) return (kernels = null);
  try {
    const mem = new W.Memory({ initial: 1 });
    const inst = new W.Instance(new W.Module(moduleBytes()), { env: { mem } });
    const ex = inst.exports as unknown as Omit<SimdKernels, "f32" | "reserve">;
    const k: SimdKernels = {
      dots: ex.dots,
      mix: ex.mix,
      expv: ex.expv,
      dots16: ex.dots16,
      mix16: ex.mix16,
      geluf: ex.geluf,
      gelub: ex.gelub,
      softmax: ex.softmax,
      dsoft: ex.dsoft,
      mm: ex.mm,
      colsum: ex.colsum,
      lnf: ex.lnf,
      lnb: ex.lnb,
      f32: new Float32Array(mem.buffer),
      reserve(bytes: number) {
        const have = mem.buffer.byteLength;
        if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
        if (k.f32.buffer !== mem.buffer) k.f32 = new Float32Array(mem.buffer);
      },
    };
    kernels = k;
  } catch {
    kernels = null;
  }
  return kernels;
}
