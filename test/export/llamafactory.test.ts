import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as parquetWasm from "parquet-wasm";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { getTemplate, render } from "../../src/chat/index.js";
import { DATA_FILE, DPO_COLUMNS, FORMATS, KTO_COLUMNS, labelTrajectory, unshiftedLabels } from "../../src/export/index.js";
import { maskFromSpans, mdpoFromLogProbs } from "../../src/losses/index.js";
import type { Pair } from "../../src/pairing/index.js";
import { seededRandom } from "../../src/random.js";
import type { Trajectory } from "../../src/rollout/index.js";
import { gsm8k, ktoOf, makeTrajectory, pairOf, realTokenizer, scripts, tokenizerFile } from "./helpers.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-export-lf-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A split of a written folder read by arrow-rs (parquet-wasm): the Arrow IPC stream is parsed by
 * arrow-rs, which writes it as Parquet; hyparquet then reads that file's schema and rows.
 */
async function readWithArrowRs(file: string) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const pq = parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(bytes));
  const ab = pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) as ArrayBuffer;
  const schema = parquetMetadata(ab).schema;
  const types: Record<string, string> = {};
  for (let i = 1; i < schema.length; i++) {
    const s = schema[i]!;
    if (s.converted_type === "LIST") {
      types[s.name] = `list<${String(schema[i + 2]!.type).toLowerCase()}>`;
      i += 2;
    } else types[s.name] = s.logical_type?.type === "NULL" ? "null" : String(s.type).toLowerCase();
  }
  return { bytes, types, rows: (await parquetReadObjects({ file: ab })) as Record<string, unknown>[] };
}

const meta = { source: "test", seed: 3, filters: { in: 4, kept: 4 } };

