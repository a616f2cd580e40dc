/**
 * Token log-probabilities `x[y] − logsumexp(x)` with an analytic gradient, processed in chunks of
 * tokens so that no `[B,T,V]` log-softmax (or one-hot) is ever materialised.
 *
 * Works around tfjs 4.22 bugs (see shared/research/tfjs-backends.md):
 * - the gather is chosen per backend: flat `i*V + y` on wasm/cpu/native (batchDims gather is wrong
 *   on wasm), batchDims on webgpu (its gather indices go through f32 and break above 2^24);
 * - `oneHot` is always cast from int32 (oneHot(..., "float32") is wrong on wasm);
 * - gathers never need a gradient (wasm has no UnsortedSegmentSum, GatherNd has no gradient);
 * - only 2-D slices and plain (non-transposed) matMuls on the hot path; on wasm, row chunks are
 *   copied straight from the heap (`tf.slice` there first copies the whole input).
 * Speed: logsumexp comes from the native Softmax kernel (`max(x) − log(max(softmax(x)))`), the
 * gradient is `softmax·(−dy)` plus a scatter of `dy` at the labels. See docs/losses.md.
 */
import * as tf from "@tensorflow/tfjs";

type CGF = Parameters<typeof tf.customGrad>[0];

export type GatherMode = "auto" | "flat" | "batchDims" | "onehot";

export interface TokenLogProbOptions {
  /**
   * Largest `[rows, V]` float32 chunk the computation creates, in bytes (default 32 MiB on
   * WebGPU, 256 MiB elsewhere: see `defaultChunkBytes`). Keep
   * below the device's storage-binding limit on WebGPU (128 MiB on some adapters: tensors above it
   * silently give garbage there).
   */
  chunkBytes?: number;
  /** How the label's logit is picked (default "auto": per backend). */
  gather?: GatherMode;
  /** How the gradient is formed (default "auto": per backend). */
  grad?: GradMode;
}

/** Default chunk on WebGPU: well below the 128 MiB storage-binding limit some adapters have. */
export const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;
/**
 * Default chunk on wasm / cpu / native: larger, since there chunks cost an extra copy each
 * (wasm's memory bandwidth, not a binding limit, is what matters) and one chunk's temporaries are
 * freed before the next.
 */
export const DEFAULT_CHUNK_BYTES_CPU = 256 * 1024 * 1024;

/** The default chunk size on the active backend. */
export function defaultChunkBytes(): number {
  return tf.getBackend() === "webgpu" ? DEFAULT_CHUNK_BYTES : DEFAULT_CHUNK_BYTES_CPU;
}

/** Rows of a `[rows, V]` float32 chunk that fit in `chunkBytes` (at least 1). */
export function chunkRows(V: number, total: number, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  if (!(chunkBytes > 0)) throw new Error(`chunkBytes must be positive, got ${chunkBytes}`);
  return Math.max(1, Math.min(total, Math.floor(chunkBytes / (4 * V))));
}

/** The gather that is correct on the active backend. */
export function resolveGather(mode: GatherMode = "auto"): Exclude<GatherMode, "auto"> {
  if (mode !== "auto") return mode;
  return tf.getBackend() === "webgpu" ? "batchDims" : "flat";
}

/** `x[i, y[i]]` for a `[n, V]` chunk and int32 labels `[n]`; no gradient needed. */
function pick(x: tf.Tensor2D, y: tf.Tensor1D, mode: Exclude<GatherMode, "auto">): tf.Tensor1D {
  const [n, V] = x.shape;
  if (mode === "flat") {
    const idx = tf.add(tf.mul(tf.range(0, n, 1, "int32"), tf.scalar(V, "int32")), y);
    return tf.gather(tf.reshape(x, [n * V]), idx) as tf.Tensor1D;
  }
  if (mode === "batchDims") {
    return tf.reshape(tf.gather(x, tf.reshape(y, [n, 1]), 1, 1), [n]);
  }
  return tf.sum(tf.mul(x, tf.cast(tf.oneHot(y, V), "float32")), 1);
}

