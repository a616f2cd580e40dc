import { test } from "node:test";
import assert from "node:assert/strict";
import { evalExpr, SYNTHETIC_TEMPLATES, SYNTHETIC_TEST_MAX, syntheticProblems, syntheticRunProblems, syntheticTestProblems, syntheticValidationProblems } from "../../src/data/synthetic.js";
import { teacherDataset, teacherSolutionOfKind, type TeacherKind } from "../../src/data/synthetic-teacher.js";
import { render } from "../../src/chat/index.js";
import { tinyTemplate } from "../../src/train/encode.js";
import { extractCode } from "../../src/rollout/index.js";
import { observationText, PyodidePool } from "../../src/interpreter/index.js";

test("synthetic problems: seeded, fixed test set, disjoint splits, integer answers", () => {
  const test1 = syntheticProblems({ split: "test" });
  const test2 = syntheticProblems({ split: "test" });
  assert.equal(test1.length, 300);
  assert.deepEqual(test1, test2);
  assert.equal(test1[0]!.question, "Kim has 43 shells and buys 35 more. How many shells now?");
  assert.deepEqual(syntheticProblems({ split: "test", n: 10 }), test1.slice(0, 10));
  const train = syntheticProblems({ n: 2000, seed: 1 });
  const qs = new Set(syntheticProblems({ split: "test", n: SYNTHETIC_TEST_MAX }).map((p) => p.question));
  assert.throws(() => syntheticProblems({ split: "test", n: SYNTHETIC_TEST_MAX + 1 }), /has 2000 problems/);
  assert.ok(train.every((p) => !qs.has(p.question)), "no test question in train");
  assert.notDeepEqual(syntheticProblems({ n: 5, seed: 2 }), train.slice(0, 5));
  const templates = new Set(train.map((p) => p.subject));
  assert.equal(templates.size, SYNTHETIC_TEMPLATES.length);
  for (const p of train) {
    assert.ok(/^-?\d+$/.test(p.answer) && Number(p.answer) >= 0, `${p.id}: ${p.answer}`);
    assert.equal(String(evalExpr(p.expr)), p.answer);
    assert.ok(p.level >= 1 && p.level <= 3);
  }
  assert.throws(() => syntheticProblems({ split: "dev" as "test" }), /unknown synthetic split/);
});

test("teacher: paper format, realistic mistakes at the configured rates, correctness flags", () => {
  const probs = syntheticProblems({ n: 1400, seed: 3 });
  const sols = teacherDataset(probs, 0);
  const kinds = new Map<TeacherKind, number>();
  sols.forEach((s, i) => {
    kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
    assert.equal(s.correct, Number(s.boxed) === Number(probs[i]!.answer));
    if (s.kind === "correct" || s.kind === "recover") assert.ok(s.correct);
    const first = s.turns[0]!.text;
    assert.match(first, /^[A-Z][^\n]*\.\n```python\n[^`]+\n```\n$/, "a sentence, then a python block");
    assert.match(s.turns.at(-1)!.text, /\\boxed\{-?\d+\}\.$/);
  });
  for (const k of ["correct", "recover", "misconception", "slip", "box-slip"] as const) assert.ok((kinds.get(k) ?? 0) > 20, `${k}: ${kinds.get(k)}`);
  const acc = sols.filter((s) => s.correct).length / sols.length;
  assert.ok(acc > 0.4 && acc < 0.65, `teacher accuracy ${acc}`);
  // Rendered with the tiny template, the model's spans end right before the interpreter's fence.
  const r = render(tinyTemplate(), { question: probs[0]!.question, turns: teacherSolutionOfKind(probs[0]!, "recover").turns });
  for (const sp of r.spans.slice(0, -1)) assert.ok(r.text.startsWith("```output\n", sp.end));
});

test("teacher observations are what the real Pyodide interpreter prints", async () => {
  const pool = new PyodidePool({ workers: 1, timeoutMs: 10000 });
  try {
    const probs = syntheticProblems({ n: SYNTHETIC_TEMPLATES.length, seed: 4 });
    for (const p of probs) {
      for (const kind of ["correct", "misconception", "recover"] as const) {
        const s = teacherSolutionOfKind(p, kind);
        const session = pool.session();
        for (let i = 0; i + 1 < s.turns.length; i += 2) {
          const code = extractCode(s.turns[i]!.text).blocks.join("\n");
          const got = observationText(await session.run(code));
          assert.equal(got, s.turns[i + 1]!.text, `${p.subject} ${kind} turn ${i}`);
        }
        session.close();
      }
    }
  } finally {
    await pool.close();
  }
});

test("validation problems are held out: test problems 1,001 and up, never beside more than 1,000 test problems", () => {
  const val = syntheticValidationProblems(50, 1000);
  assert.equal(val.length, 50);
  const test1000 = new Set(syntheticProblems({ split: "test", n: 1000 }).map((p) => p.question));
  assert.equal(val.filter((p) => test1000.has(p.question)).length, 0);
  assert.deepEqual(val.map((p) => p.id), syntheticProblems({ split: "test", n: 1050 }).slice(1000).map((p) => p.id));
  assert.throws(() => syntheticValidationProblems(50, 1001), /validation problems start at test problem 1001: use at most 1000 test problems/);
});

test("a run's training prompts: the same seed draws the same prompts whatever the number of iterations, not the SFT data's stream", () => {
  const three = syntheticRunProblems(5, 3, 2);
  assert.equal(three.length, 15);
  assert.deepEqual(syntheticRunProblems(5, 2, 2), three.slice(0, 10), "iteration k's prompts do not depend on how many iterations follow");
  assert.notDeepEqual(syntheticRunProblems(5, 3, 3).map((p) => p.question), three.map((p) => p.question));
  // Not the SFT data's stream (seed 1): only chance repeats of a question (about 2 % at 600 prompts).
  const sftData = new Set(syntheticProblems({ n: 6000, seed: 1 }).map((p) => p.question));
  for (const seed of [0, 1, 2]) {
    const repeats = syntheticRunProblems(200, 3, seed).filter((p) => sftData.has(p.question)).length;
    assert.ok(repeats < 30, `seed ${seed}: ${repeats} of 600 prompts are SFT questions`);
  }
  assert.deepEqual(syntheticTestProblems(4, 10).map((p) => p.id), syntheticProblems({ split: "test", n: 14 }).slice(10).map((p) => p.id));
});
