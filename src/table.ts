/**
 * The one lookup rule for the project's extension tables (chat families, export formats, DPO loss
 * types, protocol presets, datasets): the names are the table's keys, in table order, and an unknown
 * name is an error that lists them.
 */
import { MathagentError } from "./errors.js";

/** The table's names, in the order the table lists them. */
export function tableNames<T extends object>(table: T): (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}

/** True when `name` is one of the table's own keys (never an inherited one such as "toString"). */
export function isTableKey<T extends object>(table: T, name: string): name is keyof T & string {
  return Object.prototype.hasOwnProperty.call(table, name);
}

/** `name` as a key of the table, or a MathagentError: `unknown <what> "<name>": one of a, b, c`. */
export function tableKey<T extends object>(table: T, name: string, what: string): keyof T & string {
  if (isTableKey(table, name)) return name;
  throw new MathagentError(`unknown ${what} "${name}": one of ${tableNames(table).join(", ")}`);
}
