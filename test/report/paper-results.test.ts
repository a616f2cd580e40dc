import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  gainsOverSft,
  maskingEffect,
  mdpoOverRaft,
  checkpointAccuracies,
  paperBeside,
  paperResults,
  paperTable,
  PAPER_RESULTS_FILE,
  printedGainCheck,
  readResults,
  recordResult,
  referenceEffect,
  type PaperTable,
} from "../../src/report/index.js";

/** Cells typed from the paper (arXiv 2409.02392 v2, Tables 1–5), independently of data/paper-results.json. */
const CELLS: [PaperTable["id"], string, string, number, number][] = [
  ["table1", "WizardMath-70B", "SFT for CoT", 81.6, 22.7],
  ["table1", "CodeLLaMA-2-70B", "SFT", 84.6, 50.7],
  ["table1", "Gemma-1.1-it-7B", "SFT†", 77.5, 46.1],
  ["table1", "Gemma-1.1-it-7B", "Iterative M-DPO + fixed reference", 79.9, 48.0],
  ["table1", "Gemma-1.1-it-7B", "M-DPO Iteration 2", 82.5, 49.7],
  ["table1", "Gemma-1.1-it-7B", "M-DPO Iteration 3", 83.9, 51.2],
  ["table1", "CodeGemma-1.1-it-7B", "Iterative Single-turn KTO", 80.2, 48.6],
  ["table1", "Mistral-7B-v0.3", "RAFT", 79.8, 43.7],
  ["table1", "Mistral-7B-v0.3", "Iterative M-KTO", 81.7, 46.7],
  ["table1", "Gemma-2-it-9B", "Iterative M-DPO", 86.3, 54.5],
  ["table2", "Gemma-1.1-it-7B", "Iterative M-DPO + η = 0.01", 81.7, 50.1],
  ["table2", "Gemma-1.1-it-7B", "Iterative M-DPO + η = 0.5", 82.8, 49.7],
  ["table3", "Gemma-1.1-it-7B", "Iterative M-DPO with N=6", 82.0, 49.2],
  ["table3", "Gemma-1.1-it-7B", "Iterative M-DPO with N=30 + On-policy sampling", 83.1, 49.5],
  ["table4", "Gemma-1.1-it-7B", "SFT 2 epoch + Iterative M-DPO", 82.4, 49.8],
  ["table4", "Gemma-1.1-it-7B", "SFT 1 epoch", 75.1, 41.1],
  ["table5", "Gemma-1.1-it-7B", "SFT 100 steps", 50.8, 23.7],
  ["table5", "Gemma-1.1-it-7B", "+ M-DPO and NLL loss Iteration 1", 61.0, 30.1],
];
const ROWS = { table1: 35, table2: 5, table3: 5, table4: 6, table5: 6 };

test("data/paper-results.json holds Tables 1–5 cell for cell", () => {
  const paper = paperResults();
  assert.deepEqual(Object.fromEntries(paper.tables.map((t) => [t.id, t.rows.length])), ROWS);
  for (const [id, model, method, gsm8k, math] of CELLS) {
    const rows = paperTable(paper, id).rows.filter((r) => r.model === model && r.method === method);
    assert.equal(rows.length, 1, `${id} ${model} "${method}"`);
    assert.deepEqual([rows[0]!.gsm8k, rows[0]!.math], [gsm8k, math], `${id} ${model} "${method}"`);
  }
  const t1 = paperTable(paper, "table1");
  assert.equal(t1.rows.find((r) => r.model === "Gemma-2-it-9B" && r.method === "Iterative M-KTO")!.avg, 70.3);
  assert.deepEqual(t1.columns.map((c) => c.label), ["Base Model", "Method", "with Tool", "GSM8K", "MATH", "AVG"]);
  assert.deepEqual(paperTable(paper, "table2").rows.map((r) => [r.eta, r.reference]), [[null, null], [0.01, "previous"], [0.1, "previous"], [0.5, "previous"], [0.1, "sft"]]);
  assert.deepEqual(paperTable(paper, "table3").rows.map((r) => [r.n, r.sampling]), [[null, null], [30, "mixture"], [12, "mixture"], [6, "mixture"], [30, "on-policy"]]);
  assert.deepEqual(paperTable(paper, "table4").rows.map((r) => r.sftEpochs), [1, 1, 2, 2, 3, 3]);
  assert.deepEqual(paperTable(paper, "table5").rows.map((r) => r.nll), [null, false, true, null, false, true]);
  assert.deepEqual(paperTable(paper, "table3").textFigures.filter((f) => f.what.startsWith("prompt coverage")).map((f) => [f.setting, f.value]), [["N = 30", 92.5], ["N = 12", 83.0], ["N = 6", 60]]);
  assert.deepEqual(paperTable(paper, "table5").textFigures.filter((f) => f.setting === "without NLL").map((f) => f.value), [-166, -350]);
});

