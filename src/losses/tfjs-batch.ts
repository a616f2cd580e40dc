/** The M-DPO / M-KTO losses of precomputed log-probs on the TensorFlow.js backend (the same rows `mdpoFromLogProbs` / `mktoFromLogProbs` take). */
import { ensureBackend, tf } from "./backend.js";
import { mdpoLoss, mktoLoss, readMdpoMetrics, readMktoMetrics } from "./losses.js";
import { type LogProbExample, type LogProbPair, mdpoFromLogProbs, mktoFromLogProbs } from "./precomputed.js";
import type { MdpoOptions, MktoOptions } from "./options.js";

/** Rows of numbers, right-padded with zeros into a `[rows, T]` tensor. */
function padded(rows: readonly ArrayLike<number>[], T: number): tf.Tensor2D {
  const out = new Float32Array(rows.length * T);
  rows.forEach((r, i) => out.set(Float32Array.from(r), i * T));
  return tf.tensor2d(out, [rows.length, T]);
}

const width = (rows: readonly ArrayLike<number>[]) => Math.max(1, ...rows.map((r) => r.length));

/** Per-pair results and batch metrics of M-DPO computed with tfjs (token counts and NLL from the host path). */
export async function mdpoWithTfjs(pairs: LogProbPair[], opts: MdpoOptions = {}) {
  await ensureBackend();
  const side = (k: keyof LogProbPair, T: number) => padded(pairs.map((p) => p[k]), T);
  const Tc = width(pairs.map((p) => p.policyChosen));
  const Tr = width(pairs.map((p) => p.policyRejected));
  const out = mdpoLoss(
    { policyChosen: side("policyChosen", Tc), policyRejected: side("policyRejected", Tr), refChosen: side("refChosen", Tc), refRejected: side("refRejected", Tr), maskChosen: side("maskChosen", Tc), maskRejected: side("maskRejected", Tr) },
    opts,
  );
  const metrics = await readMdpoMetrics(out);
  const [l, cr, rr, cl, rl] = await Promise.all([out.losses, out.chosenRewards, out.rejectedRewards, out.chosenLogps, out.rejectedLogps].map((x) => x.data()));
  const host = mdpoFromLogProbs(pairs, opts);
  return {
    metrics,
    pairs: host.pairs.map((h, i) => ({ ...h, loss: l![i]!, chosenReward: cr![i]!, rejectedReward: rr![i]!, margin: cr![i]! - rr![i]!, chosenLogp: cl![i]!, rejectedLogp: rl![i]! })),
  };
}

/** Per-example results and batch metrics of M-KTO computed with tfjs. */
export async function mktoWithTfjs(examples: LogProbExample[], opts: MktoOptions = {}) {
  await ensureBackend();
  const T = width(examples.map((e) => e.policy));
  const out = mktoLoss(
    { policy: padded(examples.map((e) => e.policy), T), ref: padded(examples.map((e) => e.ref), T), mask: padded(examples.map((e) => e.mask), T), desirable: examples.map((e) => e.desirable) },
    opts,
  );
  const metrics = await readMktoMetrics(out);
  const [l, r, lp] = await Promise.all([out.losses, out.rewards, out.logps].map((x) => x.data()));
  const host = mktoFromLogProbs(examples, opts);
  return { metrics, examples: host.examples.map((h, i) => ({ ...h, loss: l![i]!, reward: r![i]!, logp: lp![i]! })) };
}
