/**
 * Rows of precomputed per-token log-probs (one JSON object per line), checked: a pair
 * `{policy_chosen, policy_rejected, ref_chosen, ref_rejected, mask_chosen, mask_rejected, id?}` or,
 * for KTO, one trajectory `{policy, ref, mask, desirable | label, id?}`.
 */
import { type LogProbExample, type LogProbPair, mdpoFromLogProbs, mktoFromLogProbs } from "./precomputed.js";

/** Number literals of each parsed row that JSON.parse turned into ±Infinity, as written, in text order. */
const OVERFLOWS = new WeakMap<object, string[]>();
const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

function overflowingLiterals(text: string): string[] {
  return [...text.matchAll(TOKENS)].map((m) => m[0]).filter((t) => !t.startsWith('"') && !Number.isFinite(Number(t)));
}

function describeValue(row: object, v: unknown): string {
  if (typeof v !== "number" || Number.isNaN(v)) return JSON.stringify(v);
  const literal = OVERFLOWS.get(row)?.find((t) => Math.sign(Number(t)) === Math.sign(v)) ?? String(v);
  return `${literal} (outside the float64 range)`;
}

function numArray(row: Record<string, unknown>, key: string): number[] {
  const v = row[key];
  if (v === undefined) throw new Error(`missing "${key}"`);
  if (!Array.isArray(v)) throw new Error(`"${key}" must be an array of numbers`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== "number" || !Number.isFinite(v[i] as number)) throw new Error(`"${key}"[${i}] is ${describeValue(row, v[i])}, not a finite number`);
  }
  return v as number[];
}

function sameLength(what: string, policy: ArrayLike<number>, ref: ArrayLike<number>, mask: ArrayLike<number>): void {
  if (policy.length !== ref.length || policy.length !== mask.length) throw new Error(`${what} arrays differ in length: policy ${policy.length}, ref ${ref.length}, mask ${mask.length}`);
}

/** A pair row, its arrays checked for type and length. */
export function pairFromRow(row: Record<string, unknown>): LogProbPair {
  const p: LogProbPair = {
    policyChosen: numArray(row, "policy_chosen"),
    policyRejected: numArray(row, "policy_rejected"),
    refChosen: numArray(row, "ref_chosen"),
    refRejected: numArray(row, "ref_rejected"),
    maskChosen: numArray(row, "mask_chosen"),
    maskRejected: numArray(row, "mask_rejected"),
  };
  sameLength("chosen", p.policyChosen, p.refChosen, p.maskChosen);
  sameLength("rejected", p.policyRejected, p.refRejected, p.maskRejected);
  mdpoFromLogProbs([p]); // values: masks 0/1, log-probs ≤ 0
  return p;
}

/** A single-trajectory KTO row. */
export function exampleFromRow(row: Record<string, unknown>): LogProbExample {
  const d = row["desirable"] ?? row["label"];
  if (typeof d !== "boolean") throw new Error('"desirable" (or "label") must be true or false');
  const ex: LogProbExample = { policy: numArray(row, "policy"), ref: numArray(row, "ref"), mask: numArray(row, "mask"), desirable: d };
  if (ex.policy.length !== ex.ref.length || ex.policy.length !== ex.mask.length) throw new Error(`policy (${ex.policy.length}), ref (${ex.ref.length}) and mask (${ex.mask.length}) lengths differ`);
  mktoFromLogProbs([ex]);
  return ex;
}

/** The KTO examples of a row: one (a trajectory row) or two (a pair: chosen desirable, rejected not). */
export function ktoExamplesFromRow(row: Record<string, unknown>): LogProbExample[] {
  if ("policy" in row) return [exampleFromRow(row)];
  const p = pairFromRow(row);
  return [
    { policy: p.policyChosen, ref: p.refChosen, mask: p.maskChosen, desirable: true },
    { policy: p.policyRejected, ref: p.refRejected, mask: p.maskRejected, desirable: false },
  ];
}

/** Parse one line of input into a JSON object, or throw why not. */
export function lossRowObject(text: string): Record<string, unknown> {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  if (!row || typeof row !== "object" || Array.isArray(row)) throw new Error("expected a JSON object");
  const overflows = overflowingLiterals(text);
  if (overflows.length > 0) OVERFLOWS.set(row, overflows);
  return row as Record<string, unknown>;
}
