/**
 * The few Python built-ins ToRA's grader leans on, with Python's exact semantics: `str.strip()`
 * (Python's whitespace set, not JavaScript's), `float()` acceptance, and `str.split(sep)`.
 */

/** Characters for which Python's `str.isspace()` is true. */
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

/** Python's `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
}

/** Python's `s.rstrip(chars)` / `s.strip(chars)` with an explicit character set. */
export function pyStripChars(s: string, chars: string, side: "both" | "right" = "both"): string {
  let start = 0;
  let end = s.length;
  if (side === "both") while (start < end && chars.includes(s[start]!)) start++;
  while (end > start && chars.includes(s[end - 1]!)) end--;
  return s.slice(start, end);
}

const DIGITS = "\\d(?:_?\\d)*";
const PY_FLOAT = new RegExp(
  `^[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|nan)$`,
  "i",
);

/** Python's `float(s)`, or null where Python raises ValueError. ASCII digits only. */
export function pyFloat(s: string): number | null {
  const t = pyStrip(s);
  if (!PY_FLOAT.test(t)) return null;
  const body = t.replace(/_/g, "").toLowerCase();
  const sign = body.startsWith("-") ? -1 : 1;
  const unsigned = body.replace(/^[+-]/, "");
  if (unsigned === "nan") return NaN;
  if (unsigned.startsWith("inf")) return sign * Infinity;
  return Number(body);
}

/** Python's `math.isclose(a, b, rel_tol=relTol)` (abs_tol 0). */
export function pyIsClose(a: number, b: number, relTol: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(b - a);
  return diff <= Math.abs(relTol * b) || diff <= Math.abs(relTol * a);
}

/** Python's `s.split(sep)[-1]` without building the list. */
export function lastPart(s: string, sep: string): string {
  const at = s.lastIndexOf(sep);
  return at < 0 ? s : s.slice(at + sep.length);
}

/** Python's `s.split(sep)[0]`. */
export function firstPart(s: string, sep: string): string {
  const at = s.indexOf(sep);
  return at < 0 ? s : s.slice(0, at);
}

/** Python's `s.replace(old, new)` (every occurrence, literal). */
export function replaceAll(s: string, old: string, by: string): string {
  return s.includes(old) ? s.split(old).join(by) : s;
}
