/**
 * `evaluate()`: rollout → reward → metrics, the one evaluation verb. The `eval` command, notebook 02
 * and the tiny loop's evaluation call it; the reward is the one rule of `src/trajectory`.
 */
import { Grader } from "../grading/index.js";
import { type BootstrapOptions, computeMetrics, type Metrics } from "../metrics/index.js";
import { rollout, type RolloutOptions, type Trajectory } from "../rollout/index.js";
import { type Annotated, annotate, fastReward, type GradingMode } from "../trajectory/index.js";

/**
 * The evaluation settings of the paper's `inference/scripts/eval.sh` (greedy, horizon 4, 1,024
 * tokens per call, one sample).
 * TODO(lead, at merge): take these from `resolveProtocol("paper-eval", overrides)` of
 * src/rollout/protocol.ts (interface 4) and record the preset name in the result's settings.
 */
export const EVAL_DEFAULTS = { protocol: "paper-eval", samples: 1, temperature: 0, topP: 1, horizon: 4, maxTokens: 1024 } as const;

export interface EvaluateOptions extends RolloutOptions {
  /** A grader to reuse (not closed); default one made and closed here. */
  grader?: Grader;
  /** Grading mode of the reward (default "paper"). */
  gradingMode?: GradingMode;
  /** Bootstrap of the metric intervals (default 1000 resamples, seed 0; `{resamples: 0}` for none). */
  bootstrap?: BootstrapOptions;
  /** k values of pass@k / maj@k (default 1, 2, 4, … up to the samples). */
  ks?: number[];
  /** Let the CAS decide answer classes of maj@k the fast steps cannot (slower). */
  symbolicClasses?: boolean;
}

export interface EvaluationTiming {
  /** Whole call, rollout, grading and metrics, in milliseconds. */
  totalMs: number;
  rolloutMs: number;
  gradeMs: number;
  metricsMs: number;
  trajectories: number;
  /** Mean generation and execution time per trajectory (as recorded in the trajectories). */
  genMsPerTrajectory: number;
  execMsPerTrajectory: number;
}

export interface Evaluation {
  /** Every trajectory with its reward, ordered by problem then sample. */
  rows: Annotated[];
  metrics: Metrics;
  timing: EvaluationTiming;
  /** The settings the rollout ran with. */
  settings: { protocol: string; samples: number; temperature: number; topP: number; horizon: number; maxTokens: number; seed: number };
  /** Trajectories written by this call and resumed from `out`. */
  written: number;
  resumed: number;
  warnings: string[];
}

const mean = (ts: readonly Trajectory[], f: (t: Trajectory) => number) => (ts.length ? ts.reduce((a, t) => a + f(t), 0) / ts.length : 0);

/** Grade trajectories with the one reward rule. */
export async function rewardAll(ts: readonly Trajectory[], grader: Grader, mode?: GradingMode): Promise<Annotated[]> {
  const out: Annotated[] = [];
  for (const t of ts) out.push(await annotate(t, { grader, ...(mode ? { mode } : {}) }));
  return out;
}

/** Roll out (or resume) `problems`, grade every trajectory, compute the metric tables. */
export async function evaluate(o: EvaluateOptions): Promise<Evaluation> {
  const t0 = performance.now();
  const settings = {
    protocol: EVAL_DEFAULTS.protocol,
    samples: o.samples ?? EVAL_DEFAULTS.samples,
    temperature: o.temperature ?? EVAL_DEFAULTS.temperature,
    topP: o.topP ?? EVAL_DEFAULTS.topP,
    horizon: o.horizon ?? EVAL_DEFAULTS.horizon,
    maxTokens: o.maxTokens ?? EVAL_DEFAULTS.maxTokens,
    seed: o.seed ?? 0,
  };
  const { grader: given, gradingMode, bootstrap, ks, symbolicClasses, ...rest } = o;
  const res = await rollout({ grade: (t) => fastReward(t, gradingMode), ...rest, ...settings, collect: true });
  const t1 = performance.now();
  const grader = given ?? new Grader();
  try {
    const rows = await rewardAll(res.trajectories, grader, gradingMode);
    const t2 = performance.now();
    const metrics = await computeMetrics(rows, { bootstrap: bootstrap ?? { resamples: 1000, seed: 0 }, ...(ks ? { ks } : {}), ...(symbolicClasses ? { grader } : {}) });
    const t3 = performance.now();
    const ts = res.trajectories;
    const timing: EvaluationTiming = {
      totalMs: t3 - t0,
      rolloutMs: t1 - t0,
      gradeMs: t2 - t1,
      metricsMs: t3 - t2,
      trajectories: ts.length,
      genMsPerTrajectory: mean(ts, (t) => t.genMs),
      execMsPerTrajectory: mean(ts, (t) => t.execMs),
    };
    return { rows, metrics, timing, settings, written: res.written, resumed: res.resumed, warnings: res.warnings };
  } finally {
    if (!given) await grader.close();
  }
}

/** The accuracy of an evaluation (mean over problems of the share of correct samples). */
export function accuracyOf(e: Pick<Evaluation, "metrics">): number {
  const row = (e.metrics.summary.objects() as { metric: string; value: number }[]).find((r) => r.metric === "accuracy");
  return row ? row.value : NaN;
}
