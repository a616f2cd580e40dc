/** What can be counted on one side of a pair (or one KTO example) from its messages alone. */
import { extractAnswer } from "../grading/extract.js";
import { type InspectMessage, observationBody } from "./messages.js";

export interface SideStats {
  /** Model turns (assistant messages). */
  turns: number;
  /** Interpreter outputs (messages after the question that the model did not write). */
  tool_calls: number;
  model_chars: number;
  obs_chars: number;
  /** Interpreter outputs that are errors (an exception line, a time-out, a crash). */
  obs_errors: number;
  /** The kind of the last error ("ZeroDivisionError", "Timeout", …); "" when none. */
  error_kind: string;
  /** The last interpreter output was an error. */
  ended_in_error: boolean;
  /** The final answer of the last model turn (\boxed{…}, else "The answer is …"); null when none. */
  answer: string | null;
}

/** Error lines the paper's executor writes, and the kind each is counted as. */
const ERROR_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Timeout Error\b/, () => "Timeout"],
  [/^Execution Error: the interpreter crashed/, () => "Crash"],
  [/^Execution Error: cancelled/, () => "Cancelled"],
  [/^(?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt))\b(?::|$)/, (m) => m[1]!],
];

/** The kind of error an interpreter output reports (its last non-empty line), or null when it is not an error. */
export function errorKind(observation: string): string | null {
  const lines = observationBody(observation)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const last = lines[lines.length - 1];
  if (last === undefined) return null;
  for (const [re, kind] of ERROR_PATTERNS) {
    const m = re.exec(last);
    if (m) return kind(m);
  }
  return null;
}

/** Counts of one side: `messages` is what follows the question. */
export function sideStats(messages: readonly InspectMessage[]): SideStats {
  const model = messages.filter((m) => m.role === "assistant");
  const observations = messages.filter((m) => m.role === "user");
  const kinds = observations.map((o) => errorKind(o.content));
  const errors = kinds.filter((k): k is string => k !== null);
  const lastModel = model[model.length - 1]?.content ?? "";
  return {
    turns: model.length,
    tool_calls: observations.length,
    model_chars: model.reduce((a, m) => a + m.content.length, 0),
    obs_chars: observations.reduce((a, m) => a + observationBody(m.content).length, 0),
    obs_errors: errors.length,
    error_kind: errors[errors.length - 1] ?? "",
    ended_in_error: kinds.length > 0 && kinds[kinds.length - 1] !== null,
    answer: extractAnswer(lastModel, { formats: ["boxed", "answer-is"] }),
  };
}

export const SIDE_COLUMNS: readonly (keyof SideStats)[] = ["turns", "tool_calls", "model_chars", "obs_chars", "obs_errors", "error_kind", "ended_in_error", "answer"];
