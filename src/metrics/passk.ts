/** pass@k, maj@k and bootstrap intervals: the numbers, without tables. */
import { seededRandom } from "../random.js";

/**
 * Unbiased pass@k (Chen et al. 2021): the chance that at least one of k samples drawn without
 * replacement from n samples, c of them correct, is correct: 1 − C(n−c, k) / C(n, k), computed as
 * the stable product 1 − ∏_{i=n−c+1}^{n} (1 − k/i).
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(`pass@k needs integers 0 ≤ c ≤ n, 1 ≤ k ≤ n; got n=${n}, c=${c}, k=${k}`);
  }
  if (n - c < k) return 1;
  if (k === 1) return c / n;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/**
 * maj@k of one problem: majority vote over the first k samples (by sample index) whose answer was
 * extracted. `classes[i]` is sample i's answer class (−1 for no answer), `classCorrect` tells
 * whether a class's answer is right. Ties go to the class that appeared first. 0 when nobody voted.
 */
export function majAtK(classes: readonly number[], classCorrect: ReadonlyMap<number, boolean> | readonly boolean[], k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > classes.length) throw new RangeError(`maj@k needs 1 ≤ k ≤ n=${classes.length}; got k=${k}`);
  const votes = new Map<number, { count: number; first: number }>();
  for (let i = 0; i < k; i++) {
    const c = classes[i]!;
    if (c < 0) continue;
    const v = votes.get(c);
    if (v) v.count++;
    else votes.set(c, { count: 1, first: i });
  }
  let best: number | null = null;
  let bestV = { count: 0, first: Infinity };
  for (const [c, v] of votes) {
    if (v.count > bestV.count || (v.count === bestV.count && v.first < bestV.first)) [best, bestV] = [c, v];
  }
  if (best === null) return 0;
  const ok = Array.isArray(classCorrect) ? classCorrect[best] : (classCorrect as ReadonlyMap<number, boolean>).get(best);
  return ok ? 1 : 0;
}


export interface BootstrapOptions {
  /** Resamples (default 1000; 0 gives no interval). */
  resamples?: number;
  seed?: number;
  /** Coverage (default 0.95). */
  level?: number;
}

export interface Interval {
  estimate: number;
  /** Percentile bounds; NaN when there is nothing to resample. */
  lo: number;
  hi: number;
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
}

/** Linear-interpolated quantile of a sorted array (type 7, as numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Mean of `values` with a percentile bootstrap interval: resample the values (one per problem, so
 * samples of a problem move together) with replacement, seeded.
 */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions = {}): Interval {
  const estimate = mean(values);
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (values.length === 0 || B <= 0) return { estimate, lo: NaN, hi: NaN };
  const rand = seededRandom(opts.seed ?? 0);
  const n = values.length;
  const stats = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)]!;
    stats[b] = s / n;
  }
  stats.sort();
  const a = (1 - level) / 2;
  return { estimate, lo: quantile(stats, a), hi: quantile(stats, 1 - a) };
}
