/**
 * THE label rule of every token-level export: which tokens of a trajectory count in M-DPO / M-KTO.
 *
 * A token counts iff every character it covers lies inside a span the model wrote (the rule of
 * `src/losses/masks.ts::tokensInsideSpans`), where each model span is extended by the text that
 * closes the model's turn when that text follows it (`TURN_CLOSE[family].afterTurn`, e.g. Gemma's
 * `<end_of_turn>`), plus the final end token appended when the model ended the trajectory itself.
 * Everything else never counts: BOS, question, turn headers, every observation (fence and
 * interpreter text), the horizon note.
 *
 * One sequence, two spellings of its labels: `unshiftedLabels` (LLaMA-Factory, TRL SFT: aligned
 * with the input ids, −100 where a token does not count; the trainer shifts) and `shiftedLabels`
 * (the built-in trainer: input `ids[0..L-1)`, label `ids[1..L)`, mask of the label).
 */
import { type Family, getTemplate, isFamily, render } from "../chat/index.js";
import { MathagentError } from "../errors.js";
import { normalizeSpans, type Offset, type TokenizerWithOffsets, tokensInsideSpans } from "../losses/index.js";
import { conversationOf } from "../trajectory/index.js";
import type { Trajectory } from "../rollout/index.js";

/** The label of a token that does not count (PyTorch's cross-entropy `ignore_index`). */
export const IGNORE_INDEX = -100;

/** Per family: the BOS the text lacks, what closes a model turn in the text, the end token of a finished trajectory. */
export interface TurnClose {
  /** Token prepended before the text ("" when the template's text starts with its own BOS, or the model has none). */
  bos: string;
  /** Text right after each model turn that the model is trained to produce ("" for none). */
  afterTurn: string;
  /** Token appended (and counted) when the model ended the trajectory itself ("" for none). */
  final: string;
}

/** The one table (a family missing here does not compile). */
export const TURN_CLOSE: Readonly<Record<Family, Readonly<TurnClose>>> = {
  gemma: { bos: "", afterTurn: "<end_of_turn>", final: "<end_of_turn>" },
  mistral: { bos: "", afterTurn: "</s>", final: "</s>" },
  llama3: { bos: "", afterTurn: "<|eot_id|>", final: "<|eot_id|>" },
  deepseek: { bos: "<｜begin▁of▁sentence｜>", afterTurn: "", final: "<｜end▁of▁sentence｜>" },
  qwen: { bos: "", afterTurn: "<|im_end|>", final: "<|im_end|>" },
  plain: { bos: "", afterTurn: "", final: "" },
  // The built-in tiny policy: the hand-over string it writes before the interpreter runs counts,
  // and its character tokenizer's <bos>/<eos> frame the text (src/train/encode.ts).
  tiny: { bos: "<bos>", afterTurn: "```output", final: "<eos>" },
};

/** The rule, in words, for the metadata of every token-level export. */
export const MASK_RULE =
  "labels = token id where every character of the token lies in a model-written span (each span extended by the turn-closing text the model produces, e.g. <end_of_turn>), plus the final end token when the model ended the trajectory; -100 elsewhere (BOS, question, headers, observations, horizon note); unshifted";

/** A tokenized trajectory and which of its tokens count. */
export interface LabeledSequence {
  /** Every token id: [BOS] + the text's tokens + [final end token]. */
  ids: number[];
  /** Same length: whether the token counts in the loss. */
  counted: boolean[];
  /** Character range of each token in `text` (empty for the added BOS / final token). */
  offsets: Offset[];
  /** Leading tokens that lie entirely in the prompt (before the first model turn). */
  promptTokens: number;
  /** The text tokenized: the trajectory as the policy saw it. */
  text: string;
}

/** The id of `token` as ONE token of `tok`, or an error naming the family (wrong tokenizer for the family). */
export function singleTokenId(tok: TokenizerWithOffsets, token: string, family: string): number {
  const ids = tok.encodeWithOffsets(token).ids;
  if (ids.length !== 1) {
    throw new MathagentError(`the tokenizer spells ${JSON.stringify(token)} (the ${family} family's special token) as ${ids.length} tokens, not one: is it the policy's tokenizer?`);
  }
  return ids[0]!;
}

