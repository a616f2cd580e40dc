/**
 * The built-in tiny policy: a decoder-only transformer over a character vocabulary.
 *
 * Two implementations of the same function share one set of weights:
 * - a TensorFlow.js forward pass over whole sequences, differentiable, for training: embeddings,
 *   LayerNorm, attention, the dense layers and the MLP are ops with hand-written gradients in JS and
 *   WebAssembly SIMD (`attention.ts`, `layernorm.ts`, `mlp.ts`, `matmul.ts`, `simd.ts`), because
 *   composed from tfjs ops they are slow on wasm or missing there (no gather gradient; transposed
 *   matMuls take a slow path); tfjs keeps the tape, the loss and the tensors between ops;
 * - a plain-JS incremental forward pass with a KV cache for generation (`runtime.ts`: a prompt or
 *   an observation in one pass, then one token at a time, each costing O(params + position·d), not a
 *   whole-prefix recomputation), deterministic, so a saved and re-loaded model gives the same greedy
 *   outputs bit for bit.
 *
 * Saved format (a directory): `tiny-policy.json` (format tag, config, tokenizer, tensor table of
 * name, shape and float offset, metadata) and `weights.bin` (all tensors as little-endian float32,
 * concatenated in the table's order).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CharTokenizer, type CharTokenizerJSON } from "../losses/index.js";
import { seededRandom } from "../random.js";
import { causalAttention } from "./attention.js";
import { layerNorm } from "./layernorm.js";
import { dense, embed, mlpBlock } from "./mlp.js";
import { TinyRuntime } from "./runtime.js";
import { checkConfig, paramShapes, type TinyConfig, type Weights } from "./config.js";

export { KVCache, TinyRuntime } from "./runtime.js";
export { checkConfig, paramShapes, type TinyConfig, type Weights } from "./config.js";

export const TINY_FORMAT = "mathagent-tiny-policy/1";
export const TINY_CONFIG_FILE = "tiny-policy.json";
export const TINY_WEIGHTS_FILE = "weights.bin";

/** The character set of the tiny model: printable ASCII and newline. */
export const TINY_CHARS = "\n" + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");

export function tinyTokenizer(): CharTokenizer {
  return new CharTokenizer(TINY_CHARS);
}


