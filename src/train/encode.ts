/**
 * The tiny model's chat template and the encoding of trajectories into (input ids, labels, mask).
 *
 * The template is the chat table's `tiny` family (see src/chat/templates.ts).
 */
import { type ChatTemplate, type Conversation, render, type Rendered } from "../chat/index.js";
import { maskFromSpans, padMasks, type PaddedBatch } from "../losses/index.js";
import type { Trajectory } from "../rollout/index.js";
import type { CharTokenizer } from "../losses/index.js";
import { conversationOf } from "../trajectory/index.js";

export { tinyTemplate } from "../tiny/template.js";

export interface EncodedSequence {
  inputIds: number[];
  labels: number[];
  /** 1 where the label counts in the loss. */
  mask: number[];
  /** The same sequence with every token after the prompt counted (observations included): the "mask off" ablation. */
  maskAll: number[];
}

/** How a loss treats the tokens the model did not write. */
export type MaskMode = "model" | "all";

/**
 * Encode a rendered conversation: BOS + text (+ EOS when the model ended it), labels shifted by
 * one, mask = the model's spans (plus the hand-over string after each, and the EOS), maskAll =
 * everything after the prompt.
 */
export function encodeRendered(tok: CharTokenizer, r: Rendered, endsWithEos: boolean, maxLen: number, handOver = "```output"): EncodedSequence {
  // The model writes the hand-over string ("```output") that stops generation before the
  // interpreter runs (the server cuts it from the text): it counts as model-written, like the EOS.
  const spans = r.spans.map((sp) => (handOver && r.text.startsWith(handOver, sp.end) ? { start: sp.start, end: sp.end + handOver.length } : sp));
  const m = maskFromSpans(r.text, spans, tok, { bosId: tok.bosId! });
  const all = maskFromSpans(r.text, [{ start: r.promptLength, end: r.text.length }], tok, { bosId: tok.bosId! });
  const inputIds = m.inputIds;
  const labels = m.labels;
  const mask = m.mask;
  const maskAll = all.mask;
  if (endsWithEos) {
    inputIds.push(m.tokenIds[m.tokenIds.length - 1]!);
    labels.push(tok.eosId!);
    mask.push(1);
    maskAll.push(1);
  }
  const cut = Math.min(inputIds.length, maxLen);
  return { inputIds: inputIds.slice(0, cut), labels: labels.slice(0, cut), mask: mask.slice(0, cut), maskAll: maskAll.slice(0, cut) };
}

/** Encode a conversation (e.g. the teacher's); it ends with EOS when its last turn is the model's. */
export function encodeConversation(tok: CharTokenizer, template: ChatTemplate, conv: Conversation, maxLen: number): EncodedSequence {
  const last = conv.turns[conv.turns.length - 1];
  return encodeRendered(tok, render(template, conv), !conv.trailer && last?.role === "model", maxLen);
}

/** The conversation of a trajectory: the one steps → conversation rule of `src/trajectory`. */
export const trajectoryConversation = conversationOf;

/**
 * Encode a trajectory produced with `template`. The EOS is a label only when the model itself
 * ended the last turn (finish "answer" with a stop that was not a stop string).
 */
export function encodeTrajectory(tok: CharTokenizer, template: ChatTemplate, t: Trajectory, maxLen: number): EncodedSequence {
  const conv = trajectoryConversation(t);
  const r = render(template, conv);
  if (r.text !== t.transcript) throw new Error(`trajectory ${t.problemId}#${t.sample}: re-rendering with the tiny template does not give its transcript (was it made with another template?)`);
  const last = t.steps[t.steps.length - 1];
  const eos = t.finish === "answer" && !!last && last.finishReason === "stop" && (last.stopReason ?? null) === null && !t.horizonNote;
  return encodeRendered(tok, r, eos, maxLen);
}

/** Pad rows into one batch, choosing the mask. */
export function batchOf(rows: readonly EncodedSequence[], mode: MaskMode = "model", padId = 0): PaddedBatch {
  return padMasks(
    rows.map((r) => ({ inputIds: r.inputIds, labels: r.labels, mask: mode === "all" ? r.maskAll : r.mask })),
    { padId },
  );
}
