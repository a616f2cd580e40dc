import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ensureBackend } from "../../src/losses/index.js";
import { forwardLogits, KVCache, TinyModel, toVariables } from "../../src/tiny/model.js";
import { causalAttention } from "../../src/tiny/attention.js";
import { layerNorm } from "../../src/tiny/layernorm.js";
import { simdKernels } from "../../src/tiny/simd.js";
import { BatchGenerator } from "../../src/tiny/batchgen.js";
import { generate, PrefixCache } from "../../src/tiny/generate.js";
import { TinyPolicy } from "../../src/tiny/policy.js";
import { sft } from "../../src/train/trainer.js";
import type { EncodedSequence } from "../../src/train/encode.js";

const size = { dModel: 32, nLayers: 2, nHeads: 4, dFF: 64, maxLen: 96 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-tiny-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** A random model whose weights are large enough to make outputs depend on the input. */
function model(seed = 3, sizes = size): TinyModel {
  const m = TinyModel.create(sizes, seed);
  for (const [k, w] of m.weights) if (!k.endsWith("_g") && !k.endsWith("_b")) for (let i = 0; i < w.length; i++) w[i]! *= 20;
  m.setWeights(m.weights);
  return m;
}

test("the KV-cache step gives the same logits as the full tfjs forward pass", async () => {
  await ensureBackend();
  const m = model();
  const ids = [m.tokenizer.bosId!, ...m.tokenizer.encode("Question: 12+5?\nAnswer: ")];
  const vars = toVariables(m.config, m.weights, false);
  const full = tf.tidy(() => forwardLogits(m.config, vars, tf.tensor2d([ids], [1, ids.length], "int32")).arraySync()[0]!);
  for (const v of vars.values()) v.dispose();
  const cache = new KVCache(m.config);
  ids.forEach((t, i) => {
    const lg = m.runtime.step(cache, t, true)!;
    for (let j = 0; j < lg.length; j++) assert.ok(Math.abs(lg[j]! - full[i]![j]!) < 2e-3 * (1 + Math.abs(full[i]![j]!)), `position ${i} id ${j}: ${lg[j]} vs ${full[i]![j]}`);
  });
  assert.equal(cache.length, ids.length);
});

/** Sizes whose widths are not multiples of 4 (3d = 90, dFF = 50, head size 15): every kernel's tail runs. */
const odd = { dModel: 30, nLayers: 1, nHeads: 2, dFF: 50, maxLen: 80 };
const bits = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer).toString("hex");

test("prefill in one pass gives the same logits and cache as one step per token, bit for bit", () => {
  for (const m of [model(3), model(4, odd)]) {
    const ids = [m.tokenizer.bosId!, ...m.tokenizer.encode("Question: Kim has 43 shells.\n\nAnswer: ```python\nprint(43)")];
    const steps = new KVCache(m.config);
    let last = "";
    for (const t of ids) last = bits(m.runtime.step(steps, t, true)!);
    // One pass; and in uneven pieces (as the prefix cache does for a later turn): an odd piece, a pair, the rest.
    const one = new KVCache(m.config);
    assert.equal(bits(m.runtime.prefill(one, ids, true)!), last);
    const pieces = new KVCache(m.config);
    m.runtime.prefill(pieces, ids.slice(0, 5), false);
    m.runtime.prefill(pieces, ids.slice(5, 7), false);
    assert.equal(bits(m.runtime.prefill(pieces, ids.slice(7), true)!), last);
    for (const c of [one, pieces]) {
      assert.equal(c.length, ids.length);
      for (let l = 0; l < m.config.nLayers; l++) {
        assert.ok(Buffer.from(c.k[l]!.buffer).equals(Buffer.from(steps.k[l]!.buffer)), `keys of layer ${l}`);
        assert.ok(Buffer.from(c.v[l]!.buffer).equals(Buffer.from(steps.v[l]!.buffer)), `values of layer ${l}`);
      }
    }
    assert.throws(() => m.runtime.prefill(new KVCache(m.config), new Array(m.config.maxLen + 1).fill(5), true), /context of \d+ tokens is full/);
  }
});

