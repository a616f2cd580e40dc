/**
 * Token counts of text layouts from a tokenizer (a Hugging Face tokenizer.json, or the tiny
 * policy's character tokenizer): the question and each message of a side are tokenized alone and
 * summed, without a chat template, so counts are those of the text, not of a training sequence.
 */
import type { Entry, TokenCounts } from "./formats.js";
import type { InspectMessage } from "./messages.js";
import type { TokenizerWithOffsets } from "../losses/tokenizer.js";

/** Tokens of one side: `total` the question and every message, `model` the model-written messages. */
export function textTokenCounts(tokenizer: TokenizerWithOffsets, question: string, messages: readonly InspectMessage[]): TokenCounts {
  const count = (text: string) => (text === "" ? 0 : tokenizer.encodeWithOffsets(text).ids.length);
  let total = count(question);
  let model = 0;
  for (const m of messages) {
    const n = count(m.content);
    total += n;
    if (m.role === "assistant") model += n;
  }
  return { total, model };
}

/** The entry with token counts on each side that has none yet (`tokens` layouts keep their own). */
export function withTokenCounts(entry: Entry, tokenizer: TokenizerWithOffsets): Entry {
  if (entry.kind === "example") return { ...entry, tokens: entry.tokens ?? textTokenCounts(tokenizer, entry.question, entry.messages) };
  return {
    ...entry,
    chosenTokens: entry.chosenTokens ?? textTokenCounts(tokenizer, entry.question, entry.chosen),
    rejectedTokens: entry.rejectedTokens ?? textTokenCounts(tokenizer, entry.question, entry.rejected),
  };
}
