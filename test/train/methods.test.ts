import { test } from "node:test";
import assert from "node:assert/strict";
import { paperResults } from "../../src/report/paper.js";
import { ITERATE_DEFAULTS } from "../../src/train/iterate.js";
import { checkTargets, findingsView, tableFindings } from "../../src/train/findings.js";
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

test("findings pair each seed's runs and put the paper's difference of the same rows beside them", () => {
  // Three seeds; per-seed accuracies chosen so that paired and unpaired spreads differ.
  const perSeed: Record<string, number[]> = { "sft/0": [50, 50, 50], "mdpo/3": [70, 60, 80], "mdpo-fixed/3": [68, 59, 81], "mdpo-nll/3": [75, 62, 78] };
  const rows = tableRows().flatMap((r) => {
    const v = perSeed[`${r.method}/${r.iteration}`];
    if (!v) return [];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return [{ ...r, mean, sd: 0, perSeed: v }];
  });
  const fs = tableFindings(rows);
  assert.deepEqual(fs.map((f) => f.finding), ["M-DPO iteration 3 − SFT", "reference: updated − fixed", "NLL loss: with − without"]);
  const ref = fs[1]!;
  assert.deepEqual(ref.perSeed, [2, 1, -1]);
  assert.ok(Math.abs(ref.tiny - 2 / 3) < 1e-12);
  assert.ok(Math.abs(ref.sd - Math.sqrt(((2 - 2 / 3) ** 2 + (1 - 2 / 3) ** 2 + (-1 - 2 / 3) ** 2) / 2)) < 1e-12);
  assert.ok(Math.abs(ref.paperGsm8k - (83.9 - 79.9)) < 1e-9 && Math.abs(ref.paperMath - (51.2 - 48.0)) < 1e-9);
  assert.equal(ref.sameSign, true);
  const nll = fs[2]!;
  assert.deepEqual(nll.perSeed, [5, 2, -2]);
  assert.equal(nll.sameSign, false, "the paper's NLL row is below M-DPO; +1.7 here is the other sign");
  assert.equal(findingsView(fs)[0]!["paper GSM8K"], "+6.4");
  // The targets read the same differences; rows that did not run give no target.
  assert.deepEqual(checkTargets(rows.map((r) => (r.method === "mdpo" ? { ...r, sd: 6 } : r))), [
    { target: "M-DPO iteration 3 − SFT ≥ 10 points and ≥ 3 seed sd", measured: "20.0 points, sd 6.0", met: true },
    { target: "updated reference ≥ fixed reference", measured: "70.0 vs 69.3", met: true },
  ]);
});
