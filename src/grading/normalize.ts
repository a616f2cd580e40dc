/**
 * Answer normalisation in the ToRA / Qwen2.5-Math lineage. Each rule is a small named function
 * from string to string; `normalizeAnswer` applies them in the order of `NORMALIZATION_RULES`.
 * Every rule is linear-time (no nested quantifiers) so hostile strings cannot stall it.
 */
import { readArgument } from "./latex.js";

export type NormalizationRule = (s: string) => string;

/** Newlines become spaces; outer whitespace goes. */
export function trimAnswer(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Unicode math that models sometimes emit, as LaTeX. */
export function unifyUnicode(s: string): string {
  return s
    .replace(/[\u2212\u2013\u2014]/g, "-")
    .replace(/\u00d7/g, "\\times ")
    .replace(/\u22c5|\u00b7/g, "\\cdot ")
    .replace(/\u03c0/g, "\\pi ")
    .replace(/\u221e/g, "\\infty ")
    .replace(/\u2264/g, "\\le ")
    .replace(/\u2265/g, "\\ge ")
    .replace(/\u2260/g, "\\ne ")
    .replace(/\u221a/g, "\\sqrt")
    .replace(/\u00b0/g, "^\\circ");
}

/** `$…$`, `\(…\)`, `\[…\]` around the answer and `\displaystyle`. */
export function stripMathDelimiters(s: string): string {
  let t = s.replace(/\\displaystyle/g, "");
  t = t.replace(/^\\[([]\s*/, "").replace(/\s*\\[)\]]$/, "");
  // `$` both as a math delimiter and as a dollar sign: neither matters for the value.
  return t.trim();
}

/** Thin and wide spaces: `\!`, `\,`, `\;`, `\:`, `\ `, `~`, `\quad`, `\qquad`. */
export function stripSpacingCommands(s: string): string {
  // Not the `\ ` inside a row break `\\ ` of a matrix.
  return s.replace(/(?<!\\)\\[!,;:> ]/g, "").replace(/\\q?quad(?![a-zA-Z])/g, " ").replace(/~/g, " ");
}

/** `\text {cm}` → `\text{cm}`: a space before a command's argument means nothing. */
export function joinCommandArguments(s: string): string {
  return s.replace(/\\(text|mbox|mathrm|textbf|textit|textnormal|operatorname)\s+\{/g, "\\$1{");
}

/** `\left(` → `(`; sizing commands carry no meaning. `\left.` is an invisible delimiter. */
export function stripLeftRight(s: string): string {
  return s
    .replace(/\\(?:left|right)\./g, "")
    .replace(/\\(?:left|right|[bB]igg?[lr]?)(?![a-zA-Z])/g, "");
}

/** `\dfrac`, `\tfrac`, `\cfrac` → `\frac`. */
export function unifyFracCommands(s: string): string {
  return s.replace(/\\[dtc]frac(?![a-zA-Z])/g, "\\frac");
}

const UNIT_WORDS =
  "units?|square units|sq\\.? units|cubic units|cm|centimeters?|mm|millimeters?|km|kilometers?|meters?|" +
  "inches|inch|feet|foot|ft|yards?|miles?|mph|seconds?|minutes?|hours?|days?|weeks?|" +
  "months?|years?|dollars?|cents?|degrees?|radians?|pounds?|lbs|ounces?|kg|grams?|liters?|gallons?|" +
  "people|students|ways|points|percent";
// Single letters (m, g) are left out on purpose: "4m" is more often an expression than metres.

const TRAILING_TEXT_UNIT = /^(.*?[\d}a-zA-Z)\]])\s*\\(?:text|mbox|textnormal|mathrm)\{[^{}]*\}(?:\^\{?[23]\}?)?$/;

/**
 * A trailing `\text{…}` after a value is a unit or a word ("5\text{ cm}", "12\text{ inches}^2"):
 * the value alone stays. Only the last one goes; a lone `\text{Monday}` is the answer itself.
 */
export function stripTextUnits(s: string): string {
  let t = s;
  // "5\text{ pounds}\text{ each}": a few trailing words, one at a time.
  for (let round = 0; round < 3; round++) {
    const m = TRAILING_TEXT_UNIT.exec(t);
    if (!m) break;
    t = m[1]!.trim();
  }
  return t;
}

const TEXT_WRAPPER = /\\(?:text|textbf|textit|textrm|textnormal|mbox|mathrm|mathbf|mathit|operatorname)\{([^{}]*)\}/g;

/** `\text{word}` and its relatives → `word`. */
export function unwrapText(s: string): string {
  let prev: string;
  let t = s;
  // Nested wrappers (`\text{\textbf{A}}`) unwrap from the inside; a few rounds cover real answers.
  for (let round = 0; round < 4; round++) {
    prev = t;
    t = t.replace(TEXT_WRAPPER, "$1");
    if (t === prev) break;
  }
  return t;
}

const TRAILING_UNIT_WORD = new RegExp(`^(.*?\\d)\\s*(?:${UNIT_WORDS})(?:\\^\\{?[23]\\}?|\\s*squared)?\\.?$`, "i");

