/**
 * Robust extraction: where a careful reader finds the final answer in any model's English output,
 * applied the same way to the prediction and to the ground truth. In order: the last `\boxed{}`
 * (with the other boxes on its line, "\boxed{-2} and \boxed{1}"), "#### N", a labelled answer
 * ("Answer: $9$", "**Final answer:** 9", "the answer is \( 9 \)."), the whole text when it is an
 * answer rather than prose, else the later of the last math span and the last bare value (so
 * `$x = \frac{1+\sqrt{5}}{2}$.` is not read as 2, nor `(1,4.5)` as 14.5). Every scan is linear.
 */
import { extractHashAnswer } from "./extract.js";
import { closingIndex } from "./latex.js";

export type RobustSource = "boxed" | "gsm8k-hash" | "labelled" | "whole" | "math-span" | "last-value";

export interface RobustAnswer {
  answer: string;
  source: RobustSource;
}

interface Span {
  start: number;
  end: number;
  text: string;
}

/** Boxes tried from the end: a hostile text of many unclosed boxes stays linear. */
const MAX_BOXES = 16;

function boxAt(text: string, at: number): Span | null {
  const name = text.startsWith("\\boxed", at) ? "\\boxed" : "\\fbox";
  let i = at + name.length;
  if (/[a-zA-Z]/.test(text[i] ?? "")) return null;
  if (text[i] === " ") {
    const m = /^ +([^\s$]+)/.exec(text.slice(i, i + 200));
    return m ? { start: at, end: i + m[0].length, text: m[1]!.replace(/[.,]$/, "") } : null;
  }
  if (text[i] !== "{") return null;
  const end = closingIndex(text, i);
  return end < 0 ? null : { start: at, end, text: text.slice(i + 1, end - 1) };
}

/**
 * What may stand between two boxes of one answer: a comma or "and", math delimiters, a repeated
 * "a =". Not "or": "\boxed{x+11} or \boxed{11+x}" offers one answer twice.
 */
const LIST_GAP = /^[ \t]*\$?[ \t]*(?:,|,?[ \t]*and)?[ \t]*\$?[ \t]*(?:[a-zA-Z][ \t]*=[ \t]*)?$/;

/** The last closed box, with the boxes listed just before it ("\boxed{-2} and \boxed{1}"), joined by ", ". */
function lastBoxes(text: string): string | null {
  const found: Span[] = [];
  let at = text.length;
  for (let tries = 0; tries < MAX_BOXES; tries++) {
    at = Math.max(text.lastIndexOf("\\boxed", at - 1), text.lastIndexOf("\\fbox", at - 1));
    if (at < 0) break;
    const box = boxAt(text, at);
    if (box === null) continue;
    if (found.length > 0 && !LIST_GAP.test(text.slice(box.end, found[0]!.start))) break;
    found.unshift(box);
  }
  if (found.length === 0) return null;
  const items = [...new Set(found.map((b) => b.text.trim()))];
  return items.join(", ");
}

/**
 * Math spans `$$…$$`, `\[…\]`, `\(…\)` and `$…$`; an inline `$` opens only before a non-space
 * and closes only after a non-space not followed by a digit (so "$5 and $7" is money, not math).
 */
export function mathSpans(text: string): Span[] {
  const spans: Span[] = [];
  const exhausted = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "$" && c !== "\\") continue;
    if (c === "\\" && text[i + 1] !== "(" && text[i + 1] !== "[") {
      i++;
      continue;
    }
    const open = c === "$" ? (text[i + 1] === "$" ? "$$" : "$") : text.slice(i, i + 2);
    const close = open === "\\(" ? "\\)" : open === "\\[" ? "\\]" : open;
    if (exhausted.has(open)) continue;
    const from = i + open.length;
    if (open === "$" && /\s/.test(text[from] ?? " ")) continue;
    const j = text.indexOf(close, from);
    if (j < 0) {
      if (open !== "$") exhausted.add(open);
      continue;
    }
    if (open === "$" && (/\s/.test(text[j - 1]!) || /\d/.test(text[j + 1] ?? ""))) {
      i = j - 1;
      continue;
    }
    spans.push({ start: i, end: j + close.length, text: text.slice(from, j).trim() });
    i = j + close.length - 1;
  }
  return spans;
}

