/**
 * Declarative row shapes: a row is checked against one, nested types included, and the first
 * problem comes back worded as `field F: expected E, found X` (see errors.ts).
 */
import { describeValue, fieldProblem } from "./errors.js";

export type Shape =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "unknown"
  | { array: Shape }
  | { object: Record<string, Shape>; optional?: readonly string[] }
  | { oneOf: readonly Shape[] }
  | { literal: string | number | boolean };

/** What a shape expects, in words. */
export function describeShape(shape: Shape): string {
  if (typeof shape === "string") return { string: "a string", number: "a number", integer: "an integer", boolean: "true or false", unknown: "anything" }[shape];
  if ("array" in shape) return `an array of ${describeShape(shape.array).replace(/^an? /, "")}s`.replace(/ss$/, "s");
  if ("object" in shape) return "an object";
  if ("literal" in shape) return JSON.stringify(shape.literal);
  return shape.oneOf.map(describeShape).join(" or ");
}

const SCALAR_TESTS: Record<"string" | "number" | "integer" | "boolean" | "unknown", (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  unknown: () => true,
};

/** The first way `value` does not fit `shape` (as a field problem), or null when it fits. `field` names the value. */
export function checkShape(value: unknown, shape: Shape, field = "row"): string | null {
  if (typeof shape === "string") return SCALAR_TESTS[shape](value) ? null : fieldProblem(field, describeShape(shape), value);
  if ("literal" in shape) return value === shape.literal ? null : fieldProblem(field, describeShape(shape), value);
  if ("oneOf" in shape) return shape.oneOf.some((s) => checkShape(value, s, field) === null) ? null : fieldProblem(field, describeShape(shape), value);
  if ("array" in shape) {
    if (!Array.isArray(value)) return fieldProblem(field, describeShape(shape), value);
    for (let i = 0; i < value.length; i++) {
      const p = checkShape(value[i], shape.array, `${field}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fieldProblem(field, "an object", value);
  const row = value as Record<string, unknown>;
  for (const [key, s] of Object.entries(shape.object)) {
    if (row[key] === undefined && shape.optional?.includes(key)) continue;
    const p = checkShape(row[key], s, field === "row" ? key : `${field}.${key}`);
    if (p) return p;
  }
  return null;
}

export { describeValue };