/** The family of a trajectory, checked against the table. */
function familyOf(t: Trajectory): Family {
  if (!isFamily(t.family)) throw new MathagentError(`trajectory ${t.problemId}#${t.sample}: unknown family "${t.family}"`);
  return t.family;
}

/**
 * Whether the model ended the trajectory itself: its last turn stopped on the end token (no stop
 * string, or the family's end token matched as one), not at the length limit, a tool call or the horizon.
 */
export function endedByModel(t: Trajectory): boolean {
  const last = t.steps[t.steps.length - 1];
  if (t.finish !== "answer" || !last || last.finishReason !== "stop" || t.horizonNote) return false;
  const stop = last.stopReason ?? null;
  return stop === null || stop === TURN_CLOSE[familyOf(t)].final;
}

/**
 * Tokenize `text` (no special tokens added) and mark the counted tokens: those inside `spans`,
 * each span extended by `afterTurn` when the text continues with it. `bosId` is prepended (never
 * counted), `finalId` appended (counted).
 */
export function labelText(
  text: string,
  spans: readonly { start: number; end: number }[],
  promptLength: number,
  tok: TokenizerWithOffsets,
  opts: { afterTurn?: string; bosId?: number; finalId?: number } = {},
): LabeledSequence {
  const close = opts.afterTurn ?? "";
  const extended = spans.map((s) => (close && text.startsWith(close, s.end) ? { start: s.start, end: s.end + close.length } : s));
  const enc = tok.encodeWithOffsets(text);
  const ids = [...enc.ids];
  const offsets: Offset[] = [...enc.offsets];
  const counted = tokensInsideSpans(offsets, normalizeSpans(extended, text.length));
  let promptTokens = 0;
  while (promptTokens < offsets.length && offsets[promptTokens]![1] <= promptLength) promptTokens++;
  if (opts.bosId !== undefined) {
    ids.unshift(opts.bosId);
    offsets.unshift([0, 0]);
    counted.unshift(false);
    promptTokens++;
  }
  if (opts.finalId !== undefined) {
    ids.push(opts.finalId);
    offsets.push([text.length, text.length]);
    counted.push(true);
  }
  return { ids, counted, offsets, promptTokens, text };
}

/**
 * Label a trajectory with the policy's tokenizer. The text is the stored transcript, checked to be
 * exactly what the family's template renders from the trajectory's turns (so the spans are right).
 */
export function labelTrajectory(t: Trajectory, tok: TokenizerWithOffsets): LabeledSequence {
  const family = familyOf(t);
  const r = render(getTemplate(family, t.mode === "cot" ? "cot" : "tool"), conversationOf(t));
  if (r.text !== t.transcript) {
    throw new MathagentError(`trajectory ${t.problemId}#${t.sample}: its transcript is not what the ${family} template renders from its turns (edited by hand, or made with another template?)`);
  }
  const close = TURN_CLOSE[family];
  return labelText(r.text, r.spans, r.promptLength, tok, {
    afterTurn: close.afterTurn,
    ...(close.bos ? { bosId: singleTokenId(tok, close.bos, family) } : {}),
    ...(close.final && endedByModel(t) ? { finalId: singleTokenId(tok, close.final, family) } : {}),
  });
}

/** Labels aligned with `ids`: the id where the token counts, −100 elsewhere (the trainer shifts). */
export function unshiftedLabels(seq: Pick<LabeledSequence, "ids" | "counted">): number[] {
  return seq.ids.map((id, i) => (seq.counted[i] ? id : IGNORE_INDEX));
}

/** The built-in trainer's form: input `ids[0..L-1)`, label `ids[1..L)`, mask 1 where the label counts. */
export function shiftedLabels(seq: Pick<LabeledSequence, "ids" | "counted">): { inputIds: number[]; labels: number[]; mask: number[] } {
  const L = seq.ids.length;
  return {
    inputIds: seq.ids.slice(0, Math.max(0, L - 1)),
    labels: seq.ids.slice(1),
    mask: seq.counted.slice(1).map((c) => (c ? 1 : 0)),
  };
}

/** Maximal runs `[start, end)` of counted tokens. */
export function countedRuns(counted: readonly boolean[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < counted.length; i++) {
    if (!counted[i]) continue;
    const start = i;
    while (i < counted.length && counted[i]) i++;
    runs.push([start, i]);
  }
  return runs;
}
