/**
 * LaTeX in problem and solution text, rendered to MathML on the server: Chromium draws MathML Core
 * itself, so a page needs no script, font or stylesheet for it and opens offline.
 */
import temml from "temml";
import { escapeHtml } from "./sink.js";

/**
 * Class of an element whose text was rendered here. Classic Jupyter and nbconvert pages run MathJax
 * over outputs too; this class (MathJax 2 and 3's default `ignoreClass`) keeps it from typesetting a
 * `$` that the dollar rule below left as text, such as a price.
 */
export const MATH_RENDERED = "tex2jax_ignore";

/** A run of plain text, or a formula with its delimiters (`raw`) and its MathML. */
export type TextSegment = { kind: "text"; text: string } | { kind: "math"; raw: string; tex: string; display: boolean; mathml: string };

/** A formula found at some position: where its TeX starts and ends, and where the segment ends. */
interface Span {
  texStart: number;
  texEnd: number;
  end: number;
  display: boolean;
}

const ENVIRONMENTS = new Set(["align", "align*", "equation", "equation*", "gather", "gather*", "eqnarray", "eqnarray*", "multline", "multline*"]);

/** The next unescaped `$` at or after `from` (a backslash escapes it), or -1. */
function nextDollar(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "$") return i;
  }
  return -1;
}

/**
 * `$…$` at `open`. It is a formula only if the next unescaped `$` closes it and the pair does not look
 * like prices: no whitespace just inside either delimiter ("$5 and $6"), no blank line between, no
 * digit just after the closing `$` ("$140-$100") unless the formula ends in a dollar sign (MATH writes
 * "$\$$105"), and no `<<` just after the opening `$` or just after the closing one (GSM8K's calculator
 * notes: "= $<<9*2=18>>18").
 */
function inlineDollar(text: string, open: number): Span | null {
  const close = nextDollar(text, open + 1);
  if (close < 0 || close === open + 1) return null;
  const tex = text.slice(open + 1, close);
  const after = text.slice(close + 1, close + 3);
  if (/^\s|\s$|\n\s*\n|^<</.test(tex) || after === "<<" || (/^\d/.test(after) && !tex.endsWith("\\$"))) return null;
  return { texStart: open + 1, texEnd: close, end: close + 1, display: false };
}

/** `text.indexOf(closer, from)` for one text, called with `from` non-decreasing per closer. */
type Finder = (closer: string, from: number) => number;

/**
 * A `Finder` that remembers, per closer, its last search: where it started and what it found (-1: no
 * closer from there on). Openers that never close then cost one scan in all, not one each (a row full
 * of `\\(` would otherwise take quadratic time).
 */
function finder(text: string): Finder {
  const hits = new Map<string, { from: number; at: number }>();
  return (closer, from) => {
    const hit = hits.get(closer);
    if (hit && from >= hit.from && (hit.at < 0 || from <= hit.at)) return hit.at;
    const at = text.indexOf(closer, from);
    hits.set(closer, { from, at });
    return at;
  };
}

/** A formula between `open` (of length `openLength`) and the first `closer` after it. */
function delimited(find: Finder, open: number, openLength: number, closer: string, display: boolean): Span | null {
  const close = find(closer, open + openLength);
  if (close < 0 || close === open + openLength) return null;
  return { texStart: open + openLength, texEnd: close, end: close + closer.length, display };
}

/** `\begin{align*}…\end{align*}` and the like outside any `$`: the environment is the TeX. */
function environment(text: string, find: Finder, open: number): Span | null {
  const name = /^\\begin\{([a-z]+\*?)\}/.exec(text.slice(open, open + 24))?.[1];
  if (name === undefined || !ENVIRONMENTS.has(name)) return null;
  const end = `\\end{${name}}`;
  const close = find(end, open);
  return close < 0 ? null : { texStart: open, texEnd: close + end.length, end: close + end.length, display: true };
}

/** The formula that starts with each two-character opener at `i`, if it closes. */
const OPENERS = new Map<string, (text: string, find: Finder, i: number) => Span | null>([
  ["$$", (_, find, i) => delimited(find, i, 2, "$$", true)],
  ["\\[", (_, find, i) => delimited(find, i, 2, "\\]", true)],
  ["\\(", (_, find, i) => delimited(find, i, 2, "\\)", false)],
  ["\\b", environment],
]);