const VALUE =
  /[([]\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+\s*[)\]]|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|-?\d+(?:\.\d+)?(?:\/\d+)?|-?\.\d+/g;

/** `text` with each span blanked out (same length, so offsets still hold). */
function masked(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const s of spans) {
    parts.push(text.slice(at, s.start), " ".repeat(s.end - s.start));
    at = s.end;
  }
  parts.push(text.slice(at));
  return parts.join("");
}

/** The last bare value (number, fraction a/b, numeric tuple or interval) outside math spans. */
function lastValue(text: string, spans: Span[]): Span | null {
  let last: Span | null = null;
  for (const m of masked(text, spans).matchAll(VALUE)) last = { start: m.index, end: m.index + m[0].length, text: m[0] };
  return last;
}

/** Outputs of at most two words and this many characters, with no span or value, are taken whole. */
const SHORT_ANSWER = 40;

/** Labels a reader takes as "here is the answer"; the last one in the text wins. */
const LABEL = /(?:final\s+answer|\banswer)(?:\*\*)?(?:\s+is\b|\s*:)\s*(?:\*\*)?\s*|(?:^|\n)[ \t]*A:[ \t]*/gi;

function labelled(text: string): string | null {
  let from = -1;
  for (const m of text.matchAll(LABEL)) from = m.index + m[0].length;
  if (from < 0) return null;
  let rest = text.slice(from, from + 2000);
  rest = rest.replace(/^[\s:*]+/, "");
  // The answer's sentence: up to a blank line, a line break, or ". " ending it.
  const line = rest.split(/\n/, 1)[0]!;
  const spans = mathSpans(line);
  if (spans.length > 0 && line.slice(0, spans[0]!.start).trim().split(/\s+/).length <= 3) return spans[0]!.text;
  const sentence = line.split(/\.(?:\s|$)/, 1)[0]!;
  const answer = sentence.replace(/\*\*/g, "").replace(/[\s.,;:!]+$/, "").trim();
  // "12 apples": the value, not the words after it.
  const lead = /^(-?[\d.,/]*\d)\s+[A-Za-z]{2,}/.exec(answer);
  if (lead) return lead[1]!;
  return answer === "" ? null : answer;
}

/**
 * Prose: a word of letters or a line break outside math, `\text{}` and commands ("So $x=2$.",
 * "12 square units": the last span or value is the answer).
 */
function isProse(text: string): boolean {
  const bare = masked(text, mathSpans(text))
    .replace(/\\(?:text|mbox|mathrm|textbf)\s*\{[^{}]*\}/g, " ")
    .replace(/\\[a-zA-Z]+/g, " ");
  return /[A-Za-z]{2,}|\n/.test(bare);
}

/** The text without one pair of math delimiters around all of it and a final period. */
function bare(text: string): string {
  let t = text.trim().replace(/[.。]$/, "").trim();
  const spans = mathSpans(t);
  if (spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === t.length) t = spans[0]!.text;
  return t;
}

/**
 * How much to read into a text: `output` (a whole model output: every rule, down to the last
 * value), `answer` (a ground truth, or a prediction given as an answer: boxes, "####", a label in
 * prose, else the whole text, never a guessed number).
 */
export type ExtractScope = "output" | "answer";

/** The answer in `text`, or null when none is found. */
export function extractRobust(text: string, scope: ExtractScope = "output"): RobustAnswer | null {
  const boxed = lastBoxes(text);
  if (boxed !== null) return { answer: boxed, source: "boxed" };
  const hash = extractHashAnswer(text);
  if (hash !== null) return { answer: hash, source: "gsm8k-hash" };
  const label = labelled(text);
  if (label !== null) return { answer: bare(label), source: "labelled" };
  const whole = (): RobustAnswer | null => {
    const t = bare(text);
    return t === "" ? null : { answer: t, source: "whole" };
  };
  if (scope === "answer" || !isProse(text)) return whole();
  const spans = mathSpans(text);
  const value = lastValue(text, spans);
  const span = spans[spans.length - 1];
  if (span !== undefined && (value === null || span.end >= value.end)) return { answer: span.text, source: "math-span" };
  if (value !== null) return { answer: value.text, source: "last-value" };
  // A short answer in words ("Evelyn", "odd"): nothing else to read.
  return text.length <= SHORT_ANSWER && text.trim().split(/\s+/).length <= 2 ? whole() : null;
}
