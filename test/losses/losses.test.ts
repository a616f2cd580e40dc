import { describe, it, before, test } from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, useBackend, tf } from "../../src/losses/backend.js";
import { DPO_LOSS_NAMES, DPO_LOSS_TYPES, dpoLossTypeOf } from "../../src/losses/loss-types.js";
import { tokenLogProbs } from "../../src/losses/logprobs.js";
import { mdpoLoss, mktoLoss, readMdpoMetrics, readMktoMetrics, stopGradient } from "../../src/losses/losses.js";
import { mdpoFromLogProbs, mktoFromLogProbs } from "../../src/losses/precomputed.js";
import { randomBatch, randomMask, tokenLogp64, tokenLogpGrad64, dpo64, kto64, relErr, relL2, SEED, normal, type Dpo64Options } from "./ref64.js";
import { TEST_BACKENDS } from "./helpers.js";
import { seededRandom } from "../../src/random.js";

const seedMsg = `(LOSSES_TEST_SEED=${SEED})`;
const P = 3, Tc = 10, Tr = 8, V = 47;

/** A random preference batch: chosen and rejected logits, labels, masks, reference per-token log-probs. */
function makeBatch(seed: number) {
  const r = seededRandom(seed);
  const c = randomBatch(r, P, Tc, V);
  const j = randomBatch(r, P, Tr, V);
  const mc = randomMask(r, P, Tc);
  const mr = randomMask(r, P, Tr);
  // reference log-probs: the policy's own, perturbed (small log-ratios, like a real reference)
  const lpc = tokenLogp64(c.logits, c.labels, V);
  const lpr = tokenLogp64(j.logits, j.labels, V);
  const refc = Float32Array.from(lpc, (x) => Math.min(-1e-3, x + 0.8 * normal(r)));
  const refr = Float32Array.from(lpr, (x) => Math.min(-1e-3, x + 0.8 * normal(r)));
  return { c, j, mc, mr, lpc, lpr, refc, refr };
}

const DPO_CASES: Dpo64Options[] = [
  { beta: 0.1, lossType: "sigmoid", labelSmoothing: 0, nllCoef: 0 },
  { beta: 0.5, lossType: "sigmoid", labelSmoothing: 0.1, nllCoef: 0 },
  { beta: 0.1, lossType: "sigmoid", labelSmoothing: 0, nllCoef: 0.2 },
  { beta: 0.3, lossType: "ipo", labelSmoothing: 0, nllCoef: 0 },
  { beta: 0.1, lossType: "hinge", labelSmoothing: 0, nllCoef: 0 },
  { beta: 2.0, lossType: "hinge", labelSmoothing: 0, nllCoef: 1 },
];

