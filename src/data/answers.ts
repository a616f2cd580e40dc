/**
 * Ground-truth answers from dataset rows. The grader has its own, more permissive extractor for model
 * output; these are the strict forms the datasets use.
 */

/** Content of the last `\boxed{…}` or `\fbox{…}` (balanced braces), or of `\boxed 5`; null when none. */
export function lastBoxed(text: string): string | null {
  const at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
  if (at < 0) return null;
  let i = at + (text.startsWith("\\boxed", at) ? 6 : 5);
  if (text[i] === " ") {
    // `\boxed 5` : the argument is the next token, up to whitespace or `$`.
    const m = /^ +([^\s$]+)/.exec(text.slice(i));
    return m ? m[1]! : null;
  }
  if (text[i] !== "{") return null;
  let depth = 0;
  const start = i + 1;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++; // an escaped brace such as \{ does not open or close a group
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(start, i);
  }
  return null;
}

/** GSM8K's final answer: what follows the last "#### ", thousands separators removed. */
export function gsm8kAnswer(solution: string): string | null {
  const at = solution.lastIndexOf("####");
  if (at < 0) return null;
  const answer = solution.slice(at + 4).trim().replace(/(\d),(?=\d{3}\b)/g, "$1");
  return answer === "" ? null : answer;
}