test("the JS runtime's numbers and generate's outputs are those of the token-by-token float64 pass", async () => {
  // Recorded with the earlier runtime (one token per step, weights read from the float32 map).
  const want = [
    ["2af8d8a37481db0d2930e374e8e16ad7c5268bd894bc2a78e43fdc8b8dd1c8a5", ["M=m|c36!5_Y^|M%}+5_5_cN|", '"<p5S"Y||$m-$?|$z|`_YoT_', '4f|$m%"$f_tQ#c5+CS3Y8Yv5']],
    ["783c6bda3be8f0f6b186e27e4691759fe66ba30fb136ca1f1c15fea4d00c0132", ["K`@HKT KE{  K25 KQ\nc5iKT", "_y~K'jHKf~Nj{`KR2OxvYS{`", "5'6sK'\nr%YLrE{O|-=MKvN:,"]],
  ] as const;
  for (const [i, sizes] of [size, odd].entries()) {
    const m = model(3, sizes);
    const h = createHash("sha256");
    const cache = new KVCache(m.config);
    for (const t of [m.tokenizer.bosId!, ...m.tokenizer.encode("Question: Kim has 43 shells and buys 35 more. How many?\n\nAnswer: ")]) h.update(Buffer.from(Float64Array.from(m.runtime.step(cache, t, true)!).buffer));
    for (let l = 0; l < m.config.nLayers; l++) h.update(Buffer.from(cache.k[l]!.buffer)).update(Buffer.from(cache.v[l]!.buffer));
    const g = await generate(m, "Question: 5+7\n\nAnswer: ", { maxTokens: 24 });
    const s = await generate(m, "Question: 5+7\n\nAnswer: ", { maxTokens: 24, temperature: 1, seed: 5, n: 2 });
    assert.equal(h.digest("hex"), want[i]![0], `logits and cache, sizes ${JSON.stringify(sizes)}`);
    assert.deepEqual([g[0]!.text, ...s.map((x) => x.text)], want[i]![1]);
  }
});

test("the training pass's causal attention and its gradient match tfjs softmax attention (JS and SIMD paths)", async () => {
  await ensureBackend();
  // Head size 6 takes the plain-JS path, 8 the WebAssembly SIMD one.
  for (const dh of [6, 8]) await attentionAgrees(3, 11, 2, dh);
});

async function attentionAgrees(B: number, T: number, H: number, dh: number): Promise<void> {
  const d = H * dh;
  const qkv = tf.randomNormal([B * T, 3 * d], 0, 1.5, "float32", 1) as tf.Tensor2D;
  const w = tf.randomNormal([B * T, d], 0, 1, "float32", 2);
  const causal = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
  const heads = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]) as tf.Tensor3D;
  const reference = (x: tf.Tensor) => {
    const [q, k, v] = tf.split(x, 3, 1);
    const a = tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(heads(q!), heads(k!), false, true), 1 / Math.sqrt(dh)), causal)), heads(v!));
    return tf.reshape(tf.transpose(tf.reshape(a, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, d]);
  };
  const ours = (x: tf.Tensor) => causalAttention(x as tf.Tensor2D, B, T, H);
  const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
    const x = a.dataSync();
    const y = b.dataSync();
    assert.equal(x.length, y.length);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) < 1e-5 * (1 + Math.abs(y[i]!)), `${what} ${i}: ${x[i]} vs ${y[i]}`);
  };
  close(ours(qkv), reference(qkv), "output");
  const loss = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.sum(tf.mul(f(x), w));
  close(tf.grad(loss(ours))(qkv), tf.grad(loss(reference))(qkv), "gradient");
  // The same numbers on every run.
  assert.deepEqual(Array.from(tf.grad(loss(ours))(qkv).dataSync()), Array.from(tf.grad(loss(ours))(qkv).dataSync()));
}

test("the training pass's LayerNorm and its gradients match the tfjs composition", async () => {
  await ensureBackend();
  const x = tf.randomNormal([7, 12], 0.3, 2, "float32", 3);
  const g = tf.randomNormal([12], 1, 0.5, "float32", 4);
  const b = tf.randomNormal([12], 0, 0.5, "float32", 5);
  const w = tf.randomNormal([7, 12], 0, 1, "float32", 6);
  const reference = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
  };
  const loss = (f: typeof reference) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(x, g, b), w));
  const ours = tf.grads(loss(layerNorm))([x, g, b]);
  const want = tf.grads(loss(reference))([x, g, b]);
  for (const [i, [a, e]] of [[layerNorm(x, g, b), reference(x, g, b)], ...ours.map((o, k) => [o, want[k]!])].entries()) {
    const p = a!.dataSync();
    const q = e!.dataSync();
    for (let j = 0; j < q.length; j++) assert.ok(Math.abs(p[j]! - q[j]!) < 1e-5 * (1 + Math.abs(q[j]!)), `output/gradient ${i}, element ${j}: ${p[j]} vs ${q[j]}`);
  }
});

