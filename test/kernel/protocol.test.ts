import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectPath } from "../../src/paths.js";
import { runSession } from "./kernel-session.js";

test("cells are numbered (execute_input) and a failing cell's reply names its error", () => {
  const [ok, typeError, thrown] = runSession([{ code: "1 + 1" }, { code: "const s: string = 1;" }, { code: 'throw new RangeError("too far");' }]);
  assert.deepEqual(
    ok!.iopub.filter((m) => m.type === "execute_input").map((m) => m.content["execution_count"]),
    [1],
  );
  assert.equal(ok!.reply.execution_count, 1);
  assert.equal(typeError!.reply.status, "error");
  assert.equal(typeError!.reply.ename, "TSError");
  assert.match(typeError!.reply.evalue!, /^1:7 - Type 'number' is not assignable to type 'string'/);
  assert.deepEqual([thrown!.reply.ename, thrown!.reply.evalue, thrown!.reply.execution_count], ["RangeError", "too far", 3]);
  assert.match(thrown!.reply.traceback!.join("\n"), /^RangeError: too far\n\s+at evalmachine/);
  assert.doesNotMatch(thrown!.reply.traceback!.join("\n"), /kernel[\\/]|node_modules/);
});

test("Kernel > Interrupt stops the cell's async loop and a loop an earlier cell left running", () => {
  const sleep = "await new Promise((r) => setTimeout(r, 100))";
  const cells = runSession([
    { code: `let n = 0; (async () => { for (;;) { ${sleep}; console.log("background", n++); } })(); "started"` },
    { code: `for (let i = 0; ; i++) { ${sleep}; console.log("loop", i); }`, interruptAfter: 1.5 },
    { code: 'await new Promise((r) => setTimeout(r, 700)); "after"' },
  ]);
  const [, interrupted, after] = cells;
  assert.equal(interrupted!.reply.ename, "Interrupted");
  assert.match(interrupted!.stdout, /loop 0\n/);
  assert.equal(after!.reply.status, "ok");
  assert.equal(after!.stdout, "after\n");
});

test("editing a module a cell imported, while the kernel runs, reaches the next cell that imports it", () => {
  const dir = fs.mkdtempSync(projectPath("test", "kernel", ".edit-"));
  const mod = path.join(dir, "mod.ts");
  const rel = "./" + path.relative(projectPath(), mod).replace(/\.ts$/, ".js");
  try {
    fs.writeFileSync(mod, 'import * as aq from "arquero";\nexport const version = 1;\nexport const rows = () => aq.table({ a: [1] }).numRows();\n');
    const cells = runSession([
      { code: `import { version, rows } from "${rel}";\nconsole.log(version, rows());` },
      { write: mod, text: 'import * as aq from "arquero";\nexport const version = 2;\nexport const rows = () => aq.table({ a: [1, 2] }).numRows();\n' },
      { write: path.join(dir, "other.ts"), text: "export const other = 1;\n" },
      { sleep: 1 },
      { code: `import { version as v2, rows as r2 } from "${rel}";\nconsole.log(v2, r2());` },
      { code: "console.log(6 * 7);" },
    ]);
    assert.deepEqual(cells.map((c) => c.reply.status), ["ok", "ok", "ok"], cells.map((c) => c.stderr).join("\n"));
    assert.deepEqual(cells.map((c) => c.stdout), ["1 1\n", "2 2\n", "42\n"]);
    assert.ok(cells.every((c) => c.stderr === ""), cells.map((c) => c.stderr).join("\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
