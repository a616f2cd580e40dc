/**
 * Final-answer extraction from a model's whole output.
 *
 * Each published format is one named extractor; `extractAnswer` tries the configured ones in
 * order and returns the first hit. Every scan is linear in the input so hostile strings
 * (megabytes, deep nesting) cost no more than reading them once.
 */

/** A published answer format. */
export type AnswerFormat =
  | "boxed" // last \boxed{…} / \fbox{…} (also `\boxed 5`)
  | "gsm8k-hash" // GSM8K reference style "#### 42"
  | "answer-colon" // "A: 42" (GSM8K example model solutions)
  | "answer-is" // "The answer is 42" / "final answer is $42$"
  | "last-number"; // documented fallback: the last number in the text

export interface ExtractOptions {
  /** Formats to try, in order; the first that matches wins. */
  formats: readonly AnswerFormat[];
}

/**
 * Content of the last `\boxed{…}` or `\fbox{…}` with balanced braces, or the token after
 * `\boxed ` (as in `\boxed 5`). Null when there is none or its braces never close.
 */
export function extractBoxed(text: string): string | null {
  let at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
  // Each try scans to the end of the text, so only the last few boxes are tried: a hostile
  // text of many unclosed boxes stays linear.
  for (let tries = 0; at >= 0 && tries < 8; tries++) {
    const found = boxedAt(text, at);
    if (found !== null) return found;
    // An unclosed last box: fall back to the one before it.
    const before = text.slice(0, at);
    at = Math.max(before.lastIndexOf("\\boxed"), before.lastIndexOf("\\fbox"));
  }
  return null;
}

function boxedAt(text: string, at: number): string | null {
  const name = text.startsWith("\\boxed", at) ? "\\boxed" : "\\fbox";
  let i = at + name.length;
  // `\boxedfoo` is another command, not a box.
  if (i < text.length && /[a-zA-Z]/.test(text[i]!)) return null;
  if (text[i] === " ") {
    // `\boxed 5` / `\boxed 5.`: the token up to whitespace or `$`.
    const m = /^ +([^\s$]+)/.exec(text.slice(i, i + 200));
    return m ? m[1]!.replace(/[.,]$/, "") : null;
  }
  if (text[i] !== "{") return null;
  const start = i + 1;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++; // an escaped brace `\{` does not count
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return text.slice(start, i);
    }
  }
  return null;
}

/** GSM8K reference answers: whatever follows the last "####" on its line. */
export function extractHashAnswer(text: string): string | null {
  const at = text.lastIndexOf("####");
  if (at < 0) return null;
  const line = text.slice(at + 4).split("\n", 1)[0]!.trim();
  return line === "" ? null : line;
}

/** "A: 42" at the start of a line (the GSM8K example model solutions); the last one wins. */
export function extractAnswerColon(text: string): string | null {
  const re = /(?:^|\n)A:[ \t]*([^\n]*)/g;
  let last: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m[1]!.trim();
  return last === "" ? null : last;
}

/** "The answer is 42." / "final answer is $\frac12$": the rest of that sentence. */
export function extractAnswerIs(text: string): string | null {
  const lower = text.toLowerCase();
  const at = lower.lastIndexOf("answer is");
  if (at < 0) return null;
  let rest = text.slice(at + "answer is".length, at + "answer is".length + 2000);
  rest = rest.replace(/^\s*:?\s*/, "");
  // A sentence ends at a newline or at ". " (a period followed by space); a decimal point does not.
  const end = rest.search(/\n|\.(\s|$)/);
  if (end >= 0) rest = rest.slice(0, end);
  rest = rest.trim().replace(/^\$+|\$+$/g, "").trim();
  return rest === "" ? null : rest;
}

/**
 * The last number in the text (commas inside numbers ignored), as in the ToRA / Qwen fallback.
 * Scans backwards so a huge input costs one pass.
 */
export function extractLastNumber(text: string): string | null {
  const re = /-?\d[\d,]*(?:\.\d+)?|-?\.\d+/g;
  let last: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m[0];
  if (last === null) return null;
  return last.replace(/,/g, "").replace(/\.$/, "");
}

const EXTRACTORS: Record<AnswerFormat, (text: string) => string | null> = {
  boxed: extractBoxed,
  "gsm8k-hash": extractHashAnswer,
  "answer-colon": extractAnswerColon,
  "answer-is": extractAnswerIs,
  "last-number": extractLastNumber,
};

/** The first answer found by `options.formats`, in order; null when none matches. */
export function extractAnswer(text: string, options: ExtractOptions): string | null {
  for (const format of options.formats) {
    const extractor = EXTRACTORS[format];
    if (extractor === undefined) {
      throw new Error(
        `unknown answer format "${String(format)}": use one of ${Object.keys(EXTRACTORS).join(", ")}`,
      );
    }
    const found = extractor(text);
    if (found !== null) return found;
  }
  return null;
}
