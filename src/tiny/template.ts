import { type ChatTemplate, getTemplate } from "../chat/index.js";

/** The chat template of the built-in tiny policy: the chat table's `tiny` family. */
export function tinyTemplate(): ChatTemplate {
  return getTemplate("tiny", "tool");
}
