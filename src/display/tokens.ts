/** A text coloured token by token by its loss mask: the view of what M-DPO and M-KTO count. */
import { displaySink, escapeHtml, type MimeBundle } from "./sink.js";
import { CAPTION, MASKED, MASKED_ALT, MONO, WRITTEN, WRITTEN_ALT } from "./style.js";

/** Token offsets into the text and whether the model wrote each token (src/losses' `TokenMask` fits). */
export interface TokenMaskView {
  offsets: readonly (readonly [number, number])[];
  written: readonly boolean[];
}

export interface ShowTokensOptions {
  title?: string;
}

/** Counts of a mask: tokens, model-written tokens, masked tokens. */
export function maskCounts(mask: TokenMaskView): { tokens: number; written: number; masked: number } {
  if (mask.offsets.length !== mask.written.length) throw new Error(`showTokens: ${mask.offsets.length} offsets but ${mask.written.length} written flags`);
  const written = mask.written.filter(Boolean).length;
  return { tokens: mask.written.length, written, masked: mask.written.length - written };
}

/** The text as HTML spans, one per token, green when the model wrote it, grey when masked; text no token covers is left plain. */
export function tokensHtml(text: string, mask: TokenMaskView): string {
  let html = "";
  let at = 0;
  mask.offsets.forEach(([a, b], i) => {
    if (b <= a) return;
    if (a > at) html += escapeHtml(text.slice(at, a));
    const shade = mask.written[i] ? (i % 2 ? WRITTEN_ALT : WRITTEN) : i % 2 ? MASKED_ALT : MASKED;
    html += `<span style="background:${shade}" title="token ${i}">${escapeHtml(text.slice(Math.max(a, at), b))}</span>`;
    at = Math.max(at, b);
  });
  return html + escapeHtml(text.slice(at));
}

export function tokensBundle(text: string, mask: TokenMaskView, options: ShowTokensOptions = {}): MimeBundle {
  const c = maskCounts(mask);
  const summary = `${c.tokens.toLocaleString("en-US")} tokens: ${c.written.toLocaleString("en-US")} model-written (count in the loss), ${c.masked.toLocaleString("en-US")} masked`;
  const title = options.title ? `<strong>${escapeHtml(options.title)}</strong> · ` : "";
  const legend = `<span style="background:${WRITTEN}">model-written</span> <span style="background:${MASKED}">masked</span>`;
  return {
    "text/html":
      `<div class="mathagent-tokens"><div style="${CAPTION}">${title}${escapeHtml(summary)} · ${legend}</div>` +
      `<div style="${MONO};line-height:1.5;border:1px solid #ddd;padding:8px">${tokensHtml(text, mask)}</div></div>`,
    "text/plain": `${options.title ? options.title + " — " : ""}${summary}`,
  };
}

/** Shows `text` with each token coloured by `mask`: green where the model wrote it, grey where it is masked. */
export function showTokens(text: string, mask: TokenMaskView, options: ShowTokensOptions = {}): void {
  displaySink().show(tokensBundle(text, mask, options));
}