test("ToRA's own figures are kept apart from the paper's tables", () => {
  const paper = paperResults();
  assert.equal(paper.tora.rows.length, 10);
  assert.deepEqual(paper.tora.rows.find((r) => r.model === "ToRA-Code-34B" && r.decoding === "greedy"), { model: "ToRA-Code-34B", decoding: "greedy", gsm8k: 80.7, math: 51.0 });
  assert.ok(paper.tables.every((t) => t.rows.every((r) => !r.model.startsWith("ToRA"))));
});

test("released checkpoints sit on the rows they were released for", () => {
  const named = paperResults().tables.flatMap((t) => t.rows.filter((r) => r.checkpoint !== null).map((r) => `${t.id} ${r.model} ${r.method} ${r.checkpoint}`));
  assert.ok(named.includes("table1 Gemma-1.1-it-7B SFT† RLHF4MATH/Gemma-7B-it-SFT3epoch"));
  assert.ok(named.includes("table1 Gemma-1.1-it-7B M-DPO Iteration 3 RLHF4MATH/Gemma-7B-it-M-DPO"));
  assert.ok(named.includes("table1 Mistral-7B-v0.3 SFT† RLHF4MATH/Mistral-7B-pt-SFT2epoch"));
  assert.ok(named.includes("table1 Gemma-2-it-9B Iterative M-DPO RLHF4MATH/Gemma-2-9B-it-M-DPO"));
  assert.equal(new Set(named.map((n) => n.split(" ").pop())).size, 8, "the eight released models");
  assert.ok(!named.some((n) => n.includes("fixed reference") || n.includes("N=12")), "ablation runs were not released");
});

test("every printed ↑/↓ equals the difference of the rows it refers to", () => {
  const checks = printedGainCheck(paperResults());
  assert.equal(checks.length, 8 * 3 + 3 * 2 + 2 * 2);
  for (const c of checks) {
    // The paper computed AVG gains from unrounded values (Mistral M-DPO prints ↑4.7 for 64.9 − 60.3).
    const tolerance = c.column === "avg" ? 0.11 : 1e-9;
    assert.ok(Math.abs(c.printed - c.computed) <= tolerance, `${c.table} ${c.model} ${c.method} ${c.column}: printed ${c.printed}, computed ${c.computed}`);
  }
});