/**
 * Softmax `p` and logsumexp of a `[n,V]` chunk. The wasm Softmax kernel is native and several
 * times faster than the composite `tf.logSumExp`; the logsumexp follows exactly from it:
 * `p[argmax] = exp(max − lse)`, so `lse = max − log(max(p))` (max(p) ≥ 1/V never underflows).
 */
function softmaxLse(x: tf.Tensor2D): [tf.Tensor2D, tf.Tensor1D] {
  const p = tf.softmax(x);
  const lse = tf.tidy(() => tf.sub(tf.max(x, 1), tf.log(tf.max(p, 1))) as tf.Tensor1D);
  return [p, lse];
}

export type GradMode = "auto" | "scatter" | "onehot";

/** How the gradient puts `dy` at the label: per backend (scatter, except on WebGPU). */
export function resolveGradMode(mode: GradMode = "auto"): Exclude<GradMode, "auto"> {
  if (mode !== "auto") return mode;
  return tf.getBackend() === "webgpu" ? "onehot" : "scatter";
}

/**
 * `(onehot(y) − p) · dy` for one chunk, freeing intermediates early.
 * - "scatter": `g = p·(−dy)`, then `g[i, y_i] += dy_i` with TensorScatterUpdate: two passes, peak p + g
 *   then g + result (2 chunk tensors);
 * - "onehot": `(cast(oneHot(y)) − p)·dy`: four passes, peak 3 chunk tensors (the form checked on WebGPU).
 */
function chunkGrad(p: tf.Tensor2D, y: tf.Tensor1D, dy: tf.Tensor1D, disposeP: boolean, mode: Exclude<GradMode, "auto">, gather: Exclude<GatherMode, "auto">): tf.Tensor2D {
  const [n, V] = p.shape;
  if (mode === "scatter") {
    const g = tf.tidy(() => tf.mul(p, tf.expandDims(tf.neg(dy), 1)) as tf.Tensor2D);
    if (disposeP) p.dispose();
    return tf.tidy(() => {
      const idx = tf.stack([tf.range(0, n, 1, "int32"), y], 1);
      const upd = tf.add(pick(g, y, gather === "batchDims" ? "batchDims" : "flat"), dy);
      const out = tf.tensorScatterUpdate(g, idx, upd) as tf.Tensor2D;
      g.dispose();
      return out;
    });
  }
  const oh = tf.tidy(() => tf.cast(tf.oneHot(y, V), "float32") as tf.Tensor2D);
  const d = tf.sub(oh, p);
  oh.dispose();
  if (disposeP) p.dispose();
  const g = tf.tidy(() => tf.mul(d, tf.expandDims(dy, 1)) as tf.Tensor2D);
  d.dispose();
  return g;
}

interface WasmBackendInternals {
  dataIdMap?: { get(id: object): { memoryOffset?: number | null } | undefined };
  wasm?: { HEAPF32?: Float32Array };
}

/**
 * Rows `[r0, r0+n)` of a `[N,V]` float32 tensor. On wasm, `tf.slice` first copies the whole input
 * out of the heap (its `readSync`), so slicing k chunks costs k full copies; there we copy only
 * the rows, straight from the wasm heap. Elsewhere, `tf.slice`.
 */
export function rowSlice(x: tf.Tensor2D, r0: number, n: number): tf.Tensor2D {
  const [N, V] = x.shape;
  if (r0 === 0 && n === N) return tf.clone(x); // (a copy on wasm: callers avoid this case)
  if (x.dtype === "float32" && tf.getBackend() === "wasm") {
    const be = tf.backend() as unknown as WasmBackendInternals;
    const off = be.dataIdMap?.get(x.dataId as object)?.memoryOffset;
    const heap = be.wasm?.HEAPF32;
    if (typeof off === "number" && heap) {
      const s = off / 4 + r0 * V;
      // .slice copies to JS first: the tensor's allocation may grow (and detach) the heap.
      return tf.tensor2d(heap.slice(s, s + n * V), [n, V]);
    }
  }
  return tf.slice(x, [r0, 0], [n, V]);
}

