import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as vm from "node:vm";
import { openPreferenceData } from "../../src/inspect/index.js";
import { projectPath } from "../../src/paths.js";

const { formatCellError, cellConsoleError } = createRequire(import.meta.url)(projectPath("kernel", "cell-errors.cjs")) as {
  formatCellError(e: unknown): string | null;
  cellConsoleError(original: (...a: unknown[]) => void): (...a: unknown[]) => void;
};

/** Runs `code` as tslab runs a cell (vm.runInThisContext) and returns what it throws. */
async function thrownByCell(code: string): Promise<unknown> {
  try {
    await vm.runInThisContext(`(async function(openPreferenceData) { ${code}\n})`)(openPreferenceData);
  } catch (e) {
    return e;
  }
  throw new Error("the cell did not throw");
}

test("a library error from a cell shows its message and the cell's frame, no internals and no fields", async () => {
  const e = await thrownByCell(`await openPreferenceData("/nonexistent/pairs.jsonl");`);
  const text = formatCellError(e)!;
  const lines = text.split("\n");
  assert.equal(lines[0], "FileError: /nonexistent/pairs.jsonl: no such file");
  assert.ok(lines.length >= 2 && lines.slice(1).every((l) => l.includes("evalmachine.<anonymous>")), text);
  assert.doesNotMatch(text, /userFacing|node:internal|node_modules/);
});

test("a plain error keeps the frames of project code and drops Node's", async () => {
  const e = await thrownByCell(`JSON.parse("{");`);
  const text = formatCellError(e)!;
  assert.match(text.split("\n")[0]!, /^SyntaxError: /);
  assert.match(text, /evalmachine\.<anonymous>:1:/);
  assert.doesNotMatch(text, /\(node:|node:internal/);
});

test("a name from an earlier cell used as a shorthand property gets a hint", async () => {
  const e = await thrownByCell(`const o = { someEarlierName };`);
  assert.match(formatCellError(e)!, /^ReferenceError: someEarlierName is not defined\n {2}hint: .*\{ someEarlierName: someEarlierName \}/);
});

test("console.error formats errors and passes everything else through", () => {
  const seen: unknown[][] = [];
  const error = cellConsoleError((...a: unknown[]) => void seen.push(a));
  error("plain", 3);
  error(new RangeError("too far"));
  assert.deepEqual(seen[0], ["plain", 3]);
  assert.match(String(seen[1]![0]), /^RangeError: too far/);
  assert.equal(formatCellError("not an error"), null);
});
