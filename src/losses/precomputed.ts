/**
 * The same M-DPO / M-KTO losses and metrics from per-token log-probs supplied as arrays (e.g. an
 * inference server's prompt log-probs), in float64 on the host: analyse a preference dataset's
 * implicit rewards without any model in TypeScript.
 */
import { dpoMetrics, ktoMetrics, type DpoMetrics, type KtoMetrics } from "./metrics.js";
import { DPO_LOSS_TYPES, dpoLossTypeOf, softplusNeg } from "./loss-types.js";
import { resolveMdpoOptions, resolveMktoOptions, type MdpoOptions, type MktoOptions } from "./options.js";

export interface LogProbPair {
  policyChosen: ArrayLike<number>;
  policyRejected: ArrayLike<number>;
  refChosen: ArrayLike<number>;
  refRejected: ArrayLike<number>;
  maskChosen: ArrayLike<number>;
  maskRejected: ArrayLike<number>;
}

export interface PairResult {
  loss: number;
  chosenReward: number;
  rejectedReward: number;
  margin: number;
  chosenLogp: number;
  rejectedLogp: number;
  /** Token-mean −log p over the chosen trajectory's model tokens. */
  chosenNll: number;
  chosenTokens: number;
  rejectedTokens: number;
}

export interface LogProbExample {
  policy: ArrayLike<number>;
  ref: ArrayLike<number>;
  mask: ArrayLike<number>;
  desirable: boolean;
}

export interface ExampleResult {
  loss: number;
  reward: number;
  logp: number;
  tokens: number;
  desirable: boolean;
}

export { softplusNeg };

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Σ mask·(p − r), Σ mask·p, Σ mask; checks lengths and values. */
export function sequenceStats(p: ArrayLike<number>, r: ArrayLike<number>, m: ArrayLike<number>, what = "sequence") {
  if (p.length !== r.length || p.length !== m.length) {
    throw new Error(`${what}: policy (${p.length}), reference (${r.length}) and mask (${m.length}) lengths differ`);
  }
  let ratio = 0;
  let logp = 0;
  let tokens = 0;
  for (let i = 0; i < p.length; i++) {
    const mi = m[i]!;
    if (mi !== 0 && mi !== 1) throw new Error(`${what}: mask[${i}] = ${mi}, expected 0 or 1`);
    if (!mi) continue;
    const pi = p[i]!;
    const ri = r[i]!;
    if (!Number.isFinite(pi) || !Number.isFinite(ri)) throw new Error(`${what}: non-finite log-prob at unmasked token ${i}`);
    if (pi > 1e-6 || ri > 1e-6) throw new Error(`${what}: log-prob > 0 at token ${i} (${pi > 1e-6 ? pi : ri}); expected natural-log probabilities`);
    ratio += pi - ri;
    logp += pi;
    tokens++;
  }
  return { ratio, logp, tokens };
}

/** Per-pair DPO loss in float64: the host version of the `DPO_LOSS_TYPES` entry. */
export function dpoPairLossHost(z: number, beta: number, lossType: string, eps: number): number {
  return DPO_LOSS_TYPES[dpoLossTypeOf(lossType)].host(z, beta, eps);
}

/** M-DPO per-pair losses, rewards and batch metrics from precomputed per-token log-probs. */
export function mdpoFromLogProbs(pairs: LogProbPair[], options: MdpoOptions = {}): { pairs: PairResult[]; metrics: DpoMetrics } {
  const o = resolveMdpoOptions(options);
  const out: PairResult[] = [];
  let nllSum = 0;
  let nllTok = 0;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    const c = sequenceStats(p.policyChosen, p.refChosen, p.maskChosen, `pair ${i} chosen`);
    const r = sequenceStats(p.policyRejected, p.refRejected, p.maskRejected, `pair ${i} rejected`);
    const cr = o.averageLogRatios ? c.ratio / Math.max(1, c.tokens) : c.ratio;
    const rr = o.averageLogRatios ? r.ratio / Math.max(1, r.tokens) : r.ratio;
    const z = cr - rr;
    nllSum += -c.logp;
    nllTok += c.tokens;
    out.push({
      loss: dpoPairLossHost(z, o.beta, o.lossType, o.labelSmoothing),
      chosenReward: o.beta * cr,
      rejectedReward: o.beta * rr,
      margin: o.beta * z,
      chosenLogp: c.logp,
      rejectedLogp: r.logp,
      chosenNll: c.tokens ? -c.logp / c.tokens : 0,
      chosenTokens: c.tokens,
      rejectedTokens: r.tokens,
    });
  }
  const losses = out.map((x) => x.loss);
  const meanLoss = losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : Number.NaN;
  const nll = nllSum / Math.max(1, nllTok);
  const loss = o.nllCoef > 0 ? meanLoss + o.nllCoef * nll : meanLoss;
  const metrics = dpoMetrics(
    {
      losses,
      chosenRewards: out.map((x) => x.chosenReward),
      rejectedRewards: out.map((x) => x.rejectedReward),
      chosenLogps: out.map((x) => x.chosenLogp),
      rejectedLogps: out.map((x) => x.rejectedLogp),
    },
    loss,
    o.nllCoef > 0 ? nll : undefined,
  );
  return { pairs: out, metrics };
}

/**
 * M-KTO per-example losses and batch metrics from precomputed per-token log-probs.
 * `klLogRatios`: optional sequence log-ratios of mismatched pairs for z0 (else the batch's own).
 */
export function mktoFromLogProbs(
  examples: LogProbExample[],
  options: MktoOptions = {},
  klLogRatios?: ArrayLike<number>,
): { examples: ExampleResult[]; metrics: KtoMetrics } {
  const o = resolveMktoOptions(options);
  const stats = examples.map((e, i) => sequenceStats(e.policy, e.ref, e.mask, `example ${i}`));
  let z0: number;
  if (typeof o.kl === "number") z0 = Math.max(0, o.kl);
  else {
    const src = klLogRatios ?? stats.map((s) => s.ratio);
    let s = 0;
    for (let i = 0; i < src.length; i++) s += src[i]!;
    z0 = src.length ? Math.max(0, s / src.length) : 0;
  }
  const out: ExampleResult[] = examples.map((e, i) => {
    const r = stats[i]!.ratio;
    const loss = e.desirable ? o.desirableWeight * (1 - sigmoid(o.beta * (r - z0))) : o.undesirableWeight * (1 - sigmoid(o.beta * (z0 - r)));
    return { loss, reward: o.beta * r, logp: stats[i]!.logp, tokens: stats[i]!.tokens, desirable: e.desirable };
  });
  const loss = out.length ? out.reduce((a, x) => a + x.loss, 0) / out.length : Number.NaN;
  const metrics = ktoMetrics({ rewards: out.map((x) => x.reward), logps: out.map((x) => x.logp), desirable: out.map((x) => x.desirable) }, loss, z0);
  return { examples: out, metrics };
}
