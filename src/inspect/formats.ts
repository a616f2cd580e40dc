/**
 * THE table of preference layouts `openPreferenceData` reads. Each entry says how to recognise a
 * row of its layout and how to read one into an entry (a pair, or one KTO / rollout example).
 * Entries are tried in order on the first row; every later row must read as the same layout.
 * Adding a layout is one entry here plus its fixture in test/inspect/.
 */
import { trajectoryMessages } from "../trajectory/index.js";
import { checkTrajectory } from "../rollout/store.js";
import type { Trajectory } from "../rollout/types.js";
import { describeValue } from "../io/errors.js";
import { type InspectMessage, splitQuestion, toMessages } from "./messages.js";

export interface TokenCounts {
  /** Tokens of the whole sequence. */
  total: number;
  /** Tokens the loss counts (labels other than -100). */
  model: number;
}

interface Common {
  question: string;
  gold: string | null;
  problemId: string | null;
}
export interface PairEntry extends Common {
  kind: "pair";
  chosen: InspectMessage[];
  rejected: InspectMessage[];
  chosenTokens?: TokenCounts;
  rejectedTokens?: TokenCounts;
}
export interface ExampleEntry extends Common {
  kind: "example";
  messages: InspectMessage[];
  /** Desirable (KTO label, or graded correct); null when the rows carry no label. */
  label: boolean | null;
  tokens?: TokenCounts;
}
export type Entry = PairEntry | ExampleEntry;

/** What the data's own metadata says (the `.meta.json` beside it, or Parquet key-value metadata). */
export interface DataMeta {
  format?: string;
  kind?: string;
}

type Row = Record<string, unknown>;
export interface LayoutEntry {
  id: string;
  /** How the layout looks, in the words of a message. */
  layout: string;
  kind: "pairs" | "examples";
  matches(row: Row, meta: DataMeta): boolean;
  /** The entry of a row, or what is wrong with it. */
  read(row: Row): Entry | string;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : null);
const isList = (v: unknown) => Array.isArray(v);
const isConversation = (v: unknown) => typeof v === "string" || Array.isArray(v);
const hasModelWritten = (v: unknown) => Array.isArray(v) && v.some((m) => typeof m === "object" && m !== null && "model_written" in m);
const meta = (row: Row): Common => ({ question: "", gold: str(row["gt"] ?? row["gold"] ?? row["answer"]), problemId: str(row["problem_id"] ?? row["problemId"] ?? row["idx"]) });

/** A pair whose sides are whole conversations, the question first in each. */
function wholePair(row: Row): Entry | string {
  const c = toMessages(row["chosen"], "chosen");
  if (typeof c === "string") return c;
  const r = toMessages(row["rejected"], "rejected");
  if (typeof r === "string") return r;
  const cq = splitQuestion(c);
  const rq = splitQuestion(r);
  if (cq.question === "") return "field chosen: expected a conversation starting with the question (a user message), found no user message";
  return { kind: "pair", ...meta(row), question: cq.question, chosen: cq.rest, rejected: rq.question === cq.question ? rq.rest : r };
}

/** The question of a `prompt` field: a string, or messages whose last user message is the question. */
function promptOf(v: unknown, field: string): string | { error: string } {
  if (typeof v === "string") return v;
  const m = toMessages(v, field);
  if (typeof m === "string") return { error: m };
  const users = m.filter((x) => x.role === "user");
  if (users.length === 0) return { error: `field ${field}: expected a user message (the question), found ${describeValue(v)}` };
  return users[users.length - 1]!.content;
}

/** A pair as {prompt, chosen, rejected}: the sides continue the prompt. */
function promptPair(row: Row): Entry | string {
  const q = promptOf(row["prompt"], "prompt");
  if (typeof q !== "string") return q.error;
  const c = toMessages(row["chosen"], "chosen");
  if (typeof c === "string") return c;
  const r = toMessages(row["rejected"], "rejected");
  if (typeof r === "string") return r;
  return { kind: "pair", ...meta(row), question: q, chosen: c, rejected: r };
}

/** One example as {PROMPT, COMPLETION, label}. */
function promptExample(promptKey: string, completionKey: string) {
  return (row: Row): Entry | string => {
    const q = promptOf(row[promptKey], promptKey);
    if (typeof q !== "string") return q.error;
    const m = toMessages(row[completionKey], completionKey);
    if (typeof m === "string") return m;
    return labelled(row, { kind: "example", ...meta(row), question: q, messages: m, label: null });
  };
}

function labelled(row: Row, e: ExampleEntry): Entry | string {
  const l = row["label"] ?? row["kto_tags"];
  if (typeof l !== "boolean") return `field label: expected true or false, found ${describeValue(l)}`;
  return { ...e, label: l };
}

/** One example as {messages: [...], label}. */
function messagesExample(row: Row): Entry | string {
  const m = toMessages(row["messages"], "messages");
  if (typeof m === "string") return m;
  const { question, rest } = splitQuestion(m);
  return labelled(row, { kind: "example", ...meta(row), question, messages: rest, label: null });
}

