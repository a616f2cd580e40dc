import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend, tf } from "../../src/losses/backend.js";
import { referenceTokenLogProbs, ReferenceLogProbCache } from "../../src/losses/reference.js";
import { mdpoLoss, readMdpoMetrics } from "../../src/losses/losses.js";
import { tokenLogProbs } from "../../src/losses/logprobs.js";
import { normal, tokenLogp64, SEED } from "./ref64.js";
import { seededRandom } from "../../src/random.js";

describe("reference log-probs", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("a reference model's per-token log-probs are read back, equal float64, and carry no gradient", async () => {
    const r = seededRandom(SEED);
    const V = 13, T = 6, D = 4;
    const emb = Float32Array.from({ length: V * D }, () => normal(r));
    const head = Float32Array.from({ length: D * V }, () => normal(r));
    const embT = tf.tensor2d(emb, [V, D]);
    const headT = tf.tensor2d(head, [D, V]);
    // a tiny "model": one-hot(ids) · emb · head
    const model = (ids: tf.Tensor2D) => tf.reshape(tf.matMul(tf.matMul(tf.reshape(tf.cast(tf.oneHot(ids, V), "float32"), [-1, V]), embT), headT), [ids.shape[0], ids.shape[1], V]);
    const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6]], [1, T], "int32");
    const labels = tf.tensor2d([[2, 3, 4, 5, 6, 7]], [1, T], "int32");
    const before = tf.memory().numTensors;
    const ref = await referenceTokenLogProbs(model, ids, labels);
    assert.equal(tf.memory().numTensors, before, "no tensors left behind");
    const logits = new Float32Array(T * V);
    for (let t = 0; t < T; t++)
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += emb[(t + 1) * D + d]! * head[d * V + v]!;
        logits[t * V + v] = s;
      }
    const want = tokenLogp64(logits, Int32Array.from([2, 3, 4, 5, 6, 7]), V);
    for (let t = 0; t < T; t++) assert.ok(Math.abs(ref[t]! - want[t]!) < 1e-4 * Math.max(1, Math.abs(want[t]!)), `${ref[t]} vs ${want[t]}`);
    // used as the reference of a DPO loss: no gradient reaches the reference model's weights
    const cache = new ReferenceLogProbCache();
    cache.set("c", ref);
    cache.set("r", ref);
    const g = tf.grad((e: tf.Tensor) => {
      const pol = tokenLogProbs(tf.reshape(tf.matMul(tf.matMul(tf.reshape(tf.cast(tf.oneHot(ids, V), "float32"), [-1, V]), e), headT), [1, T, V]), labels);
      return mdpoLoss({ policyChosen: pol, policyRejected: tf.mul(pol, 1.1), refChosen: cache.tensor(["c"], T), refRejected: cache.tensor(["r"], T), maskChosen: [[1, 1, 1, 1, 1, 1]], maskRejected: [[1, 1, 1, 1, 1, 1]] }).loss;
    })(embT);
    assert.ok((await g.data()).some((x) => x !== 0), "the policy gets a gradient");
    tf.dispose([embT, headT, ids, labels, g]);
  });

  it("the cache pads, cuts, saves and loads; bad lines name the file and line", async () => {
    const c = new ReferenceLogProbCache();
    c.set("a", [-1, -2, -3]);
    c.set("b", [-4]);
    const t = c.tensor(["a", "b"], 2);
    assert.deepEqual(Array.from(await t.data()), [-1, -2, -4, 0]);
    t.dispose();
    assert.throws(() => c.tensor(["zzz"], 2), /no cached reference log-probs for "zzz"/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-ref-"));
    try {
      const f = path.join(dir, "ref.jsonl");
      c.save(f);
      const d = ReferenceLogProbCache.load(f);
      assert.equal(d.size, 2);
      assert.deepEqual(Array.from(d.get("a")!), [-1, -2, -3]);
      fs.appendFileSync(f, "{oops\n");
      assert.throws(() => ReferenceLogProbCache.load(f), /ref\.jsonl:3: not JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // the cached values give the same DPO metrics as the arrays themselves
    const m = await readMdpoMetrics(
      mdpoLoss({
        policyChosen: tf.tensor2d([[-1, -1]]),
        policyRejected: tf.tensor2d([[-2, -2]]),
        refChosen: [[-1.5, -1]],
        refRejected: [[-2, -2.5]],
        maskChosen: [[1, 1]],
        maskRejected: [[1, 1]],
      }),
    );
    assert.ok(Math.abs(m["rewards/chosen"] - 0.05) < 1e-6 && Math.abs(m["rewards/rejected"] - 0.05) < 1e-6 && m["rewards/accuracies"] === 0);
  });
});
