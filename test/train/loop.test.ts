/**
 * The loop as the paper's: mixture sampling from the current and previous model, the reference
 * updated every iteration, random pairs, M-KTO on both members of each pair, RAFT on one correct
 * trajectory per prompt; and determinism: the same seed gives the same trajectories, pairs,
 * accuracies and weights at any concurrency.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureBackend } from "../../src/losses/index.js";
import { syntheticProblems } from "../../src/data/synthetic.js";
import { TinyModel } from "../../src/tiny/model.js";
import { iterate, type IterateOptions } from "../../src/train/iterate.js";
import { ktoFromPairs, raftPicks, randomPairs, samplingMixture, type Collected } from "../../src/train/iteration-data.js";
import { ITERATE_DEFAULTS } from "../../src/train/iterate.js";
import type { Annotated } from "../../src/trajectory/index.js";
import { ArithmeticInterpreter } from "./arithmetic-interpreter.js";

const sft = TinyModel.load("data/tiny/sft");
const problems = syntheticProblems({ n: 6, seed: 7 });
const testProblems = syntheticProblems({ split: "test", n: 4 });

/** A trajectory without its timings (wall-clock fields differ between runs). */
function untimed(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(untimed);
  if (x && typeof x === "object") {
    return Object.fromEntries(Object.entries(x).filter(([k]) => !/Ms$|^seconds$|At$|^timing$/.test(k)).map(([k, v]) => [k, untimed(v)]));
  }
  return x;
}

async function run(concurrency: number) {
  const collected: Collected[] = [];
  const o: IterateOptions = {
    policy: sft, problems, testProblems, iterations: 2, promptsPerIteration: 3, samplesPerPrompt: 4, previousSamples: 1,
    temperature: 1, interpreter: new ArithmeticInterpreter(), progress: false, seed: 3, concurrency, lr: 5e-4, epochs: 1,
    onCollected: (_it, c) => collected.push(c),
  };
  const res = await iterate(o);
  return { res, collected };
}

test("the same seed gives the same trajectories, pairs, accuracies and weights at concurrency 1 and 8", async () => {
  await ensureBackend();
  const a = await run(1);
  const b = await run(8);
  assert.equal(a.collected.length, 2);
  const key = (t: Annotated) => `${t.problemId}#${t.sample}`;
  for (let i = 0; i < 2; i++) {
    const [ca, cb] = [a.collected[i]!, b.collected[i]!];
    assert.equal(ca.rows.length, 12);
    const byKey = new Map(cb.rows.map((t) => [key(t), t]));
    for (const t of ca.rows) assert.deepEqual(untimed(t), untimed(byKey.get(key(t))), `iteration ${i + 1}, trajectory ${key(t)}`);
    const pa = randomPairs(ca.kept, 3000 + i + 1).map((p) => [key(p.chosen), key(p.rejected)]);
    const pb = randomPairs(cb.kept, 3000 + i + 1).map((p) => [key(p.chosen), key(p.rejected)]);
    assert.deepEqual(pa, pb);
  }
  assert.deepEqual(a.res.rows.map((r) => [r.greedyAccuracy, r.sampleAccuracy, r.pairsUsed, r.loss]), b.res.rows.map((r) => [r.greedyAccuracy, r.sampleAccuracy, r.pairsUsed, r.loss]));
  assert.ok(a.res.rows.some((r) => (r.pairsUsed ?? 0) > 0), "the loop trained on some pairs");
  const [wa, wb] = [a.res.models[2]!.weights, b.res.models[2]!.weights];
  for (const [name, v] of wa) assert.deepEqual(Buffer.from(v.buffer), Buffer.from(wb.get(name)!.buffer), `weights ${name}`);
});

test("mixture sampling: each prompt's samples come from the current and the previous model in the paper's proportion", () => {
  const cur = sft.clone();
  const mix = samplingMixture({ ...ITERATE_DEFAULTS, samplesPerPrompt: 30, previousSamples: 10 }, cur, sft);
  assert.deepEqual(mix.map((m) => [m.name, m.share]), [["current", 20], ["previous", 10]]);
  assert.deepEqual(samplingMixture({ ...ITERATE_DEFAULTS, samplesPerPrompt: 6, previousSamples: 0 }, cur, sft).map((m) => m.name), ["current"]);
  assert.throws(() => samplingMixture({ ...ITERATE_DEFAULTS, samplesPerPrompt: 4, previousSamples: 4 }, cur, sft), /previousSamples/);
});

function row(problemId: string, sample: number, correct: boolean): Annotated {
  return { problemId, sample, correct } as unknown as Annotated;
}