function asLabels(labels: tf.Tensor | number[][] | Int32Array, B: number, T: number, V: number): tf.Tensor1D {
  if (labels instanceof tf.Tensor) {
    if (labels.size !== B * T) throw new Error(`labels have ${labels.size} elements, logits need ${B}×${T}`);
    return tf.reshape(labels.dtype === "int32" ? labels : tf.cast(labels, "int32"), [B * T]);
  }
  const flat = labels instanceof Int32Array ? labels : Int32Array.from(labels.flat());
  if (flat.length !== B * T) throw new Error(`labels have ${flat.length} elements, logits need ${B}×${T}`);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (v < 0 || v >= V) throw new Error(`label ${v} at flat position ${i} is outside [0, ${V}); use a valid id (e.g. 0) with mask 0 for padding`);
  }
  return tf.tensor1d(flat, "int32");
}

function tapeIsRecording(): boolean {
  const e = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return e.isTapeOn ? e.isTapeOn() : true;
}

/**
 * Per-token log-probabilities `[B,T]` of `labels` under `logits` `[B,T,V]`.
 *
 * Differentiable with respect to `logits` (analytic gradient `(onehot − softmax)·dy`, chunk by
 * chunk). Labels must lie in `[0, V)`; for padding use any valid id and mask the position out
 * afterwards (a masked position receives exactly zero gradient). Labels given as arrays are
 * range-checked; tensors are not.
 *
 * Memory beyond the logits: forward only, a few `[rows,V]` chunks; when a gradient is recorded,
 * the softmax (1× the logits) is kept for the backward pass, which frees it chunk by chunk while
 * it builds the gradient (peak ≈ 2× the logits, plus chunks).
 */
export function tokenLogProbs(
  logits: tf.Tensor,
  labels: tf.Tensor | number[][] | Int32Array,
  opts: TokenLogProbOptions = {},
): tf.Tensor2D {
  if (logits.rank !== 3) throw new Error(`logits must be [B,T,V], got shape [${logits.shape.join(",")}]`);
  const [B, T, V] = logits.shape as [number, number, number];
  const N = B * T;
  const mode = resolveGather(opts.gather);
  const gmode = resolveGradMode(opts.grad);
  const rows = chunkRows(V, N, opts.chunkBytes ?? defaultChunkBytes());
  const y = asLabels(labels, B, T, V);
  const recording = tapeIsRecording();
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const x2 = tf.reshape(x, [N, V]) as tf.Tensor2D;
    const vals: tf.Tensor1D[] = [];
    const probs: tf.Tensor2D[] = [];
    for (let r0 = 0; r0 < N; r0 += rows) {
      const n = Math.min(rows, N - r0);
      const whole = n === N; // one chunk: use the input itself (a clone copies on wasm)
      const xc = whole ? x2 : rowSlice(x2, r0, n);
      const [p, lse] = softmaxLse(xc);
      vals.push(tf.tidy(() => tf.sub(pick(xc, tf.slice(y, [r0], [n]), mode), lse)));
      if (!whole) xc.dispose();
      lse.dispose();
      if (recording) probs.push(p);
      else p.dispose();
    }
    const value = tf.reshape(cat(vals), [B, T]);
    if (recording) {
      save([y, ...probs]); // the tape keeps clones; ours are freed with this scope
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ys = saved[0] as tf.Tensor1D;
        const dyf = tf.reshape(dy, [N]) as tf.Tensor1D;
        const parts: tf.Tensor2D[] = [];
        for (let c = 0, r0 = 0; r0 < N; c++, r0 += rows) {
          const n = Math.min(rows, N - r0);
          const yc = tf.slice(ys, [r0], [n]);
          const dyc = tf.slice(dyf, [r0], [n]);
          // Each saved softmax chunk is freed as soon as its gradient exists (disposing twice is a no-op).
          parts.push(chunkGrad(saved[1 + c] as tf.Tensor2D, yc, dyc, true, gmode, mode));
          tf.dispose([yc, dyc]);
        }
        return tf.reshape(cat(parts), [B, T, V]);
      },
    };
  }) as unknown as CGF);
  const out = f(logits) as tf.Tensor2D;
  y.dispose();
  return out;
}

/** Concatenate along axis 0 and dispose the parts (returns the only part as is). */
function cat<R extends tf.Rank>(parts: tf.Tensor<R>[]): tf.Tensor<R> {
  if (parts.length === 1) return parts[0]!;
  const out = tf.concat(parts, 0);
  for (const p of parts) p.dispose();
  return out;
}

