/**
 * Two float32 kernels in WebAssembly SIMD (128-bit, f32x4) for the training pass's attention, where
 * plain JS reaches ~1 GMAC/s. The module is assembled here from its bytes (the project has no wasm
 * toolchain); it imports its memory, so JS fills inputs and reads outputs through typed-array views.
 * Wasm forbids fusing a multiply and an add and fixes every lane's order, so the results are the
 * same on every run and machine.
 *
 * - `dots(a, b, stride, dhBytes, n, out)`: `out[s] = Σ_i a[i]·b[s·stride + i]` for `s < n`
 *   (four lanes of partial sums, then lane 0 + 1 + 2 + 3);
 * - `mix(w, ws, b, stride, dhBytes, n, y, scale)`: `y[i] = scale · Σ_s w[s·ws]·b[s·stride + i]`;
 * - `expv(p, n, shift)`: `p[i] = exp(p[i] - shift)` in place for `i < n` (n a multiple of 4), by
 *   Cephes' expf (range reduction by ln 2, degree-6 polynomial, ~1 ulp); arguments below -87.3 give
 *   ~1e-38 instead of 0 (JS's Math.exp costs ~15–45 ns here, the softmax's main cost).
 * Every address and stride is in bytes; `dhBytes` is a positive multiple of 16 (dh a multiple of 4).
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32const: 0x41,
  f32const: 0x43,
  f32load: [0x2a, 0x02, 0x00],
  f32store: [0x38, 0x02, 0x00],
  i32eqz: 0x45,
  i32ltu: 0x49,
  i32geu: 0x4f,
  i32add: 0x6a,
  i32sub: 0x6b,
  i32shl: 0x74,
  f32add: 0x92,
} as const;
const simd = {
  load: [0xfd, 0x00, 0x02, 0x00],
  store: [0xfd, 0x0b, 0x02, 0x00],
  splat: [0xfd, 0x13],
  lane: (i: number) => [0xfd, 0x1f, i],
  add: [0xfd, 0xe4, 0x01],
  sub: [0xfd, 0xe5, 0x01],
  mul: [0xfd, 0xe6, 0x01],
  max: [0xfd, 0xe9, 0x01],
  nearest: [0xfd, 0x6a],
  truncSat: [0xfd, 0xf8, 0x01],
  i32splat: [0xfd, 0x11],
  i32add: [0xfd, 0xae, 0x01],
  i32shl: [0xfd, 0xab, 0x01],
};
const EMPTY = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const get = (i: number) => [op.get, i];
const set = (i: number) => [op.set, i];
const f32 = (x: number) => [op.f32const, ...new Uint8Array(Float32Array.of(x).buffer)];
const zero4 = [...f32(0), ...simd.splat];
const splat = (x: number) => [...f32(x), ...simd.splat];

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
  ...get(9), ...op.f32load, ...simd.splat,
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

/** expv(p0 n1 shift2), locals: end3 x4 k5 r6 q7. */
const expBody = [
  ...vec([
    [1, I32],
    [4, V128],
  ]),
  ...get(0), ...get(1), op.i32const, 2, op.i32shl, op.i32add, ...set(3),
  op.block, EMPTY,
  ...get(0), ...get(3), op.i32geu, op.brIf, 0,
  op.loop, EMPTY,
  // x = max(p - shift, -87.33654); k = nearest(x·log2 e); r = x - k·C1 - k·C2
  ...get(0), ...simd.load, ...get(2), ...simd.splat, ...simd.sub, ...splat(-87.33654), ...simd.max, ...set(4),
  ...get(4), ...splat(1.44269504088896341), ...simd.mul, ...simd.nearest, ...set(5),
  ...get(4), ...get(5), ...splat(0.693359375), ...simd.mul, ...simd.sub, ...get(5), ...splat(-2.12194440e-4), ...simd.mul, ...simd.sub, ...set(6),
  // q = ((((c0·r + c1)·r + c2)·r + c3)·r + c4)·r + c5; q = q·r² + r + 1
  ...splat(1.9875691500e-4),
  ...get(6), ...simd.mul, ...splat(1.3981999507e-3), ...simd.add,
  ...get(6), ...simd.mul, ...splat(8.3334519073e-3), ...simd.add,
  ...get(6), ...simd.mul, ...splat(4.1665795894e-2), ...simd.add,
  ...get(6), ...simd.mul, ...splat(1.6666665459e-1), ...simd.add,
  ...get(6), ...simd.mul, ...splat(5.0000001201e-1), ...simd.add,
  ...get(6), ...get(6), ...simd.mul, ...simd.mul, ...get(6), ...simd.add, ...splat(1), ...simd.add, ...set(7),
  // p = q·2^k (k + 127 into the exponent bits)
  ...get(0),
  ...get(7),
  ...get(5), ...simd.truncSat, op.i32const, 0xff, 0x00, ...simd.i32splat, ...simd.i32add, op.i32const, 23, ...simd.i32shl,
  ...simd.mul,
  ...simd.store,
  ...get(0), op.i32const, 16, op.i32add, op.tee, 0, ...get(3), op.i32ltu, op.brIf, 0,
  op.end,
  op.end,
  op.end,
];

function moduleBytes(): Uint8Array {
  const fn = (params: number[]) => [0x60, ...uleb(params.length), ...params, 0];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fn([I32, I32, I32, I32, I32, I32]), fn([I32, I32, I32, I32, I32, I32, I32, F32]), fn([I32, I32, F32])])),
    ...section(2, vec([[...str("env"), ...str("mem"), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [1], [2]])),
    ...section(7, vec([[...str("dots"), 0x00, 0], [...str("mix"), 0x00, 1], [...str("expv"), 0x00, 2]])),
    ...section(10, vec([dotsBody, mixBody, expBody].map((b) => [...uleb(b.length), ...b]))),
  ]);
}

export interface SimdKernels {
  dots(a: number, b: number, stride: number, dhBytes: number, n: number, out: number): void;
  mix(w: number, ws: number, b: number, stride: number, dhBytes: number, n: number, y: number, scale: number): void;
  expv(p: number, n: number, shift: number): void;
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
    const ex = inst.exports as unknown as Pick<SimdKernels, "dots" | "mix" | "expv">;
    const k: SimdKernels = {
      dots: ex.dots,
      mix: ex.mix,
      expv: ex.expv,
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