/** A trailing unit word after a number: "5 cm" → "5", "12 square units" → "12". */
export function stripUnitWords(s: string): string {
  const m = TRAILING_UNIT_WORD.exec(s);
  return m ? m[1]!.trim() : s;
}

/** Degrees: `^\circ`, `^{\circ}`, `\degree`. */
export function stripDegrees(s: string): string {
  return s.replace(/\^\s*\{?\s*\\circ\s*\}?/g, "").replace(/\\degree(?![a-zA-Z])/g, "");
}

/** Dollar signs, escaped or not. */
export function stripDollars(s: string): string {
  return s.replace(/\\\$/g, "").replace(/\$/g, "").trim();
}

/** Percent signs; the numeric step accepts x, x/100 and 100x as the reference graders do. */
export function stripPercent(s: string): string {
  return s.replace(/\\%/g, "").replace(/%/g, "").trim();
}

/** `\leq` → `\le`, `\geq` → `\ge`, `\neq` → `\ne`. */
export function unifyComparators(s: string): string {
  return s
    .replace(/\\leq(?![a-zA-Z])/g, "\\le")
    .replace(/\\geq(?![a-zA-Z])/g, "\\ge")
    .replace(/\\neq(?![a-zA-Z])/g, "\\ne")
    .replace(/<=/g, "\\le")
    .replace(/>=/g, "\\ge");
}

/** "infinity", "inf", `\infinity` → `\infty`; a leading "+" on it goes. */
export function unifyInfinity(s: string): string {
  return s
    .replace(/\\infinity(?![a-zA-Z])/g, "\\infty")
    .replace(/(?<![a-zA-Z\\])(?:infinity|inf)(?![a-zA-Z])/gi, "\\infty")
    .replace(/\+\s*\\infty/g, "\\infty");
}

/** `\{…\}` (set braces) → `{…}`; `\emptyset`, `\varnothing`, `{}` → `\emptyset`. */
export function unifySetNotation(s: string): string {
  const t = s.replace(/\\\{/g, "{").replace(/\\\}/g, "}");
  if (/^\{\s*\}$/.test(t)) return "\\emptyset";
  return t.replace(/\\varnothing(?![a-zA-Z])/g, "\\emptyset");
}

/** `\mathbb R`, `(-\infty,\infty)` → `\mathbb{R}`. */
export function unifyReals(s: string): string {
  const t = s.replace(/\\mathbb\s*R(?![a-zA-Z])/g, "\\mathbb{R}");
  return /^\(\s*-\s*\\infty\s*,\s*\\infty\s*\)$/.test(t) ? "\\mathbb{R}" : t;
}

/** bmatrix / Bmatrix / smallmatrix / `array{cc}` → pmatrix, so structure sees one kind. */
export function unifyMatrixEnvironments(s: string): string {
  return s
    .replace(/\\begin\{array\}\{[^{}]*\}/g, "\\begin{pmatrix}")
    .replace(/\\end\{array\}/g, "\\end{pmatrix}")
    .replace(/\\(begin|end)\{(?:bmatrix|Bmatrix|smallmatrix|matrix)\}/g, "\\$1{pmatrix}");
}

/** `\frac12` → `\frac{1}{2}`, `\frac1{2x}` → `\frac{1}{2x}`; already braced arguments stay. */
export function braceFracArguments(s: string): string {
  if (!s.includes("\\frac")) return s;
  let out = "";
  let i = 0;
  for (;;) {
    const at = s.indexOf("\\frac", i);
    if (at < 0) break;
    out += s.slice(i, at) + "\\frac";
    let j = at + 5;
    if (/[a-zA-Z]/.test(s[j] ?? "")) {
      i = j; // `\fracture` is not a fraction
      continue;
    }
    const num = readArgument(s, j);
    const den = num ? readArgument(s, num.end) : null;
    if (!num || !den) {
      i = j;
      continue;
    }
    out += `{${num.arg}}{${den.arg}}`;
    i = den.end;
  }
  return out + s.slice(i);
}