/** A mathagent trajectory (rollout or annotated), in the messages form it is exported as. */
function trajectory(row: Row): Entry | string {
  const problem = checkTrajectory(row);
  if (problem) return `not a mathagent trajectory (${problem})`;
  const t = row as unknown as Trajectory & { correct?: boolean; gt?: string };
  const { rest } = splitQuestion(trajectoryMessages(t));
  return { kind: "example", question: t.question, gold: t.gt ?? t.gold, problemId: t.problemId, messages: rest, label: typeof t.correct === "boolean" ? t.correct : null };
}

function tokenCounts(row: Row, prefix: string): TokenCounts | string {
  const ids = row[`${prefix}input_ids`];
  const labels = row[`${prefix}labels`];
  if (!isList(ids)) return `field ${prefix}input_ids: expected a list of token ids, found ${describeValue(ids)}`;
  if (!isList(labels)) return `field ${prefix}labels: expected a list of labels, found ${describeValue(labels)}`;
  return { total: (ids as unknown[]).length, model: (labels as unknown[]).filter((x) => Number(x) !== -100).length };
}

/** A row of our `tokens` Parquet: token ids and labels, no text. */
function tokenPair(row: Row): Entry | string {
  const c = tokenCounts(row, "chosen_");
  if (typeof c === "string") return c;
  const r = tokenCounts(row, "rejected_");
  if (typeof r === "string") return r;
  return { kind: "pair", ...meta(row), chosen: [], rejected: [], chosenTokens: c, rejectedTokens: r };
}

function tokenExample(row: Row): Entry | string {
  const t = tokenCounts(row, "");
  if (typeof t === "string") return t;
  return labelled(row, { kind: "example", ...meta(row), messages: [], label: null, tokens: t });
}

const said = (m: DataMeta, format: string) => m.format === format;

export const LAYOUTS: readonly LayoutEntry[] = [
  { id: "mathagent-annotated", layout: "a mathagent annotated trajectory {schema, steps, correct, gt, …}", kind: "examples", matches: (r) => "schema" in r && isList(r["steps"]) && "correct" in r, read: trajectory },
  { id: "mathagent-rollout", layout: "a mathagent trajectory {schema, steps, question, gold, …}", kind: "examples", matches: (r) => "schema" in r && isList(r["steps"]), read: trajectory },
  { id: "tokens", layout: "a mathagent tokens row {chosen_input_ids, chosen_labels, rejected_input_ids, rejected_labels, …}", kind: "pairs", matches: (r) => "chosen_input_ids" in r, read: tokenPair },
  { id: "tokens-kto", layout: "a mathagent tokens KTO row {input_ids, labels, kto_tags, …}", kind: "examples", matches: (r) => "input_ids" in r && "labels" in r, read: tokenExample },
  {
    id: "paper",
    layout: "a mathagent `paper` pair {chosen: [messages with model_written], rejected: […], gt, problem_id}",
    kind: "pairs",
    matches: (r, m) => !("prompt" in r) && isList(r["chosen"]) && isList(r["rejected"]) && (said(m, "paper") || hasModelWritten(r["chosen"])),
    read: wholePair,
  },
  { id: "released-pairs", layout: "the paper's released pairs {chosen: [messages], rejected: [messages]}", kind: "pairs", matches: (r) => !("prompt" in r) && isList(r["chosen"]) && isList(r["rejected"]), read: wholePair },
  { id: "trl", layout: "a mathagent `trl` pair {prompt: [user message], chosen: [messages], rejected: [messages], …}", kind: "pairs", matches: (r, m) => said(m, "trl") && "prompt" in r && "chosen" in r, read: promptPair },
  { id: "openrlhf", layout: "a mathagent `openrlhf` pair {prompt: [user message], chosen: [messages], rejected: [messages], …}", kind: "pairs", matches: (r, m) => said(m, "openrlhf") && "prompt" in r && "chosen" in r, read: promptPair },
  {
    id: "prompt-chosen-rejected",
    layout: "a pair {prompt, chosen, rejected} (strings or message lists)",
    kind: "pairs",
    matches: (r) => "prompt" in r && isConversation(r["chosen"]) && isConversation(r["rejected"]),
    read: promptPair,
  },
  { id: "paper-kto", layout: "a mathagent `paper` KTO example {messages: [messages], label, …}", kind: "examples", matches: (r) => isList(r["messages"]) && "label" in r, read: messagesExample },
  { id: "trl-kto", layout: "a KTO example {prompt, completion, label} (TRL)", kind: "examples", matches: (r) => "prompt" in r && "completion" in r && "label" in r, read: promptExample("prompt", "completion") },
  { id: "openrlhf-kto", layout: "a KTO example {input, output, label} (OpenRLHF)", kind: "examples", matches: (r) => "input" in r && "output" in r && "label" in r, read: promptExample("input", "output") },
];

/** The layout of a first row (null when none fits). */
export function detectLayout(row: Row, m: DataMeta): LayoutEntry | null {
  return LAYOUTS.find((l) => l.matches(row, m)) ?? null;
}