test("the WebAssembly SIMD kernels: dot products, weighted sums and exp against float64 JS", () => {
  const k = simdKernels();
  assert.ok(k, "WebAssembly SIMD is available in Node 20");
  k.reserve(1 << 16);
  const f = k.f32;
  for (let i = 0; i < 400; i++) f[i] = Math.sin(i * 1.3);
  const [dh, n, stride] = [8, 5, 12];
  k.dots(0, 16 * 4, stride * 4, dh * 4, n, 300 * 4);
  k.mix(100 * 4, 2 * 4, 16 * 4, stride * 4, dh * 4, n, 320 * 4, 0.5);
  for (let s = 0; s < n; s++) {
    let want = 0;
    for (let i = 0; i < dh; i++) want += f[i]! * f[16 + s * stride + i]!;
    assert.ok(Math.abs(f[300 + s]! - want) < 1e-6, `dots ${s}`);
  }
  for (let i = 0; i < dh; i++) {
    let want = 0;
    for (let s = 0; s < n; s++) want += f[100 + s * 2]! * f[16 + s * stride + i]!;
    assert.ok(Math.abs(f[320 + i]! - 0.5 * want) < 1e-6, `mix ${i}`);
  }
  const xs = Float32Array.from({ length: 4000 }, (_, i) => -85 + i * 0.0215);
  f.set(xs, 0);
  k.expv(0, xs.length, 1.25);
  for (let i = 0; i < xs.length; i++) {
    const want = Math.exp(Math.fround(xs[i]! - 1.25));
    assert.ok(Math.abs(f[i]! - want) <= 3e-7 * want, `exp(${xs[i]} - 1.25) = ${f[i]}, want ${want}`);
  }
});

test("training is deterministic: the same seed gives the same weights bit for bit, alone or two at once", async () => {
  await ensureBackend();
  const base = model(6);
  const data: EncodedSequence[] = Array.from({ length: 12 }, (_, i) => {
    const ids = base.tokenizer.encode(`Question: ${i * 7}+${i}\n\nAnswer: print(${i * 8})`).slice(0, 40);
    const ones = ids.map(() => 1);
    return { inputIds: [base.tokenizer.bosId!, ...ids.slice(0, -1)], labels: ids, mask: ones, maskAll: ones };
  });
  const train = async () => {
    const m = base.clone();
    await sft(m, data, { batchSize: 4, epochs: 2, lr: 1e-3, seed: 5 });
    return m;
  };
  const hex = (m: TinyModel) => [...m.weights.values()].map((w) => Buffer.from(w.buffer).toString("hex")).join("");
  const alone = hex(await train());
  assert.notEqual(alone, hex(base), "training changed the weights");
  assert.equal(hex(await train()), alone);
  // Two runs interleaved on the one tfjs engine (each yields every few steps).
  for (const m of await Promise.all([train(), train()])) assert.equal(hex(m), alone);
});

test("batched tfjs decoding and the JS KV-cache decoding agree (greedy)", async () => {
  await ensureBackend();
  const m = model(5);
  const prompts = ["Question: Ann has 3 pens.\n\nAnswer: ", "Question: 7\n\nAnswer: ", "Q"];
  const bg = new BatchGenerator(m);
  // Equal budgets; then unequal ones, so that finished rows are dropped from the cache mid-batch.
  for (const budgets of [[30, 30, 30], [3, 4, 30]]) {
    const batched = await Promise.all(prompts.map((p, i) => bg.generate(p, { maxTokens: budgets[i]! })));
    for (const [i, p] of prompts.entries()) {
      const js = await generate(m, p, { maxTokens: budgets[i]! });
      assert.equal(batched[i]![0]!.text, js[0]!.text, `prompt ${i}, budgets ${budgets.join(",")}`);
    }
  }
  bg.dispose();
});