test("findings computed from the tables match the paper's stated numbers", () => {
  const paper = paperResults();
  const pts = (ds: { model: string; comparison: string; points: number }[], model: string, comparison: string) =>
    ds.filter((d) => d.model === model && d.comparison === comparison).map((d) => d.points);
  const gains = gainsOverSft(paper);
  assert.deepEqual(pts(gains, "Gemma-1.1-it-7B", "M-DPO"), [6.4, 5.1]);
  assert.deepEqual(pts(gains, "Mistral-7B-v0.3", "M-KTO"), [3.9, 4.0]);
  assert.equal(gains.length, 4 * 2 * 2);
  const masking = maskingEffect(paper);
  assert.deepEqual(pts(masking, "Gemma-1.1-it-7B", "M-DPO − single-turn DPO"), [2.2, 2.3]);
  assert.deepEqual(pts(masking, "CodeGemma-1.1-it-7B", "M-KTO − single-turn KTO"), [1.4, 1.0]);
  assert.deepEqual(pts(masking, "Gemma-2-it-9B", "M-DPO − single-turn DPO"), [1.1, 1.4]);
  assert.deepEqual(pts(mdpoOverRaft(paper), "Mistral-7B-v0.3", "M-DPO − RAFT"), [2.5, 3.8]);
  assert.deepEqual(referenceEffect(paper).map((d) => d.points), [4.0, 3.2]);
});

test("a table beside this installation's measurements: the value with its preset, else not run", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paper-beside-"));
  const before = process.env["MATHAGENT_REPORT_DIR"];
  process.env["MATHAGENT_REPORT_DIR"] = dir;
  try {
    recordResult({ model: "RLHF4MATH/Gemma-7B-it-M-DPO", dataset: "gsm8k", split: "test", accuracy: 82.94, n: 1319, preset: "paper-eval" });
    recordResult({ model: "RLHF4MATH/Gemma-7B-it-SFT3epoch", dataset: "math", split: "test", accuracy: 45.5, n: 500, settings: { horizon: 6, maxTokens: 1024, temperature: 0, limit: 500 } });
    const rows = paperBeside(paperTable(paperResults(), "table2"), readResults());
    assert.deepEqual(rows.map((r) => r["GSM8K here"]), ["not run", "", "82.9 (n=1,319)", "", ""]);
    assert.deepEqual(rows.map((r) => r["MATH here"]), ["45.5 (n=500)", "", "not run", "", ""]);
    assert.deepEqual(rows.map((r) => r["preset"]), ["H=6, 1024 tokens/turn, T=0, first 500 problems", "", "paper-eval", "", ""]);
    assert.equal(rows[2]!["GSM8K"], "83.9");
    assert.deepEqual(checkpointAccuracies(paperTable(paperResults(), "table1"), [{ model: "RLHF4MATH/Gemma-2-9B-it-M-DPO", dataset: "math", split: "test", accuracy: 53.9, n: 5000, ci: [52.5, 55.3], date: "" }]), [
      { checkpoint: "RLHF4MATH/Gemma-2-9B-it-M-DPO", dataset: "MATH", source: "paper", accuracy: 54.5, lo: null, hi: null },
      { checkpoint: "RLHF4MATH/Gemma-2-9B-it-M-DPO", dataset: "MATH", source: "here", accuracy: 53.9, lo: 52.5, hi: 55.3 },
    ]);
    const t1 = paperBeside(paperTable(paperResults(), "table1"), []);
    assert.equal(t1.find((r) => r["Method"] === "M-DPO Iteration 3")!["GSM8K"], "83.9 ↑6.4");
    assert.equal(t1[0]!["with Tool"], "✗");
  } finally {
    if (before === undefined) delete process.env["MATHAGENT_REPORT_DIR"];
    else process.env["MATHAGENT_REPORT_DIR"] = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a malformed results file is refused naming the file and the field", () => {
  const raw = JSON.parse(fs.readFileSync(PAPER_RESULTS_FILE, "utf8")) as { tables: { rows: Record<string, unknown>[] }[] };
  raw.tables[2]!.rows[3]!["math"] = "49.2";
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "paper-bad-")), "paper-results.json");
  fs.writeFileSync(file, JSON.stringify(raw));
  assert.throws(() => paperResults(file), (e: Error) => e.message === `${file}: tables[2].rows[3].math must be a number, got "49.2"`);
  fs.writeFileSync(file, "{\n  \"source\": \"x\",\n  \"notes\": [\"a\" \"b\"]\n}\n");
  assert.throws(() => paperResults(file), (e: Error) => e.message.startsWith(`${file}:3: `));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
