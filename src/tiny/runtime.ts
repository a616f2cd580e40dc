/**
 * The plain-JS forward pass of the tiny model with a KV cache (generation).
 *
 * `prefill` reads any number of new tokens in one pass: every layer multiplies the whole block of
 * rows by each weight matrix (row × column blocks, so a weight is loaded once per block of rows),
 * then each row attends over the cache. `step` is `prefill` of one token. Both run the same kernels,
 * and every output element is summed in the same order whatever the block (bias first, then the
 * inputs in ascending order, in float64), so a prompt read in one pass and the same prompt read token
 * by token give the same logits and the same cache, bit for bit: the prefix cache and the seeds stay
 * exact. Keys and values are stored in float32 (the tfjs training pass computes in float32 too).
 */
import { LN_EPS, checkConfig, paramShapes, type TinyConfig, type Weights } from "./config.js";
import { rowDots, softmaxRow } from "./dots.js";

/** The per-sequence state of incremental decoding: keys and values of every position read so far. */
export class KVCache {
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  length = 0;
  constructor(readonly c: TinyConfig) {
    this.k = Array.from({ length: c.nLayers }, () => new Float32Array(c.maxLen * c.dModel));
    this.v = Array.from({ length: c.nLayers }, () => new Float32Array(c.maxLen * c.dModel));
  }
  /** A copy of the first `n` positions (prefix caching across turns and samples). */
  clone(n = this.length): KVCache {
    const o = new KVCache(this.c);
    const m = n * this.c.dModel;
    for (let l = 0; l < this.c.nLayers; l++) {
      o.k[l]!.set(this.k[l]!.subarray(0, m));
      o.v[l]!.set(this.v[l]!.subarray(0, m));
    }
    o.length = n;
    return o;
  }
}

/** A dense layer as the kernels read it: the weight transposed to `[dout, din]`, in float64. */
interface Dense {
  wt: Float64Array;
  b: Float64Array;
  din: number;
  dout: number;
}

interface Norm {
  g: Float64Array;
  b: Float64Array;
}

interface Layer {
  ln1: Norm;
  /** Queries, keys and values in one `[3d, d]` matrix. */
  qkv: Dense;
  wo: Dense;
  ln2: Norm;
  w1: Dense;
  w2: Dense;
}

const f64 = (a: Float32Array) => Float64Array.from(a);

/** `W` row-major `[din, dout]` (several matrices side by side along dout) → one transposed float64 layer. */
function dense(ws: Float32Array[], bs: Float32Array[], din: number): Dense {
  const outs = ws.map((w) => w.length / din);
  const dout = outs.reduce((a, b) => a + b, 0);
  const wt = new Float64Array(dout * din);
  let j0 = 0;
  ws.forEach((w, k) => {
    const n = outs[k]!;
    for (let i = 0; i < din; i++) for (let j = 0; j < n; j++) wt[(j0 + j) * din + i] = w[i * n + j]!;
    j0 += n;
  });
  const b = new Float64Array(dout);
  let o = 0;
  for (const x of bs) {
    b.set(x, o);
    o += x.length;
  }
  return { wt, b, din, dout };
}

/** One output element: `b + Σ_i x[i]·w[i]`, summed in ascending i (the order every kernel keeps). */
function dot1(x: Float64Array, xo: number, w: Float64Array, wo: number, n: number, b: number): number {
  let s = b;
  for (let i = 0; i < n; i++) s += x[xo + i]! * w[wo + i]!;
  return s;
}

/** Four output columns of one row: four independent sums, each in the order of `dot1`. */
function rowBlock(L: Dense, x: Float64Array, xo: number, y: Float64Array, yo: number, j: number): void {
  const { wt, b, din } = L;
  const w0 = j * din;
  const w1 = w0 + din;
  const w2 = w1 + din;
  const w3 = w2 + din;
  let s0 = b[j]!;
  let s1 = b[j + 1]!;
  let s2 = b[j + 2]!;
  let s3 = b[j + 3]!;
  for (let i = 0; i < din; i++) {
    const xi = x[xo + i]!;
    s0 += xi * wt[w0 + i]!;
    s1 += xi * wt[w1 + i]!;
    s2 += xi * wt[w2 + i]!;
    s3 += xi * wt[w3 + i]!;
  }
  y[yo + j] = s0;
  y[yo + j + 1] = s1;
  y[yo + j + 2] = s2;
  y[yo + j + 3] = s3;
}

