import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as parquetWasm from "parquet-wasm";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { Readable, Writable } from "node:stream";
import { runCli } from "../helpers/cli.js";
import { main } from "../../src/cli/main.js";
import { readExport } from "../../src/export/index.js";
import { fixture } from "../pairing/fixture.js";
import { TOKENIZER_DIRS } from "./helpers.js";

/** `mathagent ARGS` in this process (the commands and their error handling, without a child's start-up). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk, _enc, done) => (add(String(chunk)), done()) });
  const code = await main(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), stdin: Readable.from([]) });
  return { code, stdout, stderr };
}

let shared: Promise<string> | null = null;

/** A folder of its own holding the real rollout fixture (GSM8K and MATH problems, Gemma template), annotated once. */
async function annotated(): Promise<{ dir: string; file: string }> {
  shared ??= (async () => {
    const f = await fixture();
    const input = path.join(fs.mkdtempSync(path.join(f.dir, "export-cli-")), "rollouts.jsonl");
    fs.copyFileSync(f.file, input);
    const a = await runCli(["annotate", "--input", input, "--quiet"]);
    assert.equal(a.code, 0, a.stderr);
    return path.join(path.dirname(input), "rollouts.annotated.jsonl");
  })();
  const source = await shared;
  const dir = fs.mkdtempSync(path.join(path.dirname(path.dirname(source)), "export-cli-"));
  const file = path.join(dir, "rollouts.annotated.jsonl");
  fs.copyFileSync(source, file);
  return { dir, file };
}

const gemma = TOKENIZER_DIRS.gemma;

