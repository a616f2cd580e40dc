/**
 * LayerNorm's kernels in the SIMD module (`simd.ts`), as WebAssembly bytes, for rows of d floats (a
 * multiple of 4), float32 throughout; every sum runs four lanes then lane 0 + 1 + 2 + 3:
 * - `lnf(x, g, b, dBytes, n, y, xhat, inv)`: per row, mean = Σx/d, var = Σ(x − mean)²/d,
 *   k = 1/√(var + LN_EPS), xhat = (x − mean)·k, y = xhat·g + b; k stored in `inv` (one float per row);
 * - `lnb(dy, xhat, inv, g, dBytes, n, dx, dg, db)`: dg += dy·xhat and db += dy (rows in order; the
 *   caller zeroes them), and dx = k·(dy·g − mean(dy·g) − xhat·mean(dy·g·xhat)).
 * Addresses are in bytes.
 */
import { LN_EPS } from "./config.js";
import { EMPTY, F32, I32, V128, f32, get, op, set, simd, tee, vec, zero4 } from "./wasm-asm.js";

const hsum = (v: number) => [...get(v), ...simd.lane(0), ...get(v), ...simd.lane(1), op.f32add, ...get(v), ...simd.lane(2), op.f32add, ...get(v), ...simd.lane(3), op.f32add];
/** A loop over the row's bytes `o = 0, 16, … < d` (locals `o`, `d`). */
const rowLoop = (o: number, d: number, body: number[]) => [op.i32const, 0, ...set(o), op.loop, EMPTY, ...body, ...get(o), op.i32const, 16, op.i32add, ...tee(o), ...get(d), op.i32ltu, op.brIf, 0, op.end];
const at = (p: number, o: number) => [...get(p), ...get(o), op.i32add];
const load = (p: number, o: number) => [...at(p, o), ...simd.load];
/** Every pointer in `ptrs` moves on by `by` bytes (a local). */
const advance = (ptrs: number[], by: number[]) => ptrs.flatMap((p) => [...get(p), ...by, op.i32add, ...set(p)]);
/** Rows: `n` counts down to 0 (nothing when n = 0). */
const rows = (n: number, body: number[]) => [op.block, EMPTY, ...get(n), op.i32eqz, op.brIf, 0, op.loop, EMPTY, ...body, ...get(n), op.i32const, 1, op.i32sub, ...tee(n), op.brIf, 0, op.end, op.end];
const floatsOf = (dBytes: number) => [...get(dBytes), op.i32const, 2, op.i32shrU, op.f32FromU32];

/** lnf(x0 g1 b2 d3 n4 y5 xhat6 inv7), locals: o8 | dF9 mean10 k11 | acc12 u13 vm14 vk15. */
export const lnfBody = [
  ...vec([[1, I32], [3, F32], [4, V128]]),
  ...floatsOf(3), ...set(9),
  ...rows(4, [
    ...zero4, ...set(12),
    ...rowLoop(8, 3, [...get(12), ...load(0, 8), ...simd.add, ...set(12)]),
    ...hsum(12), ...get(9), op.f32div, ...tee(10), ...simd.splat, ...set(14),
    ...zero4, ...set(12),
    ...rowLoop(8, 3, [...load(0, 8), ...get(14), ...simd.sub, ...set(13), ...get(12), ...get(13), ...get(13), ...simd.mul, ...simd.add, ...set(12)]),
    ...f32(1), ...hsum(12), ...get(9), op.f32div, ...f32(LN_EPS), op.f32add, op.f32sqrt, op.f32div, ...set(11),
    ...get(7), ...get(11), ...op.f32store,
    ...get(11), ...simd.splat, ...set(15),
    ...rowLoop(8, 3, [
      ...load(0, 8), ...get(14), ...simd.sub, ...get(15), ...simd.mul, ...set(13),
      ...at(6, 8), ...get(13), ...simd.store,
      ...at(5, 8), ...get(13), ...load(1, 8), ...simd.mul, ...load(2, 8), ...simd.add, ...simd.store,
    ]),
    ...advance([0, 5, 6], get(3)),
    ...advance([7], [op.i32const, 4]),
  ]),
  op.end,
];

/** lnb(dy0 xhat1 inv2 g3 d4 n5 dx6 dg7 db8), locals: o9 | dF10 m1_11 m2_12 | a1_13 a2_14 t15 dyv16 hv17. */
export const lnbBody = [
  ...vec([[1, I32], [3, F32], [5, V128]]),
  ...floatsOf(4), ...set(10),
  ...rows(5, [
    ...zero4, ...set(13), ...zero4, ...set(14),
    ...rowLoop(9, 4, [
      ...load(0, 9), ...set(16), ...load(1, 9), ...set(17),
      ...at(7, 9), ...load(7, 9), ...get(16), ...get(17), ...simd.mul, ...simd.add, ...simd.store,
      ...at(8, 9), ...load(8, 9), ...get(16), ...simd.add, ...simd.store,
      ...get(16), ...load(3, 9), ...simd.mul, ...set(15),
      ...get(13), ...get(15), ...simd.add, ...set(13),
      ...get(14), ...get(15), ...get(17), ...simd.mul, ...simd.add, ...set(14),
    ]),
    ...hsum(13), ...get(10), op.f32div, ...set(11),
    ...hsum(14), ...get(10), op.f32div, ...set(12),
    ...rowLoop(9, 4, [
      ...at(6, 9),
      ...get(2), ...op.f32load, ...simd.splat,
      ...load(0, 9), ...load(3, 9), ...simd.mul, ...get(11), ...simd.splat, ...simd.sub, ...load(1, 9), ...get(12), ...simd.splat, ...simd.mul, ...simd.sub,
      ...simd.mul, ...simd.store,
    ]),
    ...advance([0, 1, 6], get(4)),
    ...advance([2], [op.i32const, 4]),
  ]),
  op.end,
];
