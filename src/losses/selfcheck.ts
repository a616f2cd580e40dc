/**
 * A numerical self-check of the active backend: token log-probs, their gradient and an M-DPO loss
 * against a float64 computation in plain JS. Silent wrong results are the main risk with tfjs
 * backends (see docs/losses.md); `mathagent backend --check` runs this.
 */
import * as tf from "@tensorflow/tfjs";
import { tokenLogProbs, type TokenLogProbOptions } from "./logprobs.js";
import { mdpoLoss } from "./losses.js";

export interface SelfCheckResult {
  backend: string;
  shape: [number, number, number];
  /** Max relative error of the per-token log-probs. */
  logpRelErr: number;
  /** Relative L2 error of the gradient of the DPO loss w.r.t. the logits. */
  gradRelL2: number;
  /** Relative error of the DPO loss. */
  lossRelErr: number;
  /** Largest |gradient| on a masked token (must be 0). */
  maskedGradMax: number;
  ms: number;
  ok: boolean;
}

/** Async: WebGPU in Node can only read tensors back asynchronously (its dataSync needs OffscreenCanvas). */
export async function selfCheck(opts: { B?: number; T?: number; V?: number; seed?: number } & TokenLogProbOptions = {}): Promise<SelfCheckResult> {
  const B = opts.B ?? 2; // B/2 pairs: rows [0, B/2) chosen, [B/2, B) rejected
  const T = opts.T ?? 64;
  const V = opts.V ?? 32000;
  if (B % 2) throw new Error("selfCheck: B must be even (chosen and rejected rows)");
  let s = (opts.seed ?? 12345) >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const N = B * T;
  const logits = new Float32Array(N * V);
  for (let i = 0; i < logits.length; i++) logits[i] = 4 * (rand() + rand() + rand() - 1.5);
  const labels = Int32Array.from({ length: N }, () => Math.floor(rand() * V));
  const mask = Float32Array.from({ length: N }, (_, i) => (i % T < T / 4 ? 0 : 1));
  // float64 reference
  const lp = new Float64Array(N);
  const soft = new Float64Array(N * V);
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]!);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[i * V + v]! - m);
    for (let v = 0; v < V; v++) soft[i * V + v] = Math.exp(logits[i * V + v]! - m) / z;
    lp[i] = logits[i * V + labels[i]!]! - m - Math.log(z);
  }
  const ref = Float32Array.from(lp, (x, i) => x - 0.05 * Math.sin(i));
  const P = B / 2;
  const beta = 0.1;
  const chosen = new Float64Array(P);
  const rejected = new Float64Array(P);
  for (let i = 0; i < N; i++) {
    const b = Math.floor(i / T);
    const d = mask[i]! * (lp[i]! - ref[i]!);
    if (b < P) chosen[b] += d;
    else rejected[b - P] += d;
  }
  let loss = 0;
  const dz = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const z = beta * (chosen[p]! - rejected[p]!);
    loss += (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z))) / P;
    dz[p] = (-beta / (1 + Math.exp(z))) / P;
  }
  const t0 = performance.now();
  // Return tensors from tidy, read them after: tidy walks a returned container element by element,
  // which is very slow for large typed arrays.
  const [lpT, valueT, gradT] = tf.tidy(() => {
    const x = tf.tensor3d(logits, [B, T, V]);
    const y = tf.tensor2d(labels, [B, T], "int32");
    const refT = tf.tensor2d(ref, [B, T]);
    const maskT = tf.tensor2d(mask, [B, T]);
    const f = (xx: tf.Tensor) => {
      const l = tokenLogProbs(xx, y, opts);
      return mdpoLoss({
        policyChosen: tf.slice(l, [0, 0], [P, T]),
        policyRejected: tf.slice(l, [P, 0], [P, T]),
        refChosen: tf.slice(refT, [0, 0], [P, T]),
        refRejected: tf.slice(refT, [P, 0], [P, T]),
        maskChosen: tf.slice(maskT, [0, 0], [P, T]),
        maskRejected: tf.slice(maskT, [P, 0], [P, T]),
      }).loss;
    };
    const lp1 = tokenLogProbs(x, y, opts);
    const { value, grad } = tf.valueAndGrad(f)(x);
    return [lp1, value, grad];
  });
  const dbg = process.env["MATHAGENT_SELFCHECK_DEBUG"] ? (m: string) => console.error(`[selfcheck ${(performance.now() - t0).toFixed(0)} ms] ${m}`) : () => {};
  dbg("computed; reading back");
  const lpv = await lpT.data();
  dbg("log-probs read");
  const lossArr = await valueT.data();
  dbg("loss read");
  const g = await gradT.data();
  dbg("gradient read");
  const result = { lpv, lossv: lossArr[0]!, g };
  tf.dispose([lpT, valueT, gradT]);
  const ms = performance.now() - t0;
  let logpRelErr = 0;
  for (let i = 0; i < N; i++) logpRelErr = Math.max(logpRelErr, Math.abs(result.lpv[i]! - lp[i]!) / Math.max(1, Math.abs(lp[i]!)));
  let num = 0;
  let den = 0;
  let maskedGradMax = 0;
  for (let i = 0; i < N; i++) {
    const b = Math.floor(i / T);
    const c = mask[i]! * (b < P ? dz[b]! : -dz[b - P]!);
    for (let v = 0; v < V; v++) {
      const want = ((v === labels[i] ? 1 : 0) - soft[i * V + v]!) * c;
      const got = result.g[i * V + v]!;
      num += (got - want) ** 2;
      den += want ** 2;
      if (mask[i] === 0) maskedGradMax = Math.max(maskedGradMax, Math.abs(got));
    }
  }
  const gradRelL2 = Math.sqrt(num / Math.max(den, 1e-300));
  const lossRelErr = Math.abs(result.lossv - loss) / Math.max(Math.abs(loss), 1e-3);
  const ok = logpRelErr <= 1e-4 && gradRelL2 <= 1e-3 && lossRelErr <= 1e-4 && maskedGradMax === 0 && Number.isFinite(result.lossv);
  return { backend: tf.getBackend(), shape: [B, T, V], logpRelErr, gradRelL2, lossRelErr, maskedGradMax, ms, ok };
}