for (const backend of TEST_BACKENDS) {
  describe(`M-DPO and M-KTO on ${backend} against float64`, () => {
    before(async () => {
      await useBackend(backend, { allowSoftwareGpu: true });
    });

    for (const o of DPO_CASES) {
      it(`M-DPO ${o.lossType} β=${o.beta} ε=${o.labelSmoothing} nll=${o.nllCoef}: loss, metrics, gradient w.r.t. logits`, async () => {
        const b = makeBatch(SEED + Math.round(o.beta * 100) + o.nllCoef * 7);
        const want = dpo64(b.lpc, b.lpr, b.refc, b.refr, b.mc, b.mr, P, o);
        const xc = tf.tensor3d(b.c.logits, [P, Tc, V]);
        const xr = tf.tensor3d(b.j.logits, [P, Tr, V]);
        const yc = tf.tensor2d(b.c.labels, [P, Tc], "int32");
        const yr = tf.tensor2d(b.j.labels, [P, Tr], "int32");
        const run = (a: tf.Tensor, bb: tf.Tensor) =>
          mdpoLoss(
            {
              policyChosen: tokenLogProbs(a, yc, { chunkBytes: 4 * V * 4 }),
              policyRejected: tokenLogProbs(bb, yr, { chunkBytes: 4 * V * 4 }),
              refChosen: tf.tensor2d(b.refc, [P, Tc]),
              refRejected: tf.tensor2d(b.refr, [P, Tr]),
              maskChosen: tf.tensor2d(b.mc, [P, Tc]),
              maskRejected: b.mr, // precomputed arrays are accepted too
            },
            o,
          );
        const out = run(xc, xr);
        const m = await readMdpoMetrics(out);
        assert.ok(relErr(m.loss, want.loss) <= 1e-4, `loss ${m.loss} vs ${want.loss} ${seedMsg}`);
        const losses = (await out.losses.data());
        want.losses.forEach((l, i) => assert.ok(relErr(losses[i]!, l) <= 1e-4, `pair ${i} loss ${losses[i]} vs ${l} ${seedMsg}`));
        // a margin is a difference of rewards: its float32 error scales with the rewards, not with itself
        const rewardScale = Math.max(1e-3, Math.abs(want.metrics["rewards/chosen"] ?? 0), Math.abs(want.metrics["rewards/rejected"] ?? 0));
        for (const [k, v] of Object.entries(want.metrics)) {
          const got = (m as unknown as Record<string, number>)[k]!;
          assert.ok(relErr(got, v, k === "rewards/margins" ? rewardScale : 1e-3) <= 1e-4, `${k}: ${got} vs ${v} ${seedMsg}`);
        }
        if (o.nllCoef > 0) assert.ok(relErr(m.nll_loss!, want.nll!) <= 1e-4, `nll ${m.nll_loss} vs ${want.nll}`);
        else assert.equal(m.nll_loss, undefined);

        const [gc, gr] = tf.grads((a: tf.Tensor, bb: tf.Tensor) => run(a, bb).loss)([xc, xr]);
        const gcw = tokenLogpGrad64(b.c.logits, b.c.labels, V, want.dc);
        const grw = tokenLogpGrad64(b.j.logits, b.j.labels, V, want.dr);
        const gcv = (await gc!.data());
        const grv = (await gr!.data());
        assert.ok(relL2(gcv, gcw) <= 1e-3, `chosen grad rel-L2 ${relL2(gcv, gcw)} ${seedMsg}`);
        // hinge beyond the margin has an all-zero gradient: compare absolutely then
        if (grw.some((x) => x !== 0)) assert.ok(relL2(grv, grw) <= 1e-3, `rejected grad rel-L2 ${relL2(grv, grw)} ${seedMsg}`);
        else assert.ok(grv.every((x) => x === 0));
        for (const [g, mask, T] of [[gcv, b.mc, Tc], [grv, b.mr, Tr]] as const) {
          for (let i = 0; i < P * T; i++) {
            if (mask[i] !== 0) continue;
            for (let v = 0; v < V; v++) assert.ok(g[i * V + v] === 0, `masked token ${i} has gradient ${g[i * V + v]} ${seedMsg}`);
          }
        }
        // the float64 host path agrees as well
        const host = mdpoFromLogProbs(
          Array.from({ length: P }, (_, p) => ({
            policyChosen: b.lpc.subarray(p * Tc, (p + 1) * Tc),
            policyRejected: b.lpr.subarray(p * Tr, (p + 1) * Tr),
            refChosen: b.refc.subarray(p * Tc, (p + 1) * Tc),
            refRejected: b.refr.subarray(p * Tr, (p + 1) * Tr),
            maskChosen: b.mc.subarray(p * Tc, (p + 1) * Tc),
            maskRejected: b.mr.subarray(p * Tr, (p + 1) * Tr),
          })),
          o,
        );
        assert.ok(relErr(host.metrics.loss, want.loss, 1e-9) <= 1e-9, `host loss ${host.metrics.loss} vs ${want.loss}`);
        for (const [k, v] of Object.entries(want.metrics)) assert.ok(relErr((host.metrics as unknown as Record<string, number>)[k]!, v, 1e-9) <= 1e-9, `host ${k}`);
        tf.dispose([xc, xr, yc, yr, gc!, gr!]);
      });
    }

    it("M-KTO: loss, KL estimate, metrics and gradient w.r.t. logits", async () => {
      const r = seededRandom(SEED + 99);
      const B = 6, T = 9;
      const { logits, labels } = randomBatch(r, B, T, V);
      const mask = randomMask(r, B, T);
      const lp = tokenLogp64(logits, labels, V);
      // a reference below the policy on average, so that z0 > 0 and the clamp is not hit
      const ref = Float32Array.from(lp, (x) => Math.min(-1e-3, x - 0.3 + 0.5 * normal(r)));
      const desirable = [true, false, true, true, false, false];
      const o = { beta: 0.2, lD: 1.0, lU: 1.5 };
      const want = kto64(lp, ref, mask, desirable, o);
      assert.ok(want.z0 > 0, "test setup: z0 should be positive");
      const x = tf.tensor3d(logits, [B, T, V]);
      const y = tf.tensor2d(labels, [B, T], "int32");
      const run = (a: tf.Tensor) =>
        mktoLoss({ policy: tokenLogProbs(a, y, { chunkBytes: 4 * V * 5 }), ref, mask: tf.tensor2d(mask, [B, T]), desirable }, { beta: o.beta, desirableWeight: o.lD, undesirableWeight: o.lU });
      const out = run(x);
      const m = await readMktoMetrics(out);
      assert.ok(relErr(m.loss, want.loss) <= 1e-4, `kto loss ${m.loss} vs ${want.loss} ${seedMsg}`);
      assert.ok(relErr(m.kl, want.z0) <= 1e-4, `kl ${m.kl} vs ${want.z0} ${seedMsg}`);
      const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.ok(relErr(m["rewards/chosen"], meanOf(want.rewards.filter((_, i) => desirable[i]))) <= 1e-4);
      assert.ok(relErr(m["rewards/rejected"], meanOf(want.rewards.filter((_, i) => !desirable[i]))) <= 1e-4);
      assert.equal(m.desirable, 3);
      const g = tf.grad((a: tf.Tensor) => run(a).loss)(x);
      const gw = tokenLogpGrad64(logits, labels, V, want.d);
      const gv = (await g.data());
      assert.ok(relL2(gv, gw) <= 1e-3, `kto grad rel-L2 ${relL2(gv, gw)} ${seedMsg}`);
      for (let i = 0; i < B * T; i++) if (mask[i] === 0) for (let v = 0; v < V; v++) assert.ok(gv[i * V + v] === 0, `masked token ${i} has gradient`);
      // host path
      const host = mktoFromLogProbs(
        desirable.map((d, i) => ({ policy: lp.subarray(i * T, (i + 1) * T), ref: ref.subarray(i * T, (i + 1) * T), mask: mask.subarray(i * T, (i + 1) * T), desirable: d })),
        { beta: o.beta, desirableWeight: o.lD, undesirableWeight: o.lU },
      );
      assert.ok(relErr(host.metrics.loss, want.loss, 1e-9) <= 1e-9);
      assert.ok(relErr(host.metrics.kl, want.z0, 1e-9) <= 1e-9);
      tf.dispose([x, y, g]);
    });

    it("M-KTO clamps the KL estimate at 0 and treats it as a constant", async () => {
      const policy = tf.tensor2d([[-1, -1], [-2, -2]]);
      const ref = [[-0.5, -0.5], [-1.0, -1.5]]; // log-ratios −1 and −2.5 → mean < 0 → z0 = 0
      const out = mktoLoss({ policy, ref, mask: [[1, 1], [1, 1]], desirable: [true, false] }, { beta: 1 });
      assert.equal((await out.kl.data())[0], 0);
      const fixed = mktoLoss({ policy, ref, mask: [[1, 1], [1, 1]], desirable: [true, false] }, { beta: 1, kl: -3 });
      assert.equal((await fixed.kl.data())[0], 0);
      // the gradient through a detached quantity is zero
      const g = tf.grad((z: tf.Tensor) => tf.sum(stopGradient(tf.mul(z, 3))))(policy);
      assert.deepEqual(Array.from((await g.data())), [0, 0, 0, 0]);
      tf.dispose([policy, g]);
    });

    it("margins from per-token log-ratios survive float32 cancellation (T=2048, log-probs ≈ −5)", async () => {
      // Sequence sums of about −1e4: their float32 difference would lose ~1e-3 relative.
      const r = seededRandom(SEED + 5);
      const T = 2048;
      const pc = Float64Array.from({ length: T }, () => -5 + normal(r));
      const pr = Float64Array.from({ length: T }, () => -5 + normal(r));
      const rc = Float32Array.from(pc, (x) => x - 0.001 + 0.01 * normal(r));
      const rr = Float32Array.from(pr, (x) => x + 0.001 + 0.01 * normal(r));
      const ones = new Float32Array(T).fill(1);
      const want = dpo64(pc, pr, rc, rr, ones, ones, 1, { beta: 0.1, lossType: "sigmoid", labelSmoothing: 0, nllCoef: 0 });
      const out = mdpoLoss({
        policyChosen: tf.tensor2d(Float32Array.from(pc), [1, T]),
        policyRejected: tf.tensor2d(Float32Array.from(pr), [1, T]),
        refChosen: tf.tensor2d(rc, [1, T]),
        refRejected: tf.tensor2d(rr, [1, T]),
        maskChosen: tf.tensor2d(ones, [1, T]),
        maskRejected: tf.tensor2d(ones, [1, T]),
      });
      const m = await readMdpoMetrics(out);
      assert.ok(relErr(m.loss, want.loss) <= 1e-4, `loss ${m.loss} vs ${want.loss}`);
      assert.ok(relErr(m["rewards/margins"], want.metrics["rewards/margins"], 1e-3) <= 1e-3, `margin ${m["rewards/margins"]} vs ${want.metrics["rewards/margins"]}`);
    });

    it("rejects bad options and shapes with a clear message", () => {
      const a = tf.zeros([2, 3]);
      const base = { policyChosen: a, policyRejected: a, refChosen: a, refRejected: a, maskChosen: a, maskRejected: a };
      assert.throws(() => mdpoLoss(base, { beta: 0 }), /beta/);
      assert.throws(() => mdpoLoss(base, { lossType: "ipo", labelSmoothing: 0.1 }), /labelSmoothing/);
      assert.throws(() => mdpoLoss(base, { lossType: "nope" as "ipo" }), /loss type/);
      assert.throws(() => mdpoLoss({ ...base, maskChosen: tf.zeros([2, 4]) }), /maskChosen has shape/);
      assert.throws(() => mktoLoss({ policy: a, ref: a, mask: a, desirable: [true] }), /desirable has 1/);
      a.dispose();
    });
  });
}

test("every DPO loss type of the table: its tfjs and host versions agree", async () => {
  await ensureBackend();
  const zs = [-30, -2.5, -0.1, 0, 0.3, 4, 40];
  for (const name of DPO_LOSS_NAMES) {
    const e = DPO_LOSS_TYPES[name];
    for (const beta of [0.01, 0.1, 0.5]) {
      for (const eps of e.labelSmoothing ? [0, 0.2] : [0]) {
        const t = e.tfjs(tf, tf.tensor1d(zs), beta, eps);
        const got = Array.from(t.dataSync());
        t.dispose();
        zs.forEach((z, i) => assert.ok(Math.abs(got[i]! - e.host(z, beta, eps)) <= 1e-5 * Math.max(1, Math.abs(e.host(z, beta, eps))), `${name} β=${beta} ε=${eps} z=${z}`));
      }
    }
    for (const alias of e.aliases) assert.equal(dpoLossTypeOf(alias), name);
  }
  assert.throws(() => dpoLossTypeOf("robust"), /unknown DPO loss type "robust"; expected sigmoid \/ dpo, ipo, hinge/);
});
