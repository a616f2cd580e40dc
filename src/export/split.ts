/** A seeded train / validation split of export rows. */
import { MathagentError } from "../errors.js";
import { shuffled } from "../random.js";
import { hash32 } from "../rollout/index.js";
import { seededRandom } from "../random.js";

/** `{train}`, or `{train, validation}` with `valSize` rows drawn by a generator seeded by `seed`; order kept within each split. */
export function splitRows<T>(rows: readonly T[], valSize: number, seed: number): Record<string, T[]> {
  if (valSize === 0) return { train: [...rows] };
  if (valSize >= rows.length) throw new MathagentError(`--val-size ${valSize}: only ${rows.length} rows to split; keep at least one for training`);
  const held = new Set(shuffled([...rows.keys()], seededRandom(hash32(`${seed}\u0000validation`))).slice(0, valSize));
  return { train: rows.filter((_, i) => !held.has(i)), validation: rows.filter((_, i) => held.has(i)) };
}
