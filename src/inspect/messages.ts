/**
 * The one shape every preference layout is read into: a conversation as messages, each either
 * written by the model or not (the question, interpreter outputs). Values that are plain strings
 * are split at the paper's ```output fences, so a whole transcript in one string reads the same
 * as the message list it came from.
 */
import { describeValue } from "../io/errors.js";

export interface InspectMessage {
  role: "user" | "assistant" | "system";
  content: string;
}

const ROLES: Record<string, InspectMessage["role"]> = {
  user: "user",
  human: "user",
  observation: "user",
  tool: "user",
  function: "user",
  assistant: "assistant",
  gpt: "assistant",
  model: "assistant",
  system: "system",
};

const OUTPUT_FENCE = /```output\n([\s\S]*?)\n?```/g;

/** A completion string as messages: model text between ```output blocks, each block an observation. */
export function splitTranscript(text: string): InspectMessage[] {
  const out: InspectMessage[] = [];
  let at = 0;
  for (const m of text.matchAll(OUTPUT_FENCE)) {
    const before = text.slice(at, m.index).trim();
    if (before !== "") out.push({ role: "assistant", content: before });
    out.push({ role: "user", content: m[0] });
    at = m.index + m[0].length;
  }
  const rest = text.slice(at).trim();
  if (rest !== "" || out.length === 0) out.push({ role: "assistant", content: rest });
  return out;
}

/** A message of any common spelling ({role, content} or ShareGPT's {from, value}); why not, as a string. */
function messageOf(v: unknown): InspectMessage | string {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return `expected a message {role, content}, found ${describeValue(v)}`;
  const o = v as Record<string, unknown>;
  const role = o["role"] ?? o["from"];
  const content = o["content"] ?? o["value"];
  if (typeof role !== "string" || !(role.toLowerCase() in ROLES)) return `expected a role (${Object.keys(ROLES).join(", ")}), found ${describeValue(role)}`;
  if (typeof content !== "string") return `expected string content, found ${describeValue(content)}`;
  return { role: ROLES[role.toLowerCase()]!, content };
}

/** A field holding a conversation (a message list, or a string transcript) as messages; why not, as a string. */
export function toMessages(v: unknown, field: string): InspectMessage[] | string {
  if (typeof v === "string") return splitTranscript(v);
  if (!Array.isArray(v)) return `field ${field}: expected a list of messages or a string, found ${describeValue(v)}`;
  const out: InspectMessage[] = [];
  for (const [i, x] of v.entries()) {
    const m = messageOf(x);
    if (typeof m === "string") return `field ${field}[${i}]: ${m}`;
    out.push(m);
  }
  return out;
}

/** The question of a conversation (its first user message) and what follows it. */
export function splitQuestion(messages: readonly InspectMessage[]): { question: string; rest: InspectMessage[] } {
  const at = messages.findIndex((m) => m.role === "user");
  if (at < 0) return { question: "", rest: messages.filter((m) => m.role !== "system") };
  return { question: messages[at]!.content, rest: messages.slice(at + 1) };
}

/** The text inside an observation's ```output fence (the message itself when it has none). */
export function observationBody(content: string): string {
  const m = /^\s*```output\n?([\s\S]*?)\n?```\s*$/.exec(content);
  return m ? m[1]! : content;
}

/** One side's conversation as one string, for duplicate detection and the plain-text view. */
export function transcriptOf(question: string, side: readonly InspectMessage[]): string {
  return [question, ...side.map((m) => m.content)].join("\n");
}
