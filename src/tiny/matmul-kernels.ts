/**
 * The matrix-product kernels of the SIMD module (`simd.ts`), as WebAssembly bytes: a register-blocked
 * product with 4 × 8 output tiles and a column sum (the bias gradient).
 *
 * - `mm(a, ars, aks, b, ldb, c, ldc, M, N, K, bias, bs)`:
 *   `C[i, j] = bias[i·bs + j] + Σ_k A[i, k]·B[k, j]` for `i < M` (a multiple of 4) and `j < N` (a
 *   multiple of 8), with `A[i, k]` at `a + i·ars + k·aks` (any strides, so `A` or `Aᵀ` is read in
 *   place), rows of B `ldb` bytes apart and rows of C `ldc` bytes apart. The tile's eight f32x4
 *   accumulators start from the bias rows (`bs = 0`: one row for all; `bias = c, bs = ldc`: add to C)
 *   and take one product per k in ascending k: each A element is splatted over a row of 8 from B.
 *   K ≥ 1.
 * - `colsum(x, ld, M, N, out)`: `out[j] = Σ_{r<M} x[r·ld + j]` (rows added in order) for `j < N`, a
 *   multiple of 4.
 * Addresses and strides are in bytes.
 */
import { EMPTY, I32, V128, get, op, set, simd, tee, vec, zero4 } from "./wasm-asm.js";

const addTo = (local: number, by: number[]) => [...get(local), ...by, op.i32add, ...set(local)];

/** Locals of mm past its 12 parameters. */
const L = { ai: 12, ci: 13, bi: 14, jb: 15, nb: 16, pa: 17, pb: 18, kk: 19, r2: 20, r3: 21, cp: 22, acc: 23, bv0: 31, bv1: 32, s: 33 } as const;
const P = { a: 0, ars: 1, aks: 2, b: 3, ldb: 4, c: 5, ldc: 6, M: 7, N: 8, K: 9, bias: 10, bs: 11 } as const;

/** Row r's accumulators (two f32x4) loaded from / stored to the address in `cp`, which then moves on by `stride`. */
const tileRows = (stride: number, each: (r: number) => number[]) => [0, 1, 2, 3].flatMap((r) => [...each(r), ...(r < 3 ? addTo(L.cp, get(stride)) : [])]);
const loadRow = (r: number) => [...get(L.cp), ...simd.load, ...set(L.acc + 2 * r), ...get(L.cp), ...simd.loadAt(16), ...set(L.acc + 2 * r + 1)];
const storeRow = (r: number) => [...get(L.cp), ...get(L.acc + 2 * r), ...simd.store, ...get(L.cp), ...get(L.acc + 2 * r + 1), ...simd.storeAt(16)];

/** acc[r] += A[i+r, k]·B[k, j..j+8] for one k: the A element at `pa + rowOffset`, splatted. */
const kStepRow = (r: number, rowOffset: number[]) => [
  ...get(L.pa), ...rowOffset, ...simd.load32Splat, ...set(L.s),
  ...get(L.acc + 2 * r), ...get(L.s), ...get(L.bv0), ...simd.mul, ...simd.add, ...set(L.acc + 2 * r),
  ...get(L.acc + 2 * r + 1), ...get(L.s), ...get(L.bv1), ...simd.mul, ...simd.add, ...set(L.acc + 2 * r + 1),
];
const rowOffsets = [[], [...get(P.ars), op.i32add], [...get(L.r2), op.i32add], [...get(L.r3), op.i32add]];

const kLoop = [
  ...get(L.ai), ...set(L.pa),
  ...get(P.b), ...get(L.jb), op.i32add, ...set(L.pb),
  ...get(P.K), ...set(L.kk),
  op.loop, EMPTY,
  ...get(L.pb), ...simd.load, ...set(L.bv0), ...get(L.pb), ...simd.loadAt(16), ...set(L.bv1),
  ...rowOffsets.flatMap((o, r) => kStepRow(r, o)),
  ...addTo(L.pa, get(P.aks)),
  ...addTo(L.pb, get(P.ldb)),
  ...get(L.kk), op.i32const, 1, op.i32sub, ...tee(L.kk), op.brIf, 0,
  op.end,
];

const jLoop = [
  op.i32const, 0, ...set(L.jb),
  op.loop, EMPTY,
  ...get(L.bi), ...get(L.jb), op.i32add, ...set(L.cp),
  ...tileRows(P.bs, loadRow),
  ...kLoop,
  ...get(L.ci), ...get(L.jb), op.i32add, ...set(L.cp),
  ...tileRows(P.ldc, storeRow),
  ...get(L.jb), op.i32const, 32, op.i32add, ...tee(L.jb), ...get(L.nb), op.i32ltu, op.brIf, 0,
  op.end,
];

const times4 = (p: number) => [...get(p), op.i32const, 2, op.i32shl];

export const mmBody = [
  ...vec([
    [11, I32],
    [11, V128],
  ]),
  ...get(P.N), op.i32const, 2, op.i32shl, ...set(L.nb),
  ...get(P.ars), op.i32const, 1, op.i32shl, ...tee(L.r2), ...get(P.ars), op.i32add, ...set(L.r3),
  ...get(P.a), ...set(L.ai), ...get(P.c), ...set(L.ci), ...get(P.bias), ...set(L.bi),
  ...get(P.M), op.i32const, 2, op.i32shrU, ...set(P.M),
  op.block, EMPTY,
  ...get(P.M), op.i32eqz, op.brIf, 0,
  ...get(L.nb), op.i32eqz, op.brIf, 0,
  op.loop, EMPTY,
  ...jLoop,
  ...addTo(L.ai, times4(P.ars)),
  ...addTo(L.ci, times4(P.ldc)),
  ...addTo(L.bi, times4(P.bs)),
  ...get(P.M), op.i32const, 1, op.i32sub, ...tee(P.M), op.brIf, 0,
  op.end,
  op.end,
  op.end,
];

/** colsum(x0 ld1 M2 N3 out4), locals: jb5 p6 r7 acc8. */
export const colsumBody = [
  ...vec([
    [3, I32],
    [1, V128],
  ]),
  ...get(3), op.i32const, 2, op.i32shl, ...set(3),
  op.block, EMPTY,
  ...get(3), op.i32eqz, op.brIf, 0,
  op.i32const, 0, ...set(5),
  op.loop, EMPTY,
  ...zero4, ...set(8),
  ...get(0), ...get(5), op.i32add, ...set(6),
  ...get(2), ...set(7),
  op.block, EMPTY,
  ...get(7), op.i32eqz, op.brIf, 0,
  op.loop, EMPTY,
  ...get(8), ...get(6), ...simd.load, ...simd.add, ...set(8),
  ...addTo(6, get(1)),
  ...get(7), op.i32const, 1, op.i32sub, ...tee(7), op.brIf, 0,
  op.end,
  op.end,
  ...get(4), ...get(5), op.i32add, ...get(8), ...simd.store,
  ...get(5), op.i32const, 16, op.i32add, ...tee(5), ...get(3), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
  op.end,
];
