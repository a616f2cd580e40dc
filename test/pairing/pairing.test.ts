import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { getTemplate, render } from "../../src/chat/index.js";
import { RowError } from "../../src/data/index.js";
import {
  type Annotated,
  annotatedPath,
  annotateFile,
  applyFilters,
  buildKto,
  buildPairs,
  conversationOf,
  FILTER_NAMES,
  loadAnnotated,
  trajectoryLength,
  trajectoryMessages,
} from "../../src/pairing/index.js";
import { CORRECT_KINDS, fixture, type Kind, kindOf } from "./fixture.js";

let annotatedCache: Annotated[] | null = null;
async function annotated(): Promise<Annotated[]> {
  if (annotatedCache) return annotatedCache;
  const f = await fixture();
  const s = await annotateFile(f.file, { progress: false });
  annotatedCache = (await loadAnnotated(s.out, { progress: false })).rows;
  return annotatedCache;
}

const kindCount = (rows: readonly Annotated[], k: Kind) => rows.filter((r) => kindOf(r.seed) === k).length;

test("the messages form rebuilds each transcript exactly; observations are user ```output messages; flags follow the author", async () => {
  const { trajectories } = await fixture();
  assert.equal(trajectories.length, 480);
  const template = getTemplate("gemma");
  let observations = 0;
  for (const t of trajectories) {
    assert.equal(render(template, conversationOf(t)).text, t.transcript, `${t.problemId}#${t.sample}`);
    const m = trajectoryMessages(t);
    assert.equal(m[0]!.role, "user");
    assert.equal(m[0]!.model_written, false);
    assert.ok(m[0]!.content.startsWith(t.question));
    for (const x of m) assert.equal(x.model_written, x.role === "assistant");
    for (const x of m.slice(1).filter((x) => x.role === "user")) {
      assert.match(x.content, /^```output\n[\s\S]*\n```/);
      observations++;
    }
  }
  assert.ok(observations > 300);
});

test("annotation grades every trajectory beside the input, never in place, and agrees with the script", async () => {
  const f = await fixture();
  const before = fs.readFileSync(f.file);
  const s = await annotateFile(f.file, { progress: false });
  assert.equal(s.out, path.join(f.dir, "rollouts.annotated.jsonl"));
  assert.equal(annotatedPath(s.out), s.out);
  assert.deepEqual(fs.readFileSync(f.file), before, "input untouched");
  assert.equal(s.rows, 480);
  assert.deepEqual(s.issues, []);
  const rows = (await loadAnnotated(s.out, { progress: false })).rows;
  assert.equal(rows.length, 480);
  for (const r of rows) {
    assert.equal(r.correct, CORRECT_KINDS.has(kindOf(r.seed)), `${r.problemId}#${r.sample} (${kindOf(r.seed)}): pred ${r.pred} gt ${r.gt}`);
    assert.equal(r.gt, f.problems.find((p) => p.id === r.problemId)!.answer);
  }
  assert.equal(s.correct, rows.filter((r) => r.correct).length);
  // A correct answer from an earlier turn does not count when the last turn has none.
  assert.ok(rows.filter((r) => kindOf(r.seed) === "horizon").every((r) => !r.correct));
  await assert.rejects(annotateFile(f.file, { out: f.file, progress: false }), /refusing to write .* over its input/);
});