test("save → load gives the same weights and the same greedy outputs, bit for bit", async () => {
  const m = model(7);
  m.meta = { name: "t" };
  const dir = path.join(tmp, "m");
  m.save(dir);
  const l = TinyModel.load(dir);
  assert.deepEqual(l.config, m.config);
  assert.deepEqual(l.meta, m.meta);
  for (const [k, w] of m.weights) assert.deepEqual(Buffer.from(l.weights.get(k)!.buffer), Buffer.from(w.buffer), k);
  const prompts = ["Question: Kim has 43 shells and buys 35 more. How many shells now?\n\nAnswer: ", "Question: 9//3\n\nAnswer: "];
  for (const p of prompts) {
    const a = await generate(m, p, { maxTokens: 40 });
    const b = await generate(l, p, { maxTokens: 40 });
    assert.deepEqual(b, a);
    const ca = new KVCache(m.config);
    const cb = new KVCache(l.config);
    for (const t of m.tokenizer.encode(p)) assert.deepEqual(Array.from(l.runtime.step(cb, t, true)!), Array.from(m.runtime.step(ca, t, true)!));
  }
  assert.throws(() => TinyModel.load(path.join(tmp, "nope")), /tiny-policy\.json is missing/);
});

test("sampling: seeded, stop strings cut, prefix cache changes nothing", async () => {
  const m = model(9);
  const p = "Question: x\n\nAnswer: ";
  const a = await generate(m, p, { maxTokens: 50, temperature: 1, seed: 11, n: 3 });
  const b = await generate(m, p, { maxTokens: 50, temperature: 1, seed: 11, n: 3 }, new PrefixCache());
  assert.deepEqual(b, a);
  const c = await generate(m, p, { maxTokens: 50, temperature: 1, seed: 12 });
  assert.equal(a.length, 3);
  assert.ok(a.some((x) => x.text !== c[0]!.text) || a[0]!.text.length === 0);
  // A stop string that is a prefix of what greedy writes cuts it there.
  const g = (await generate(m, p, { maxTokens: 20 }))[0]!;
  if (g.text.length >= 3) {
    const stop = g.text.slice(1, 3);
    const s = (await generate(m, p, { maxTokens: 20, stop: [stop] }))[0]!;
    assert.equal(s.finishReason, "stop");
    assert.equal(s.stopReason, stop);
    assert.ok(!s.text.includes(stop) && g.text.startsWith(s.text));
  }
  const len = (await generate(m, p, { maxTokens: 5 }))[0]!;
  assert.ok(len.finishReason === "length" ? len.completionTokens === 5 : len.stopReason === null);
  // A shared prefix cache across a multi-turn continuation gives the same result as none.
  const pc = new PrefixCache();
  const first = (await generate(m, p, { maxTokens: 10, temperature: 0 }, pc))[0]!;
  const again = (await generate(m, p + first.text + "```output\n5\n```\n", { maxTokens: 10 }, pc))[0]!;
  const fresh = (await generate(m, p + first.text + "```output\n5\n```\n", { maxTokens: 10 }))[0]!;
  assert.deepEqual(again, fresh);
  assert.ok(pc.hits >= 1);
});

test("concurrent sampled requests get the same texts as the same requests one at a time", async () => {
  const m = model(5);
  const prompts = ["Question: 1+2\n\nAnswer: ", "Question: 7*8\n\nAnswer: ", "Question: 30-4\n\nAnswer: "];
  const opts = (i: number) => ({ maxTokens: 300, temperature: 1, seed: 40 + i, n: 2 });
  const alone: unknown[] = [];
  for (const [i, p] of prompts.entries()) alone.push(await generate(m, p, opts(i)));
  // Long generations yield every 64 tokens, so these interleave on the one runtime.
  const together = await Promise.all(prompts.map((p, i) => generate(m, p, opts(i), new PrefixCache())));
  assert.ok((together[0]![0]!.completionTokens ?? 0) > 64, "the generations are long enough to interleave");
  assert.deepEqual(together, alone);
});

test("TinyPolicy implements Policy: n completions, token counts, aborts", async () => {
  const m = model(2);
  const pol = new TinyPolicy(m);
  const out = await pol.complete("Question: 1\n\nAnswer: ", { n: 2, maxTokens: 8, temperature: 0.8, seed: 1 });
  assert.equal(out.length, 2);
  for (const c of out) assert.ok(typeof c.text === "string" && (c.finishReason === "stop" || c.finishReason === "length") && c.promptTokens! > 0);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(pol.complete("Q", { signal: ac.signal }));
  await pol.close();
});