/** The formula that starts at `i`, if the delimiters there open one that closes. */
function spanAt(text: string, find: Finder, i: number): Span | null {
  const opener = OPENERS.get(text.slice(i, i + 2));
  if (opener) return opener(text, find, i);
  return text[i] === "$" ? inlineDollar(text, i) : null;
}

/** The largest length a formula may draw (`\\rule`, `\\kern`, `\\hspace`, `\\raisebox`, …), in em; 1 em = 12 pt. */
export const MAX_EM = 10;

/** em per unit of the lengths temml writes into MathML attributes. */
const EM_PER: Record<string, number> = { em: 1, ex: 0.431, mu: 1 / 18, pt: 1 / 12, bp: 1 / 12, pc: 1, px: 1 / 16, in: 6, cm: 6 / 2.54, mm: 0.6 / 2.54 };

/**
 * Whether every length in the MathML's attributes (the TeX annotation is text, not an attribute) is
 * at most `MAX_EM` either way. temml's `maxSize` caps positive lengths only: `\\raisebox{-9999em}`
 * and `\\def\\arraystretch{999}` still give giant boxes.
 */
function bounded(mathml: string): boolean {
  for (const [, value] of mathml.matchAll(/="([^"]*)"/g)) {
    for (const [, n, unit] of value!.matchAll(/([+-]?(?:\d+\.?\d*|\.\d+))(em|ex|mu|pt|bp|pc|px|in|cm|mm)\b/g)) {
      if (Math.abs(Number(n)) * EM_PER[unit!]! > MAX_EM * (1 + 1e-9)) return false;
    }
  }
  return true;
}

/**
 * TeX as MathML, or null when it does not parse or draws a length beyond `MAX_EM` (the caller shows
 * the raw text instead). Rows are untrusted: lengths are capped (`maxSize`, [em, pt]) and macro
 * expansions limited (`maxExpand`, temml's default made explicit).
 */
export function texToMathml(tex: string, display: boolean): string | null {
  try {
    const mathml = temml.renderToString(tex, { displayMode: display, throwOnError: true, annotate: true, trust: false, maxSize: [MAX_EM, 12 * MAX_EM], maxExpand: 1000 });
    return bounded(mathml) ? mathml : null;
  } catch {
    return null;
  }
}

/**
 * Splits text into plain runs and formulas (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, `\begin{align}…`).
 * A `$` that does not open a formula by the rule of `inlineDollar`, an escaped `\$`, and a formula
 * that does not parse all stay text. Never throws: dataset rows are untrusted input.
 */
export function splitMath(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let plain = "";
  const find = finder(text);
  for (let i = 0; i < text.length; ) {
    const span = text[i] === "$" || text[i] === "\\" ? spanAt(text, find, i) : null;
    const tex = span ? text.slice(span.texStart, span.texEnd) : "";
    const mathml = span ? texToMathml(tex, span.display) : null;
    if (span && mathml !== null) {
      if (plain) out.push({ kind: "text", text: plain });
      out.push({ kind: "math", raw: text.slice(i, span.end), tex, display: span.display, mathml });
      plain = "";
      i = span.end;
    } else {
      const step = text[i] === "\\" ? 2 : 1;
      plain += text.slice(i, i + step);
      i += step;
    }
  }
  if (plain) out.push({ kind: "text", text: plain });
  return out;
}

/** Text as HTML: formulas as MathML, everything else escaped. */
export function mathHtml(text: string): string {
  return splitMath(text)
    .map((s) => (s.kind === "math" ? s.mathml : escapeHtml(s.text)))
    .join("");
}

/** Like `mathHtml`, but Markdown code (fenced blocks and `inline` spans) stays verbatim: code is not math. */
export function proseMathHtml(text: string): string {
  const code = /```[\s\S]*?(?:```|$)|`[^`\n]+`/g;
  let html = "";
  let last = 0;
  for (const m of text.matchAll(code)) {
    html += mathHtml(text.slice(last, m.index)) + escapeHtml(m[0]);
    last = m.index + m[0].length;
  }
  return html + mathHtml(text.slice(last));
}
