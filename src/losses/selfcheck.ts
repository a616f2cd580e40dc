/**
 * A numerical self-check of the active backend: token log-probs, their gradient and an M-DPO loss
 * against a float64 computation in plain JS. Silent wrong results are the main risk with tfjs
 * backends (see docs/losses.md); `mathagent backend --check` runs this.
 */
import * as tf from "@tensorflow/tfjs";
import { tokenLogProbs, type TokenLogProbOptions } from "./logprobs.js";
import { mdpoLoss } from "./losses.js";
import { seededRandom } from "../random.js";

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

interface CheckInputs {
  B: number;
  T: number;
  V: number;
  /** Pairs: rows [0, P) chosen, [P, 2P) rejected. */
  P: number;
  logits: Float32Array;
  labels: Int32Array;
  mask: Float32Array;
  ref: Float32Array;
}

const BETA = 0.1;

function checkInputs(B: number, T: number, V: number, seed: number): CheckInputs {
  const rand = seededRandom(seed);
  const N = B * T;
  const logits = new Float32Array(N * V);
  for (let i = 0; i < logits.length; i++) logits[i] = 4 * (rand() + rand() + rand() - 1.5);
  const labels = Int32Array.from({ length: N }, () => Math.floor(rand() * V));
  const mask = Float32Array.from({ length: N }, (_, i) => (i % T < T / 4 ? 0 : 1));
  // The reference log-probs are filled by the float64 pass (the policy's, shifted a little).
  return { B, T, V, P: B / 2, logits, labels, mask, ref: new Float32Array(N) };
}

/** The float64 computation: log-probs, softmax, the loss and its derivative per pair. */
function float64Reference(x: CheckInputs): { lp: Float64Array; soft: Float64Array; loss: number; dz: Float64Array } {
  const { T, V, P, logits, labels, mask, ref } = x;
  const N = x.B * T;
  const lp = new Float64Array(N);
  const soft = new Float64Array(N * V);
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]!);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[i * V + v]! - m);
    for (let v = 0; v < V; v++) soft[i * V + v] = Math.exp(logits[i * V + v]! - m) / z;
    lp[i] = logits[i * V + labels[i]!]! - m - Math.log(z);
    ref[i] = lp[i]! - 0.05 * Math.sin(i);
  }
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
    const z = BETA * (chosen[p]! - rejected[p]!);
    loss += (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z))) / P;
    dz[p] = (-BETA / (1 + Math.exp(z))) / P;
  }
  return { lp, soft, loss, dz };
}

/** The same quantities on the active backend. */
async function backendResult(x: CheckInputs, opts: TokenLogProbOptions): Promise<{ lpv: Float32Array; lossv: number; g: Float32Array; ms: number }> {
  const { B, T, V, P } = x;
  const t0 = performance.now();
  // Return tensors from tidy, read them after: tidy walks a returned container element by element,
  // which is very slow for large typed arrays.
  const [lpT, valueT, gradT] = tf.tidy(() => {
    const y = tf.tensor2d(x.labels, [B, T], "int32");
    const refT = tf.tensor2d(x.ref, [B, T]);
    const maskT = tf.tensor2d(x.mask, [B, T]);
    const rows = (t: tf.Tensor, from: number) => tf.slice(t, [from, 0], [P, T]);
    const f = (xx: tf.Tensor) => {
      const l = tokenLogProbs(xx, y, opts);
      return mdpoLoss({ policyChosen: rows(l, 0), policyRejected: rows(l, P), refChosen: rows(refT, 0), refRejected: rows(refT, P), maskChosen: rows(maskT, 0), maskRejected: rows(maskT, P) }).loss;
    };
    const logits = tf.tensor3d(x.logits, [B, T, V]);
    const { value, grad } = tf.valueAndGrad(f)(logits);
    return [tokenLogProbs(logits, y, opts), value, grad];
  });
  const dbg = process.env["MATHAGENT_SELFCHECK_DEBUG"] ? (m: string) => console.error(`[selfcheck ${(performance.now() - t0).toFixed(0)} ms] ${m}`) : () => {};
  dbg("computed; reading back");
  const lpv = (await lpT.data()) as Float32Array;
  dbg("log-probs read");
  const lossv = (await valueT.data())[0]!;
  dbg("loss read");
  const g = (await gradT.data()) as Float32Array;
  dbg("gradient read");
  tf.dispose([lpT, valueT, gradT]);
  return { lpv, lossv, g, ms: performance.now() - t0 };
}

/** Async: WebGPU in Node can only read tensors back asynchronously (its dataSync needs OffscreenCanvas). */
export async function selfCheck(opts: { B?: number; T?: number; V?: number; seed?: number } & TokenLogProbOptions = {}): Promise<SelfCheckResult> {
  const B = opts.B ?? 2;
  const T = opts.T ?? 64;
  const V = opts.V ?? 32000;
  if (B % 2) throw new Error("selfCheck: B must be even (chosen and rejected rows)");
  const x = checkInputs(B, T, V, opts.seed ?? 12345);
  const want = float64Reference(x);
  const got = await backendResult(x, opts);
  const N = B * T;
  let logpRelErr = 0;
  for (let i = 0; i < N; i++) logpRelErr = Math.max(logpRelErr, Math.abs(got.lpv[i]! - want.lp[i]!) / Math.max(1, Math.abs(want.lp[i]!)));
  let num = 0;
  let den = 0;
  let maskedGradMax = 0;
  for (let i = 0; i < N; i++) {
    const b = Math.floor(i / T);
    const c = x.mask[i]! * (b < x.P ? want.dz[b]! : -want.dz[b - x.P]!);
    for (let v = 0; v < V; v++) {
      const w = ((v === x.labels[i] ? 1 : 0) - want.soft[i * V + v]!) * c;
      const g = got.g[i * V + v]!;
      num += (g - w) ** 2;
      den += w ** 2;
      if (x.mask[i] === 0) maskedGradMax = Math.max(maskedGradMax, Math.abs(g));
    }
  }
  const gradRelL2 = Math.sqrt(num / Math.max(den, 1e-300));
  const lossRelErr = Math.abs(got.lossv - want.loss) / Math.max(Math.abs(want.loss), 1e-3);
  const ok = logpRelErr <= 1e-4 && gradRelL2 <= 1e-3 && lossRelErr <= 1e-4 && maskedGradMax === 0 && Number.isFinite(got.lossv);
  return { backend: tf.getBackend(), shape: [B, T, V], logpRelErr, gradRelL2, lossRelErr, maskedGradMax, ms: got.ms, ok };
}
