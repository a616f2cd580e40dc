/**
 * The shape of a trajectory row, checked field by field (nested steps included). A problem is
 * reported in the project's wording (`field F: expected E, found X`, src/io/errors.ts) so a reader
 * can prefix it with `FILE:LINE`.
 */
import { fieldProblem } from "../io/errors.js";
import { TRAJECTORY_SCHEMA } from "./types.js";

type Check = (v: unknown) => boolean;
interface FieldRule {
  expected: string;
  check: Check;
  /** The field may be absent (undefined). */
  optional?: boolean;
}

const str: Check = (v) => typeof v === "string";
const num: Check = (v) => typeof v === "number" && Number.isFinite(v);
const bool: Check = (v) => typeof v === "boolean";
const strOrNull: Check = (v) => v === null || typeof v === "string";
const objOrNull: Check = (v) => v === null || (typeof v === "object" && !Array.isArray(v));
const oneOf =
  (...xs: unknown[]): Check =>
  (v) =>
    xs.includes(v);

/** Top-level fields of a trajectory row (the engine writes all of them; old files may lack the optional ones). */
const TRAJECTORY_FIELDS: Record<string, FieldRule> = {
  schema: { expected: `${TRAJECTORY_SCHEMA}`, check: oneOf(TRAJECTORY_SCHEMA) },
  problemId: { expected: "a string", check: str },
  sample: { expected: "an integer ≥ 0", check: (v) => Number.isInteger(v) && (v as number) >= 0 },
  question: { expected: "a string", check: str },
  gold: { expected: "a string", check: str },
  steps: { expected: "an array", check: Array.isArray },
  finish: { expected: '"answer", "horizon", "length" or "error"', check: oneOf("answer", "horizon", "length", "error") },
  transcript: { expected: "a string", check: str },
  family: { expected: "a string", check: str, optional: true },
  mode: { expected: '"tool" or "cot"', check: oneOf("tool", "cot"), optional: true },
  horizonNote: { expected: "a boolean", check: bool, optional: true },
  toolCalls: { expected: "a number", check: num, optional: true },
  dataset: { expected: "a string", check: str, optional: true },
  level: { expected: "a number", check: num, optional: true },
  subject: { expected: "a string", check: str, optional: true },
  error: { expected: "a string", check: str, optional: true },
  completionTokens: { expected: "a number", check: num, optional: true },
};

/** Fields of each step. */
const STEP_FIELDS: Record<string, FieldRule> = {
  text: { expected: "a string", check: str },
  finishReason: { expected: '"stop", "length" or null', check: oneOf("stop", "length", null) },
  code: { expected: "a string or null", check: strOrNull, optional: true },
  observation: { expected: "an object or null", check: objOrNull, optional: true },
  observationText: { expected: "a string or null", check: strOrNull, optional: true },
  error: { expected: "a string", check: str, optional: true },
  completionTokens: { expected: "a number", check: num, optional: true },
};

/** Reward fields of an annotated row: all or none. */
const REWARD_FIELDS: Record<string, FieldRule> = {
  correct: { expected: "a boolean", check: bool },
  gt: { expected: "a string", check: str },
  pred: { expected: "a string or null", check: strOrNull },
  rule: { expected: "a string", check: str },
};

function checkFields(obj: Record<string, unknown>, rules: Record<string, FieldRule>, prefix: string): string | null {
  for (const [name, rule] of Object.entries(rules)) {
    const v = obj[name];
    if (v === undefined && rule.optional) continue;
    if (!rule.check(v)) return fieldProblem(`${prefix}${name}`, rule.expected, v);
  }
  return null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Why `row` is not a trajectory (`field: expected …, found …`), or null when it is one. */
export function trajectoryProblem(row: unknown): string | null {
  if (!isObject(row)) return fieldProblem("row", "a JSON object", row);
  const top = checkFields(row, TRAJECTORY_FIELDS, "");
  if (top) return top;
  const steps = row.steps as unknown[];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (!isObject(s)) return fieldProblem(`steps[${i}]`, "an object", s);
    const bad = checkFields(s, STEP_FIELDS, `steps[${i}].`);
    if (bad) return bad;
  }
  if (Object.keys(REWARD_FIELDS).some((k) => k in row)) return checkFields(row, REWARD_FIELDS, "");
  return null;
}
