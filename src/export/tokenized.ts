/**
 * Pairs and KTO examples as token rows in LLaMA-Factory's column names (what its pairwise and KTO
 * collators read from a `tokenized_path` dataset). Labels follow `labels.ts` (unshifted, −100 where
 * a token does not count). Sequences longer than `maxLength` are dropped and counted, never cut.
 */
import { MathagentError } from "../errors.js";
import type { TokenizerWithOffsets } from "../losses/index.js";
import type { KtoExample, Pair } from "../pairing/types.js";
import type { Trajectory } from "../rollout/index.js";
import type { ArrowColumn, ArrowRow } from "./arrow.js";
import { type LabeledSequence, labelTrajectory, unshiftedLabels } from "./labels.js";

const ids = (name: string): ArrowColumn => ({ name, kind: "int32-list" });
const seqColumns = (prefix: string): ArrowColumn[] => [ids(`${prefix}input_ids`), ids(`${prefix}attention_mask`), ids(`${prefix}labels`)];
const MEDIA: ArrowColumn[] = ["images", "videos", "audios"].map((name) => ({ name, kind: "null" }));

/** LLaMA-Factory's pairwise columns (`PairwiseDataCollatorWithPadding`). */
export const DPO_COLUMNS: readonly ArrowColumn[] = [...seqColumns("chosen_"), ...seqColumns("rejected_"), ...MEDIA];
/** LLaMA-Factory's KTO columns (`KTODataCollatorWithPadding`). */
export const KTO_COLUMNS: readonly ArrowColumn[] = [...seqColumns(""), ...seqColumns("kl_"), { name: "kto_tags", kind: "bool" }, ...MEDIA];

/** A labeler that tokenizes each trajectory once (pairs of strategy `all` share trajectories). */
export function cachedLabeler(tok: TokenizerWithOffsets): (t: Trajectory) => LabeledSequence {
  const cache = new WeakMap<Trajectory, LabeledSequence>();
  return (t) => {
    let s = cache.get(t);
    if (!s) cache.set(t, (s = labelTrajectory(t, tok)));
    return s;
  };
}

/** `{input_ids, attention_mask, labels}` of one sequence, names prefixed. */
export function sequenceRow(prefix: string, seq: Pick<LabeledSequence, "ids" | "counted">): ArrowRow {
  return {
    [`${prefix}input_ids`]: seq.ids,
    [`${prefix}attention_mask`]: seq.ids.map(() => 1),
    [`${prefix}labels`]: unshiftedLabels(seq),
  };
}

/** Chosen and rejected must start from the same prompt ids (same question, same template). */
export function assertSharedPrompt(p: Pair, c: LabeledSequence, r: LabeledSequence): void {
  const n = c.promptTokens;
  const same = n > 0 && n === r.promptTokens && c.ids.slice(0, n).every((id, i) => id === r.ids[i]);
  if (!same) throw new MathagentError(`pair of problem ${p.problemId} (samples ${p.chosen.sample}, ${p.rejected.sample}): chosen and rejected do not share their prompt tokens`);
}

export interface Tokenized<T> {
  /** Items that fit, with their labeled sequences. */
  kept: { item: T; seqs: LabeledSequence[] }[];
  /** Items dropped because a sequence is longer than the maximum length. */
  dropped: number;
  /** Longest kept sequence, in tokens. */
  longest: number;
}

function byLength<T>(items: readonly T[], seqsOf: (x: T) => LabeledSequence[], maxLength: number): Tokenized<T> {
  const out: Tokenized<T> = { kept: [], dropped: 0, longest: 0 };
  for (const item of items) {
    const seqs = seqsOf(item);
    const len = Math.max(...seqs.map((s) => s.ids.length));
    if (len > maxLength) out.dropped++;
    else {
      out.kept.push({ item, seqs });
      out.longest = Math.max(out.longest, len);
    }
  }
  return out;
}

/** Tokenize pairs: [chosen, rejected] each, shared prompt asserted, over-long pairs dropped. */
export function tokenizePairs(pairs: readonly Pair[], tok: TokenizerWithOffsets, maxLength: number): Tokenized<Pair> {
  const label = cachedLabeler(tok);
  return byLength(
    pairs,
    (p) => {
      const c = label(p.chosen);
      const r = label(p.rejected);
      assertSharedPrompt(p, c, r);
      return [c, r];
    },
    maxLength,
  );
}

/** Tokenize KTO examples, over-long ones dropped. */
export function tokenizeKto(examples: readonly KtoExample[], tok: TokenizerWithOffsets, maxLength: number): Tokenized<KtoExample> {
  const label = cachedLabeler(tok);
  return byLength(examples, (e) => [label(e.trajectory)], maxLength);
}

/** The DPO row of a tokenized pair. */
export function dpoRow(seqs: LabeledSequence[]): ArrowRow {
  return { ...sequenceRow("chosen_", seqs[0]!), ...sequenceRow("rejected_", seqs[1]!), images: null, videos: null, audios: null };
}

/**
 * The KL sequence of example `i`: its own prompt ids followed by the completion (ids and labels
 * after the prompt) of the example before it, the last one's for the first, as LLaMA-Factory's
 * `processor/feedback.py` builds it. When that sequence would exceed `maxLength`, the nearest
 * earlier completion that fits is taken (its own at worst). Returns the row and the offset used.
 */
export function klSequence(seqs: readonly LabeledSequence[], i: number, maxLength: number): { seq: Pick<LabeledSequence, "ids" | "counted">; offset: number } {
  const own = seqs[i]!;
  const prompt = own.ids.slice(0, own.promptTokens);
  for (let k = 1; k <= seqs.length; k++) {
    const other = seqs[(((i - k) % seqs.length) + seqs.length) % seqs.length]!;
    const n = prompt.length + other.ids.length - other.promptTokens;
    if (n > maxLength && k < seqs.length) continue;
    return {
      seq: { ids: [...prompt, ...other.ids.slice(other.promptTokens)], counted: [...prompt.map(() => false), ...other.counted.slice(other.promptTokens)] },
      offset: k,
    };
  }
  throw new Error("unreachable: the example's own completion always fits");
}

/** KTO rows of one split, with the number of KL sequences that could not take the previous completion. */
export function ktoRows(kept: Tokenized<KtoExample>["kept"], maxLength: number): { rows: ArrowRow[]; klShifted: number } {
  const seqs = kept.map((k) => k.seqs[0]!);
  let klShifted = 0;
  const rows = kept.map((k, i) => {
    const kl = klSequence(seqs, i, maxLength);
    if (kl.offset !== 1) klShifted++;
    return { ...sequenceRow("", seqs[i]!), ...sequenceRow("kl_", kl.seq), kto_tags: k.item.label, images: null, videos: null, audios: null };
  });
  return { rows, klShifted };
}

/** The one family of a token-level export (one tokenizer serves one model family). */
export function singleFamily(trajectories: Iterable<Trajectory>): string {
  const families = new Set<string>();
  for (const t of trajectories) families.add(t.family);
  if (families.size > 1) throw new MathagentError(`a token-level export needs one model family (one tokenizer); the input mixes ${[...families].join(", ")}`);
  return [...families][0] ?? "none";
}

