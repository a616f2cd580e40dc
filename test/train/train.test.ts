/**
 * The `--quick` size of the training checks: SFT lowers the loss, masked tokens get no gradient,
 * M-DPO / M-KTO steps lower their losses, and one iteration of the loop runs end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ensureBackend, mdpoLoss, ReferenceLogProbCache, tokenLogProbs } from "../../src/losses/index.js";
import { syntheticProblems } from "../../src/data/synthetic.js";
import { teacherSolutionOfKind } from "../../src/data/synthetic-teacher.js";
import { batchOf, encodeConversation, tinyTemplate } from "../../src/train/encode.js";
import { forwardLogits, toVariables } from "../../src/tiny/model.js";
import { TINY_SIZES, teacherSequences, trainTeacherSft } from "../../src/train/sft-teacher.js";
import { ktoReference, mdpoTrain, mktoTrain, pairReference, sequenceLogProbs, type PreferencePair } from "../../src/train/trainer.js";
import { iterate } from "../../src/train/iterate.js";
import { ArithmeticInterpreter } from "./arithmetic-interpreter.js";

const problems = syntheticProblems({ n: 48, seed: 5 });

function maskedNll(lps: Float32Array[], rows: { mask: number[] }[]): number {
  let s = 0;
  let n = 0;
  lps.forEach((lp, i) => rows[i]!.mask.forEach((m, t) => ((s -= m * lp[t]!), (n += m))));
  return s / n;
}

test("SFT (quick size) lowers the masked NLL of the teacher data", async () => {
  await ensureBackend();
  const { model, result } = await trainTeacherSft({ size: TINY_SIZES.quick, problems, epochs: 1, batchSize: 8, lr: 1e-2, seed: 1 });
  assert.equal(result.steps, 6);
  const data = teacherSequences(model, problems, 1);
  const fresh = (await trainTeacherSft({ size: TINY_SIZES.quick, problems: problems.slice(0, 8), epochs: 1, batchSize: 8, lr: 0 })).model;
  const before = maskedNll(await sequenceLogProbs(fresh, data), data);
  const after = maskedNll(await sequenceLogProbs(model, data), data);
  assert.ok(after < before - 0.5, `NLL ${before} → ${after}`);
  assert.ok(result.losses.at(-1)! < result.losses[0]!, `loss ${result.losses[0]} → ${result.losses.at(-1)}`);
});

test("masked tokens (prompt, observations) get exactly zero gradient; mask off gives them some", async () => {
  await ensureBackend();
  const { model } = await trainTeacherSft({ size: TINY_SIZES.quick, problems: problems.slice(0, 8), epochs: 1, batchSize: 8, lr: 0 });
  const tpl = tinyTemplate();
  const p = problems[1]!;
  const chosen = encodeConversation(model.tokenizer, tpl, { question: p.question, turns: teacherSolutionOfKind(p, "recover").turns }, 256);
  const rejected = encodeConversation(model.tokenizer, tpl, { question: p.question, turns: teacherSolutionOfKind(p, "misconception").turns }, 256);
  for (const mode of ["model", "all"] as const) {
    const b = batchOf([chosen, rejected], mode, model.tokenizer.padId!);
    const vars = toVariables(model.config, model.weights, false);
    const ids = tf.tensor2d(b.inputIds, [2, b.T], "int32");
    const labels = tf.tensor2d(b.labels, [2, b.T], "int32");
    const mask = tf.tensor2d(b.mask, [2, b.T]);
    const logits = forwardLogits(model.config, vars, ids);
    const ref = tf.sub(tokenLogProbs(logits, labels), 0.3); // any constant reference
    const g = tf.grad((x: tf.Tensor) => {
      const lp = tokenLogProbs(x, labels);
      return mdpoLoss({
        policyChosen: tf.slice(lp, [0, 0], [1, b.T]), policyRejected: tf.slice(lp, [1, 0], [1, b.T]),
        refChosen: tf.slice(ref, [0, 0], [1, b.T]), refRejected: tf.slice(ref, [1, 0], [1, b.T]),
        maskChosen: tf.slice(mask, [0, 0], [1, b.T]), maskRejected: tf.slice(mask, [1, 0], [1, b.T]),
      }).loss;
    })(logits);
    const grad = g.arraySync() as number[][][];
    const written = batchOf([chosen, rejected], "model").mask;
    let zeroRows = 0;
    let obsWithGrad = 0;
    for (let r = 0; r < 2; r++)
      for (let t = 0; t < b.T; t++) {
        const norm = grad[r]![t]!.reduce((a, v) => a + Math.abs(v), 0);
        if (b.mask[r * b.T + t] === 0) {
          assert.equal(norm, 0, `row ${r} position ${t} is masked but has gradient ${norm}`);
          zeroRows++;
        } else {
          assert.ok(norm > 0, `row ${r} position ${t} counts but has no gradient`);
          if (written[r * b.T + t] === 0) obsWithGrad++;
        }
      }
    assert.ok(zeroRows > 0);
    // The recover trajectory has a NameError observation: with the mask off its tokens count.
    if (mode === "all") assert.ok(obsWithGrad > 10, `${obsWithGrad} observation tokens have gradient with mask off`);
    else assert.equal(obsWithGrad, 0);
    tf.dispose([ids, labels, mask, logits, ref, g]);
    for (const v of vars.values()) v.dispose();
  }
});

test("M-DPO and M-KTO steps (quick size) lower their losses from the reference", async () => {
  await ensureBackend();
  const { model: sft } = await trainTeacherSft({ size: TINY_SIZES.quick, problems, epochs: 1, batchSize: 8, lr: 1e-2, seed: 2 });
  const tpl = tinyTemplate();
  const enc = (p: (typeof problems)[number], k: "correct" | "misconception") => encodeConversation(sft.tokenizer, tpl, { question: p.question, turns: teacherSolutionOfKind(p, k).turns }, 256);
  const pairs: PreferencePair[] = problems.slice(0, 16).map((p, i) => ({ key: String(i), chosen: enc(p, "correct"), rejected: enc(p, "misconception") }));
  const ref = await pairReference(sft, pairs, new ReferenceLogProbCache());
  assert.equal(ref.size, 32);
  const pol = sft.clone();
  const r = await mdpoTrain(pol, pairs, ref, { lr: 5e-3, epochs: 3, batchSize: 8, beta: 0.5, warmupRatio: 0 });
  assert.ok(Math.abs(r.losses[0]! - Math.log(2)) < 1e-3, `first M-DPO loss is log 2 when policy = reference, got ${r.losses[0]}`);
  assert.ok(r.losses.at(-1)! < r.losses[0]! - 0.02, `M-DPO loss ${r.losses[0]} → ${r.losses.at(-1)}`);
  assert.ok(r.logs.at(-1)!.extra!["rewardAccuracy"]! >= 0.5);
  const items = pairs.flatMap((p) => [{ key: p.key + "c", seq: p.chosen, desirable: true }, { key: p.key + "r", seq: p.rejected, desirable: false }]);
  const kref = await ktoReference(sft, items);
  const pk = sft.clone();
  const k = await mktoTrain(pk, items, kref, { lr: 5e-3, epochs: 3, batchSize: 16, beta: 0.5, warmupRatio: 0, kl: 0 });
  // Per-batch losses mix desirable and undesirable rows; judge by the implicit rewards on all items.
  const lps = await sequenceLogProbs(pk, items.map((x) => x.seq));
  const reward = (i: number) => items[i]!.seq.mask.reduce((a, m, t) => a + m * (lps[i]![t]! - kref.get(items[i]!.key)![t]!), 0);
  const meanR = (d: boolean) => { const xs = items.map((x, i) => [x, i] as const).filter(([x]) => x.desirable === d).map(([, i]) => reward(i)); return xs.reduce((a, b) => a + b, 0) / xs.length; };
  assert.ok(meanR(true) > meanR(false) + 0.1, `M-KTO rewards: desirable ${meanR(true)}, undesirable ${meanR(false)} (losses ${k.losses.map((x) => x.toFixed(3)).join(" ")})`);
});

test("iterate: one M-DPO iteration of the loop runs and reports its metrics", async () => {
  await ensureBackend();
  const { model: sft } = await trainTeacherSft({ size: TINY_SIZES.quick, problems, epochs: 1, batchSize: 8, lr: 1e-2, seed: 3 });
  const res = await iterate({
    policy: sft, problems, testProblems: syntheticProblems({ split: "test", n: 6 }), iterations: 1, promptsPerIteration: 6, samplesPerPrompt: 2, previousSamples: 1,
    interpreter: new ArithmeticInterpreter(), maxTokens: 48, horizon: 2, progress: false, seed: 1,
  });
  assert.equal(res.rows.length, 2);
  assert.equal(res.models.length, 2);
  assert.deepEqual(res.table.columnNames().slice(0, 2), ["iteration", "greedyAccuracy"]);
  for (const c of ["selectedStep", "validationAccuracy", "passAtK", "pairsUsed"]) assert.ok(res.table.columnNames().includes(c), c);
  assert.ok(!res.table.columnNames().includes("greedyBySubject"), "the table keeps flat columns");
  assert.deepEqual(Object.keys(res.rows[1]!.greedyBySubject ?? {}).length > 0, true, "the rows keep the per-subject accuracy");
  assert.equal(res.rows[1]!.iteration, 1);
  assert.ok(res.rows[1]!.pairsUsed! >= 0);
  assert.notEqual(res.models[1], sft);
  // The paper's default reference (the previous iteration's model) is used and recorded.
  assert.equal(res.settings.reference, "previous");
  assert.equal(res.models[1]!.meta["reference"], "previous");
  assert.ok(res.rows[1]!.kept! <= 12 && res.rows[1]!.coverage! >= 0 && res.rows[1]!.coverage! <= 1);
});