test("every filter removes exactly what it should, counted in order", async () => {
  const rows = await annotated();
  const { kept, summary } = applyFilters(rows);
  const dupProblems = new Set(rows.filter((r) => kindOf(r.seed) === "dup-correct").map((r) => r.problemId));
  const expected = {
    "env-error": kindCount(rows, "env-error"),
    "call-limit": kindCount(rows, "horizon"),
    "env-breakage": 0,
    "sympy-error": 0,
    "empty-output": 0,
    "too-short": kindCount(rows, "direct-correct"),
    "odd-messages": 0,
    "missing-code": 0,
    // the paper's filter: a right answer after a failing program
    "winner-error": kindCount(rows, "error-correct"),
    "error-output": 0,
    "too-long": 0,
    duplicate: kindCount(rows, "dup-correct") - dupProblems.size,
  };
  assert.deepEqual(summary.removed, expected);
  for (const [k, v] of Object.entries(expected)) if (v !== 0 && k !== "duplicate") assert.ok(v > 10, k);
  assert.deepEqual(summary.skipped, { "too-long": "no tokenizer given (--tokenizer path/to/tokenizer.json)" });
  // Without the paper's winner filter the repository's error-output rule catches the same rows.
  assert.equal(applyFilters(rows, { "winner-error": false }).summary.removed["error-output"], expected["winner-error"]);
  // Without the call-limit rule, a horizon trajectory ends on an observation: an odd number of messages.
  assert.equal(applyFilters(rows, { "call-limit": false }).summary.removed["odd-messages"], expected["call-limit"]);
  assert.equal(summary.kept, rows.length - Object.values(expected).reduce((a, b) => a + b, 0));
  const keptKinds = new Set(kept.map((r) => kindOf(r.seed)));
  assert.deepEqual([...keptKinds].sort(), ["dup-correct", "length-wrong", "tool-correct", "tool-wrong", "tool-wrong-2"]);
  // Exactly one trajectory of each duplicated transcript stays.
  for (const p of dupProblems) assert.equal(kept.filter((r) => r.problemId === p && kindOf(r.seed) === "dup-correct").length, 1);

  // Switched off, a filter removes nothing and its rows go to the next filter that applies (or stay).
  const noShort = applyFilters(rows, { "too-short": false });
  assert.equal(noShort.summary.removed["too-short"], 0);
  assert.equal(noShort.summary.kept, summary.kept + expected["too-short"]);
  const noEnv = applyFilters(rows, { "env-error": false });
  assert.equal(noEnv.summary.removed["too-short"], expected["too-short"] + expected["env-error"], "a failed second call leaves 3 messages");
  const noShortNoEnv = applyFilters(rows, { "env-error": false, "too-short": false });
  assert.equal(noShortNoEnv.summary.removed["odd-messages"], expected["env-error"]);
  const none = applyFilters(rows, Object.fromEntries(FILTER_NAMES.map((f) => [f, false])));
  assert.equal(none.summary.kept, rows.length);

  // Chain-of-thought trajectories (one question, one answer) are not "too short".
  const cot = rows.map((r) => (kindOf(r.seed) === "direct-correct" ? { ...r, mode: "cot" as const } : r));
  assert.equal(applyFilters(cot).summary.removed["too-short"], 0);
  assert.equal(applyFilters(cot).summary.kept, summary.kept + expected["too-short"]);

  // An intermediate model turn without a python block (hand-edited rows; the engine never writes one).
  const edited = rows.map((r) => {
    if (kindOf(r.seed) !== "tool-correct" || r.toolCalls < 2) return r;
    const steps = r.steps.map((s, i) => (i === 0 ? { ...s, text: "I will think without code.\n" } : s));
    return { ...r, steps, transcript: r.transcript + "#edited" };
  });
  const nEdited = edited.filter((r) => r.transcript.endsWith("#edited")).length;
  assert.ok(nEdited > 5);
  assert.equal(applyFilters(edited).summary.removed["missing-code"], nEdited);
});

