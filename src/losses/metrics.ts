/**
 * Batch metrics as the paper's trainer (TRL's DPOTrainer / KTOTrainer) logs them, computed in
 * float64 on the host from per-example values.
 */

export interface DpoMetrics {
  loss: number;
  "rewards/chosen": number;
  "rewards/rejected": number;
  /** Fraction of pairs whose chosen reward is strictly greater than the rejected one. */
  "rewards/accuracies": number;
  "rewards/margins": number;
  "logps/chosen": number;
  "logps/rejected": number;
  /** Present when an NLL term is used (token-mean −log p over the chosen trajectories' model tokens). */
  nll_loss?: number;
  pairs: number;
}

export interface KtoMetrics {
  loss: number;
  /** Mean reward β·(log π − log π_ref) over desirable examples (NaN when there are none). */
  "rewards/chosen": number;
  /** Mean reward over undesirable examples (NaN when there are none). */
  "rewards/rejected": number;
  "rewards/margins": number;
  "logps/chosen": number;
  "logps/rejected": number;
  /** The KL estimate z0 used as the reference point (detached, clamped at 0). */
  kl: number;
  desirable: number;
  undesirable: number;
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

export interface DpoPerPair {
  losses: ArrayLike<number>;
  chosenRewards: ArrayLike<number>;
  rejectedRewards: ArrayLike<number>;
  chosenLogps: ArrayLike<number>;
  rejectedLogps: ArrayLike<number>;
}

/** DPO batch metrics from per-pair values; `loss` is the batch loss (mean pair loss + NLL term). */
export function dpoMetrics(p: DpoPerPair, loss: number, nll?: number): DpoMetrics {
  const n = p.losses.length;
  let acc = 0;
  const margins: number[] = [];
  for (let i = 0; i < n; i++) {
    if (p.chosenRewards[i]! > p.rejectedRewards[i]!) acc++;
    margins.push(p.chosenRewards[i]! - p.rejectedRewards[i]!);
  }
  const m: DpoMetrics = {
    loss,
    "rewards/chosen": mean(p.chosenRewards),
    "rewards/rejected": mean(p.rejectedRewards),
    "rewards/accuracies": n ? acc / n : Number.NaN,
    "rewards/margins": mean(margins),
    "logps/chosen": mean(p.chosenLogps),
    "logps/rejected": mean(p.rejectedLogps),
    pairs: n,
  };
  if (nll !== undefined) m.nll_loss = nll;
  return m;
}

export interface KtoPerExample {
  rewards: ArrayLike<number>;
  logps: ArrayLike<number>;
  desirable: ArrayLike<boolean>;
}

export function ktoMetrics(p: KtoPerExample, loss: number, kl: number): KtoMetrics {
  const rc: number[] = [];
  const rr: number[] = [];
  const lc: number[] = [];
  const lr: number[] = [];
  for (let i = 0; i < p.rewards.length; i++) {
    if (p.desirable[i]) {
      rc.push(p.rewards[i]!);
      lc.push(p.logps[i]!);
    } else {
      rr.push(p.rewards[i]!);
      lr.push(p.logps[i]!);
    }
  }
  return {
    loss,
    "rewards/chosen": mean(rc),
    "rewards/rejected": mean(rr),
    "rewards/margins": mean(rc) - mean(rr),
    "logps/chosen": mean(lc),
    "logps/rejected": mean(lr),
    kl,
    desirable: rc.length,
    undesirable: rr.length,
  };
}
