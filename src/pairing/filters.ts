/**
 * The paper's data filters and its repository's, each switchable, applied in a fixed order; every
 * removed trajectory is counted against the first filter that removed it. Each rule names its
 * source: the paper's text (§3.1 and App. B of Xiong et al.), the paper's repository
 * (`inference/utils/filter_data.py`, `inference/infer_data/get_dpo_dataset.py`), or mathagent.
 */
import { HORIZON_NOTE } from "../chat/index.js";
import { hasCode } from "../rollout/index.js";
import { trajectoryMessages } from "../trajectory/index.js";
import type { Annotated, ExportMessage } from "./types.js";

export type FilterSource = "paper" | "repository" | "mathagent";

/** What a rule sees of one trajectory. */
export interface FilterInput {
  t: Annotated;
  messages: readonly ExportMessage[];
  /** Tokens of the whole conversation, when a tokenizer was given. */
  tokens: number | null;
  maxTokens: number;
}

export interface FilterRule {
  name: string;
  source: FilterSource;
  description: string;
  /** True when the rule removes the trajectory. */
  drops: (x: FilterInput) => boolean;
}

const lower = (m: ExportMessage | undefined) => (m ? m.content.toLowerCase() : "");
const secondLast = (x: FilterInput) => lower(x.messages[x.messages.length - 2]);
const anyMessage = (x: FilterInput, test: (text: string) => boolean) => x.messages.some((m) => test(m.content.toLowerCase()));
const observations = (x: FilterInput) => x.messages.filter((m, i) => !m.model_written && i > 0);
/** The result inside an observation message ("```output\n…\n```"). */
const resultOf = (m: ExportMessage) => m.content.replace(/^```output\n/, "").replace(/\n```(?:[\s\S]*)$/, "");

const SYMPY_ERROR = /(importerror|modulenotfounderror|attributeerror)[^\n]*sympy|sympy[^\n]*(importerror|cannot import name|has no attribute)|object is not subscriptable/;

/** The rules, in the order they run. */
export const FILTERS = [
  {
    name: "env-error",
    source: "mathagent",
    description: "the rollout hit an environment error (failed model call or interpreter failure)",
    drops: ({ t }) => t.finish === "error" || t.error !== undefined || t.steps.some((s) => s.error !== undefined),
  },
  {
    name: "call-limit",
    source: "repository",
    description: `the trajectory hit the call limit ("${HORIZON_NOTE.trim()}"); the repository notes it speeds training without changing results`,
    drops: (x) => x.t.horizonNote || anyMessage(x, (s) => s.includes("reach max function call")),
  },
  {
    name: "env-breakage",
    source: "repository",
    description: 'a message with "ipython" or "traitlets" and "error": the environment, not the model, broke',
    drops: (x) => anyMessage(x, (s) => s.includes("error") && (s.includes("ipython") || s.includes("traitlets"))),
  },
  {
    name: "sympy-error",
    source: "repository",
    description: 'an observation with a sympy import / attribute error or "object is not subscriptable"',
    drops: (x) => observations(x).some((m) => SYMPY_ERROR.test(m.content.toLowerCase())),
  },
  {
    name: "empty-output",
    source: "repository",
    description: 'an observation "```output\\n[]" or an empty "Execution error: "',
    drops: (x) => observations(x).some((m) => m.content.startsWith("```output\n[]") || /^Execution error:\s*$/.test(resultOf(m))),
  },
  {
    name: "too-short",
    source: "repository",
    description: "fewer than 4 messages (no tool call before the answer); not applied to chain-of-thought (cot) trajectories",
    drops: ({ t, messages }) => messages.length < 4 && t.mode !== "cot",
  },
  {
    name: "odd-messages",
    source: "repository",
    description: "an odd number of messages: the transcript does not end on a model turn",
    drops: ({ messages }) => messages.length % 2 === 1,
  },
  {
    name: "missing-code",
    source: "repository",
    description: "an intermediate model turn has no ```python block",
    drops: ({ messages }) => {
      const model = messages.filter((m) => m.model_written);
      return model.slice(0, -1).some((m) => !hasCode(m.content));
    },
  },
  {
    name: "winner-error",
    source: "paper",
    description: 'a correct trajectory whose second-last message (the last observation) shows an error (or "none"): the model ignored the bug and wrote the ground truth',
    drops: (x) => x.t.correct && (secondLast(x).includes("error") || secondLast(x).includes("none")),
  },
  {
    name: "error-output",
    source: "repository",
    description: 'the last observation contains "error" (case-insensitive): an answer reached through a failing program',
    drops: (x) => lower(observations(x).at(-1)).includes("error"),
  },
  {
    name: "too-long",
    source: "paper",
    description: "longer than the token limit (2,048, the paper's) counted with the policy's tokenizer; skipped without one",
    drops: (x) => x.tokens !== null && x.tokens > x.maxTokens,
  },
] as const satisfies readonly FilterRule[];