test("pairs join one correct and one wrong trajectory of the same problem; seeded; counted", async () => {
  const rows = applyFilters(await annotated()).kept;
  const byProblem = new Map<string, Annotated[]>();
  for (const r of rows) byProblem.set(r.problemId, [...(byProblem.get(r.problemId) ?? []), r]);
  let both = 0;
  let onlyCorrect = 0;
  let onlyWrong = 0;
  let grid = 0;
  for (const g of byProblem.values()) {
    const c = g.filter((r) => r.correct).length;
    const w = g.length - c;
    if (c && w) both++;
    else if (c) onlyCorrect++;
    else onlyWrong++;
    grid += Math.min(c * w, 3);
  }
  assert.ok(both > 20 && onlyCorrect + onlyWrong > 5, `fixture mix: ${both} ${onlyCorrect} ${onlyWrong}`);

  const random = buildPairs(rows, { strategy: "random", seed: 1 });
  assert.deepEqual(
    { ...random.summary },
    { strategy: "random", seed: 1, problems: byProblem.size, problemsWithPairs: both, onlyCorrect, onlyWrong, pairs: both },
  );
  const key = (ps: typeof random.pairs) => ps.map((p) => `${p.problemId}:${p.chosen.sample}>${p.rejected.sample}`).sort();
  for (const strategy of ["random", "all", "max-length-margin", "min-length-margin"] as const) {
    const { pairs } = buildPairs(rows, { strategy, seed: 1, maxPerProblem: 3 });
    for (const p of pairs) {
      assert.equal(p.chosen.correct, true);
      assert.equal(p.rejected.correct, false);
      assert.equal(p.chosen.problemId, p.problemId);
      assert.equal(p.rejected.problemId, p.problemId);
    }
    // Order of the input does not matter; the seed does.
    const reversed = buildPairs(rows.slice().reverse(), { strategy, seed: 1, maxPerProblem: 3 }).pairs;
    assert.deepEqual(key(reversed), key(pairs), strategy);
  }
  assert.deepEqual(key(buildPairs(rows, { seed: 1 }).pairs), key(random.pairs));
  assert.notDeepEqual(key(buildPairs(rows, { seed: 2 }).pairs), key(random.pairs));
  // Random picks are spread over the candidates, not always the first.
  assert.ok(random.pairs.some((p) => p.chosen !== byProblem.get(p.problemId)!.filter((r) => r.correct)[0]));

  const all = buildPairs(rows, { strategy: "all", maxPerProblem: 3 }).pairs;
  assert.equal(all.length, grid);
  assert.equal(new Set(key(all)).size, all.length, "no pair twice");

  for (const p of buildPairs(rows, { strategy: "max-length-margin" }).pairs) {
    const g = byProblem.get(p.problemId)!;
    assert.equal(trajectoryLength(p.chosen), Math.min(...g.filter((r) => r.correct).map(trajectoryLength)));
    assert.equal(trajectoryLength(p.rejected), Math.max(...g.filter((r) => !r.correct).map(trajectoryLength)));
  }
  for (const p of buildPairs(rows, { strategy: "min-length-margin" }).pairs) {
    const g = byProblem.get(p.problemId)!;
    const gaps = g.filter((r) => r.correct).flatMap((c) => g.filter((r) => !r.correct).map((w) => Math.abs(trajectoryLength(c) - trajectoryLength(w))));
    assert.equal(Math.abs(trajectoryLength(p.chosen) - trajectoryLength(p.rejected)), Math.min(...gaps));
  }
  assert.throws(() => buildPairs(rows, { strategy: "best" as never }), /unknown pair strategy "best"/);
});

test("KTO examples label every kept trajectory; down-sampling balances the classes, seeded", async () => {
  const rows = applyFilters(await annotated()).kept;
  const plain = buildKto(rows);
  assert.equal(plain.examples.length, rows.length);
  for (const e of plain.examples) assert.equal(e.label, e.trajectory.correct);
  const d = rows.filter((r) => r.correct).length;
  const u = rows.length - d;
  assert.notEqual(d, u);
  assert.equal(plain.summary.desirable, d);
  assert.equal(plain.summary.undesirable, u);
  assert.ok(Math.abs(plain.summary.desirable * plain.summary.desirableWeight - plain.summary.undesirable * plain.summary.undesirableWeight) < 1e-9);
  const bal = buildKto(rows, { balance: "downsample", seed: 3 });
  assert.equal(bal.summary.desirable, Math.min(d, u));
  assert.equal(bal.summary.undesirable, Math.min(d, u));
  assert.equal(bal.summary.dropped, Math.abs(d - u));
  const again = buildKto(rows, { balance: "downsample", seed: 3 });
  assert.deepEqual(
    again.examples.map((e) => e.trajectory.seed),
    bal.examples.map((e) => e.trajectory.seed),
  );
  const other = buildKto(rows, { balance: "downsample", seed: 4 });
  assert.notDeepEqual(
    other.examples.map((e) => e.trajectory.seed),
    bal.examples.map((e) => e.trajectory.seed),
  );
});

