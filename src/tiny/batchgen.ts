/**
 * Batched generation with TensorFlow.js and a KV cache: the requests that arrive while a batch runs
 * are queued and run together as the next batch (the rollout engine keeps many trajectories in
 * flight, so each batch holds many of their turns). Prompts are left-padded; each new token costs
 * one step over the batch (its keys/values are appended to the cache), not a pass over the prefix.
 *
 * Sampling happens on the host from the downloaded logits, so temperature, top-p, seed, stop strings
 * and the token budget are per request. Rows that finish are dropped from the cache tensors when
 * fewer than half remain active.
 */
import * as tf from "@tensorflow/tfjs";
import { seededRandom } from "../random.js";
import { LN_EPS } from "./config.js";
import { paramShapes, type TinyModel, type Weights } from "./model.js";
import { type GenerateOptions, type Generated, sampleToken } from "./generate.js";

interface Row {
  ids: number[];
  opts: GenerateOptions;
  rand: () => number;
  stops: string[];
  text: string;
  count: number;
  done: boolean;
  finish: Generated["finishReason"];
  stopReason: string | null;
  /** Real tokens read (the next position). */
  len: number;
  req: Req;
  index: number;
}

interface Req {
  prompt: string;
  opts: GenerateOptions & { n?: number };
  results: Generated[];
  left: number;
  resolve: (g: Generated[]) => void;
  reject: (e: unknown) => void;
}

/** What a running batch carries from step to step. */
interface BatchState {
  /** The rows still in the cache tensors, in their order. */
  active: Row[];
  /** Logits `[active, V]` of the last step. */
  logits: Float32Array;
  /** Keys per layer, `[rows·H, dh, t]`. */
  Kt: tf.Tensor[];
  /** Values per layer, `[rows·H, t, dh]`. */
  Vc: tf.Tensor[];
  /** Per-row key bias (-1e9 on the left padding), one column per position. */
  bias: number[][];
}

export interface BatchGeneratorOptions {
  /** Most sequences in one batch (default 64). */
  maxBatch?: number;
}

export class BatchGenerator {
  private queue: Req[] = [];
  private running: Promise<void> | null = null;
  private params: Map<string, tf.Tensor> | null = null;
  private builtFor: Weights | null = null;
  readonly maxBatch: number;
  /** Counters for benchmarks. */
  stats = { batches: 0, steps: 0, rows: 0, tokens: 0, ms: 0 };

  constructor(
    readonly model: TinyModel,
    o: BatchGeneratorOptions = {},
  ) {
    this.maxBatch = Math.max(1, o.maxBatch ?? 64);
  }

