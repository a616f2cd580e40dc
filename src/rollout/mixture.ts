/**
 * Mixture sampling (the paper's §3.1: per prompt, 20 trajectories from the current model and 10 from
 * the previous iteration's): each policy gets a fixed share of every prompt's samples.
 */
import { MathagentError } from "../errors.js";
import type { Policy } from "../policy/index.js";
import type { NamedPolicy } from "./live.js";

/** A policy and how many of each prompt's samples it writes. */
export interface MixtureEntry {
  name: string;
  policy: Policy;
  share: number;
}

/** The policy name of a run with one policy. */
export const DEFAULT_POLICY_NAME = "default";

/**
 * Which policy writes sample s of every prompt: the entries in order, each over a contiguous range
 * of its share (with cur:20,prev:10, samples 0–19 are cur's and 20–29 prev's). Fixed by the mixture
 * alone, so a resumed run assigns every pair as the first run did.
 */
export function assignSamples(mix: readonly MixtureEntry[]): NamedPolicy[] {
  if (mix.length === 0) throw new MathagentError("a mixture needs at least one policy");
  const names = new Set<string>();
  const out: NamedPolicy[] = [];
  for (const e of mix) {
    if (!/^[A-Za-z0-9_.-]+$/.test(e.name)) throw new MathagentError(`policy name "${e.name}" must be letters, digits, "_", "." or "-"`);
    if (names.has(e.name)) throw new MathagentError(`policy "${e.name}" appears twice in the mixture`);
    if (!Number.isInteger(e.share) || e.share < 1) throw new MathagentError(`policy "${e.name}" needs a positive integer share, got ${e.share}`);
    names.add(e.name);
    for (let i = 0; i < e.share; i++) out.push({ name: e.name, policy: e.policy });
  }
  return out;
}

/** A server group as written on the command line: `[NAME=]URL[,URL…]`. */
export interface ServerSpec {
  name?: string;
  urls: string;
}

export function parseServerSpec(spec: string): ServerSpec {
  const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(spec);
  return m ? { name: m[1]!, urls: m[2]! } : { urls: spec };
}

/** `cur:20,prev:10` → [{name: "cur", share: 20}, {name: "prev", share: 10}]. */
export function parseMixSpec(spec: string): { name: string; share: number }[] {
  return spec.split(",").map((part) => {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m || Number(m[2]) < 1) throw new MathagentError(`mixture entry "${part}" is not NAME:SHARE with a positive integer share (e.g. cur:20,prev:10)`);
    return { name: m[1]!, share: Number(m[2]) };
  });
}

/**
 * Pair each mixture entry with its server group: every entry names a group, every group is used.
 * Returns entries in the order of `mix` (which fixes the sample ranges).
 */
export function matchMixture<P>(mix: { name: string; share: number }[], servers: ServerSpec[], make: (urls: string) => P): { name: string; share: number; policy: P }[] {
  const byName = new Map<string, ServerSpec>();
  for (const s of servers) {
    if (!s.name) throw new MathagentError(`with a mixture every server needs a name: NAME=${s.urls}`);
    if (byName.has(s.name)) throw new MathagentError(`server name "${s.name}" is given twice`);
    byName.set(s.name, s);
  }
  const used = new Set<string>();
  const out = mix.map((e) => {
    const s = byName.get(e.name);
    if (!s) throw new MathagentError(`mixture entry "${e.name}" has no server; give one with --server ${e.name}=URL`);
    if (used.has(e.name)) throw new MathagentError(`mixture entry "${e.name}" appears twice`);
    used.add(e.name);
    return { name: e.name, share: e.share, policy: make(s.urls) };
  });
  const unused = [...byName.keys()].filter((n) => !used.has(n));
  if (unused.length) throw new MathagentError(`server ${unused.map((n) => `"${n}"`).join(", ")} is not in the mixture`);
  return out;
}