/** Four output columns of two rows: each weight value loaded once for both rows. */
function pairBlock(L: Dense, x: Float64Array, xo: number, y: Float64Array, yo: number, j: number): void {
  const { wt, b, din, dout } = L;
  const xp = xo + din;
  const yp = yo + dout;
  const w0 = j * din;
  const w1 = w0 + din;
  const w2 = w1 + din;
  const w3 = w2 + din;
  let s0 = b[j]!;
  let s1 = b[j + 1]!;
  let s2 = b[j + 2]!;
  let s3 = b[j + 3]!;
  let t0 = s0;
  let t1 = s1;
  let t2 = s2;
  let t3 = s3;
  for (let i = 0; i < din; i++) {
    const xi = x[xo + i]!;
    const zi = x[xp + i]!;
    const a0 = wt[w0 + i]!;
    const a1 = wt[w1 + i]!;
    const a2 = wt[w2 + i]!;
    const a3 = wt[w3 + i]!;
    s0 += xi * a0;
    s1 += xi * a1;
    s2 += xi * a2;
    s3 += xi * a3;
    t0 += zi * a0;
    t1 += zi * a1;
    t2 += zi * a2;
    t3 += zi * a3;
  }
  y[yo + j] = s0;
  y[yo + j + 1] = s1;
  y[yo + j + 2] = s2;
  y[yo + j + 3] = s3;
  y[yp + j] = t0;
  y[yp + j + 1] = t1;
  y[yp + j + 2] = t2;
  y[yp + j + 3] = t3;
}

/** `Y[r] = X[r]·W + b` for rows `r0..r0+n-1` of `X` `[·, din]` into `Y` `[·, dout]`. */
function denseRows(L: Dense, x: Float64Array, y: Float64Array, r0: number, n: number): void {
  const { wt, b, din, dout } = L;
  const full = dout - (dout % 4);
  let r = r0;
  for (; r + 1 < r0 + n; r += 2) {
    for (let j = 0; j < full; j += 4) pairBlock(L, x, r * din, y, r * dout, j);
    for (let j = full; j < dout; j++) {
      y[r * dout + j] = dot1(x, r * din, wt, j * din, din, b[j]!);
      y[(r + 1) * dout + j] = dot1(x, (r + 1) * din, wt, j * din, din, b[j]!);
    }
  }
  for (; r < r0 + n; r++) {
    for (let j = 0; j < full; j += 4) rowBlock(L, x, r * din, y, r * dout, j);
    for (let j = full; j < dout; j++) y[r * dout + j] = dot1(x, r * din, wt, j * din, din, b[j]!);
  }
}

function layerNormRow(x: Float64Array, xo: number, n: number, p: Norm, out: Float64Array): void {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[xo + i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[xo + i]! - mean) ** 2;
  const inv = 1 / Math.sqrt(v / n + LN_EPS);
  for (let i = 0; i < n; i++) out[xo + i] = (x[xo + i]! - mean) * inv * p.g[i]! + p.b[i]!;
}

/** `o[oo+i] = Σ_s w[s]·V[s, off+i]` for `s ≤ last`, summed in ascending s, four dimensions at a time. */
function mixValues(w: Float64Array, V: Float32Array, off: number, d: number, dh: number, last: number, o: Float64Array, oo: number): void {
  let c = 0;
  for (; c + 3 < dh; c += 4) {
    let o0 = 0;
    let o1 = 0;
    let o2 = 0;
    let o3 = 0;
    for (let s = 0, b = off + c; s <= last; s++, b += d) {
      const ws = w[s]!;
      o0 += ws * V[b]!;
      o1 += ws * V[b + 1]!;
      o2 += ws * V[b + 2]!;
      o3 += ws * V[b + 3]!;
    }
    o[oo + c] = o0;
    o[oo + c + 1] = o1;
    o[oo + c + 2] = o2;
    o[oo + c + 3] = o3;
  }
  for (; c < dh; c++) {
    let acc = 0;
    for (let s = 0, b = off + c; s <= last; s++, b += d) acc += w[s]! * V[b]!;
    o[oo + c] = acc;
  }
}

/** Scratch rows for a block of up to `maxLen` tokens. */
interface Scratch {
  x: Float64Array;
  h: Float64Array;
  qkv: Float64Array;
  o: Float64Array;
  t: Float64Array;
  f: Float64Array;
  att: Float64Array;
}

