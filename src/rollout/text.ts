/**
 * The text rules of the paper's inference loop (`inference/infer_data/infer_eval.py` and
 * `inference/utils/parser.py` of Xiong et al.'s repository): which code a query holds, whether the
 * trajectory goes on, and Python's `str.strip` / `str.rstrip` as the loop applies them.
 */

/** The characters Python 3's `str.isspace()` accepts (what `str.strip()` with no argument removes). */
const PY_SPACE = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** Python's `s.rstrip()`: JavaScript's `trimEnd` differs (it strips U+FEFF, keeps U+001C–U+001F and U+0085). */
export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE.has(s.charCodeAt(end - 1))) end--;
  return s.slice(0, end);
}

/** Python's `s.strip()`. */
export function pyStrip(s: string): string {
  let start = 0;
  while (start < s.length && PY_SPACE.has(s.charCodeAt(start))) start++;
  return pyRstrip(s.slice(start));
}

export interface CodeBlocks {
  /** The closed ```python blocks of a text, in order, without fences (lines joined by "\n"). */
  blocks: string[];
  /** A ```python block was still open at the end of the text (it is not returned, as in the paper's code). */
  unclosed: boolean;
}

/**
 * The paper's program extraction, line by line over a whole text (the paper applies it to the whole
 * query: prompt, every model turn and every observation so far): a line that contains "```python"
 * opens a block, dropping a block still open; a line that starts with "```" closes the open block;
 * only closed blocks are returned. The paper re-runs all of them, in order, in a fresh IPython shell.
 */
export function extractCode(text: string): CodeBlocks {
  const blocks: string[] = [];
  let cur: string[] | null = null;
  for (const line of text.split("\n")) {
    if (line.includes("```python")) {
      cur = [];
    } else if (cur && line.startsWith("```")) {
      blocks.push(cur.join("\n"));
      cur = null;
    } else if (cur) {
      cur.push(line);
    }
  }
  return { blocks, unclosed: cur !== null };
}

/** The paper's test for a final answer in a model turn. */
export function hasAnswer(text: string): boolean {
  return text.includes("boxed");
}

export function hasCode(text: string): boolean {
  return text.includes("```python");
}

/**
 * The paper's rule for going on after a (right-stripped) model turn: the turn has no "boxed" and
 * contains "```python". The server's finish reason plays no part (a turn cut at `max_tokens` with a
 * closed block goes on like any other).
 */
export function continues(text: string): boolean {
  return !hasAnswer(text) && hasCode(text);
}

/**
 * Python that re-runs earlier blocks silently (each in its own try, shared globals) before the
 * current code: gives a stateless interpreter the trajectory's state.
 */
export function replayCode(previous: string[], current: string): string {
  if (previous.length === 0) return current;
  const lits = previous.map((b) => JSON.stringify(b)).join(", ");
  return [
    "import sys as __ma_sys, io as __ma_io",
    "__ma_saved = (__ma_sys.stdout, __ma_sys.stderr)",
    `for __ma_block in [${lits}]:`,
    "    __ma_sys.stdout = __ma_sys.stderr = __ma_io.StringIO()",
    "    try:",
    '        exec(compile(__ma_block, "<previous turn>", "exec"), globals())',
    "    except BaseException:",
    "        pass",
    "    finally:",
    "        __ma_sys.stdout, __ma_sys.stderr = __ma_saved",
    "del __ma_block, __ma_saved",
    current,
  ].join("\n");
}

/** FNV-1a 32-bit. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The seed of a (problem, sample) pair: stable across runs, modes and resumes. */
export function trajectorySeed(runSeed: number, problemId: string, sample: number): number {
  return hash32(`${runSeed}\u0000${problemId}\u0000${sample}`) & 0x7fffffff;
}