test("pairs --format llamafactory → train-config → the YAML LLaMA-Factory runs; --check shows masked observations and counted model turns", async () => {
  const { dir, file } = await annotated();
  const out = path.join(dir, "iter1.pairs.lf");
  const p = await runCli(["pairs", "--input", file, "--format", "llamafactory", "--tokenizer", gemma, "--max-length", "2048", "--val-size", "2", "--check", "--out", out, "--quiet"]);
  assert.equal(p.code, 0, p.stderr);
  const n = Number(/^pairs: (\d+) from/m.exec(p.stdout)?.[1]);
  assert.ok(n > 10, p.stdout);
  assert.match(p.stdout, new RegExp(`^tokens: ${n - 2} train, 2 validation rows; 0 dropped \\(longer than 2048 tokens\\); longest kept \\d+$`, "m"));
  assert.match(p.stdout, /^check: row 0 of .*iter1\.pairs\.lf\/train decoded with .*tokenizer\.json$/m);
  assert.match(p.stdout, /^ {2}masked {2}\[\d+, \d+\) ".*<start_of_turn>user\\n```output\\n.*```<end_of_turn>\\n<start_of_turn>model\\n"$/m);
  assert.match(p.stdout, /^ {2}COUNTED \[\d+, \d+\) ".*\\\\boxed\{.*<end_of_turn>"$/m);
  assert.doesNotMatch(p.stdout, /COUNTED .*```output/);
  assert.equal(p.stderr.includes("note:"), false, "the masked format prints no warning");
  assert.deepEqual(fs.readdirSync(out).sort(), ["dataset_dict.json", "mathagent.meta.json", "train", "validation"]);

  const c = await cli(["train-config", "--trainer", "llamafactory", "--stage", "dpo", "--data", out, "--model", "RLHF4MATH/Gemma-7B-it-SFT3epoch"]);
  assert.equal(c.code, 0, c.stderr);
  const yaml = fs.readFileSync(`${out}.dpo.yaml`, "utf8");
  for (const line of [
    "model_name_or_path: RLHF4MATH/Gemma-7B-it-SFT3epoch",
    "stage: dpo",
    "pref_beta: 0.1",
    "pref_loss: sigmoid",
    "pref_ftx: 0",
    `tokenized_path: ${out}`,
    "template: gemma",
    "learning_rate: 4.0e-7",
    "gradient_accumulation_steps: 4",
    "num_train_epochs: 1",
    "lr_scheduler_type: cosine",
    "warmup_steps: 40",
    "bf16: true",
    "eval_strategy: steps",
    "eval_steps: 50",
  ]) {
    assert.match(yaml, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( |$)`, "m"), line);
  }
  assert.match(c.stdout, /run: llamafactory-cli train .*iter1\.pairs\.lf\.dpo\.yaml/);
  const g2 = await cli(["train-config", "--trainer", "llamafactory", "--data", out, "--model", "google/gemma-2-9b-it", "--gpus", "4", "--out", path.join(dir, "g2.yaml")]);
  assert.equal(g2.code, 0, g2.stderr);
  const g2yaml = fs.readFileSync(path.join(dir, "g2.yaml"), "utf8");
  assert.match(g2yaml, /^learning_rate: 2\.0e-7 {2}# the paper's for Gemma-2$/m);
  assert.match(g2yaml, /^gradient_accumulation_steps: 8 {2}# 4 GPU\(s\) × 1 × this = global batch 32$/m);
  const unknown = await cli(["train-config", "--trainer", "llamafactory", "--data", out, "--model", "Qwen/Qwen2.5-Math-7B"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /the paper gives no learning rate for "Qwen\/Qwen2\.5-Math-7B".*pass --learning-rate/);
  const wrongStage = await cli(["train-config", "--trainer", "llamafactory", "--stage", "kto", "--data", out, "--model", "x/gemma"]);
  assert.equal(wrongStage.code, 2);
  assert.match(wrongStage.stderr, /holds pairs \(stage dpo\)/);
});

test("paper writes a folder holding only the data (metadata beside it); trl/openrlhf print what they train; token options are checked", async () => {
  const { dir, file } = await annotated();
  const p = await cli(["pairs", "--input", file, "--quiet"]);
  assert.equal(p.code, 0, p.stderr);
  const folder = path.join(dir, "rollouts.pairs.random.paper");
  assert.deepEqual(fs.readdirSync(folder), ["train.jsonl"]);
  const meta = JSON.parse(fs.readFileSync(`${folder}.meta.json`, "utf8")) as Record<string, unknown>;
  assert.deepEqual([meta.format, meta.file, meta.strategy], ["paper", path.join("rollouts.pairs.random.paper", "train.jsonl"), "random"]);
  const rows = await readExport(path.join(folder, "train.jsonl"));
  assert.equal(rows.length, meta.rows);
  assert.deepEqual(Object.keys(rows[0]!).slice(0, 2), ["chosen", "rejected"]);
  assert.match(p.stderr, /^note: --format paper: .*only for Gemma-1\/2 tokenizers/m);
  fs.writeFileSync(path.join(folder, "notes.txt"), "x");
  const crowded = await cli(["pairs", "--input", file, "--quiet"]);
  assert.equal(crowded.code, 1);
  assert.match(crowded.stderr, /holds notes\.txt; the paper's trainer loads every data file of its folder/);

  const t = await cli(["kto", "--input", file, "--format", "trl", "--quiet"]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /^note: --format trl: TRL's DPOTrainer\/KTOTrainer compute the loss on observation tokens too .* use --format llamafactory$/m);
  const o = await cli(["pairs", "--input", file, "--format", "openrlhf", "--quiet"]);
  assert.match(o.stderr, /^note: --format openrlhf: OpenRLHF's train_dpo\/train_kto compute the loss on observation tokens too/m);

  const noTok = await cli(["kto", "--input", file, "--format", "llamafactory", "--max-length", "100"]);
  assert.equal(noTok.code, 2);
  assert.match(noTok.stderr, /--format llamafactory needs --tokenizer FILE\|DIR/);
  const noMax = await cli(["pairs", "--input", file, "--format", "tokens", "--tokenizer", gemma]);
  assert.equal(noMax.code, 2);
  assert.match(noMax.stderr, /needs --max-length N/);
  const stray = await cli(["pairs", "--input", file, "--format", "trl", "--tokenizer", gemma]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--tokenizer applies to --format llamafactory or tokens, not trl/);
});

test("kto --format tokens: one Parquet file of list<int32> token columns that hyparquet and arrow-rs read; over-long examples dropped and counted", async () => {
  const { dir, file } = await annotated();
  const out = path.join(dir, "kto.tokens.parquet");
  const k = await cli(["kto", "--input", file, "--format", "tokens", "--tokenizer", gemma, "--max-length", "120", "--out", out, "--quiet"]);
  assert.equal(k.code, 0, k.stderr);
  const total = Number(/^kto: (\d+) examples/m.exec(k.stdout)?.[1]);
  const m = /^tokens: (\d+) train rows; (\d+) dropped \(longer than 120 tokens\); longest kept (\d+)$/m.exec(k.stdout);
  assert.ok(m, k.stdout);
  assert.ok(Number(m[2]) > 0 && Number(m[1]) > 0 && Number(m[1]) + Number(m[2]) === total && Number(m[3]) <= 120, k.stdout);
  const b = fs.readFileSync(out);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const schema = parquetMetadata(ab).schema.map((s) => `${s.name}:${s.type ?? s.converted_type ?? ""}`);
  assert.deepEqual(schema.slice(1), ["split:BYTE_ARRAY", "problem_id:BYTE_ARRAY", "sample:INT32", "kto_tags:BOOLEAN", ...["input_ids", "attention_mask", "labels", "assistant_masks"].flatMap((c) => [`${c}:LIST`, "list:", "element:INT32"])]);
  const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
  assert.equal(rows.length, Number(m[1]));
  for (const r of rows) {
    assert.equal(r.split, "train");
    const ids = r.input_ids as number[];
    const labels = r.labels as number[];
    assert.ok(ids.length <= 120 && labels.length === ids.length);
    assert.ok(labels.every((l, i) => l === -100 || l === ids[i]) && labels.some((l) => l !== -100));
    assert.deepEqual(r.assistant_masks, labels.map((l) => (l === -100 ? 0 : 1)));
  }
  assert.equal(parquetWasm.readParquet(new Uint8Array(b)).numBatches > 0, true);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "kto.tokens.meta.json"), "utf8")) as Record<string, any>;
  assert.deepEqual([meta.format, meta.counts.droppedOverMaxLength, meta.family], ["tokens", Number(m[2]), "gemma"]);
});