function writeLines(file: string, lines: string[]): string {
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

test("bad input: not JSON, no final turn, unknown problem: errors naming file and line, or counted skips when lenient", async () => {
  const f = await fixture();
  const good = fs.readFileSync(f.file, "utf8").split("\n").filter(Boolean).slice(0, 5);
  const noTurn = JSON.stringify({ ...JSON.parse(good[1]!), steps: [], sample: 99 });
  const stranger = JSON.stringify({ ...JSON.parse(good[2]!), problemId: "gsm8k/test/999999" });
  const file = writeLines(path.join(f.dir, "bad.jsonl"), [good[0]!, "{not json", noTurn, good[3]!, stranger, good[4]!]);
  await assert.rejects(annotateFile(file, { progress: false }), (e: unknown) => e instanceof RowError && /bad\.jsonl:2: not valid JSON/.test(e.message) && /--lenient/.test(e.message));
  const only = (i: number) => writeLines(path.join(f.dir, `bad-${i}.jsonl`), [good[0]!, [noTurn, stranger][i]!]);
  await assert.rejects(annotateFile(only(0), { progress: false }), /bad-0\.jsonl:2: trajectory of problem .* has no final model turn/);
  // Nested types are checked: a null step, a number where text is expected.
  const nullStep = JSON.stringify({ ...JSON.parse(good[1]!), steps: [null] });
  const numText = JSON.stringify({ ...JSON.parse(good[1]!), steps: [{ ...JSON.parse(good[1]!).steps[0], text: 42 }] });
  const nested = (i: number) => writeLines(path.join(f.dir, `bad-nested-${i}.jsonl`), [good[0]!, [nullStep, numText][i]!]);
  await assert.rejects(annotateFile(nested(0), { progress: false }), /bad-nested-0\.jsonl:2: field steps\[0\]: expected an object, found null/);
  await assert.rejects(annotateFile(nested(1), { progress: false }), /bad-nested-1\.jsonl:2: field steps\[0\]\.text: expected a string, found number 42/);
  await assert.rejects(
    annotateFile(only(1), { progress: false, problems: f.problems }),
    /bad-1\.jsonl:2: unknown problem id "gsm8k\/test\/999999" \(not among the 80 problems given\)/,
  );
  const s = await annotateFile(file, { progress: false, lenient: true, problems: f.problems });
  assert.equal(s.rows, 3);
  assert.deepEqual(
    s.issues.map((i) => [i.line, i.kind]),
    [
      [2, "json"],
      [3, "no-final-turn"],
      [5, "unknown-problem"],
    ],
  );
  for (const i of s.issues) assert.equal(i.file, file);
  const loaded = await loadAnnotated(file, { progress: false, lenient: true });
  assert.equal(loaded.rows.length, 4, "without a problem list the stranger is fine");
  assert.equal(loaded.graded, 4);
  // A row whose reward is malformed is a bad row too.
  const badReward = writeLines(path.join(f.dir, "bad-reward.jsonl"), [JSON.stringify({ ...JSON.parse(good[0]!), correct: "yes", gt: "1" })]);
  await assert.rejects(loadAnnotated(badReward, { progress: false }), /bad-reward\.jsonl:1: field correct: expected a boolean, found a string "yes"/);
});