/** Everything the JS forward pass needs, resolved once from the weights (a copy: rebuild it after changing them). */
export class TinyRuntime {
  private readonly wte: Float64Array;
  private readonly wpe: Float64Array;
  private readonly layers: Layer[];
  private readonly lnf: Norm;
  private readonly out: Dense;
  private readonly s: Scratch;
  readonly logits: Float64Array;
  constructor(
    readonly c: TinyConfig,
    w: Weights,
  ) {
    checkConfig(c);
    for (const [name, shape] of paramShapes(c)) {
      const a = w.get(name);
      const n = shape.reduce((x, y) => x * y, 1);
      if (!a || a.length !== n) throw new Error(`tiny model weights: ${name} is missing or has ${a?.length ?? 0} values, expected ${n}`);
    }
    const g = (n: string) => w.get(n)!;
    const d = c.dModel;
    this.wte = f64(g("wte"));
    this.wpe = f64(g("wpe"));
    this.layers = Array.from({ length: c.nLayers }, (_, l) => {
      const P = `h${l}.`;
      return {
        ln1: { g: f64(g(P + "ln1_g")), b: f64(g(P + "ln1_b")) },
        qkv: dense([g(P + "wq"), g(P + "wk"), g(P + "wv")], [g(P + "bq"), g(P + "bk"), g(P + "bv")], d),
        wo: dense([g(P + "wo")], [g(P + "bo")], d),
        ln2: { g: f64(g(P + "ln2_g")), b: f64(g(P + "ln2_b")) },
        w1: dense([g(P + "w1")], [g(P + "b1")], d),
        w2: dense([g(P + "w2")], [g(P + "b2")], c.dFF),
      };
    });
    this.lnf = { g: f64(g("lnf_g")), b: f64(g("lnf_b")) };
    this.out = dense([g("wout")], [g("bout")], d);
    const M = c.maxLen;
    this.s = {
      x: new Float64Array(M * d),
      h: new Float64Array(M * d),
      qkv: new Float64Array(M * 3 * d),
      o: new Float64Array(M * d),
      t: new Float64Array(M * d),
      f: new Float64Array(M * c.dFF),
      att: new Float64Array(M),
    };
    this.logits = new Float64Array(c.vocabSize);
  }

  /** Read one token at position `cache.length`, append its keys/values; fills and returns `logits` when asked. */
  step(cache: KVCache, token: number, wantLogits: boolean): Float64Array | null {
    return this.prefill(cache, [token], wantLogits);
  }

  /**
   * Read `tokens` at positions `cache.length…` in one pass and append their keys/values; fills and
   * returns `logits` (of the last token) when asked. Bit-identical to one `step` per token.
   */
  prefill(cache: KVCache, tokens: readonly number[], wantLogits: boolean): Float64Array | null {
    const c = this.c;
    const n = tokens.length;
    const pos = cache.length;
    if (n === 0) throw new Error("prefill: no tokens to read");
    if (pos + n > c.maxLen) throw new Error(`context of ${c.maxLen} tokens is full (${pos} read, ${n} more)`);
    const d = c.dModel;
    const { x, h, o, t } = this.s;
    for (let r = 0; r < n; r++) {
      const e = tokens[r]! * d;
      const p = (pos + r) * d;
      for (let i = 0; i < d; i++) x[r * d + i] = this.wte[e + i]! + this.wpe[p + i]!;
    }
    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l]!;
      for (let r = 0; r < n; r++) layerNormRow(x, r * d, d, L.ln1, h);
      denseRows(L.qkv, h, this.s.qkv, 0, n);
      this.attend(cache, l, pos, n);
      denseRows(L.wo, o, t, 0, n);
      for (let i = 0; i < n * d; i++) x[i] += t[i]!;
      for (let r = 0; r < n; r++) layerNormRow(x, r * d, d, L.ln2, h);
      this.mlp(L, n);
    }
    cache.length = pos + n;
    if (!wantLogits) return null;
    const last = (n - 1) * d;
    layerNormRow(x, last, d, this.lnf, h);
    for (let j = 0; j < c.vocabSize; j++) this.logits[j] = dot1(h, last, this.out.wt, j * d, d, this.out.b[j]!);
    return this.logits;
  }

  /** Store the block's keys/values in the cache, then each row's causal attention into `o`. */
  private attend(cache: KVCache, l: number, pos: number, n: number): void {
    const d = this.c.dModel;
    const H = this.c.nHeads;
    const dh = d / H;
    const { qkv, o, att } = this.s;
    const K = cache.k[l]!;
    const V = cache.v[l]!;
    for (let r = 0; r < n; r++) {
      const src = r * 3 * d;
      const dst = (pos + r) * d;
      for (let i = 0; i < d; i++) {
        K[dst + i] = qkv[src + d + i]!;
        V[dst + i] = qkv[src + 2 * d + i]!;
      }
    }
    const scale = 1 / Math.sqrt(dh);
    for (let r = 0; r < n; r++) {
      const last = pos + r;
      for (let hh = 0; hh < H; hh++) {
        const off = hh * dh;
        rowDots(qkv, r * 3 * d + off, K, off, d, dh, last, att);
        softmaxRow(att, last, scale, att, 0);
        mixValues(att, V, off, d, dh, last, o, r * d + off);
      }
    }
  }

  /** `x += W2·gelu(W1·h)` for the block's rows. */
  private mlp(L: Layer, n: number): void {
    const { x, h, t, f } = this.s;
    denseRows(L.w1, h, f, 0, n);
    const m = n * this.c.dFF;
    for (let i = 0; i < m; i++) {
      const u = f[i]!;
      f[i] = u / (1 + Math.exp(-1.702 * u));
    }
    denseRows(L.w2, f, t, 0, n);
    const nd = n * this.c.dModel;
    for (let i = 0; i < nd; i++) x[i] += t[i]!;
  }
}
