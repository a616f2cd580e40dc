/** Options of the M-DPO / M-KTO losses (no tfjs import: the host path uses them too). */

import { DPO_LOSS_TYPES, type DpoLossType, dpoLossTypeOf } from "./loss-types.js";

export type { DpoLossType };

export interface MdpoOptions {
  /** β, the strength of the KL regulariser (default 0.1). */
  beta?: number;
  /** A name of `DPO_LOSS_TYPES`: "sigmoid" (the paper's, default), "ipo", "hinge". */
  lossType?: DpoLossType;
  /** Label smoothing ε for the sigmoid loss (conservative DPO), default 0. */
  labelSmoothing?: number;
  /** Coefficient of the NLL term on the chosen trajectories (0 = none, default). */
  nllCoef?: number;
  /** Use the per-token mean log-ratio instead of the sum (TRL does this for IPO). Default false. */
  averageLogRatios?: boolean;
}

/** The KL coefficient η (β in code) of the paper's M-DPO / M-KTO runs (run_dpo.py / run_kto.py); the default everywhere. */
export const PAPER_BETA = 0.1;

/** The NLL coefficient of the paper's main runs: none (its code's `nll_coefficient` default); Table 5 ablates it. */
export const PAPER_NLL_COEF = 0;

export function resolveMdpoOptions(opts: MdpoOptions = {}): Required<MdpoOptions> {
  const r = { beta: PAPER_BETA, lossType: "sigmoid" as DpoLossType, labelSmoothing: 0, nllCoef: PAPER_NLL_COEF, averageLogRatios: false, ...opts };
  if (!(r.beta > 0) || !Number.isFinite(r.beta)) throw new Error(`beta must be a positive number, got ${r.beta}`);
  if (!(r.labelSmoothing >= 0 && r.labelSmoothing < 0.5)) throw new Error(`labelSmoothing must be in [0, 0.5), got ${r.labelSmoothing}`);
  r.lossType = dpoLossTypeOf(r.lossType);
  if (r.labelSmoothing && !DPO_LOSS_TYPES[r.lossType].labelSmoothing) throw new Error(`labelSmoothing applies to the sigmoid loss only (got lossType ${r.lossType})`);
  if (!(r.nllCoef >= 0)) throw new Error(`nllCoef must be ≥ 0, got ${r.nllCoef}`);
  return r;
}

export interface MktoOptions {
  beta?: number;
  /** λD, weight of desirable examples (default 1). */
  desirableWeight?: number;
  /** λU, weight of undesirable examples (default 1). */
  undesirableWeight?: number;
  /**
   * The reference point z0: "batch" (default) = max(0, mean over the batch of the sequence
   * log-ratios), detached; or a fixed number (e.g. from mismatched pairs, as TRL estimates it).
   */
  kl?: "batch" | number;
}

export function resolveMktoOptions(opts: MktoOptions = {}): Required<MktoOptions> {
  const r = { beta: PAPER_BETA, desirableWeight: 1, undesirableWeight: 1, kl: "batch" as "batch" | number, ...opts };
  if (!(r.beta > 0) || !Number.isFinite(r.beta)) throw new Error(`beta must be a positive number, got ${r.beta}`);
  if (!(r.desirableWeight >= 0) || !(r.undesirableWeight >= 0)) throw new Error("desirableWeight and undesirableWeight must be ≥ 0");
  if (r.kl !== "batch" && !Number.isFinite(r.kl)) throw new Error(`kl must be "batch" or a number, got ${String(r.kl)}`);
  return r;
}

