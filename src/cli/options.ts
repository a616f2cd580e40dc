/**
 * Command options declared once — name, type, default, help — and everything else derived from
 * that declaration: the parser, its error texts, the usage text and the reference in docs/cli.md.
 */
import { UsageError } from "../errors.js";
import { requireDirectory, requireFile } from "../io/errors.js";

interface Common {
  help: string;
  /** A one-letter alias, e.g. "c" for `-c`. */
  short?: string;
  /** The value's placeholder in the usage text (default from the type, e.g. N, FILE). */
  metavar?: string;
  required?: boolean;
  /** How the default reads in the usage when it is not a plain value (e.g. "$MATHAGENT_DATA_DIR"). */
  defaultText?: string;
}
export type OptionSpec =
  | (Common & { type: "string"; default?: string; choices?: readonly string[]; exists?: "file" | "directory"; multiple?: false })
  /** A repeatable option (`--server a --server b`): every value in order, [] when not given. */
  | (Common & { type: "string"; multiple: true; choices?: readonly string[]; default?: undefined; exists?: undefined })
  | (Common & { type: "int"; default?: number; min?: number; max?: number })
  | (Common & { type: "number"; default?: number; min?: number; max?: number })
  | (Common & { type: "list"; default?: readonly string[]; choices?: readonly string[] })
  | (Common & { type: "ints"; default?: readonly number[]; min?: number; length?: number })
  | { type: "boolean"; help: string; short?: string };

export type OptionSpecs = Record<string, OptionSpec>;

/** A positional argument: an action chosen from a table, or (variadic) a list of paths. */
export interface PositionalSpec {
  name: string;
  help?: string;
  /** Allowed values with one help line each (an action such as fetch / verify). */
  choices?: Readonly<Record<string, string>>;
  required?: boolean;
  variadic?: boolean;
}

type Known<S, T> = S extends { default: unknown } ? T : S extends { required: true } ? T : T | undefined;
type ValueOf<S> = S extends { type: "boolean" }
  ? boolean
  : S extends { type: "string"; multiple: true }
    ? string[]
  : S extends { type: "int" | "number" }
    ? Known<S, number>
    : S extends { type: "ints" }
      ? Known<S, number[]>
      : S extends { type: "list"; choices: readonly (infer C)[] }
        ? Known<S, C[]>
        : S extends { type: "list" }
          ? Known<S, string[]>
          : S extends { type: "string"; choices: readonly (infer C)[] }
            ? Known<S, C>
            : Known<S, string>;
/** The parsed values of a declaration, typed from it. */
export type Values<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** The one set of error texts of the parser. */
export const OPTION_ERRORS = {
  unknown: (flag: string, near?: string) => `unknown option ${flag}${near ? ` (did you mean --${near}?)` : ""}`,
  needsValue: (flag: string, metavar: string) => `${flag} needs a value (${metavar})`,
  noValue: (flag: string) => `${flag} takes no value`,
  bad: (flag: string, expected: string, found: string) => `${flag}: expected ${expected}, found ${JSON.stringify(found)}`,
  required: (flag: string) => `${flag} is required`,
  missing: (name: string, choices?: readonly string[]) => `missing ${name}${choices ? ` (one of ${choices.join(", ")})` : ""}`,
  extra: (arg: string) => `unexpected argument ${JSON.stringify(arg)}`,
} as const;

const METAVARS: Record<OptionSpec["type"], string> = { string: "TEXT", int: "N", number: "X", list: "LIST", ints: "N,N,…", boolean: "" };

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` ≥ ${min}`;
  return max !== undefined ? ` ≤ ${max}` : "";
}

/** What an option's value must be, in words (used in errors and in the reference). */
export function expected(spec: OptionSpec): string {
  switch (spec.type) {
    case "boolean":
      return "no value";
    case "string":
      return `${spec.choices ? `one of ${spec.choices.join(", ")}` : spec.exists ? `an existing ${spec.exists}` : "text"}${spec.multiple ? " (repeatable)" : ""}`;
    case "int":
      return `an integer${range(spec.min, spec.max)}`;
    case "number":
      return `a number${range(spec.min, spec.max)}`;
    case "list":
      return spec.choices ? `a comma-separated list of ${spec.choices.join(", ")}` : "a comma-separated list";
    case "ints":
      return `${spec.length ? `${spec.length} ` : "a list of "}comma-separated integers${range(spec.min)}`;
  }
}

