/**
 * M-DPO pairs and KTO examples from graded (and filtered) trajectories. Every random choice comes
 * from a generator seeded by (seed, problem id), so a problem's pairs do not depend on the order or
 * the other problems of the file.
 */
import { hash32 } from "../rollout/index.js";
import { trajectoryLength } from "../trajectory/index.js";
import type { Annotated, KtoExample, Pair, PairStrategy } from "./types.js";
import { PAIR_STRATEGIES } from "./types.js";
import { seededRandom, shuffled, shuffledIndices } from "../random.js";


/** The generator for one problem under a run seed. */
export function problemRandom(seed: number, problemId: string, salt = ""): () => number {
  return seededRandom(hash32(`${seed}\u0000${problemId}\u0000${salt}`));
}

/** Rows grouped by problem, in first-seen order, each group sorted by sample index. */
export function groupByProblem<T extends { problemId: string; sample: number }>(rows: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    let g = m.get(r.problemId);
    if (!g) m.set(r.problemId, (g = []));
    g.push(r);
  }
  for (const g of m.values()) g.sort((a, b) => a.sample - b.sample);
  return m;
}

export interface PairOptions {
  strategy?: PairStrategy;
  seed?: number;
  /** `all`: most pairs per problem (a seeded sample of the correct × wrong grid). Default 8. */
  maxPerProblem?: number;
}

export interface PairSummary {
  strategy: PairStrategy;
  seed: number;
  problems: number;
  problemsWithPairs: number;
  /** Problems with correct trajectories only: no pair. */
  onlyCorrect: number;
  /** Problems with wrong trajectories only: no pair. */
  onlyWrong: number;
  pairs: number;
}

/** One problem's pairs. `correct` and `wrong` are sorted by sample index. */
function pairsOf(correct: Annotated[], wrong: Annotated[], strategy: PairStrategy, rand: () => number, maxPerProblem: number): [Annotated, Annotated][] {
  switch (strategy) {
    case "random":
      return [[correct[Math.floor(rand() * correct.length)]!, wrong[Math.floor(rand() * wrong.length)]!]];
    case "all": {
      const grid: [Annotated, Annotated][] = [];
      for (const c of correct) for (const w of wrong) grid.push([c, w]);
      if (grid.length <= maxPerProblem) return grid;
      const pick = shuffledIndices(grid.length, rand)
        .slice(0, maxPerProblem)
        .sort((a, b) => a - b);
      return pick.map((i) => grid[i]!);
    }
    case "max-length-margin": {
      // Shortest correct against longest wrong; ties by sample index.
      const len = (t: Annotated) => trajectoryLength(t);
      const c = correct.reduce((best, t) => (len(t) < len(best) ? t : best));
      const w = wrong.reduce((best, t) => (len(t) > len(best) ? t : best));
      return [[c, w]];
    }
    case "min-length-margin": {
      // The correct and wrong trajectories closest in length: a pair the length bias cannot explain.
      let best: [Annotated, Annotated] = [correct[0]!, wrong[0]!];
      let gap = Infinity;
      for (const c of correct) {
        for (const w of wrong) {
          const g = Math.abs(trajectoryLength(c) - trajectoryLength(w));
          if (g < gap) [gap, best] = [g, [c, w]];
        }
      }
      return [best];
    }
  }
}

/** M-DPO pairs: per problem, correct (chosen) against wrong (rejected) trajectories. */
export function buildPairs(rows: readonly Annotated[], opts: PairOptions = {}): { pairs: Pair[]; summary: PairSummary } {
  const strategy = opts.strategy ?? "random";
  if (!PAIR_STRATEGIES.includes(strategy)) throw new Error(`unknown pair strategy "${strategy}": use one of ${PAIR_STRATEGIES.join(", ")}`);
  const seed = opts.seed ?? 0;
  const maxPerProblem = opts.maxPerProblem ?? 8;
  if (!Number.isInteger(maxPerProblem) || maxPerProblem < 1) throw new Error(`maxPerProblem must be a positive integer, got ${maxPerProblem}`);
  const summary: PairSummary = { strategy, seed, problems: 0, problemsWithPairs: 0, onlyCorrect: 0, onlyWrong: 0, pairs: 0 };
  const pairs: Pair[] = [];
  for (const [problemId, group] of groupByProblem(rows)) {
    summary.problems++;
    const correct = group.filter((t) => t.correct);
    const wrong = group.filter((t) => !t.correct);
    if (wrong.length === 0) {
      summary.onlyCorrect++;
      continue;
    }
    if (correct.length === 0) {
      summary.onlyWrong++;
      continue;
    }
    summary.problemsWithPairs++;
    for (const [chosen, rejected] of pairsOf(correct, wrong, strategy, problemRandom(seed, problemId, "pairs"), maxPerProblem)) {
      pairs.push({ problemId, chosen, rejected, strategy });
    }
  }
  summary.pairs = pairs.length;
  return { pairs, summary };
}

export type KtoBalance = "none" | "downsample";

export interface KtoOptions {
  /** `downsample`: drop a seeded random subset of the larger class so both have the same count. */
  balance?: KtoBalance;
  seed?: number;
}

export interface KtoSummary {
  balance: KtoBalance;
  seed: number;
  desirable: number;
  undesirable: number;
  /** Dropped by balancing. */
  dropped: number;
  /**
   * Weights that equalise the two classes' total weight (TRL's `desirable_weight` /
   * `undesirable_weight`, OpenRLHF's equivalents), for training without down-sampling.
   */
  desirableWeight: number;
  undesirableWeight: number;
}

/** KTO examples: every row with its label (desirable = correct), optionally balanced. */
export function buildKto(rows: readonly Annotated[], opts: KtoOptions = {}): { examples: KtoExample[]; summary: KtoSummary } {
  const balance = opts.balance ?? "none";
  if (balance !== "none" && balance !== "downsample") throw new Error(`unknown KTO balance "${String(balance)}": use none or downsample`);
  const seed = opts.seed ?? 0;
  let examples: KtoExample[] = rows.map((t) => ({ problemId: t.problemId, trajectory: t, label: t.correct }));
  const nD = examples.filter((e) => e.label).length;
  const nU = examples.length - nD;
  let dropped = 0;
  if (balance === "downsample" && nD !== nU) {
    const larger = nD > nU;
    const idx = examples.map((e, i) => (e.label === larger ? i : -1)).filter((i) => i >= 0);
    const drop = new Set(shuffled(idx, seededRandom(hash32(`${seed}\u0000kto`))).slice(0, Math.abs(nD - nU)));
    examples = examples.filter((_, i) => !drop.has(i));
    dropped = drop.size;
  }
  const d = examples.filter((e) => e.label).length;
  const u = examples.length - d;
  const summary: KtoSummary = {
    balance,
    seed,
    desirable: d,
    undesirable: u,
    dropped,
    desirableWeight: d > 0 && u > 0 && d < u ? u / d : 1,
    undesirableWeight: d > 0 && u > 0 && u < d ? d / u : 1,
  };
  return { examples, summary };
}
