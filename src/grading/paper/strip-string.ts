/**
 * ToRA's `strip_string` (microsoft/ToRA src/utils/parser.py), step for step, quirks included:
 * plain substring replacements (so "and" also leaves "candy" as "cy"), `\text{…}` to the end
 * removed only when something is left, "k = " dropped when the left side is at most two
 * characters, `a/b` turned into `\frac{a}{b}` only for integers that print back the same.
 */
import { pyStrip, pyStripChars, replaceAll } from "./python.js";

type Step = (s: string) => string;

/** Python `\w` and `\d` on str patterns are Unicode-aware. */
const SQRT_WORD = /\\sqrt([\p{L}\p{N}_]+)/gu;
const DIGIT = /\p{Nd}/u;

/**
 * `re.sub(r"\\text{.*?}$", "", s)` without the regex (quadratic on many "\text{"): with no
 * newline left, it matches from the first "\text{" to the end exactly when `s` ends with "}".
 */
function removeTrailingText(s: string): string {
  const at = s.indexOf("\\text{");
  if (at < 0 || !s.endsWith("}") || s.slice(at).includes("\n")) return s;
  const t = pyStrip(s.slice(0, at));
  return t !== "" && t !== s ? t : s;
}

/** `re.sub(r"\\mbox{.*?}", "", s)`, linear: each "\mbox{" up to the next "}" goes. */
function removeMbox(s: string): string {
  let out = "";
  let i = 0;
  for (;;) {
    const at = s.indexOf("\\mbox{", i);
    if (at < 0) break;
    const close = s.indexOf("}", at + 6);
    if (close < 0 || s.slice(at, close).includes("\n")) break;
    out += s.slice(i, at);
    i = close + 1;
  }
  return out + s.slice(i);
}

/**
 * `re.sub(r"(\d+)\.0+([^\d])", r"\1\2", s)` then `re.sub(r"(\d+)\.0+$", r"\1", s)`, as one
 * linear scan (the regexes backtrack quadratically on long digit runs).
 */
function dropPointZeros(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    if (!DIGIT.test(s[i]!)) {
      out += s[i++];
      continue;
    }
    let j = i;
    while (j < s.length && DIGIT.test(s[j]!)) j++;
    out += s.slice(i, j);
    let k = j + 1;
    while (s[j] === "." && s[k] === "0") k++;
    if (s[j] === "." && k > j + 1 && k < s.length && !DIGIT.test(s[k]!)) {
      out += s[k];
      i = k + 1;
    } else i = j;
  }
  return out.replace(/(?<=\p{Nd})\.0+$/u, "");
}

function unifyInfinity(s: string): string {
  let t = replaceAll(s, "infinity", "\\infty");
  if (!t.includes("\\infty")) t = replaceAll(t, "inf", "\\infty");
  return replaceAll(t, "+\\inity", "\\infty");
}

function jToI(s: string): string {
  return s.includes("j") && !s.includes("i") ? replaceAll(s, "j", "i") : s;
}

function dropShortLeftSide(s: string): string {
  const parts = s.split("=");
  return parts.length === 2 && parts[0]!.length <= 2 ? parts[1]! : s;
}

/** `\frac12` → `\frac{1}{2}`, `\frac1{72}` → `\frac{1}{72}`; a `\frac` with under two characters after it leaves the string unchanged. */
export function fixFracs(s: string): string {
  const parts = s.split("\\frac");
  let out = parts[0]!;
  for (const sub of parts.slice(1)) {
    out += "\\frac";
    if (sub.length > 0 && sub[0] === "{") {
      out += sub;
      continue;
    }
    if (sub.length < 2) return s;
    const a = sub[0]!;
    const b = sub[1]!;
    out += b !== "{" ? `{${a}}{${b}}${sub.slice(2)}` : `{${a}}${b}${sub.slice(2)}`;
  }
  return out;
}

/** What `str(int(x))` gives back unchanged: no sign but "-", no leading zero, ASCII digits. */
const INT_ROUND_TRIP = /^(?:0|-?[1-9][0-9]*)$/;

/** `a/b` with integers a, b (or sides containing "sqrt") → `\frac{a}{b}`. */
export function fixASlashB(s: string): string {
  const parts = s.split("/");
  if (parts.length !== 2) return s;
  const [a, b] = parts as [string, string];
  const ok = (x: string) => x.includes("sqrt") || INT_ROUND_TRIP.test(x);
  return ok(a) && ok(b) ? `\\frac{${a}}{${b}}` : s;
}

const STEPS: readonly Step[] = [
  (s) => pyStrip(s),
  (s) => replaceAll(s, "\n", ""),
  (s) => pyStripChars(s, ".", "right"),
  (s) => replaceAll(s, "\\!", ""),
  (s) => replaceAll(s, "\\ ", ""),
  (s) => replaceAll(replaceAll(s, "\\\\", "\\"), "\\\\", "\\"),
  (s) => replaceAll(replaceAll(s, "tfrac", "frac"), "dfrac", "frac"),
  (s) => replaceAll(replaceAll(s, "\\left", ""), "\\right", ""),
  removeTrailingText,
  (s) => replaceAll(replaceAll(s, "^{\\circ}", ""), "^\\circ", ""),
  (s) => replaceAll(replaceAll(s, "\\$", ""), "$", ""),
  (s) => replaceAll(replaceAll(s, "\\text", ""), "x\\in", ""),
  (s) => replaceAll(replaceAll(s, "\\%", ""), "%", ""),
  (s) => replaceAll(replaceAll(s, " .", " 0."), "{.", "{0."),
  (s) => replaceAll(s, "\\cdot", ""),
  unifyInfinity,
  (s) => replaceAll(replaceAll(s, "and", ""), "\\mathbf", ""),
  removeMbox,
  jToI,
  dropPointZeros,
];

const FINAL_STEPS: readonly Step[] = [
  (s) => (s[0] === "." ? "0" + s : s),
  dropShortLeftSide,
  (s) => s.replace(SQRT_WORD, "\\sqrt{$1}"),
  (s) => replaceAll(s, " ", ""),
  fixFracs,
  fixASlashB,
];

/** ToRA's `strip_string(s)`. */
export function toraStripString(input: string): string {
  let s = input;
  for (const step of STEPS) s = step(s);
  if (s.length === 0) return s;
  for (const step of FINAL_STEPS) s = step(s);
  return s;
}
