/**
 * A few WebAssembly opcodes and encoders, enough to assemble the SIMD module (`simd.ts`) and the kernels
 * it takes from `matmul-kernels.ts` and `layernorm-kernels.ts` from their bytes.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const op = {
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
  i32shrU: 0x76,
  f32sqrt: 0x91,
  f32add: 0x92,
  f32div: 0x95,
  f32max: 0x97,
  /** f32.convert_i32_u */
  f32FromU32: 0xb3,
} as const;
export const simd = {
  load: [0xfd, 0x00, 0x02, 0x00],
  /** v128.load at a constant byte offset (< 128) from the address on the stack. */
  loadAt: (offset: number) => [0xfd, 0x00, 0x02, offset],
  store: [0xfd, 0x0b, 0x02, 0x00],
  storeAt: (offset: number) => [0xfd, 0x0b, 0x02, offset],
  splat: [0xfd, 0x13],
  /** v128.load32_splat: one float from memory into all four lanes. */
  load32Splat: [0xfd, 0x09, 0x02, 0x00],
  lane: (i: number) => [0xfd, 0x1f, i],
  add: [0xfd, 0xe4, 0x01],
  sub: [0xfd, 0xe5, 0x01],
  mul: [0xfd, 0xe6, 0x01],
  div: [0xfd, 0xe7, 0x01],
  min: [0xfd, 0xe8, 0x01],
  max: [0xfd, 0xe9, 0x01],
  nearest: [0xfd, 0x6a],
  truncSat: [0xfd, 0xf8, 0x01],
  i32splat: [0xfd, 0x11],
  i32add: [0xfd, 0xae, 0x01],
  i32shl: [0xfd, 0xab, 0x01],
};
export const EMPTY = 0x40;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
export const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
export const get = (i: number) => [op.get, i];
export const set = (i: number) => [op.set, i];
export const tee = (i: number) => [op.tee, i];
export const f32 = (x: number) => [op.f32const, ...new Uint8Array(Float32Array.of(x).buffer)];
export const zero4 = [...f32(0), ...simd.splat];
export const splat = (x: number) => [...f32(x), ...simd.splat];

