import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { continues, extractCode, pyRstrip, pyStrip } from "../../src/rollout/text.js";

test("pyRstrip / pyStrip remove exactly what CPython's str.rstrip() / str.strip() remove", () => {
  const py = "import json,sys\nprint(json.dumps([i for i in range(0x110000) if chr(i).isspace()]))";
  const spaces: number[] = JSON.parse(execFileSync("python3", ["-c", py], { encoding: "utf8" }));
  assert.ok(spaces.length > 20);
  const candidates = new Set([...spaces, 0xfeff, 0x180e, 0x200b, 0x2060, 0x00, 0x41]);
  for (const cp of candidates) {
    const ch = String.fromCodePoint(cp);
    const isSpace = spaces.includes(cp);
    assert.equal(pyRstrip(`a${ch}`), isSpace ? "a" : `a${ch}`, `U+${cp.toString(16)}`);
    assert.equal(pyStrip(`${ch}a${ch}`), isSpace ? "a" : `${ch}a${ch}`, `U+${cp.toString(16)}`);
  }
  // JavaScript's trimEnd differs on these, so the paper's bytes need pyRstrip
  assert.notEqual("x\u0085".trimEnd(), pyRstrip("x\u0085"));
  assert.notEqual("x\ufeff".trimEnd(), pyRstrip("x\ufeff"));
});

test("extractCode: the paper's rule over a whole query", () => {
  const q = [
    "Question with ```python in it",
    "a = 1",
    "```",
    "text",
    "```python",
    "unclosed = 1",
    "see ```python here",
    "b = 2",
    "```output",
    "```",
    "```python",
    "c = 3",
  ].join("\n");
  const { blocks, unclosed } = extractCode(q);
  // a line *containing* ```python opens a block and drops an open one; a line *starting* with ``` closes;
  // a closing line with no open block does nothing; the last block is open and not returned
  assert.deepEqual(blocks, ["a = 1", "b = 2"]);
  assert.equal(unclosed, true);
  assert.deepEqual(extractCode("no code").blocks, []);
  assert.deepEqual(extractCode("```python\n```").blocks, [""]);
  assert.equal(extractCode("```python\nx\n```").unclosed, false);
});

test("continues: no \"boxed\" and a \"```python\", nothing else", () => {
  assert.equal(continues("```python\nprint(1)\n```"), true);
  assert.equal(continues("```python\nprint(1)"), true, "an unclosed block still goes on (its observation is Undefined error:)");
  assert.equal(continues("\\boxed{1} ```python\nx\n```"), false);
  assert.equal(continues("boxed"), false);
  assert.equal(continues("plain text"), false);
  assert.equal(continues("``` python"), false);
});