/** `\sqrt2` → `\sqrt{2}`, `\sqrt x` → `\sqrt{x}`; `\sqrt[3]{x}` keeps its index. */
export function braceSqrtArguments(s: string): string {
  return s.replace(/\\sqrt(?![a-zA-Z])\s*(?!\{|\[)(\\[a-zA-Z]+|[^\s{[\\])/g, "\\sqrt{$1}");
}

/** `x^{2}` → `x^2` and `1011_{2}` → `1011_2` for one-character scripts; the base is kept. */
export function unifyScriptBraces(s: string): string {
  return s.replace(/([_^])\{(\w)\}/g, "$1$2");
}

/**
 * "x = 5", "y=2x+1", "x \in [0,1]", "f(x) = …" → the right-hand side, per comma-separated item.
 * Only a lone variable (or f(x)) on the left goes: `4x-5y=-50` is an equation and stays.
 */
export function stripVariablePrefix(s: string): string {
  const prefix = /^\s*(?:[a-zA-Z](?:_\{?\w+\}?)?|[a-zA-Z]\([a-zA-Z]\)|\\[a-zA-Z]+)\s*(?:=|\\in(?![a-zA-Z]))\s*/;
  if (!prefix.test(s)) return s;
  const items = s.split(",");
  if (items.every((item) => prefix.test(item) && (item.match(/=/g)?.length ?? 0) <= 1)) {
    return items.map((item) => item.replace(prefix, "")).join(",");
  }
  const rest = s.replace(prefix, "");
  return rest.includes("=") ? s : rest;
}

/** "19 and 43", "3 or -3" → "19,43", "3,-3": a list of values said in words. */
export function wordsToCommas(s: string): string {
  return s.replace(/\s*,?\s*\b(?:and|or)\b\s*/g, ",").replace(/^,+|,+$/g, "");
}

/** "1,000", "10{,}000", "1,000.50" → plain digits. Only whole-number shapes, so "1,2" stays a list. */
export function stripThousandsSeparators(s: string): string {
  const t = s.replace(/(\d)\{,\}(?=\d{3})/g, "$1");
  return /^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(t) ? t.replace(/,/g, "") : t;
}

const WORD_NUMBERS: Record<string, string> = {
  zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7",
  eight: "8", nine: "9", ten: "10", eleven: "11", twelve: "12", thirteen: "13", fourteen: "14",
  fifteen: "15", sixteen: "16", seventeen: "17", eighteen: "18", nineteen: "19", twenty: "20",
};

/** A whole answer written as a word: "five" → "5". */
export function wordNumberToDigits(s: string): string {
  return WORD_NUMBERS[s.toLowerCase()] ?? s;
}

/** ".5" → "0.5", "-.5" → "-0.5". */
export function addLeadingZero(s: string): string {
  return s.replace(/(^|[^\d}])\.(\d)/g, "$10.$2");
}

/** Multiple-choice answers "(B)", "B)", "(b)" → "B". */
export function unifyChoiceLetter(s: string): string {
  const m = /^\(?\s*([A-Ea-e])\s*\)$|^\(([A-Ea-e])\)?$/.exec(s);
  return m ? (m[1] ?? m[2]!).toUpperCase() : s;
}

/** `{5}` → `5` when the braces wrap everything and hold no list (`{1,2}` is a set). */
export function stripOuterBraces(s: string): string {
  let t = s;
  // A few layers at most: each check is a pass over the string, and real answers have one or two.
  for (let layer = 0; layer < 4 && t.startsWith("{") && t.endsWith("}") && braceWrapsAll(t) && !t.includes(","); layer++) {
    t = t.slice(1, -1);
  }
  return t;
}

function braceWrapsAll(t: string): boolean {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === "{") depth++;
    else if (t[i] === "}") {
      depth--;
      if (depth === 0 && i < t.length - 1) return false;
    }
  }
  return depth === 0;
}

/** Trailing sentence punctuation and a trailing `\\`. */
export function stripTrailingPunctuation(s: string): string {
  // A loop, not a `(…)+$` regex: that one is quadratic on long runs of punctuation.
  let end = s.length;
  for (;;) {
    if (end >= 2 && s[end - 1] === "\\" && s[end - 2] === "\\") end -= 2;
    else if (end >= 1 && /[.,;:!\s]/.test(s[end - 1]!)) end -= 1;
    else break;
  }
  return s.slice(0, end);
}

/**
 * Spaces go, except one after a command before a letter (`\pi r` must not become `\pir`).
 */
export function collapseSpaces(s: string): string {
  return s.replace(/(\\[a-zA-Z]+)\s+(?=[a-zA-Z])|\s+/g, (_m, cmd: string | undefined) => (cmd ? `${cmd} ` : ""));
}

/** The rules in the order `normalizeAnswer` applies them. */
export const NORMALIZATION_RULES: readonly NormalizationRule[] = [
  trimAnswer,
  unifyUnicode,
  stripMathDelimiters,
  joinCommandArguments,
  stripSpacingCommands,
  stripLeftRight,
  unifyFracCommands,
  stripDegrees,
  stripTextUnits,
  unwrapText,
  stripDollars,
  stripPercent,
  trimAnswer,
  stripUnitWords,
  unifyComparators,
  unifyInfinity,
  unifySetNotation,
  unifyReals,
  unifyMatrixEnvironments,
  braceFracArguments,
  braceSqrtArguments,
  unifyScriptBraces,
  wordsToCommas, // before the prefix rule, so "x=2 or x=3" is two items
  stripVariablePrefix,
  stripTrailingPunctuation,
  trimAnswer,
  stripThousandsSeparators,
  wordNumberToDigits,
  addLeadingZero,
  unifyChoiceLetter,
  collapseSpaces,
  stripOuterBraces,
  unifyReals,
];

/** The answer after every normalisation rule; `keepVariablePrefix` skips `stripVariablePrefix`. */
export function normalizeAnswer(s: string, options: { keepVariablePrefix?: boolean } = {}): string {
  let t = s;
  for (const rule of NORMALIZATION_RULES) {
    if (options.keepVariablePrefix && rule === stripVariablePrefix) continue;
    t = rule(t);
  }
  return t;
}