/** Seeded initial weights: N(0, 0.02), residual output projections scaled by 1/√(2L), LayerNorm (1, 0). */
export function initWeights(c: TinyConfig, seed: number): Weights {
  const r = seededRandom(seed ^ 0x9e3779b9);
  const normal = () => {
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const w: Weights = new Map();
  for (const [name, shape] of paramShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const base = name.split(".").pop()!;
    if (base.endsWith("_g")) a.fill(1);
    else if (shape.length === 2) {
      const std = base === "wo" || base === "w2" ? 0.02 / Math.sqrt(2 * c.nLayers) : 0.02;
      for (let i = 0; i < n; i++) a[i] = normal() * std;
    }
    w.set(name, a);
  }
  return w;
}


// ---------------------------------------------------------------------------------------------
// tfjs forward (training)

/** Trainable parameters as tf.Variables, by name. */
export type TfParams = Map<string, tf.Variable>;

export function toVariables(c: TinyConfig, w: Weights, trainable: boolean | ((name: string) => boolean) = true): TfParams {
  const out: TfParams = new Map();
  for (const [name, shape] of paramShapes(c)) {
    const t = typeof trainable === "function" ? trainable(name) : trainable;
    out.set(name, tf.variable(tf.tensor(w.get(name)!, shape, "float32"), t, `tiny/${name}/${Math.random().toString(36).slice(2)}`));
  }
  return out;
}

/** Logits `[B,T,V]` for input ids `[B,T]` (T ≤ maxLen). */
export function forwardLogits(c: TinyConfig, p: TfParams, ids: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = ids.shape;
  if (T > c.maxLen) throw new Error(`sequence of ${T} tokens is longer than the model's context ${c.maxLen}`);
  const d = c.dModel;
  const H = c.nHeads;
  const g = (n: string) => p.get(n)!;
  let x: tf.Tensor = embed(ids.dataSync() as Int32Array, B, T, g("wte"), g("wpe"));
  for (let l = 0; l < c.nLayers; l++) {
    const P = `h${l}.`;
    const h = layerNorm(x, g(P + "ln1_g"), g(P + "ln1_b"));
    // One matMul for queries, keys and values; the attention reads the heads in place.
    const wqkv = tf.concat([g(P + "wq"), g(P + "wk"), g(P + "wv")], 1);
    const bqkv = tf.concat([g(P + "bq"), g(P + "bk"), g(P + "bv")], 0);
    const o = causalAttention(dense(h, wqkv, bqkv), B, T, H);
    x = tf.add(x, dense(o, g(P + "wo"), g(P + "bo")));
    const h2 = layerNorm(x, g(P + "ln2_g"), g(P + "ln2_b"));
    x = tf.add(x, mlpBlock(h2, g(P + "w1"), g(P + "b1"), g(P + "w2"), g(P + "b2")));
  }
  const hf = layerNorm(x, g("lnf_g"), g("lnf_b"));
  return tf.reshape(dense(hf, g("wout"), g("bout")), [B, T, c.vocabSize]) as tf.Tensor3D;
}

// ---------------------------------------------------------------------------------------------
// The model object: config + tokenizer + weights; save / load

export interface TinyModelMeta {
  /** Free-form provenance: how it was trained, seeds, iteration. */
  [key: string]: unknown;
}

export class TinyModel {
  readonly tokenizer: CharTokenizer;
  private runtime_: TinyRuntime | undefined;
  constructor(
    readonly config: TinyConfig,
    public weights: Weights,
    tokenizer?: CharTokenizer,
    public meta: TinyModelMeta = {},
  ) {
    checkConfig(config);
    this.tokenizer = tokenizer ?? tinyTokenizer();
    if (this.tokenizer.vocabSize !== config.vocabSize) throw new Error(`tokenizer has ${this.tokenizer.vocabSize} ids, config.vocabSize is ${config.vocabSize}`);
  }

  static create(sizes: Omit<TinyConfig, "vocabSize">, seed = 0): TinyModel {
    const tok = tinyTokenizer();
    const config = { vocabSize: tok.vocabSize, ...sizes };
    checkConfig(config);
    return new TinyModel(config, initWeights(config, seed), tok, { initSeed: seed });
  }

  get runtime(): TinyRuntime {
    return (this.runtime_ ??= new TinyRuntime(this.config, this.weights));
  }

  get parameterCount(): number {
    let n = 0;
    for (const a of this.weights.values()) n += a.length;
    return n;
  }

  /** Replace the weights (e.g. from trained variables); the JS runtime is rebuilt. */
  setWeights(w: Weights): void {
    this.weights = w;
    this.runtime_ = undefined;
  }

  /** An independent copy (weights copied). */
  clone(): TinyModel {
    const w: Weights = new Map();
    for (const [k, v] of this.weights) w.set(k, Float32Array.from(v));
    return new TinyModel(this.config, w, this.tokenizer, { ...this.meta });
  }

  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const table: { name: string; shape: number[]; offset: number }[] = [];
    let offset = 0;
    for (const [name, shape] of paramShapes(this.config)) {
      table.push({ name, shape, offset });
      offset += shape.reduce((a, b) => a * b, 1);
    }
    const all = new Float32Array(offset);
    for (const t of table) all.set(this.weights.get(t.name)!, t.offset);
    const buf = Buffer.alloc(all.length * 4);
    for (let i = 0; i < all.length; i++) buf.writeFloatLE(all[i]!, i * 4);
    fs.writeFileSync(path.join(dir, TINY_WEIGHTS_FILE), buf);
    const json = { format: TINY_FORMAT, config: this.config, tokenizer: this.tokenizer.toJSON(), tensors: table, meta: this.meta };
    fs.writeFileSync(path.join(dir, TINY_CONFIG_FILE), JSON.stringify(json, null, 1) + "\n");
  }

  static load(dir: string): TinyModel {
    const cfgPath = path.join(dir, TINY_CONFIG_FILE);
    if (!fs.existsSync(cfgPath)) throw new Error(`${dir} is not a tiny policy model: ${TINY_CONFIG_FILE} is missing (save one with TinyModel.save or \`mathagent train\`)`);
    let json: { format?: string; config: TinyConfig; tokenizer: CharTokenizerJSON; tensors: { name: string; shape: number[]; offset: number }[]; meta?: TinyModelMeta };
    try {
      json = JSON.parse(fs.readFileSync(cfgPath, "utf8")) as typeof json;
    } catch (e) {
      throw new Error(`${cfgPath}: not JSON (${(e as Error).message})`);
    }
    if (json.format !== TINY_FORMAT) throw new Error(`${cfgPath}: format is ${JSON.stringify(json.format)}, expected ${JSON.stringify(TINY_FORMAT)}`);
    const buf = fs.readFileSync(path.join(dir, TINY_WEIGHTS_FILE));
    const w: Weights = new Map();
    for (const t of json.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if ((t.offset + n) * 4 > buf.length) throw new Error(`${dir}/${TINY_WEIGHTS_FILE} is too short for tensor ${t.name}`);
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = buf.readFloatLE((t.offset + i) * 4);
      w.set(t.name, a);
    }
    return new TinyModel(json.config, w, CharTokenizer.fromJSON(json.tokenizer), json.meta ?? {});
  }
}

/** Read trained variables back into a `Weights` map. */
export function weightsFromVariables(p: TfParams): Weights {
  const w: Weights = new Map();
  for (const [k, v] of p) w.set(k, Float32Array.from(v.dataSync() as Float32Array));
  return w;
}