test("llamafactory pairs: a save_to_disk folder read back by arrow-rs with the exact schema and values; json files as datasets reads them; metadata beside", async () => {
  const problems = await gsm8k(3);
  const tk = realTokenizer("gemma");
  const pairs = problems.map((p, i) => pairOf("gemma", p, [i, i + 10]));
  const out = path.join(tmp, "pairs.lf");
  const res = await FORMATS.llamafactory.write({ kind: "pairs", pairs }, { out, meta, seed: 3, tokenizer: tk, maxLength: 4096 });
  assert.equal(res.rows, 3);

  assert.deepEqual(fs.readdirSync(out).sort(), ["dataset_dict.json", "mathagent.meta.json", "train"]);
  assert.deepEqual(fs.readdirSync(path.join(out, "train")).sort(), [DATA_FILE, "dataset_info.json", "state.json"]);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "dataset_dict.json"), "utf8")), { splits: ["train"] });
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "train", "dataset_info.json"), "utf8")), {});
  const state = JSON.parse(fs.readFileSync(path.join(out, "train", "state.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(Object.keys(state).sort(), ["_data_files", "_fingerprint", "_format_columns", "_format_kwargs", "_format_type", "_output_all_columns", "_split"]);
  assert.deepEqual(state._data_files, [{ filename: DATA_FILE }]);
  assert.match(String(state._fingerprint), /^[0-9a-f]{16}$/);
  assert.deepEqual([state._format_columns, state._format_kwargs, state._format_type, state._output_all_columns, state._split], [null, {}, null, false, null]);

  const { bytes, types, rows } = await readWithArrowRs(path.join(out, "train", DATA_FILE));
  assert.deepEqual([...bytes.slice(0, 4)], [255, 255, 255, 255], "an IPC stream (continuation marker), not the ARROW1 file format");
  assert.deepEqual(types, Object.fromEntries(DPO_COLUMNS.map((c) => [c.name, c.kind === "int32-list" ? "list<int32>" : c.kind === "null" ? "null" : "boolean"])));
  assert.deepEqual(Object.keys(types), ["chosen_input_ids", "chosen_attention_mask", "chosen_labels", "rejected_input_ids", "rejected_attention_mask", "rejected_labels", "images", "videos", "audios"]);
  rows.forEach((row, i) => {
    for (const side of ["chosen", "rejected"] as const) {
      const seq = labelTrajectory(pairs[i]![side], tk.tok);
      assert.deepEqual(row[`${side}_input_ids`], seq.ids);
      assert.deepEqual(row[`${side}_attention_mask`], seq.ids.map(() => 1));
      assert.deepEqual(row[`${side}_labels`], unshiftedLabels(seq));
      assert.ok((row[`${side}_labels`] as number[]).includes(-100));
    }
    assert.deepEqual([row.images, row.videos, row.audios], [null, null, null]);
    const c = row.chosen_input_ids as number[];
    const r = row.rejected_input_ids as number[];
    const n = labelTrajectory(pairs[i]!.chosen, tk.tok).promptTokens;
    assert.deepEqual(c.slice(0, n), r.slice(0, n), "chosen and rejected share the prompt ids");
  });

  const m = JSON.parse(fs.readFileSync(path.join(out, "mathagent.meta.json"), "utf8")) as Record<string, any>;
  assert.equal(m.tokenizer.sha256, createHash("sha256").update(fs.readFileSync(tokenizerFile("gemma"))).digest("hex"));
  assert.deepEqual([m.tokenizer.vocabSize, m.tokenizer.bosToken, m.tokenizer.bosId, m.tokenizer.eosToken, m.tokenizer.eosId], [262145, "<bos>", 2, "<end_of_turn>", 106]);
  assert.equal(m.family, "gemma");
  assert.match(m.maskRule, /-100 elsewhere/);
  assert.deepEqual([m.seed, m.filters, m.maxLength, m.counts.droppedOverMaxLength, m.counts.splits], [3, meta.filters, 4096, 0, { train: 3 }]);
});

test("llamafactory: a pair longer than --max-length is dropped and counted, never cut; --val-size writes a validation split; --check prints the counted segments", async () => {
  const problems = await gsm8k(4);
  const tk = realTokenizer("gemma");
  const pairs: Pair[] = problems.map((p, i) => pairOf("gemma", p, [i, i + 10]));
  const lengthOf = (p: Pair) => Math.max(labelTrajectory(p.chosen, tk.tok).ids.length, labelTrajectory(p.rejected, tk.tok).ids.length);
  const long = pairs.reduce((a, b) => (lengthOf(b) > lengthOf(a) ? b : a));
  const maxLength = Math.max(...pairs.filter((p) => p !== long).map(lengthOf));
  assert.ok(lengthOf(long) > maxLength, "the test needs one pair longer than the others");
  const out = path.join(tmp, "cut.lf");
  const res = await FORMATS.llamafactory.write({ kind: "pairs", pairs }, { out, meta, seed: 1, tokenizer: tk, maxLength, valSize: 1, check: true });
  const m = JSON.parse(fs.readFileSync(path.join(out, "mathagent.meta.json"), "utf8")) as Record<string, any>;
  assert.deepEqual([m.counts.droppedOverMaxLength, m.counts.longestKept, m.counts.splits], [1, maxLength, { train: 2, validation: 1 }]);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "dataset_dict.json"), "utf8")), { splits: ["train", "validation"] });
  const all = [...(await readWithArrowRs(path.join(out, "train", DATA_FILE))).rows, ...(await readWithArrowRs(path.join(out, "validation", DATA_FILE))).rows];
  assert.equal(all.length, 3);
  for (const row of all) assert.ok((row.chosen_input_ids as number[]).length <= maxLength && (row.rejected_input_ids as number[]).length <= maxLength);
  assert.ok(!all.some((row) => (row.chosen_input_ids as number[]).length === labelTrajectory(long.chosen, tk.tok).ids.length && (row.rejected_input_ids as number[]).length === labelTrajectory(long.rejected, tk.tok).ids.length));
  const text = res.lines.join("\n");
  assert.match(text, /1 dropped \(longer than \d+ tokens\)/);
  assert.match(text, /^chosen: \d+ tokens, \d+ counted in 3 segment\(s\)$/m);
  assert.match(text, /^rejected: \d+ tokens, \d+ counted in 2 segment\(s\)$/m);
  assert.match(text, /^ {2}COUNTED \[\d+, \d+\) "Compute directly\.\\n```python\\nprint\(\(16 - 3\) \* 2\)\\n```<end_of_turn>"$/m);
  assert.match(text, /^ {2}masked {2}\[\d+, \d+\) "\\n<start_of_turn>user\\n```output\\n26\\n```<end_of_turn>\\n<start_of_turn>model\\n"$/m);
});

test("llamafactory KTO: input/labels per example, KL sequence = own prompt + the previous example's completion (as LLaMA-Factory builds it), kto_tags bool", async () => {
  const problems = await gsm8k(3);
  const tk = realTokenizer("qwen");
  const examples = problems.flatMap((p, i) => {
    const s = scripts(p);
    return [ktoOf(makeTrajectory("qwen", p, i, s.right, "eos", true)), ktoOf(makeTrajectory("qwen", p, i + 10, s.wrong, "length", false))];
  });
  const out = path.join(tmp, "kto.lf");
  await FORMATS.llamafactory.write({ kind: "kto", examples }, { out, meta, seed: 0, tokenizer: tk, maxLength: 4096 });
  const { types, rows } = await readWithArrowRs(path.join(out, "train", DATA_FILE));
  assert.deepEqual(types, Object.fromEntries(KTO_COLUMNS.map((c) => [c.name, c.kind === "int32-list" ? "list<int32>" : c.kind === "null" ? "null" : "boolean"])));
  assert.equal(types.kto_tags, "boolean");
  const seqs = examples.map((e) => labelTrajectory(e.trajectory, tk.tok));
  rows.forEach((row, i) => {
    assert.deepEqual(row.input_ids, seqs[i]!.ids);
    assert.deepEqual(row.labels, unshiftedLabels(seqs[i]!));
    assert.equal(row.kto_tags, examples[i]!.label);
    const prev = seqs[(i + seqs.length - 1) % seqs.length]!;
    const own = seqs[i]!;
    assert.deepEqual(row.kl_input_ids, [...own.ids.slice(0, own.promptTokens), ...prev.ids.slice(prev.promptTokens)]);
    assert.deepEqual(row.kl_labels, [...own.ids.slice(0, own.promptTokens).map(() => -100), ...unshiftedLabels(prev).slice(prev.promptTokens)]);
    assert.deepEqual(row.kl_attention_mask, (row.kl_input_ids as number[]).map(() => 1));
  });
});

