import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { useBackend, tf } from "../../src/losses/backend.js";
import { tokenLogProbs, tokenLogProbsFromHidden, chunkRows, resolveGather, resolveGradMode, type GatherMode, type GradMode } from "../../src/losses/logprobs.js";
import { randomBatch, randomMask, tokenLogp64, tokenLogpGrad64, relL2, SEED, normal } from "./ref64.js";
import { TEST_BACKENDS } from "./helpers.js";
import { seededRandom } from "../../src/random.js";

const seedMsg = `(LOSSES_TEST_SEED=${SEED})`;

for (const backend of TEST_BACKENDS) {
  describe(`token log-probs on ${backend}`, () => {
    before(async () => {
      await useBackend(backend, { allowSoftwareGpu: true });
    });

    // Small chunk sizes force several chunks, one of them ragged; 1 row per chunk is the extreme.
    const B = 2, T = 9, V = 61;
    const cases: [number, GradMode][] = [[4 * V * 1, "scatter"], [4 * V * 5, "onehot"], [4 * V * 5, "scatter"], [64 << 20, "auto"]];
    for (const [chunkBytes, grad] of cases) {
      it(`values and gradient match float64 (chunk of ${chunkRows(V, B * T, chunkBytes)} rows, ${grad} gradient)`, async () => {
        const r = seededRandom(SEED + chunkBytes + grad.length);
        const { logits, labels } = randomBatch(r, B, T, V);
        const mask = randomMask(r, B, T);
        const x = tf.tensor3d(logits, [B, T, V]);
        const y = tf.tensor2d(labels, [B, T], "int32");
        const m = tf.tensor2d(mask, [B, T]);
        const lp = tokenLogProbs(x, y, { chunkBytes, grad });
        const got = (await lp.data());
        const want = tokenLogp64(logits, labels, V);
        for (let i = 0; i < want.length; i++) {
          assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)), `logp[${i}] ${got[i]} vs ${want[i]} ${seedMsg}`);
        }
        // gradient of Σ mask·logp
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tokenLogProbs(z, y, { chunkBytes, grad }), m)))(x);
        const gv = (await g.data());
        const gw = tokenLogpGrad64(logits, labels, V, Float64Array.from(mask));
        assert.ok(relL2(gv, gw) <= 1e-3, `grad rel-L2 ${relL2(gv, gw)} ${seedMsg}`);
        // masked tokens get exactly zero gradient
        for (let i = 0; i < B * T; i++) {
          if (mask[i] !== 0) continue;
          for (let v = 0; v < V; v++) assert.ok(gv[i * V + v] === 0, `masked token ${i} has gradient ${gv[i * V + v]} ${seedMsg}`);
        }
        tf.dispose([x, y, m, lp, g]);
      });
    }

    const modes: GatherMode[] = backend === "wasm" ? ["flat", "onehot"] : backend === "webgpu" ? ["batchDims", "onehot"] : ["flat", "batchDims", "onehot"];
    for (const gather of modes) {
      it(`gather "${gather}" gives the same values`, async () => {
        const r = seededRandom(SEED + 7);
        const { logits, labels } = randomBatch(r, 1, 6, 37);
        const lp = tf.tidy(() => tokenLogProbs(tf.tensor3d(logits, [1, 6, 37]), tf.tensor2d(labels, [1, 6], "int32"), { gather }));
        const want = tokenLogp64(logits, labels, 37);
        const got = (await lp.data());
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4 * Math.max(1, Math.abs(want[i]!)), `${gather}: ${got[i]} vs ${want[i]} ${seedMsg}`);
        lp.dispose();
      });
    }

    it("auto gather and gradient forms are per backend", () => {
      assert.equal(resolveGather("auto"), backend === "webgpu" ? "batchDims" : "flat");
      assert.equal(resolveGradMode("auto"), backend === "webgpu" ? "onehot" : "scatter");
    });

    it("from hidden states: values and gradients (hidden, LM head) match float64", async () => {
      const r = seededRandom(SEED + 11);
      const Bh = 2, Th = 5, D = 8, Vh = 29;
      const h = Float32Array.from({ length: Bh * Th * D }, () => normal(r));
      const w = Float32Array.from({ length: D * Vh }, () => normal(r));
      const labels = Int32Array.from({ length: Bh * Th }, () => Math.floor(r() * Vh));
      const coef = Float64Array.from({ length: Bh * Th }, () => (r() < 0.3 ? 0 : normal(r)));
      // float64 logits and reference gradients
      const logits = new Float32Array(Bh * Th * Vh);
      const logits64 = new Float64Array(Bh * Th * Vh);
      for (let i = 0; i < Bh * Th; i++)
        for (let v = 0; v < Vh; v++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += h[i * D + d]! * w[d * Vh + v]!;
          logits64[i * Vh + v] = s;
          logits[i * Vh + v] = s;
        }
      const want = tokenLogp64(logits, labels, Vh);
      const gx = tokenLogpGrad64(logits, labels, Vh, coef); // d/dlogits
      const gh = new Float64Array(Bh * Th * D);
      const gw = new Float64Array(D * Vh);
      for (let i = 0; i < Bh * Th; i++)
        for (let v = 0; v < Vh; v++)
          for (let d = 0; d < D; d++) {
            gh[i * D + d] += gx[i * Vh + v]! * w[d * Vh + v]!;
            gw[d * Vh + v] += h[i * D + d]! * gx[i * Vh + v]!;
          }
      const ht = tf.tensor3d(h, [Bh, Th, D]);
      const wt = tf.tensor2d(w, [D, Vh]);
      const yt = tf.tensor2d(labels, [Bh, Th], "int32");
      const ct = tf.tensor2d(Float32Array.from(coef), [Bh, Th]);
      const opts = { chunkBytes: 4 * Vh * 3 };
      const lp = tokenLogProbsFromHidden(ht, wt, yt, opts);
      const got = (await lp.data());
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4 * Math.max(1, Math.abs(want[i]!)), `hidden logp ${got[i]} vs ${want[i]} ${seedMsg}`);
      const [dh, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tokenLogProbsFromHidden(a, b, yt, opts), ct)))([ht, wt]);
      assert.ok(relL2((await dh!.data()), gh) <= 1e-3, `d hidden rel-L2 ${relL2((await dh!.data()), gh)} ${seedMsg}`);
      assert.ok(relL2((await dw!.data()), gw) <= 1e-3, `d lmHead rel-L2 ${relL2((await dw!.data()), gw)} ${seedMsg}`);
      tf.dispose([ht, wt, yt, ct, lp, dh!, dw!]);
    });

    it("leaks no tensors", () => {
      const x = tf.randomNormal([2, 4, 11]);
      const y = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]], undefined, "int32");
      const before = tf.memory().numTensors;
      const g = tf.grad((z: tf.Tensor) => tf.sum(tokenLogProbs(z, y, { chunkBytes: 4 * 11 * 3 })))(x);
      g.dispose();
      tokenLogProbs(x, [[1, 2, 3, 4], [5, 6, 7, 8]]).dispose();
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, y]);
    });

    it("rejects labels outside [0, V) given as arrays, and bad shapes", () => {
      const x = tf.zeros([1, 2, 5]);
      assert.throws(() => tokenLogProbs(x, [[0, 5]]), /outside \[0, 5\)/);
      assert.throws(() => tokenLogProbs(x, [[0, -1]]), /outside/);
      assert.throws(() => tokenLogProbs(tf.zeros([2, 5]), [[0, 1]]), /\[B,T,V\]/);
      assert.throws(() => tokenLogProbs(x, [[0, 1, 2]]), /elements/);
      x.dispose();
    });
  });
}

describe("chunkRows", () => {
  it("fits the byte budget and never goes below one row", () => {
    assert.equal(chunkRows(32000, 1024, 128 * 1024 * 1024), 1024);
    assert.equal(chunkRows(32000, 100000, 128 * 1024 * 1024), Math.floor((128 * 1024 * 1024) / (4 * 32000)));
    assert.equal(chunkRows(1_000_000, 10, 16), 1);
    assert.throws(() => chunkRows(10, 10, 0));
  });
});
