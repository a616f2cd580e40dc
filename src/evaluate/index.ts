/**
 * `evaluate()`: rollout → reward → metrics, the one evaluation verb. The `eval` command, notebook 02
 * and the tiny loop's evaluation call it; the reward is the one rule of `src/trajectory`.
 */
import { Grader } from "../grading/index.js";
import { type BootstrapOptions, computeMetrics, type Metrics } from "../metrics/index.js";
import { type ProtocolName, resolveProtocol, rollout, type RolloutOptions, type SeedMode, type Trajectory } from "../rollout/index.js";
import { type Annotated, annotate, fastReward, type GradingMode } from "../trajectory/index.js";

/** The preset `evaluate()` and `mathagent eval` start from: the paper's `inference/scripts/eval.sh`. */
export const EVAL_PROTOCOL: ProtocolName = "paper-eval";

export interface EvaluateOptions extends RolloutOptions {
  /** The settings preset (default "paper-eval": greedy, horizon 4, 1,024 tokens, one sample); explicit options override it. */
  protocolName?: ProtocolName;
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
  settings: { protocol: ProtocolName; samples: number; temperature: number; topP: number; horizon: number; maxTokens: number; seed: number; seedMode: SeedMode; overridden: string[] };
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
  const p = resolveProtocol(o.protocolName ?? EVAL_PROTOCOL, { samples: o.samples, temperature: o.temperature, topP: o.topP, horizon: o.horizon, maxTokens: o.maxTokens, seed: o.seed, seedMode: o.seedMode });
  const settings = { protocol: p.protocol, samples: p.samples, temperature: p.temperature, topP: p.topP, horizon: p.horizon, maxTokens: p.maxTokens, seed: p.seed, seedMode: p.seedMode, overridden: p.overridden };
  const { grader: given, gradingMode, bootstrap, ks, symbolicClasses, protocolName: _, ...rest } = o;
  const { overridden: __, ...run } = settings;
  const res = await rollout({ grade: (t) => fastReward(t, gradingMode), ...rest, ...run, topK: o.topK ?? p.topK, collect: true });
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
