import { test } from "node:test";
import assert from "node:assert/strict";
import {
  promptCoverage,
  accuracyBy,
  accuracyByFigure,
  accuracyByLevelFigure,
  accuracyByToolCalls,
  answerClasses,
  bootstrapMean,
  computeMetrics,
  defaultKs,
  lengthByCorrectnessFigure,
  majAtK,
  type MetricRow,
  passAtK,
  passAtKFigure,
  problemRecords,
  quantile,
  toolCallsFigure,
} from "../../src/metrics/index.js";
import { annotateFile, loadAnnotated } from "../../src/pairing/index.js";
import { fixture } from "../pairing/fixture.js";

/** Exact binomial coefficient. */
function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** 1 − C(n−c, k)/C(n, k) with exact integers, then one float64 division. */
function passAtKExact(n: number, c: number, k: number): number {
  const num = choose(n - c, k);
  const den = choose(n, k);
  return Number(den - num) / Number(den);
}

/** The fraction of all k-subsets of n samples (c correct) holding at least one correct one. */
function passAtKBrute(n: number, c: number, k: number): number {
  let hit = 0;
  let all = 0;
  const rec = (start: number, left: number, any: boolean) => {
    if (left === 0) {
      all++;
      if (any) hit++;
      return;
    }
    for (let i = start; i <= n - left; i++) rec(i + 1, left - 1, any || i < c);
  };
  rec(0, k, false);
  return hit / all;
}

test("pass@k equals the exact combinatorial formula (n ≤ 40) and brute-force enumeration (n ≤ 10)", () => {
  let worst = 0;
  for (let n = 1; n <= 40; n++) {
    for (let c = 0; c <= n; c++) {
      for (let k = 1; k <= n; k++) {
        const got = passAtK(n, c, k);
        worst = Math.max(worst, Math.abs(got - passAtKExact(n, c, k)));
        if (n <= 10) assert.ok(Math.abs(got - passAtKBrute(n, c, k)) < 1e-12, `n=${n} c=${c} k=${k}`);
      }
    }
  }
  assert.ok(worst < 1e-12, `largest deviation ${worst}`);
  assert.equal(passAtK(10, 3, 1), 0.3);
  assert.equal(passAtK(5, 0, 5), 0);
  assert.equal(passAtK(5, 1, 5), 1);
  assert.equal(passAtK(200, 150, 100), 1);
  assert.throws(() => passAtK(4, 2, 5), /1 ≤ k ≤ n/);
  assert.throws(() => passAtK(4, 5, 1), RangeError);
});

test("answer classes use the grader's equivalence: 1/2, 0.5, \\frac{1}{2} together; 50 apart; no answer is −1", async () => {
  assert.deepEqual(await answerClasses(["1/2", "0.5", "\\frac{1}{2}", "50", null, "0.50", "", "\\dfrac12"]), [0, 0, 0, 1, -1, 0, -1, 0]);
  assert.deepEqual(await answerClasses(["18", "18.00", "$18", "19"], { dataset: "gsm8k" }), [0, 0, 0, 1]);
});

test("maj@k: majority over the first k, ties to the first seen class, no answer does not vote", () => {
  // classes: a=0 (wrong), b=1 (right)
  const right = [false, true];
  assert.equal(majAtK([0, 1, 1], right, 3), 1);
  assert.equal(majAtK([0, 1, 1], right, 1), 0);
  assert.equal(majAtK([0, 1, 1, 0], right, 2), 0, "1–1 tie: the class seen first (wrong) wins");
  assert.equal(majAtK([1, 0, 0, 1], right, 4), 1, "2–2 tie: the class seen first (right) wins");
  assert.equal(majAtK([-1, -1, 1], right, 3), 1);
  assert.equal(majAtK([-1, -1, 1], right, 2), 0, "nobody voted");
  assert.equal(majAtK([0, -1, -1, 1, 1], right, 5), 1);
  assert.throws(() => majAtK([0], right, 2), /1 ≤ k ≤ n=1/);
});