function numberIn(raw: string, integer: boolean, min?: number, max?: number): number | null {
  const x = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(x) || (integer && !Number.isInteger(x))) return null;
  if ((min !== undefined && x < min) || (max !== undefined && x > max)) return null;
  return x;
}

/** Converts one raw value; null when it does not fit. File-system checks throw FileErrors naming the path. */
function convert(spec: Exclude<OptionSpec, { type: "boolean" }>, raw: string): unknown {
  switch (spec.type) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) return null;
      if (spec.exists === "file") requireFile(raw);
      if (spec.exists === "directory") requireDirectory(raw);
      return raw;
    case "int":
      return numberIn(raw, true, spec.min, spec.max);
    case "number":
      return numberIn(raw, false, spec.min, spec.max);
    case "list": {
      const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
      return items.length > 0 && items.every((s) => !spec.choices || spec.choices.includes(s)) ? items : null;
    }
    case "ints": {
      const items = raw.split(",").map((s) => numberIn(s, true, spec.min));
      if (items.some((x) => x === null) || (spec.length !== undefined && items.length !== spec.length)) return null;
      return items;
    }
  }
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The declared option closest to a misspelt one (at most 2 edits), for the error text. */
function nearest(flag: string, names: string[]): string | undefined {
  const name = flag.replace(/^-+/, "");
  const best = names.map((n) => [n, editDistance(name, n)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 && best[1] < name.length ? best[0] : undefined;
}

/** Parses `args` against the declaration: `--name value`, `--name=value`, `--flag`, `--` ends the options. */
export function parseOptions<O extends OptionSpecs>(options: O, positionals: readonly PositionalSpec[], args: readonly string[]): { values: Values<O>; positionals: string[] } {
  const raw = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const name = flag.startsWith("--") ? flag.slice(2) : (Object.entries(options).find(([, o]) => o.short === flag.slice(1))?.[0] ?? "");
    const spec = options[name];
    if (!spec) throw new UsageError(OPTION_ERRORS.unknown(flag, nearest(flag, Object.keys(options))));
    if (spec.type === "boolean") {
      if (eq > 0) throw new UsageError(OPTION_ERRORS.noValue(flag));
      raw.set(name, true);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(OPTION_ERRORS.needsValue(flag, spec.metavar ?? METAVARS[spec.type]));
    if (spec.type === "string" && spec.multiple) repeated.set(name, [...(repeated.get(name) ?? []), value]);
    else raw.set(name, value);
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(options)) {
    const given = raw.get(name);
    if (spec.type === "boolean") {
      values[name] = given === true;
      continue;
    }
    if (spec.type === "string" && spec.multiple) {
      values[name] = repeatedValues(name, spec, repeated.get(name) ?? []);
      continue;
    }
    if (given === undefined) {
      if (spec.required) throw new UsageError(OPTION_ERRORS.required(`--${name}`));
      values[name] = spec.default === undefined ? undefined : Array.isArray(spec.default) ? [...spec.default] : spec.default;
      continue;
    }
    const v = convert(spec, given as string);
    if (v === null) throw new UsageError(OPTION_ERRORS.bad(`--${name}`, expected(spec), given as string));
    values[name] = v;
  }
  return { values: values as Values<O>, positionals: checkPositionals(positionals, rest) };
}

function repeatedValues(name: string, spec: OptionSpec & { type: "string" }, given: string[]): string[] {
  if (given.length === 0 && spec.required) throw new UsageError(OPTION_ERRORS.required(`--${name}`));
  for (const g of given) if (convert(spec, g) === null) throw new UsageError(OPTION_ERRORS.bad(`--${name}`, expected(spec), g));
  return given;
}

function checkPositionals(specs: readonly PositionalSpec[], rest: string[]): string[] {
  specs.forEach((p, i) => {
    const given = p.variadic ? rest.slice(i) : rest.slice(i, i + 1);
    const choices = p.choices ? Object.keys(p.choices) : undefined;
    if (given.length === 0 && p.required) throw new UsageError(OPTION_ERRORS.missing(p.name, choices));
    for (const g of given) if (choices && !choices.includes(g)) throw new UsageError(OPTION_ERRORS.bad(p.name, `one of ${choices.join(", ")}`, g));
  });
  const capacity = specs.some((p) => p.variadic) ? Infinity : specs.length;
  if (rest.length > capacity) throw new UsageError(OPTION_ERRORS.extra(rest[capacity]!));
  return rest;
}