  /** `n` continuations of `prompt` (queued; runs with the other pending requests). */
  generate(prompt: string, opts: GenerateOptions & { n?: number } = {}): Promise<Generated[]> {
    return new Promise((resolve, reject) => {
      const n = Math.max(1, opts.n ?? 1);
      this.queue.push({ prompt, opts, results: new Array(n), left: n, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = (async () => {
      // Let the other requests issued in this tick join the batch.
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const rows: Row[] = [];
        const taken: Req[] = [];
        while (this.queue.length > 0 && rows.length < this.maxBatch) {
          const q = this.queue[0]!;
          const n = q.results.length;
          if (rows.length > 0 && rows.length + n > this.maxBatch) break;
          this.queue.shift();
          taken.push(q);
          for (let i = 0; i < n; i++) rows.push(this.makeRow(q, i));
        }
        try {
          await this.runBatch(rows);
        } catch (e) {
          for (const q of taken) q.reject(e);
          continue;
        }
        for (const r of rows) {
          r.req.results[r.index] = { text: r.text, finishReason: r.finish, stopReason: r.stopReason, promptTokens: r.ids.length - 1, completionTokens: r.count };
          if (--r.req.left === 0) r.req.resolve(r.req.results);
        }
      }
    })().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private makeRow(q: Req, i: number): Row {
    const tok = this.model.tokenizer;
    return {
      ids: [tok.bosId!, ...tok.encode(q.prompt)],
      opts: q.opts,
      rand: seededRandom(((q.opts.seed ?? 0) + Math.imul(i, 0x9e3779b1)) >>> 0),
      stops: (q.opts.stop ?? []).filter((s) => s.length > 0),
      text: "",
      count: 0,
      done: false,
      finish: "length",
      stopReason: null,
      len: 0,
      req: q,
      index: i,
    };
  }

  private weights(): Map<string, tf.Tensor> {
    if (this.params && this.builtFor === this.model.weights) return this.params;
    this.dispose();
    const p = new Map<string, tf.Tensor>();
    for (const [name, shape] of paramShapes(this.model.config)) p.set(name, tf.tensor(this.model.weights.get(name)!, shape, "float32"));
    this.params = p;
    this.builtFor = this.model.weights;
    return p;
  }

  /** Free the weight tensors (they are rebuilt on the next request). */
  dispose(): void {
    if (this.params) for (const t of this.params.values()) t.dispose();
    this.params = null;
    this.builtFor = null;
  }

  private g(name: string): tf.Tensor {
    return this.params!.get(name)!;
  }

  private ln(x: tf.Tensor, gn: string, bn: string): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), this.g(gn)), this.g(bn));
    });
  }

  /** The residual MLP block of layer prefix `Pf` (`h0.` …). */
  private mlp(x: tf.Tensor, Pf: string): tf.Tensor {
    const g = (n: string) => this.g(n);
    const h2 = this.ln(x, Pf + "ln2_g", Pf + "ln2_b");
    const u = tf.add(tf.matMul(h2 as tf.Tensor2D, g(Pf + "w1") as tf.Tensor2D), g(Pf + "b1"));
    return tf.add(x, tf.add(tf.matMul(tf.mul(u, tf.sigmoid(tf.mul(u, 1.702))) as tf.Tensor2D, g(Pf + "w2") as tf.Tensor2D), g(Pf + "b2")));
  }

  /** Logits `[B, V]` of the final hidden states `[B, d]`. */
  private head(x: tf.Tensor): tf.Tensor {
    return tf.add(tf.matMul(this.ln(x, "lnf_g", "lnf_b") as tf.Tensor2D, this.g("wout") as tf.Tensor2D), this.g("bout"));
  }

  private async runBatch(all: Row[]): Promise<void> {
    const t0 = performance.now();
    const c = this.model.config;
    this.weights();
    // Rows whose prompt does not fit end at once.
    const rows = all.filter((r) => {
      if (r.ids.length < c.maxLen) return true;
      r.done = true;
      return false;
    });
    if (rows.length === 0) return;
    this.stats.batches++;
    this.stats.rows += rows.length;
    const st = this.prefill(rows);
    for (let step = 0; ; step++) {
      const { next, nextPos, live } = this.sampleRows(st.active, st.logits);
      if (live === 0) break;
      // Drop finished rows from the cache when fewer than half are active.
      const keep = live < st.active.length / 2 ? this.compact(st, next, nextPos) : st.active.length;
      st.logits = await this.decodeStep(next.subarray(0, keep), nextPos.subarray(0, keep), st);
      this.stats.steps++;
      if (step % 16 === 15) await new Promise<void>((r) => setImmediate(r));
    }
    tf.dispose([...st.Kt, ...st.Vc]);
    this.stats.ms += performance.now() - t0;
  }

  /** Read the left-padded prompts in one pass: the caches, the key bias and the first logits. */
  private prefill(rows: Row[]): BatchState {
    const c = this.model.config;
    const pad = this.model.tokenizer.padId!;
    const g = (n: string) => this.g(n);
    const [d, H, B] = [c.dModel, c.nHeads, rows.length];
    const dh = d / H;
    const T0 = Math.max(...rows.map((r) => r.ids.length));
    const ids = new Int32Array(B * T0).fill(pad);
    const pos = new Int32Array(B * T0);
    const keyBias = new Float32Array(B * T0);
    rows.forEach((r, b) => {
      const off = T0 - r.ids.length;
      for (let t = 0; t < T0; t++) {
        if (t < off) keyBias[b * T0 + t] = -1e9;
        else {
          ids[b * T0 + t] = r.ids[t - off]!;
          pos[b * T0 + t] = t - off;
        }
      }
      r.len = r.ids.length;
    });
    const Kt: tf.Tensor[] = [];
    const Vc: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      const causal = new Float32Array(T0 * T0);
      for (let i = 0; i < T0; i++) for (let j = i + 1; j < T0; j++) causal[i * T0 + j] = -1e9;
      const bias4 = tf.add(tf.tensor2d(causal, [T0, T0]), tf.tensor4d(keyBias, [B, 1, 1, T0]));
      let x = tf.add(tf.gather(g("wte"), tf.tensor1d(ids, "int32")), tf.gather(g("wpe"), tf.tensor1d(pos, "int32")));
      for (let l = 0; l < c.nLayers; l++) {
        const Pf = `h${l}.`;
        const h = this.ln(x, Pf + "ln1_g", Pf + "ln1_b");
        const proj = (w: string, b: string) => tf.transpose(tf.reshape(tf.add(tf.matMul(h as tf.Tensor2D, g(w) as tf.Tensor2D), g(b)), [B, T0, H, dh]), [0, 2, 1, 3]);
        const q = tf.reshape(proj(Pf + "wq", Pf + "bq"), [B * H, T0, dh]);
        const v = tf.reshape(proj(Pf + "wv", Pf + "bv"), [B * H, T0, dh]);
        const kt = tf.reshape(tf.transpose(proj(Pf + "wk", Pf + "bk"), [0, 1, 3, 2]), [B * H, dh, T0]);
        Kt.push(tf.keep(kt));
        Vc.push(tf.keep(v));
        const s = tf.add(tf.reshape(tf.mul(tf.matMul(q, kt), 1 / Math.sqrt(dh)), [B, H, T0, T0]), bias4);
        const a = tf.matMul(tf.reshape(tf.softmax(s), [B * H, T0, T0]), v);
        const o = tf.reshape(tf.transpose(tf.reshape(a, [B, H, T0, dh]), [0, 2, 1, 3]), [B * T0, d]);
        x = this.mlp(tf.add(x, tf.add(tf.matMul(o as tf.Tensor2D, g(Pf + "wo") as tf.Tensor2D), g(Pf + "bo"))), Pf);
      }
      return this.head(tf.reshape(tf.slice(tf.reshape(x, [B, T0, d]), [0, T0 - 1, 0], [B, 1, d]), [B, d])).dataSync() as Float32Array;
    });
    // Per-row key bias of the cache, grown by one column per step.
    const bias = rows.map((_, b) => Array.from(keyBias.subarray(b * T0, (b + 1) * T0)));
    return { active: rows.slice(), logits, Kt, Vc, bias };
  }

  /** Sample one token per active row from `logits` `[rows, V]`; finished rows get the pad token. */
  private sampleRows(active: Row[], logits: Float32Array): { next: Int32Array; nextPos: Int32Array; live: number } {
    const c = this.model.config;
    const tok = this.model.tokenizer;
    const banned = [tok.padId!, tok.bosId!, tok.unkId!];
    const V = c.vocabSize;
    const next = new Int32Array(active.length).fill(tok.padId!);
    const nextPos = new Int32Array(active.length);
    let live = 0;
    active.forEach((r, b) => {
      if (r.done) return;
      if (r.opts.signal?.aborted) {
        r.done = true;
        return;
      }
      if (r.count >= (r.opts.maxTokens ?? 256) || r.len >= c.maxLen) {
        r.done = true;
        r.finish = "length";
        return;
      }
      const t = sampleToken(Float64Array.from(logits.subarray(b * V, (b + 1) * V)), r.opts.temperature ?? 0, r.opts.topP ?? 1, r.rand, banned);
      r.count++;
      this.stats.tokens++;
      if (this.ends(r, t)) return;
      next[b] = t;
      nextPos[b] = r.len;
      r.len++;
      live++;
    });
    return { next, nextPos, live };
  }

  /** Append sampled token `t` to the row's text; true when the row is done (EOS or a stop string). */
  private ends(r: Row, t: number): boolean {
    const tok = this.model.tokenizer;
    if (t === tok.eosId!) {
      r.done = true;
      r.finish = "stop";
      return true;
    }
    r.text += tok.decode([t]);
    const hit = r.stops.find((s) => r.text.endsWith(s));
    if (!hit) return false;
    r.text = r.text.slice(0, r.text.length - hit.length);
    r.done = true;
    r.finish = "stop";
    r.stopReason = hit;
    return true;
  }

  /** Keep only the live rows in the caches, the bias and `next`/`nextPos` (compacted in place); returns how many. */
  private compact(st: BatchState, next: Int32Array, nextPos: Int32Array): number {
    const H = this.model.config.nHeads;
    const keep = st.active.map((r, b) => (r.done ? -1 : b)).filter((b) => b >= 0);
    const idx = tf.tensor1d(
      keep.flatMap((b) => Array.from({ length: H }, (_, h) => b * H + h)),
      "int32",
    );
    const nk = st.Kt.map((k) => tf.gather(k, idx));
    const nv = st.Vc.map((v) => tf.gather(v, idx));
    tf.dispose([...st.Kt, ...st.Vc, idx]);
    st.Kt = nk;
    st.Vc = nv;
    const nn = Int32Array.from(keep.map((b) => next[b]!));
    const np = Int32Array.from(keep.map((b) => nextPos[b]!));
    st.bias = keep.map((b) => st.bias[b]!);
    st.active = keep.map((b) => st.active[b]!);
    next.set(nn);
    nextPos.set(np);
    next.fill(this.model.tokenizer.padId!, keep.length);
    return keep.length;
  }

  /** One token for every row: appends to the caches (in place in `st`) and returns the logits. */
  private async decodeStep(next: Int32Array, nextPos: Int32Array, st: BatchState): Promise<Float32Array> {
    const c = this.model.config;
    const g = (n: string) => this.g(n);
    const d = c.dModel;
    const H = c.nHeads;
    const dh = d / H;
    const B = next.length;
    const { Kt, Vc, bias } = st;
    for (const row of bias) row.push(0);
    const t = bias[0]!.length;
    const flat = new Float32Array(B * t);
    bias.forEach((row, b) => flat.set(row, b * t));
    const out = tf.tidy(() => {
      const kb = tf.tensor3d(flat, [B, 1, t]);
      let x = tf.add(tf.gather(g("wte"), tf.tensor1d(next, "int32")), tf.gather(g("wpe"), tf.tensor1d(nextPos, "int32")));
      for (let l = 0; l < c.nLayers; l++) {
        const Pf = `h${l}.`;
        const h = this.ln(x, Pf + "ln1_g", Pf + "ln1_b");
        const proj = (w: string, b: string) => tf.add(tf.matMul(h as tf.Tensor2D, g(w) as tf.Tensor2D), g(b));
        const q = tf.reshape(proj(Pf + "wq", Pf + "bq"), [B * H, 1, dh]);
        const k = tf.reshape(proj(Pf + "wk", Pf + "bk"), [B * H, dh, 1]);
        const v = tf.reshape(proj(Pf + "wv", Pf + "bv"), [B * H, 1, dh]);
        const nk = tf.keep(tf.concat([Kt[l]!, k], 2));
        const nv = tf.keep(tf.concat([Vc[l]!, v], 1));
        Kt[l]!.dispose();
        Vc[l]!.dispose();
        Kt[l] = nk;
        Vc[l] = nv;
        // Elementwise products and sums: batched matMuls with a tiny inner size are slow on wasm.
        const s = tf.add(tf.reshape(tf.mul(tf.sum(tf.mul(tf.reshape(q, [B * H, dh, 1]), nk), 1), 1 / Math.sqrt(dh)), [B, H, t]), kb);
        const a = tf.sum(tf.mul(tf.reshape(tf.softmax(s), [B * H, t, 1]), nv), 1);
        x = this.mlp(tf.add(x, tf.add(tf.matMul(tf.reshape(a, [B, d]) as tf.Tensor2D, g(Pf + "wo") as tf.Tensor2D), g(Pf + "bo"))), Pf);
      }
      return this.head(x);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }
}