test("maj@k on equivalent-but-different answer strings, through problem records", async () => {
  const rows: MetricRow[] = [
    // p1: right answer 1/2 written three ways; two wrong "0.25": majority right.
    { problemId: "p1", sample: 0, correct: false, pred: "0.25" },
    { problemId: "p1", sample: 1, correct: true, pred: "1/2" },
    { problemId: "p1", sample: 2, correct: false, pred: "\\frac{1}{4}" },
    { problemId: "p1", sample: 3, correct: true, pred: "0.5" },
    { problemId: "p1", sample: 4, correct: true, pred: "\\frac12" },
    // p2: 2–2 tie between wrong "3" (seen first) and right "4", samples out of order in the input.
    { problemId: "p2", sample: 3, correct: true, pred: "4.0" },
    { problemId: "p2", sample: 0, correct: false, pred: "3" },
    { problemId: "p2", sample: 1, correct: true, pred: "4" },
    { problemId: "p2", sample: 2, correct: false, pred: "3.00" },
    { problemId: "p2", sample: 4, correct: true, pred: null },
  ];
  const [p1, p2] = await problemRecords(rows);
  assert.deepEqual(p1!.classes, [0, 1, 0, 1, 1]);
  assert.equal(majAtK(p1!.classes, p1!.classCorrect, 5), 1);
  assert.equal(majAtK(p1!.classes, p1!.classCorrect, 3), 0, "0.25 and 1/4 outvote 1/2");
  assert.deepEqual(p2!.classes, [0, 1, 0, 1, -1]);
  assert.equal(majAtK(p2!.classes, p2!.classCorrect, 4), 0);
  assert.equal(majAtK(p2!.classes, p2!.classCorrect, 5), 0, "a correct sample without an answer has no vote");
  assert.equal(p2!.c, 3);
});

test("bootstrap intervals: seeded, around the estimate, match the normal approximation on a large sample", () => {
  const vals = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  const a = bootstrapMean(vals, { seed: 1, resamples: 2000 });
  assert.deepEqual(a, bootstrapMean(vals, { seed: 1, resamples: 2000 }));
  assert.notDeepEqual(a, bootstrapMean(vals, { seed: 2, resamples: 2000 }));
  assert.equal(a.estimate, 0.5);
  const half = 1.96 * Math.sqrt(0.25 / 400);
  assert.ok(Math.abs(a.lo - (0.5 - half)) < 0.01 && Math.abs(a.hi - (0.5 + half)) < 0.01, `${a.lo} ${a.hi}`);
  const constant = bootstrapMean([0.7, 0.7, 0.7], { seed: 3 });
  assert.ok(Math.abs(constant.lo - 0.7) < 1e-12 && Math.abs(constant.hi - 0.7) < 1e-12);
  assert.ok(Number.isNaN(bootstrapMean([]).lo));
  // numpy.quantile([1, 2, 3, 4], [0.25, 0.9]) = [1.75, 3.7]
  assert.ok(Math.abs(quantile([1, 2, 3, 4], 0.25) - 1.75) < 1e-12);
  assert.ok(Math.abs(quantile([1, 2, 3, 4], 0.9) - 3.7) < 1e-12);
});

