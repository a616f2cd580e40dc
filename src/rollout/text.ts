export interface CodeBlocks {
  /** The ```python blocks of a text, in order, without fences. */
  blocks: string[];
  /** The last block had no closing fence (it is still returned, as the paper's extractor does). */
  unclosed: boolean;
}

/**
 * The ```python blocks of one model turn, line-based like the paper's (ToRA's) extractor: a line
 * starting with ```python opens a block, a line starting with ``` closes it.
 */
export function extractCode(text: string): CodeBlocks {
  const blocks: string[] = [];
  let cur: string[] | null = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("```python")) {
      if (cur) blocks.push(cur.join("\n"));
      cur = [];
    } else if (cur && line.startsWith("```")) {
      blocks.push(cur.join("\n"));
      cur = null;
    } else if (cur) {
      cur.push(line);
    }
  }
  const unclosed = cur !== null;
  if (cur) blocks.push(cur.join("\n"));
  return { blocks, unclosed };
}

/** The paper's stopping test: the turn has a final answer. */
export function hasAnswer(text: string): boolean {
  return text.includes("boxed");
}

export function hasCode(text: string): boolean {
  return text.includes("```python");
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
