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
    assert.match(String(rows[3]!.error), /^<stdin>:4: unknown "mode" "exact"/);
    await assert.rejects(run(["--input", "-", "--grader", "tora"]), /--grader: expected one of paper, robust, found "tora"/);
  });

  test("bad lines are recorded with their line number, the rest still graded; exit 1", async () => {
    const lines = ["{not json", JSON.stringify({ pred: 5, gt: "5" }), "[1,2]", JSON.stringify({ pred: "5", gt: "5", dataset: "aime" }), JSON.stringify({ pred: "5", gt: "5" })].join("\n");
    const r = await run(["--input", "-"], lines);
    assert.equal(r.code, 1);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 5);
    assert.match(String(rows[0]!.error), /^<stdin>:1: not valid JSON/);
    assert.match(String(rows[1]!.error), /^<stdin>:2: "pred" must be a string, got number/);
    assert.match(String(rows[2]!.error), /^<stdin>:3: expected a JSON object/);
    assert.match(String(rows[3]!.error), /^<stdin>:4: unknown "dataset" "aime"/);
    assert.equal(rows[4]!.correct, true);
    assert.match(r.stderr, /4 line\(s\) with errors/);
    assert.match(r.stderr, /^mathagent grade: <stdin>:1: not valid JSON/m);
    assert.doesNotMatch(r.stdout + r.stderr, /(^|[^:\d])line \d/);
  });

  test("a file is read through the input layer: BOM and CRLF accepted, bad rows named FILE:LINE, a missing file or a directory named", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-grade-io-"));
    try {
      const file = path.join(dir, "in.jsonl");
      const rows = [JSON.stringify({ pred: "0.5", gt: "\\frac12" }), JSON.stringify({ pred: "3", gt: "4" }), "", JSON.stringify({ pred: 5, gt: "5" })];
      fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rows.join("\r\n") + "\r\n"), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]));
      const r = await run(["--input", file]);
      assert.equal(r.code, 1);
      const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(out.map((x) => x.correct ?? null), [true, false, null, null]);
      assert.equal(out[2]!.error, `${file}:4: "pred" must be a string, got number`);
      assert.match(String(out[3]!.error), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5: not valid UTF-8`));
      assert.match(r.stderr, /graded 2 pairs: 1 correct \(50\.00%\), 2 line\(s\) with errors/);

      const missing = await runCli(["grade", "--input", path.join(dir, "nope.jsonl")]);
      assert.deepEqual([missing.code, missing.stderr.trim()], [1, `mathagent grade: ${path.join(dir, "nope.jsonl")}: no such file`]);
      const folder = await runCli(["grade", "--input", dir]);
      assert.deepEqual([folder.code, folder.stderr.trim()], [1, `mathagent grade: ${dir}: is a directory, expected a file`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("stdin: a BOM and CRLF endings are accepted", async () => {
    const r = await run(["--input", "-"], "\ufeff" + JSON.stringify({ pred: "2", gt: "2" }) + "\r\n" + JSON.stringify({ pred: "1", gt: "2" }) + "\r\n");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { correct: boolean }).correct), [true, false]);
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
