/**
 * The tiny model's configuration, its parameter table and weight map: what both the training pass
 * (model.ts) and the generation runtime (runtime.ts) read, in a module of its own so that neither imports the other.
 */

export interface TinyConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFF: number;
  /** Longest sequence (positions) the model can read. */
  maxLen: number;
}

/** LayerNorm's ε, added to the variance: one value for the training pass, its SIMD kernel and the runtimes. */
export const LN_EPS = 1e-5;

/** Every parameter as float32, by name. */
export type Weights = Map<string, Float32Array>;

/** Parameter names and shapes, in the saved order. */
export function paramShapes(c: TinyConfig): [string, number[]][] {
  const { vocabSize: V, dModel: d, dFF: f, maxLen } = c;
  const out: [string, number[]][] = [
    ["wte", [V, d]],
    ["wpe", [maxLen, d]],
  ];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `h${l}.`;
    out.push(
      [p + "ln1_g", [d]], [p + "ln1_b", [d]],
      [p + "wq", [d, d]], [p + "bq", [d]], [p + "wk", [d, d]], [p + "bk", [d]], [p + "wv", [d, d]], [p + "bv", [d]],
      [p + "wo", [d, d]], [p + "bo", [d]],
      [p + "ln2_g", [d]], [p + "ln2_b", [d]],
      [p + "w1", [d, f]], [p + "b1", [f]], [p + "w2", [f, d]], [p + "b2", [d]],
    );
  }
  out.push(["lnf_g", [d]], ["lnf_b", [d]], ["wout", [d, V]], ["bout", [V]]);
  return out;
}

export function checkConfig(c: TinyConfig): void {
  for (const k of ["vocabSize", "dModel", "nLayers", "nHeads", "dFF", "maxLen"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`tiny model config: ${k} must be a positive integer, got ${String(c[k])}`);
  }
  if (c.dModel % c.nHeads !== 0) throw new Error(`tiny model config: dModel ${c.dModel} is not divisible by nHeads ${c.nHeads}`);
}
