/** Attention's row kernels (one query row against many key rows), shared by the training pass and the generation runtime. */

/**
 * `out[s] = Σ_i a[ao+i]·B[bo + s·stride + i]` for `s ≤ last`, summed in ascending i: the rows run in
 * the inner loop and four dimensions at a time, the partial sums waiting in `out`.
 */
export function rowDots(a: Float32Array | Float64Array, ao: number, B: Float32Array, bo: number, stride: number, dh: number, last: number, out: Float64Array): void {
  out.fill(0, 0, last + 1);
  let c = 0;
  for (; c + 3 < dh; c += 4) {
    const a0 = a[ao + c]!;
    const a1 = a[ao + c + 1]!;
    const a2 = a[ao + c + 2]!;
    const a3 = a[ao + c + 3]!;
    for (let s = 0, b = bo + c; s <= last; s++, b += stride) out[s] = out[s]! + a0 * B[b]! + a1 * B[b + 1]! + a2 * B[b + 2]! + a3 * B[b + 3]!;
  }
  for (; c < dh; c++) {
    const a0 = a[ao + c]!;
    for (let s = 0, b = bo + c; s <= last; s++, b += stride) out[s] = out[s]! + a0 * B[b]!;
  }
}

/** Softmax of `row[0..t]·scale` into `probs[po..]` (which may be `row` itself); `row` is left holding the exponentials. */
export function softmaxRow(row: Float64Array, t: number, scale: number, probs: Float32Array | Float64Array, po: number): void {
  let max = -Infinity;
  for (let s = 0; s <= t; s++) {
    const v = row[s]! * scale;
    row[s] = v;
    if (v > max) max = v;
  }
  let z = 0;
  for (let s = 0; s <= t; s++) {
    const e = Math.exp(row[s]! - max);
    row[s] = e;
    z += e;
  }
  for (let s = 0; s <= t; s++) probs[po + s] = row[s]! / z;
}