/** Per-token log-probs of `ids[t+1]` under seeded random logits at each position (vocabulary compressed to the ids seen). */
function randomLogProbs(ids: readonly number[], vocab: Map<number, number>, seed: number): number[] {
  const rand = seededRandom(seed);
  const V = vocab.size;
  const out: number[] = [];
  for (let t = 0; t + 1 < ids.length; t++) {
    const logits = Array.from({ length: V }, () => 4 * (rand() - 0.5));
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((a, x) => a + Math.exp(x - max), 0));
    out.push(logits[vocab.get(ids[t + 1]!)!]! - lse);
  }
  return out;
}

test("M-DPO loss from src/losses: the exported labels (shifted as LLaMA-Factory shifts) give exactly the loss of the trajectory spans; unmasked labels do not", async () => {
  const problems = await gsm8k(3);
  const tk = realTokenizer("gemma");
  const pairs = problems.map((p, i) => pairOf("gemma", p, [i, i + 10]));
  const out = path.join(tmp, "loss.lf");
  await FORMATS.llamafactory.write({ kind: "pairs", pairs }, { out, meta, seed: 0, tokenizer: tk, maxLength: 4096 });
  const rows = (await readWithArrowRs(path.join(out, "train", DATA_FILE))).rows;
  const vocab = new Map<number, number>();
  for (const r of rows) for (const id of [...(r.chosen_input_ids as number[]), ...(r.rejected_input_ids as number[])]) if (!vocab.has(id)) vocab.set(id, vocab.size);

  /** The mask straight from the trajectory: render's model spans (+ the closing token after each) through src/losses' maskFromSpans. */
  const spanMask = (t: Trajectory): number[] => {
    const r = render(getTemplate("gemma"), { question: t.question, turns: t.steps.flatMap((s) => [{ role: "model" as const, text: s.text }, ...(s.observationText !== null ? [{ role: "observation" as const, text: s.observationText }] : [])]) });
    const spans = r.spans.map((s) => ({ start: s.start, end: s.end + (r.text.startsWith("<end_of_turn>", s.end) ? "<end_of_turn>".length : 0) }));
    return [...maskFromSpans(r.text, spans, tk.tok).mask, 1]; // + the final <end_of_turn> the model produced
  };
  const fromLabels = (labels: number[]) => labels.slice(1).map((l) => (l === -100 ? 0 : 1));
  const inputs = (mask: (i: number, side: "chosen" | "rejected") => number[]) =>
    rows.map((r, i) => {
      const side = (s: "chosen" | "rejected", k: number) => ({ lp: randomLogProbs(r[`${s}_input_ids`] as number[], vocab, 100 * i + k), ref: randomLogProbs(r[`${s}_input_ids`] as number[], vocab, 100 * i + k + 50) });
      const c = side("chosen", 1);
      const j = side("rejected", 2);
      return { policyChosen: c.lp, refChosen: c.ref, maskChosen: mask(i, "chosen"), policyRejected: j.lp, refRejected: j.ref, maskRejected: mask(i, "rejected") };
    });
  const exported = mdpoFromLogProbs(inputs((i, s) => fromLabels(rows[i]![`${s}_labels`] as number[])), { beta: 0.1 });
  const direct = mdpoFromLogProbs(inputs((i, s) => spanMask(pairs[i]![s])), { beta: 0.1 });
  assert.deepEqual(exported.pairs, direct.pairs);
  assert.equal(exported.metrics.loss, direct.metrics.loss);
  assert.ok(exported.pairs.every((p) => p.chosenTokens > 20 && p.rejectedTokens > 10));
  const unmasked = mdpoFromLogProbs(inputs((i, s) => (rows[i]![`${s}_labels`] as number[]).slice(1).map((_, t) => (t + 1 >= labelTrajectory(pairs[i]![s], tk.tok).promptTokens ? 1 : 0))), { beta: 0.1 });
  assert.notEqual(unmasked.metrics.loss, exported.metrics.loss, "counting observation tokens changes the loss");
});
