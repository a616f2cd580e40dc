import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { GraderPool, gradeFast } from "../../src/grading/index.js";
import { projectPath } from "../../src/paths.js";
import { type QwenRow, readJsonl, SKIP_NO_DATA } from "./data.js";

describe("GraderPool", () => {
  test("grades a batch over two workers, in input order, with symbolic pairs", async () => {
    const pool = new GraderPool({ workers: 2, chunkSize: 3, mode: "robust" });
    try {
      const items = [
        { pred: "x^2+2x+1", gt: "(x+1)^2" },
        { pred: "\\frac12", gt: "0.5" },
        { pred: "(1,2]", gt: "(1,2)" },
        { pred: "x\nA: 26", gt: "#### 26", dataset: "gsm8k" as const, extract: true },
        { pred: "7", gt: "8" },
        { pred: "y = 3 + 2x", gt: "2x+3" },
        { pred: "\\text{odd}", gt: "odd" },
      ];
      let progress = 0;
      const verdicts = await pool.gradeBatch(items, { onProgress: (done) => (progress = done) });
      assert.deepEqual(
        verdicts.map((v) => v.correct),
        [true, true, false, true, false, true, true],
      );
      assert.equal(verdicts[3]!.predAnswer, "26");
      assert.equal(progress, items.length);
      assert.equal(pool.stats.pairs, items.length);
      assert.ok((pool.stats.byRule.symbolic ?? 0) >= 1);
    } finally {
      await pool.close();
    }
  });

  test("an aborted batch rejects, and a closed pool says so", async () => {
    const pool = new GraderPool({ workers: 1, mode: "robust" });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pool.gradeBatch([{ pred: "1", gt: "1" }], { signal: controller.signal }), { name: "AbortError" });
    await pool.close();
    await assert.rejects(pool.gradeBatch([{ pred: "1", gt: "1" }]), /GraderPool is closed/);
  });

  test("the pool worker loads from plain Node too (no tsx in the parent, another working folder)", () => {
    const script = `
      const { Worker } = require("node:worker_threads");
      const w = new Worker(${JSON.stringify(projectPath("src", "grading", "pool-worker.mjs"))}, { execArgv: [], workerData: {} });
      w.on("message", (m) => {
        if (m.ready) w.postMessage({ id: 1, items: [{ pred: "x^2+2x+1", gt: "(x+1)^2" }], options: {} });
        else { console.log(JSON.stringify(m.verdicts.map((v) => [v.correct, v.rule]))); w.terminate(); }
      });
      w.on("error", (e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: "/", encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '[[true,"symbolic"]]');
  });

  test("pool verdicts equal single-thread verdicts on the 800 Qwen samples", { skip: SKIP_NO_DATA }, async () => {
    const rows = readJsonl<QwenRow>("grading/qwen25-math-cot-100-samples.jsonl");
    const items = rows.flatMap((r) => r.code.map((code) => ({ pred: code, gt: r.gt, extract: true, dataset: "math" as const })));
    const pool = new GraderPool({ workers: 2, mode: "robust" });
    try {
      const verdicts = await pool.gradeBatch(items);
      items.forEach((item, i) => {
        const fast = gradeFast(item.pred, item.gt, item);
        if (fast.correct !== undefined) assert.equal(verdicts[i]!.correct, fast.correct, `item ${i}`);
      });
      const scores = rows.flatMap((r) => r.score);
      assert.equal(verdicts.filter((v, i) => v.correct === scores[i]).length, 799);
    } finally {
      await pool.close();
    }
  });
});

describe("Grader.gradeMany", () => {
  test("grades in order with per-item datasets, reports progress, and stops on abort", async () => {
    const { Grader } = await import("../../src/grading/index.js");
    const grader = new Grader({ mode: "robust" });
    try {
      const seen: number[] = [];
      const verdicts = await grader.gradeMany(
        [
          { pred: "0.5", gt: "50" },
          { pred: "0.5", gt: "50", dataset: "gsm8k" },
          { pred: "2x+2", gt: "2(x+1)" },
        ],
        { onProgress: (done) => seen.push(done) },
      );
      // 0.5 for 50 is the percent variant MATH accepts and GSM8K does not.
      assert.deepEqual(verdicts.map((v) => v.correct), [true, false, true]);
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(grader.stats.pairs, 3);
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(grader.gradeMany([{ pred: "1", gt: "1" }], { signal: controller.signal }), { name: "AbortError" });
    } finally {
      await grader.close();
    }
  });
});

describe("grade (shared grader)", () => {
  test("decides cheap pairs synchronously-fast and symbolic ones through the shared CAS worker", async () => {
    const { grade } = await import("../../src/grading/index.js");
    assert.deepEqual(
      [await grade("\\frac12", "0.5"), await grade("(x+1)^2", "x^2+2x+1"), await grade("#### 7", "7", { dataset: "gsm8k", extract: true })].map((v) => [v.correct, v.rule]),
      [
        [true, "numeric"],
        [true, "symbolic"],
        [true, "exact"],
      ],
    );
  });
});
