import { test } from "node:test";
import assert from "node:assert/strict";
import { paperResults } from "../../src/report/paper.js";
import { ITERATE_DEFAULTS } from "../../src/train/iterate.js";
import { METHODS, tableRows } from "../../src/train/methods.js";

test("the miniature table's paper columns come from data/paper-results.json", () => {
  const rows = tableRows();
  assert.equal(rows.length, 12);
  assert.deepEqual(rows.find((r) => r.row === "M-DPO iteration 3"), { row: "M-DPO iteration 3", method: "mdpo", iteration: 3, gsm8k: 83.9, math: 51.2 });
  assert.deepEqual(rows.find((r) => r.row === "SFT")!.gsm8k, 77.5);
  assert.deepEqual(rows.find((r) => r.method === "mdpo-nll"), { row: "Iterative M-DPO + NLL loss (Table 5)", method: "mdpo-nll", iteration: 3, gsm8k: 81.7, math: 49.5 });
  // A results file without one of the rows is named, not read as missing numbers.
  const results = paperResults();
  const edited = { ...results, tables: results.tables.map((t) => ({ ...t, rows: t.rows.filter((r) => r.method !== "RAFT") })) };
  assert.throws(() => tableRows(edited), /paper-results\.json: table1 has no Gemma-1\.1-it-7B row "RAFT"/);
});

test("the default loop is the paper's main setting; each method differs from it only as its row does", () => {
  // The paper's code: nll_coefficient 0, reference = the previous iteration's model, mask on, η = 0.1.
  assert.equal(ITERATE_DEFAULTS.nllCoef, 0);
  assert.equal(ITERATE_DEFAULTS.reference, "previous");
  assert.equal(ITERATE_DEFAULTS.mask, true);
  assert.equal(ITERATE_DEFAULTS.beta, 0.1);
  assert.deepEqual(METHODS["mdpo-nll"].settings, { loss: "mdpo", mask: true, nllCoef: 1, evaluate: "last" });
  const changes = Object.fromEntries(Object.entries(METHODS).map(([name, m]) => [name, Object.entries(m.settings).filter(([k, v]) => k !== "evaluate" && ITERATE_DEFAULTS[k as keyof typeof ITERATE_DEFAULTS] !== v).map(([k]) => k).join(",")]));
  assert.deepEqual(changes, {
    raft: "loss", "st-dpo": "mask", "st-kto": "loss,mask", "mdpo-fixed": "reference", mdpo: "", mkto: "loss", "eta-0.01": "beta", "eta-0.5": "beta", "mdpo-nll": "nllCoef",
  });
});
