/**
 * Every surface gives the same verdict for the same trajectory: `eval` (and `evaluate()`, which it
 * calls), `annotate` + `metrics`, `pairs`, and the tiny loop's grading, on one shared file that holds
 * error rows superseded by their redo (a resumed rollout) and horizon runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { getTemplate } from "../../src/chat/index.js";
import { Grader } from "../../src/grading/index.js";
import { evaluate, rewardAll } from "../../src/evaluate/index.js";
import { annotateFile, applyFilters, buildPairs, loadAnnotated } from "../../src/pairing/index.js";
import { computeMetrics } from "../../src/metrics/index.js";
import { type Policy } from "../../src/policy/index.js";
import { readTrajectories } from "../../src/rollout/index.js";
import { pairKey, readAllTrajectories } from "../../src/trajectory/index.js";
import { command as evalCommand } from "../../src/cli/commands/eval.js";
import { runCli } from "../helpers/cli.js";
import { FixtureInterpreter } from "../pairing/fixture.js";
import { kindOfSeed, SHARED_CORRECT, sharedFile } from "./shared-file.js";

const verdicts = (rows: readonly { problemId: string; sample: number; correct: boolean }[]) =>
  new Map([...rows].map((r) => [pairKey(r.problemId, r.sample), r.correct] as const).sort(([a], [b]) => (a < b ? -1 : 1)));

/** A policy that must never be called: everything is resumed from the file. */
const silent: Policy = { name: "silent", complete: async () => assert.fail("the shared file is complete; nothing should be generated") };

function sink() {
  let out = "";
  let err = "";
  const w = (f: (s: string) => void) => ({ write: (s: string) => (f(s), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdout: w((s) => (out += s)), stderr: w((s) => (err += s)), stdin: process.stdin }, out: () => out, err: () => err };
}

test("the shared file: error rows, then their redo after the resume; horizon runs", async () => {
  const f = await sharedFile();
  const lines = fs.readFileSync(f.file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { problemId: string; sample: number; finish: string });
  const errors = lines.filter((l) => l.finish === "error");
  assert.ok(errors.length >= 8, `${errors.length} error rows`);
  for (const e of errors) {
    const i = lines.indexOf(e);
    assert.ok(lines.slice(i + 1).some((l) => l.problemId === e.problemId && l.sample === e.sample && l.finish !== "error"), "each error row has a later redo");
  }
  assert.ok(lines.filter((l) => l.finish === "horizon").length >= 8);
  assert.equal(lines.length, f.problems.length * f.settings.samples + errors.length);
});

test("eval, annotate + metrics, pairs and the tiny loop's grading agree on every verdict and count", async () => {
  const f = await sharedFile();
  const n = f.problems.length * f.settings.samples;
  const grader = new Grader();
  try {
    // The expected verdict of every trajectory, by its kind; the redo is the row that counts.
    const current = await readAllTrajectories(f.file);
    assert.equal(current.length, n);
    assert.ok(current.every((t) => t.finish !== "error"), "the redo supersedes every error row");
    const expected = verdicts(current.map((t) => ({ ...t, correct: SHARED_CORRECT[kindOfSeed(t.seed)] })));

    // eval's library verb and the store (resume) read the same rows
    const store = await readTrajectories(f.file);
    assert.deepEqual([...verdicts(store.trajectories.map((t) => ({ ...t, correct: false }))).keys()], [...expected.keys()]);
    const e = await evaluate({ problems: f.problems, policy: silent, template: getTemplate("gemma"), interpreter: new FixtureInterpreter(), out: f.file, grader, bootstrap: { resamples: 0 }, ...f.settings });
    assert.equal(e.resumed, n);
    assert.equal(e.written, 0);
    assert.deepEqual(verdicts(e.rows), expected, "evaluate()");

    // annotate, then metrics on the annotated file
    const a = await annotateFile(f.file, { progress: false, grader, out: path.join(f.dir, "shared.annotated.jsonl") });
    assert.equal(a.rows, n);
    assert.deepEqual(a.issues.map((i) => i.kind), []);
    const annotated = (await loadAnnotated(a.out, { progress: false })).rows;
    assert.deepEqual(verdicts(annotated), expected, "annotate");
    const m = await computeMetrics(annotated, { bootstrap: { resamples: 0 } });
    const summary = Object.fromEntries((m.summary.objects() as { metric: string; value: number }[]).map((r) => [r.metric, r.value]));
    const accuracy = [...expected.values()].filter(Boolean).length / n;
    assert.ok(Math.abs(summary["accuracy"]! - accuracy) < 1e-12, "metrics accuracy");
    assert.equal(summary["environment errors"], 0, "metrics sees the redo, not the error row");
    assert.ok(Math.abs(e.metrics.summary.objects()[0]!["value" as never] - accuracy) < 1e-12, "evaluate() accuracy");

    // pairs: read and graded from the raw file
    const raw = (await loadAnnotated(f.file, { progress: false, grader })).rows;
    assert.deepEqual(verdicts(raw), expected, "pairs' reading");
    const { pairs } = buildPairs(applyFilters(raw).kept, { seed: 3 });
    assert.ok(pairs.length > 5);
    for (const p of pairs) assert.deepEqual([expected.get(pairKey(p.problemId, p.chosen.sample)), expected.get(pairKey(p.problemId, p.rejected.sample))], [true, false]);

    // the tiny loop grades its rollouts with the same function
    assert.deepEqual(verdicts(await rewardAll(current, grader)), expected, "iterate's grading");
  } finally {
    await grader.close();
  }
});

test("the commands agree: eval and metrics print the same accuracy as annotate on the resumed file", async () => {
  const f = await sharedFile();
  const n = f.problems.length * f.settings.samples;
  const c = sink();
  const json = path.join(f.dir, "eval.json");
  const s = f.settings;
  const args = ["--server", "http://127.0.0.1:9", "--model", "none", "--family", "gemma", "--problems", f.problemsFile, "--out", f.file, "--json", json, "--quiet"];
  const code = await evalCommand.run([...args, "--samples", `${s.samples}`, "--horizon", `${s.horizon}`, "--temperature", `${s.temperature}`, "--seed", `${s.seed}`, "--seed-mode", s.seedMode], c.io);
  assert.equal(code, 0, c.err());
  assert.match(c.out(), new RegExp(`${n} trajectories in .* \\(0 new, ${n} resumed\\)`));
  const evalRow = JSON.parse(fs.readFileSync(json, "utf8")).rows[0];
  const annotated = path.join(f.dir, "cli.annotated.jsonl");
  const a = await runCli(["annotate", "--input", f.file, "--out", annotated, "--quiet"]);
  assert.equal(a.code, 0, a.stderr);
  const correct = Number(/graded, (\d+) correct/.exec(a.stdout)![1]);
  assert.equal(evalRow.correct, correct);
  assert.equal(evalRow.trajectories, n);
  const mt = await runCli(["metrics", "--input", annotated, "--quiet", "--json", "--bootstrap", "0"]);
  assert.equal(mt.code, 0, mt.stderr);
  const acc = JSON.parse(mt.stdout).summary.find((r: { metric: string }) => r.metric === "accuracy").value;
  assert.ok(Math.abs(acc - correct / n) < 1e-12);
  const p = await runCli(["pairs", "--input", f.file, "--format", "trl", "--out", path.join(f.dir, "pairs.jsonl"), "--quiet"]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /env-error −0 \(mathagent\)/, "pairs sees no environment error: the redo supersedes it");
});
