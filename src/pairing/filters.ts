/**
 * The paper's data filters, each switchable, applied in a fixed order; every removed trajectory is
 * counted against the first filter that removed it.
 */
import { hasCode } from "../rollout/index.js";
import { trajectoryMessages } from "./messages.js";
import type { Annotated, ExportMessage } from "./types.js";

export type FilterName = "env-error" | "too-short" | "odd-messages" | "missing-code" | "error-output" | "duplicate";

/** In the order they run. */
export const FILTER_NAMES: readonly FilterName[] = ["env-error", "too-short", "odd-messages", "missing-code", "error-output", "duplicate"];

export const FILTER_DESCRIPTIONS: Readonly<Record<FilterName, string>> = {
  "env-error": "the rollout hit an environment error (failed model call or interpreter failure)",
  "too-short": "fewer than 4 messages (no tool call before the answer); not applied to chain-of-thought (cot) trajectories",
  "odd-messages": "an odd number of messages: the transcript does not end on a model turn",
  "missing-code": "an intermediate model turn has no ```python block",
  "error-output": 'the last observation contains "error" (case-insensitive): a right answer reached through a failing program',
  duplicate: "a transcript identical to an earlier one of the same problem",
};

export type FilterSet = Partial<Record<FilterName, boolean>>;

export interface FilterSummary {
  input: number;
  kept: number;
  /** Trajectories removed by each filter (0 for a filter that is off). */
  removed: Record<FilterName, number>;
  enabled: FilterName[];
}

/** The filter that removes `t` (without the duplicate check), or null. */
export function failingFilter(t: Annotated, enabled: FilterSet = {}, messages: ExportMessage[] = trajectoryMessages(t)): FilterName | null {
  const on = (f: FilterName) => enabled[f] !== false;
  if (on("env-error") && (t.finish === "error" || t.error !== undefined || t.steps.some((s) => s.error !== undefined))) return "env-error";
  // A chain-of-thought trajectory (no tools) is one question and one answer: the tool rules do not apply.
  if (on("too-short") && messages.length < 4 && t.mode !== "cot") return "too-short";
  if (on("odd-messages") && messages.length % 2 === 1) return "odd-messages";
  if (on("missing-code")) {
    const model = messages.filter((m) => m.model_written);
    if (model.slice(0, -1).some((m) => !hasCode(m.content))) return "missing-code";
  }
  if (on("error-output")) {
    const obs = messages.filter((m, i) => !m.model_written && i > 0);
    const last = obs[obs.length - 1];
    if (last && last.content.toLowerCase().includes("error")) return "error-output";
  }
  return null;
}

/** Apply the filters (all on unless switched off with `false`); returns the kept rows in order and the counts. */
export function applyFilters(rows: readonly Annotated[], enabled: FilterSet = {}): { kept: Annotated[]; summary: FilterSummary } {
  const removed = Object.fromEntries(FILTER_NAMES.map((f) => [f, 0])) as Record<FilterName, number>;
  const kept: Annotated[] = [];
  const seen = new Map<string, Set<string>>();
  for (const t of rows) {
    let why = failingFilter(t, enabled);
    if (!why && enabled.duplicate !== false) {
      let set = seen.get(t.problemId);
      if (!set) seen.set(t.problemId, (set = new Set()));
      if (set.has(t.transcript)) why = "duplicate";
      else set.add(t.transcript);
    }
    if (why) removed[why]++;
    else kept.push(t);
  }
  return { kept, summary: { input: rows.length, kept: kept.length, removed, enabled: FILTER_NAMES.filter((f) => enabled[f] !== false) } };
}

/** "1,000 in · 312 kept · env-error 3 · too-short 500 · …" */
export function describeFilters(s: FilterSummary): string {
  const parts = [`${s.input} in`, `${s.kept} kept`];
  for (const f of FILTER_NAMES) parts.push(s.enabled.includes(f) ? `${f} −${s.removed[f]}` : `${f} off`);
  return parts.join(" · ");
}
