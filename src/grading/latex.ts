/** Small LaTeX scanning helpers shared by normalisation, numeric parsing and structure. */

/** Index just past the group that opens at `open` (a `{`, `(` or `[`), or -1 when it never closes. */
export function closingIndex(s: string, open: number): number {
  const o = s[open];
  const c = o === "{" ? "}" : o === "(" ? ")" : o === "[" ? "]" : undefined;
  if (c === undefined) return -1;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === o) depth++;
    else if (ch === c) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * One macro argument starting at `i` (spaces skipped): a `{…}` group, a `\command`, or one
 * character. Returns the argument's text without outer braces and the index after it.
 */
export function readArgument(s: string, i: number): { arg: string; end: number } | null {
  while (s[i] === " ") i++;
  if (i >= s.length) return null;
  if (s[i] === "{") {
    const end = closingIndex(s, i);
    if (end < 0) return null;
    return { arg: s.slice(i + 1, end - 1), end };
  }
  if (s[i] === "\\") {
    const m = /^\\[a-zA-Z]+/.exec(s.slice(i, i + 40));
    if (m) return { arg: m[0], end: i + m[0].length };
    return { arg: s.slice(i, i + 2), end: i + 2 };
  }
  return { arg: s[i]!, end: i + 1 };
}

/**
 * Splits at `sep` characters that are outside every (), [], {} group. Unbalanced closers are
 * tolerated (interval ends like `[0,1)` mix bracket kinds), so depth is counted over all kinds.
 */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  // `\pm` must not split `\pmatrix`.
  const commandSep = /^\\[a-zA-Z]+$/.test(sep);
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (depth === 0 && s.startsWith(sep, i) && !(commandSep && /[a-zA-Z]/.test(s[i + sep.length] ?? ""))) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
      continue;
    }
    if (ch === "\\") {
      // `\{` and `\}` are set braces: count them as groups; other escapes are skipped.
      const next = s[i + 1];
      if (next === "{") depth++;
      else if (next === "}") depth--;
      i++;
      continue;
    }
    if (ch === "{" || ch === "(" || ch === "[") depth++;
    else if (ch === "}" || ch === ")" || ch === "]") depth--;
  }
  parts.push(s.slice(start));
  return parts;
}

/** True when the whole string is one group opened at 0 and closed at the last character. */
export function isWrapped(s: string, open: string, close: string): boolean {
  if (!s.startsWith(open) || !s.endsWith(close) || s.length < open.length + close.length) return false;
  return firstGroupSpansAll(s);
}

/** Whether the bracket group opened at `s[0]` closes only at the very end (all bracket kinds count as one depth). */
export function firstGroupSpansAll(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === "{" || ch === "(" || ch === "[") depth++;
    else if (ch === "}" || ch === ")" || ch === "]") {
      depth--;
      if (depth === 0 && i < s.length - 1) return false;
    }
  }
  return depth === 0;
}