/**
 * Per-token log-probabilities `[B,T]` straight from the last hidden states `[B,T,D]` and the LM
 * head `[D,V]`: the logits exist only chunk by chunk (`[rows, V]`), in the forward and backward
 * passes alike (the backward pass recomputes them). Differentiable with respect to both inputs.
 * This is the form to use on a GPU with a large vocabulary.
 */
export function tokenLogProbsFromHidden(
  hidden: tf.Tensor,
  lmHead: tf.Tensor,
  labels: tf.Tensor | number[][] | Int32Array,
  opts: TokenLogProbOptions = {},
): tf.Tensor2D {
  if (hidden.rank !== 3) throw new Error(`hidden must be [B,T,D], got [${hidden.shape.join(",")}]`);
  if (lmHead.rank !== 2) throw new Error(`lmHead must be [D,V], got [${lmHead.shape.join(",")}]`);
  const [B, T, D] = hidden.shape as [number, number, number];
  const [D2, V] = lmHead.shape as [number, number];
  if (D !== D2) throw new Error(`hidden size ${D} does not match lmHead rows ${D2}`);
  const N = B * T;
  const mode = resolveGather(opts.gather);
  const gmode = resolveGradMode(opts.grad);
  const rows = chunkRows(V, N, opts.chunkBytes ?? defaultChunkBytes());
  const y = asLabels(labels, B, T, V);
  const f = tf.customGrad(((h: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const h2 = tf.reshape(h, [N, D]) as tf.Tensor2D;
    const w2 = w as tf.Tensor2D;
    const vals: tf.Tensor1D[] = [];
    for (let r0 = 0; r0 < N; r0 += rows) {
      const n = Math.min(rows, N - r0);
      vals.push(
        tf.tidy(() => {
          const xc = tf.matMul(tf.slice(h2, [r0, 0], [n, D]), w2) as tf.Tensor2D;
          const [, lse] = softmaxLse(xc);
          return tf.sub(pick(xc, tf.slice(y, [r0], [n]), mode), lse) as tf.Tensor1D;
        }),
      );
    }
    const value = tf.reshape(cat(vals), [B, T]);
    save([h2, w2, y]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dyf = tf.reshape(dy, [N]) as tf.Tensor1D;
        const wT = tf.transpose(ws); // [V,D]: explicit transposes, plain matMuls (fast on wasm)
        const dh: tf.Tensor2D[] = [];
        let dw: tf.Tensor2D | null = null;
        for (let r0 = 0; r0 < N; r0 += rows) {
          const n = Math.min(rows, N - r0);
          const [dhc, dwc] = tf.tidy(() => {
            const hc = tf.slice(hs, [r0, 0], [n, D]);
            const g = chunkGrad(tf.softmax(tf.matMul(hc, ws) as tf.Tensor2D), tf.slice(ys, [r0], [n]), tf.slice(dyf, [r0], [n]), true, gmode, mode);
            return [tf.matMul(g, wT), tf.matMul(tf.transpose(hc), g)] as [tf.Tensor2D, tf.Tensor2D];
          });
          dh.push(dhc);
          if (dw === null) dw = dwc;
          else {
            const s = tf.add(dw, dwc) as tf.Tensor2D;
            dw.dispose();
            dwc.dispose();
            dw = s;
          }
        }
        wT.dispose();
        return [tf.reshape(cat(dh), [B, T, D]), dw!];
      },
    };
  }) as unknown as CGF);
  const out = f(hidden, lmHead) as tf.Tensor2D;
  y.dispose();
  return out;
}

/** The naive formulation `sum(logSoftmax(x) · onehot(y), -1)` with tfjs autodiff (for benchmarks). */
export function tokenLogProbsNaive(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor2D {
  const V = logits.shape[2]!;
  return tf.sum(tf.mul(tf.logSoftmax(logits), tf.cast(tf.oneHot(tf.cast(labels, "int32") as tf.Tensor2D, V), "float32")), -1) as tf.Tensor2D;
}

/** `Σ_t mask·x` per row: `[B,T]`,`[B,T]` → `[B]`. */
export function maskedSum(x: tf.Tensor, mask: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.mul(x, mask), -1) as tf.Tensor1D;
}