test("random pairs, M-KTO's examples and RAFT's picks follow the paper", () => {
  const rows = [row("a", 0, true), row("a", 1, false), row("a", 2, true), row("b", 0, true), row("b", 1, true), row("c", 0, false)];
  const pairs = randomPairs(rows, 1);
  // One pair per prompt with both a correct and a wrong trajectory.
  assert.deepEqual(pairs.map((p) => [p.problemId, p.chosen.correct, p.rejected.correct]), [["a", true, false]]);
  assert.deepEqual(ktoFromPairs(pairs).map((e) => e.desirable), [true, false]);
  // RAFT (k = 1): one correct trajectory per prompt that has one, prompts with only correct ones too.
  const picks = raftPicks(rows, 1);
  assert.deepEqual(picks.map((t) => [t.problemId, t.correct]), [["a", true], ["b", true]]);
  // Seeded: another seed can pick another correct trajectory, the same seed the same one.
  assert.deepEqual(raftPicks(rows, 1), picks);
});

test("the reference is the previous iteration's model by default and the SFT model with reference: sft", async () => {
  await ensureBackend();
  const base = { policy: sft, problems: syntheticProblems({ n: 8, seed: 7 }), testProblems: testProblems.slice(0, 2), iterations: 2, promptsPerIteration: 4, samplesPerPrompt: 4, previousSamples: 1, temperature: 1, interpreter: new ArithmeticInterpreter(), progress: false, seed: 3, epochs: 1, evaluate: "last" as const };
  const prev = await iterate(base);
  assert.equal(prev.models[2]!.meta["reference"], "previous");
  assert.equal(prev.rows[1]!.greedyAccuracy, null, "evaluate: last skips iteration 1's evaluation");
  const fixed = await iterate({ ...base, reference: "sft" });
  assert.equal(fixed.models[2]!.meta["reference"], "sft");
  // Iteration 1 is the same (its reference is the SFT model either way); iteration 2 differs by its reference.
  for (const [name, v] of prev.models[1]!.weights) assert.deepEqual(v, fixed.models[1]!.weights.get(name));
  assert.ok(prev.rows[1]!.pairsUsed! > 0 && prev.rows[2]!.pairsUsed! > 0, "both iterations train on pairs");
  const differs = [...prev.models[2]!.weights].some(([name, v]) => !Buffer.from(v.buffer).equals(Buffer.from(fixed.models[2]!.weights.get(name)!.buffer)));
  assert.ok(differs, "iteration 2 trains against another reference");
});

test('select: "best" keeps the checkpoint with the best validation accuracy; "last" keeps the last model', async () => {
  await ensureBackend();
  const validationProblems = syntheticProblems({ split: "test", n: 1030 }).slice(1000);
  // A learning rate this high ruins the model within a few single-pair steps: an early checkpoint is the best.
  const base = { policy: sft, problems: syntheticProblems({ n: 8, seed: 7 }), testProblems: testProblems.slice(0, 2), validationProblems, iterations: 1, promptsPerIteration: 8, samplesPerPrompt: 4, previousSamples: 1, temperature: 1, interpreter: new ArithmeticInterpreter(), progress: false, seed: 3, epochs: 3, batchSize: 1, lr: 1e-3, evaluate: "last" as const };
  const last = await iterate(base);
  assert.equal(last.rows[1]!.selectedStep, null);
  const best = await iterate({ ...base, select: "best", checkpointEvery: 1 });
  const steps = best.training[0]!.steps;
  assert.ok(steps >= 2, `the update has several steps (${steps})`);
  const row = best.rows[1]!;
  assert.ok(Number.isInteger(row.selectedStep) && row.selectedStep! >= 1 && row.selectedStep! <= steps);
  // The kept model is the checkpoint that scored `validationAccuracy`, and no worse than the last model there.
  const { evaluateGreedy } = await import("../../src/train/iterate.js");
  const score = async (m: TinyModel) => (await evaluateGreedy(m, validationProblems, { interpreter: new ArithmeticInterpreter() })).accuracy;
  assert.ok(row.selectedStep! < steps, `an earlier checkpoint is kept (step ${row.selectedStep} of ${steps})`);
  assert.equal(await score(best.models[1]!), row.validationAccuracy);
  assert.ok(row.validationAccuracy! > (await score(last.models[1]!)), "the kept checkpoint beats the last model on the validation problems");
  await assert.rejects(iterate({ ...base, validationProblems: undefined, select: "best" }), /select "best" needs validationProblems/);
});