export type FilterName = (typeof FILTERS)[number]["name"] | "duplicate";

const DUPLICATE: Omit<FilterRule, "drops"> = {
  name: "duplicate",
  source: "repository",
  description: "a transcript identical to an earlier one of the same problem",
};

/** Every filter name, in the order they run (the duplicate check last). */
export const FILTER_NAMES: readonly FilterName[] = [...FILTERS.map((f) => f.name), "duplicate"];

export const FILTER_DESCRIPTIONS = Object.fromEntries([...FILTERS, DUPLICATE].map((f) => [f.name, f.description])) as Readonly<Record<FilterName, string>>;
export const FILTER_SOURCES = Object.fromEntries([...FILTERS, DUPLICATE].map((f) => [f.name, f.source])) as Readonly<Record<FilterName, FilterSource>>;

/** Switches: a filter is on unless set to false. */
export type FilterSet = Partial<Record<FilterName, boolean>>;

/** Counts tokens of a text (e.g. `(s) => tokenizer.encode(s).length`). */
export type TokenCounter = (text: string) => number;

export interface FilterOptions {
  enabled?: FilterSet;
  /** The policy's tokenizer: without one, `too-long` is skipped (and says so). */
  countTokens?: TokenCounter;
  /** Token limit of `too-long` (default 2048, the paper's). */
  maxTokens?: number;
}

export interface FilterSummary {
  input: number;
  kept: number;
  /** Trajectories removed by each filter (0 for a filter that is off). */
  removed: Record<FilterName, number>;
  enabled: FilterName[];
  /** Filters that were on but could not run, with the reason. */
  skipped: Partial<Record<FilterName, string>>;
  sources: Readonly<Record<FilterName, FilterSource>>;
}

export const DEFAULT_MAX_TOKENS = 2048;

function asOptions(o: FilterOptions | FilterSet): FilterOptions {
  return "enabled" in o || "countTokens" in o || "maxTokens" in o ? (o as FilterOptions) : { enabled: o as FilterSet };
}

/** The first filter that removes `t` (without the duplicate check), or null. */
export function failingFilter(t: Annotated, options: FilterOptions | FilterSet = {}): FilterName | null {
  const o = asOptions(options);
  const messages = trajectoryMessages(t);
  const tokens = o.countTokens && o.enabled?.["too-long"] !== false ? o.countTokens(t.transcript) : null;
  const x: FilterInput = { t, messages, tokens, maxTokens: o.maxTokens ?? DEFAULT_MAX_TOKENS };
  for (const f of FILTERS) if (o.enabled?.[f.name] !== false && f.drops(x)) return f.name;
  return null;
}

/** Apply the filters (all on unless switched off); returns the kept rows in order and the counts. */
export function applyFilters(rows: readonly Annotated[], options: FilterOptions | FilterSet = {}): { kept: Annotated[]; summary: FilterSummary } {
  const o = asOptions(options);
  const on = (f: FilterName) => o.enabled?.[f] !== false;
  const removed = Object.fromEntries(FILTER_NAMES.map((f) => [f, 0])) as Record<FilterName, number>;
  const kept: Annotated[] = [];
  const seen = new Map<string, Set<string>>();
  for (const t of rows) {
    let why = failingFilter(t, o);
    if (!why && on("duplicate")) {
      let set = seen.get(t.problemId);
      if (!set) seen.set(t.problemId, (set = new Set()));
      if (set.has(t.transcript)) why = "duplicate";
      else set.add(t.transcript);
    }
    if (why) removed[why]++;
    else kept.push(t);
  }
  const skipped: FilterSummary["skipped"] = on("too-long") && !o.countTokens ? { "too-long": "no tokenizer given (--tokenizer path/to/tokenizer.json)" } : {};
  return { kept, summary: { input: rows.length, kept: kept.length, removed, enabled: FILTER_NAMES.filter(on), skipped, sources: FILTER_SOURCES } };
}

/** "1,000 in · 312 kept · env-error −3 (mathagent) · … · too-long skipped: no tokenizer …" */
export function describeFilters(s: FilterSummary): string {
  const parts = [`${s.input} in`, `${s.kept} kept`];
  for (const f of FILTER_NAMES) {
    const src = s.sources?.[f] ?? FILTER_SOURCES[f];
    if (!s.enabled.includes(f)) parts.push(`${f} off`);
    else if (s.skipped?.[f]) parts.push(`${f} skipped (${s.skipped[f]})`);
    else parts.push(`${f} −${s.removed[f]} (${src})`);
  }
  return parts.join(" · ");
}