test("metric tables on a graded rollout of real GSM8K / MATH problems", async () => {
  const f = await fixture();
  const s = await annotateFile(f.file, { progress: false });
  const rows = (await loadAnnotated(s.out, { progress: false })).rows;
  const m = await computeMetrics(rows, { bootstrap: { seed: 0, resamples: 500 } });
  assert.equal(m.problems.length, 80);
  assert.deepEqual(defaultKs(m.problems), [1, 2, 4, 6]);
  // accuracy = mean over problems of c/n, computed independently here.
  const perProblem = new Map<string, number[]>();
  for (const r of rows) perProblem.set(r.problemId, [...(perProblem.get(r.problemId) ?? []), r.correct ? 1 : 0]);
  const acc = [...perProblem.values()].reduce((a, xs) => a + xs.reduce((x, y) => x + y, 0) / xs.length, 0) / perProblem.size;
  const summary = m.summary.objects() as Record<string, number | string>[];
  assert.equal(summary[0]!.metric, "accuracy");
  assert.ok(Math.abs((summary[0]!.value as number) - acc) < 1e-12);
  assert.ok((summary[0]!.lo as number) < acc && acc < (summary[0]!.hi as number));
  assert.deepEqual(
    summary.map((r) => r.metric),
    ["accuracy", "pass@6", "maj@6", "prompt coverage", "environment errors"],
  );
  // Prompt coverage: the share of problems with at least one correct and one wrong sample.
  const mixed = [...perProblem.values()].filter((xs) => xs.includes(1) && xs.includes(0)).length / perProblem.size;
  assert.ok(mixed > 0 && mixed < 1);
  assert.equal(summary[3]!.value, mixed);
  assert.equal(promptCoverage(m.problems), mixed);
  const pass = m.passAtK.objects() as Record<string, number>[];
  assert.deepEqual(
    pass.map((r) => r.k),
    [1, 2, 4, 6],
  );
  assert.ok(Math.abs(pass[0]!.pass_at_k! - acc) < 1e-12, "pass@1 is the accuracy");
  for (let i = 1; i < pass.length; i++) assert.ok(pass[i]!.pass_at_k! >= pass[i - 1]!.pass_at_k!);
  const maj = m.majAtK.objects() as Record<string, number>[];
  assert.ok(maj.every((r) => r.maj_at_k! <= pass.find((p) => p.k === r.k)!.pass_at_k! + 1e-12), "maj@k ≤ pass@k");
  // Per level and subject: the MATH rows carry them, GSM8K rows go to "—".
  const byLevel = m.byLevel.objects() as Record<string, number | string>[];
  assert.equal(byLevel[byLevel.length - 1]!.level, "—");
  assert.equal(byLevel[byLevel.length - 1]!.problems, 40);
  assert.equal(
    byLevel.reduce((a, r) => a + (r.problems as number), 0),
    80,
  );
  assert.deepEqual(
    byLevel.slice(0, -1).map((r) => r.level),
    [...new Set(f.problems.filter((p) => p.level !== undefined).map((p) => String(p.level)))].sort(),
  );
  assert.equal(
    (accuracyBy(m.problems, "dataset").objects() as Record<string, string>[]).map((r) => r.dataset).join(","),
    "gsm8k,math",
  );
  const tools = m.byToolCalls.objects() as Record<string, number>[];
  assert.equal(
    tools.reduce((a, r) => a + r.trajectories!, 0),
    rows.length,
  );
  for (const r of tools) {
    const g = rows.filter((x) => x.toolCalls === r.tool_calls);
    assert.equal(r.accuracy, g.filter((x) => x.correct).length / g.length);
  }
  assert.deepEqual(accuracyByToolCalls(rows).objects().length, tools.length);

  // Figures carry the tables' numbers.
  const fl = accuracyByLevelFigure(m.byLevel);
  assert.deepEqual((fl.data[0] as { y: number[] }).y, byLevel.map((r) => r.accuracy));
  assert.equal((accuracyByFigure(m.bySubject, "subject").data[0] as { x: string[] }).x.length, m.bySubject.numRows());
  const fp = passAtKFigure(m.passAtK, m.majAtK);
  assert.equal(fp.data.length, 2);
  assert.deepEqual((fp.data[0] as { x: number[] }).x, [1, 2, 4, 6]);
  const th = toolCallsFigure(rows);
  const sum = (th.data as { y: number[] }[]).flatMap((d) => d.y).reduce((a, b) => a + b, 0);
  assert.equal(sum, rows.length);
  const lb = lengthByCorrectnessFigure(rows);
  assert.equal((lb.data as { y: number[] }[]).reduce((a, d) => a + d.y.length, 0), rows.length);
  // Tables render for notebooks and terminals.
  assert.match(m.passAtK.toMarkdown(), /\|k\|problems\|pass_at_k\|lo\|hi\|/);
});
