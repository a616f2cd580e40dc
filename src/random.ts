/** A random number generator: floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast, seeded generator; the one every seeded choice in the project uses. */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates on a copy: the one seeded shuffle. */
export function shuffled<T>(xs: readonly T[], rand: Rng): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** 0, 1, …, n−1 in a seeded random order. */
export function shuffledIndices(n: number, rand: Rng): number[] {
  return shuffled(
    Array.from({ length: n }, (_, i) => i),
    rand,
  );
}
