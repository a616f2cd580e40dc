/**
 * Loss masks from the character spans the model wrote.
 *
 * Input: the rendered trajectory text (prompt + turns, as the chat template renders it), the
 * character spans `{start, end}` (end exclusive, UTF-16 indices) the model wrote, and a tokenizer
 * with offsets. Output: input ids, labels shifted by one, and the per-label mask
 * (1 = the model wrote that token; 0 = prompt, tool output / observation, template text, padding).
 *
 * Rule: a token counts iff every character it covers lies inside a model span. A token that
 * straddles a span boundary, or covers no character, does not count (the model did not write all of it).
 */
import type { Offset, TokenizerWithOffsets } from "./tokenizer.js";

export interface CharSpan {
  start: number;
  end: number;
}

export interface TokenMask {
  /** All token ids of the text (with BOS when asked), length L. */
  tokenIds: number[];
  /** Offsets of `tokenIds` (BOS: [0,0]). */
  offsets: Offset[];
  /** Whether each of `tokenIds` was written by the model. */
  written: boolean[];
  /** `tokenIds[0..L-1)`: what the model reads. */
  inputIds: number[];
  /** `tokenIds[1..L)`: what it predicts at each position. */
  labels: number[];
  /** `labels`' mask: 1 where the model wrote the label token. */
  mask: number[];
}

export interface MaskOptions {
  /** Prepend this token id (e.g. the tokenizer's BOS) before the text; it never counts. */
  bosId?: number;
  /** Keep the first `maxLength` tokens only (after BOS). */
  maxLength?: number;
}

/** Sort, check and merge spans. Throws on spans outside the text or with end < start. */
export function normalizeSpans(spans: readonly CharSpan[], textLength: number): CharSpan[] {
  const s = spans.map((x, i) => {
    if (!Number.isInteger(x?.start) || !Number.isInteger(x?.end)) throw new Error(`span ${i} is not {start, end} integers: ${JSON.stringify(x)}`);
    if (x.start < 0 || x.end > textLength || x.end < x.start) throw new Error(`span ${i} {start: ${x.start}, end: ${x.end}} is outside the text [0, ${textLength}] or reversed`);
    return { start: x.start, end: x.end };
  });
  s.sort((a, b) => a.start - b.start);
  const out: CharSpan[] = [];
  for (const x of s) {
    if (x.end === x.start) continue;
    const last = out[out.length - 1];
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push(x);
  }
  return out;
}

/** For each token offset, whether all its characters lie inside one of the (normalised) spans. */
export function tokensInsideSpans(offsets: readonly Offset[], spans: readonly CharSpan[]): boolean[] {
  const out: boolean[] = new Array(offsets.length);
  let j = 0;
  let prevA = 0;
  for (let i = 0; i < offsets.length; i++) {
    const [a, b] = offsets[i]!;
    if (b <= a) {
      out[i] = false;
      continue;
    }
    if (a < prevA) j = 0; // offsets are non-decreasing for real tokenizers; restart the scan if not
    prevA = a;
    while (j < spans.length && spans[j]!.end <= a) j++;
    const sp = spans[j];
    out[i] = sp !== undefined && sp.start <= a && b <= sp.end;
  }
  return out;
}

/** Tokenise `text` and build the shifted labels and their mask from the model's spans. */
export function maskFromSpans(text: string, modelSpans: readonly CharSpan[], tokenizer: TokenizerWithOffsets, opts: MaskOptions = {}): TokenMask {
  const spans = normalizeSpans(modelSpans, text.length);
  const enc = tokenizer.encodeWithOffsets(text);
  let ids = enc.ids;
  let offsets = enc.offsets;
  if (opts.maxLength !== undefined && ids.length > opts.maxLength) {
    ids = ids.slice(0, opts.maxLength);
    offsets = offsets.slice(0, opts.maxLength);
  }
  let written = tokensInsideSpans(offsets, spans);
  if (opts.bosId !== undefined) {
    ids = [opts.bosId, ...ids];
    offsets = [[0, 0], ...offsets];
    written = [false, ...written];
  }
  const L = ids.length;
  return {
    tokenIds: ids,
    offsets,
    written,
    inputIds: ids.slice(0, Math.max(0, L - 1)),
    labels: ids.slice(1),
    mask: written.slice(1).map((w) => (w ? 1 : 0)),
  };
}

export interface PaddedBatch {
  B: number;
  T: number;
  /** `[B*T]` row-major. */
  inputIds: Int32Array;
  labels: Int32Array;
  /** Float32 `[B*T]`, 0 on padding. */
  mask: Float32Array;
  /** Real (unpadded) length of each row. */
  lengths: number[];
}

/**
 * Right-pad masks to a common length `T` (default: the longest). Padding has `padId` as input and
 * label and mask 0, so it never counts. Rows longer than `T` are cut.
 */
export function padMasks(rows: readonly Pick<TokenMask, "inputIds" | "labels" | "mask">[], opts: { padId?: number; length?: number } = {}): PaddedBatch {
  const padId = opts.padId ?? 0;
  const B = rows.length;
  const T = opts.length ?? Math.max(1, ...rows.map((r) => r.labels.length));
  const inputIds = new Int32Array(B * T).fill(padId);
  const labels = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  const lengths: number[] = [];
  rows.forEach((r, b) => {
    const n = Math.min(T, r.labels.length);
    if (r.inputIds.length !== r.labels.length || r.mask.length !== r.labels.length) throw new Error(`row ${b}: inputIds, labels and mask lengths differ`);
    lengths.push(n);
    for (let t = 0; t < n; t++) {
      inputIds[b * T + t] = r.inputIds[t]!;
      labels[b * T + t] = r.labels[t]!;
      mask[b * T + t] = r.mask[t]!;
    }
  });
  return { B, T, inputIds, labels, mask, lengths };
}
