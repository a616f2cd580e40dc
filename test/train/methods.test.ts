import { test } from "node:test";
import assert from "node:assert/strict";
import { paperResults } from "../../src/report/paper.js";
import { tableRows } from "../../src/train/methods.js";

test("the miniature table's paper columns come from data/paper-results.json", () => {
  const rows = tableRows();
  assert.equal(rows.length, 11);
  assert.deepEqual(rows.find((r) => r.row === "M-DPO iteration 3"), { row: "M-DPO iteration 3", method: "mdpo", iteration: 3, gsm8k: 83.9, math: 51.2 });
  assert.deepEqual(rows.find((r) => r.row === "SFT")!.gsm8k, 77.5);
  // A results file without one of the rows is named, not read as missing numbers.
  const results = paperResults();
  const edited = { ...results, tables: results.tables.map((t) => ({ ...t, rows: t.rows.filter((r) => r.method !== "RAFT") })) };
  assert.throws(() => tableRows(edited), /paper-results\.json: table1 has no Gemma-1\.1-it-7B row "RAFT"/);
});
