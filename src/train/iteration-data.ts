/**
 * One iteration's data, the paper's way (§3.1 and App. B of Xiong et al.): the prompts of the
 * iteration, N trajectories per prompt by mixture sampling (some from the current model, the rest
 * from the previous iteration's), graded by the pipeline's one reward rule, the paper's filters, then
 * what each method trains on: one random (correct, wrong) pair per prompt (M-DPO), both members of
 * that pair as desirable / undesirable (M-KTO), or one random correct trajectory per prompt (RAFT, k = 1).
 */
import type { Problem } from "../data/index.js";
import type { Grader } from "../grading/index.js";
import { applyFilters, buildPairs, groupByProblem, problemRandom, type FilterSet, type FilterSummary, type Pair } from "../pairing/index.js";
import type { Annotated } from "../trajectory/index.js";
import { rollout, type CodeSession, type MixtureEntry } from "../rollout/index.js";
import type { Interpreter } from "../interpreter/index.js";
import { rewardAll } from "../evaluate/index.js";
import type { TinyModel } from "../tiny/model.js";
import { TinyPolicy } from "../tiny/policy.js";
import { tinyTemplate } from "./encode.js";

/** A shared interpreter, or a factory of code sessions. */
export type InterpreterLike = Interpreter | (() => CodeSession | Promise<CodeSession>);

/** What the collection of one iteration depends on. */
export interface CollectSettings {
  samplesPerPrompt: number;
  /** Of each prompt's samples, how many the previous iteration's model writes (0: on-policy sampling). */
  previousSamples: number;
  promptsPerIteration: number;
  temperature: number;
  topP: number;
  horizon: number;
  maxTokens: number;
  concurrency: number;
  filters: FilterSet;
  seed: number;
}

export interface Collected {
  /** Every graded trajectory. */
  rows: Annotated[];
  /** The trajectories the paper's filters keep. */
  kept: Annotated[];
  filterSummary: FilterSummary;
}

/** Iteration `it`'s prompts: the next `promptsPerIteration` of the training problems (wrapping around). */
export function iterationPrompts(problems: readonly Problem[], perIteration: number, it: number): Problem[] {
  const P = Math.min(perIteration, problems.length);
  return Array.from({ length: P }, (_, i) => problems[((it - 1) * P + i) % problems.length]!);
}

/** The mixture of one iteration: `current` writes N − previousSamples of each prompt's samples, `previous` the rest. */
export function samplingMixture(s: CollectSettings, current: TinyModel, previous: TinyModel): MixtureEntry[] {
  const nPrev = s.previousSamples;
  if (!Number.isInteger(nPrev) || nPrev < 0 || nPrev >= s.samplesPerPrompt) {
    throw new Error(`previousSamples must be an integer in [0, samplesPerPrompt), got ${nPrev} with samplesPerPrompt ${s.samplesPerPrompt}`);
  }
  const mix: MixtureEntry[] = [{ name: "current", policy: new TinyPolicy(current), share: s.samplesPerPrompt - nPrev }];
  if (nPrev > 0) mix.push({ name: "previous", policy: new TinyPolicy(previous), share: nPrev });
  return mix;
}

/** Rollout (mixture sampling) → the one reward rule → the paper's filters, for one iteration's prompts. */
export async function collect(
  s: CollectSettings,
  prompts: readonly Problem[],
  models: { current: TinyModel; previous: TinyModel },
  env: { interpreter: InterpreterLike; grader: Grader; it: number; signal?: AbortSignal },
): Promise<Collected> {
  const ro = await rollout({
    problems: [...prompts],
    mixture: samplingMixture(s, models.current, models.previous),
    template: tinyTemplate(),
    interpreter: env.interpreter,
    samples: s.samplesPerPrompt,
    temperature: s.temperature,
    topP: s.topP,
    horizon: s.horizon,
    maxTokens: s.maxTokens,
    seed: s.seed * 1000 + env.it,
    concurrency: s.concurrency,
    ...(env.signal ? { signal: env.signal } : {}),
  });
  const rows = await rewardAll(ro.trajectories, env.grader);
  const { kept, summary } = applyFilters(rows, s.filters);
  return { rows, kept, filterSummary: summary };
}

/** The paper's pairs: one random correct and one random wrong trajectory per prompt that has both. */
export function randomPairs(kept: readonly Annotated[], seed: number): Pair[] {
  return buildPairs(kept, { strategy: "random", seed, maxPerProblem: 1 }).pairs;
}

/** M-KTO's examples (the paper's App. B): both members of each random pair, the correct one desirable. */
export function ktoFromPairs(pairs: readonly Pair[]): { trajectory: Annotated; desirable: boolean }[] {
  return pairs.flatMap((p) => [
    { trajectory: p.chosen, desirable: true },
    { trajectory: p.rejected, desirable: false },
  ]);
}

/** RAFT with k = 1 (the paper's choice): one random correct trajectory per prompt that has one. */
export function raftPicks(kept: readonly Annotated[], seed: number): Annotated[] {
  const out: Annotated[] = [];
  for (const [problemId, group] of groupByProblem(kept)) {
    const correct = group.filter((t) => t.correct);
    if (correct.length > 0) out.push(correct[Math.floor(problemRandom(seed, problemId, "raft")() * correct.length)]!);
  }
  return out;
}
