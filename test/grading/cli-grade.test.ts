import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { describe, test } from "node:test";
import { UsageError } from "../../src/cli/command.js";
import { command } from "../../src/cli/commands/grade.js";
import { runCli } from "../helpers/cli.js";

async function run(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (b: Buffer) => (out += b));
  stderr.on("data", (b: Buffer) => (err += b));
  const code = await command.run(args, { stdout, stderr, stdin: Readable.from([stdin]) });
  return { code, stdout: out, stderr: err };
}

const INPUT = [
  JSON.stringify({ id: "a", pred: "\\frac12", gt: "0.5" }),
  JSON.stringify({ id: "b", pred: "x^2+2x+1", gt: "(x+1)^2" }),
  JSON.stringify({ id: "c", pred: "7", gt: 8 }),
  "",
  JSON.stringify({ id: "d", pred: "(1,2]", gt: "(1,2)" }),
].join("\n");

describe("mathagent grade", () => {
  test("writes every line back in order with correct, pred_answer and rule", async () => {
    const r = await run(["--input", "-"], INPUT);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((x) => [x.id, x.correct, x.rule, x.pred_answer]),
      [
        ["a", true, "numeric", "\\frac12"],
        ["b", true, "symbolic", "x^2+2x+1"],
        ["c", false, "numeric", "7"],
        ["d", false, "structural", "(1,2]"],
      ],
    );
    assert.match(r.stderr, /graded 4 pairs: 2 correct \(50\.00%\)/);
  });

  test("--extract takes the answer from a whole output, per the dataset", async () => {
    const lines = [
      JSON.stringify({ pred: "so we get \\boxed{\\dfrac{1}{2}}.", gt: "\\frac12" }),
      JSON.stringify({ pred: "3+4=7\nA: 7", gt: "#### 7", dataset: "gsm8k" }),
      JSON.stringify({ pred: "no answer at all", gt: "3" }),
    ].join("\n");
    const r = await run(["--input", "-", "--extract"], lines);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((x) => [x.correct, x.pred_answer, x.rule]),
      [
        [true, "\\dfrac{1}{2}", "exact"],
        [true, "7", "exact"],
        [false, null, "no-answer"],
      ],
    );
  });

  test("--grader paper grades as ToRA did, reports both sides and the mode; a line's own mode wins", async () => {
    const lines = [
      JSON.stringify({ pred: "x = 7.\nA: 1/5", gt: "#### 5", dataset: "gsm8k" }),
      JSON.stringify({ pred: "so \\boxed{50}", gt: "0.5" }),
      JSON.stringify({ pred: "so \\boxed{50}", gt: "0.5", dataset: "gsm8k", mode: "robust" }),
      JSON.stringify({ pred: "so \\boxed{50}", gt: "0.5", mode: "exact" }),
    ].join("\n");
    const r = await run(["--input", "-", "--extract", "--grader", "paper"], lines);
    assert.equal(r.code, 1);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.slice(0, 3).map((x) => [x.correct, x.mode, x.rule, x.pred_answer, x.gt_answer, x.pred_norm, x.gt_norm]),
      [
        [true, "paper", "numeric", "5", "#### 5", "5", "5"],
        [true, "paper", "numeric", "50", "0.5", "50", "0.5"],
        [false, "robust", "numeric", "50", "0.5", "50", "0.5"],
      ],
    );
    assert.match(String(rows[3]!.error), /^line 4: unknown "mode" "exact"/);
    await assert.rejects(run(["--input", "-", "--grader", "tora"]), /--grader: expected one of paper, robust, found "tora"/);
  });

  test("bad lines are recorded with their line number, the rest still graded; exit 1", async () => {
    const lines = ["{not json", JSON.stringify({ pred: 5, gt: "5" }), "[1,2]", JSON.stringify({ pred: "5", gt: "5", dataset: "aime" }), JSON.stringify({ pred: "5", gt: "5" })].join("\n");
    const r = await run(["--input", "-"], lines);
    assert.equal(r.code, 1);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 5);
    assert.match(String(rows[0]!.error), /^line 1: not valid JSON/);
    assert.match(String(rows[1]!.error), /^line 2: "pred" must be a string, got number/);
    assert.match(String(rows[2]!.error), /^line 3: expected a JSON object/);
    assert.match(String(rows[3]!.error), /^line 4: unknown "dataset" "aime"/);
    assert.equal(rows[4]!.correct, true);
    assert.match(r.stderr, /4 line\(s\) with errors/);
  });

  test("--workers gives the same verdicts as one thread", async () => {
    const one = await run(["--input", "-"], INPUT);
    const two = await run(["--input", "-", "--workers", "2"], INPUT);
    assert.equal(two.stdout, one.stdout);
  });

  test("a reader that goes away (EPIPE) ends the run quietly", async () => {
    let writes = 0;
    const stdout = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        cb(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const lines = Array.from({ length: 2000 }, () => JSON.stringify({ pred: "1", gt: "1" })).join("\n");
    const code = await command.run(["--input", "-"], { stdout, stderr: new PassThrough(), stdin: Readable.from([lines]) });
    assert.equal(code, 0);
    assert.ok(writes < 2000, `kept writing after EPIPE (${writes} writes)`);
  });

  test("usage errors name the mistake", async () => {
    await assert.rejects(run([]), (e: unknown) => e instanceof UsageError && /^--input is required$/.test(e.message));
    await assert.rejects(run(["--input", "-", "--workers", "two"]), /--workers: expected an integer ≥ 0, found "two"/);
    await assert.rejects(run(["--input", "-", "--dataset", "aime"]), /--dataset: expected one of math, math500, gsm8k, default, found "aime"/);
    await assert.rejects(run(["--input", "-", "--timeout-ms", "0"]), /--timeout-ms: expected a number ≥ 1, found "0"/);
  });

  test("end to end through bin/mathagent with a file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-grade-"));
    const file = path.join(dir, "in.jsonl");
    fs.writeFileSync(file, INPUT);
    try {
      const r = await runCli(["grade", "--input", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split("\n").length, 4);
      const b = JSON.parse(r.stdout.trim().split("\n")[1]!) as Record<string, unknown>;
      assert.deepEqual(b, {
        id: "b",
        pred: "x^2+2x+1",
        gt: "(x+1)^2",
        correct: true,
        mode: "robust",
        rule: "symbolic",
        pred_answer: "x^2+2x+1",
        gt_answer: "(x+1)^2",
        pred_norm: "x^2+2x+1",
        gt_norm: "(x+1)^2",
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
