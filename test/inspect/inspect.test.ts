import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { checksOf, errorKind, exampleView, openPreferenceData, pairView, sides, splitTranscript } from "../../src/inspect/index.js";
import type { Annotated, KtoExample, Pair } from "../../src/pairing/index.js";
import { exportKto, exportPairs, writeExport } from "../../src/export/index.js";
import { trajectory } from "../helpers/fuzz-cases.js";
import { sharedDataDir } from "../helpers/env.js";
import { runCli } from "../helpers/cli.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "inspect-"));
const at = (name: string) => path.join(tmp, name);
const jsonl = (file: string, rows: unknown[]) => (fs.writeFileSync(file, rows.map((r) => JSON.stringify(r) + "\n").join("")), file);
const dataDir = sharedDataDir();
const gsm8kQuestion = (JSON.parse(fs.readFileSync(path.join(dataDir, "gsm8k", "test.jsonl"), "utf8").split("\n")[0]!) as { question: string }).question;

function annotated(problem: number, sample: number, correct: boolean): Annotated {
  const t = trajectory(problem, sample, correct) as unknown as Annotated;
  return { ...t, correct, pred: correct ? t.gold : String(99 + problem), gt: t.gold, rule: "exact" as Annotated["rule"] };
}
const pairs: Pair[] = [0, 1, 2].map((p) => ({ problemId: `gsm8k/test/${p}`, chosen: annotated(p, 0, true), rejected: annotated(p, 1, false), strategy: "random" }));
const kto: KtoExample[] = [annotated(0, 0, true), annotated(0, 1, false), annotated(1, 0, true)].map((t) => ({ problemId: t.problemId, trajectory: t, label: t.correct }));

const released = (q: string, good: string, bad: string) => ({
  chosen: [{ role: "user", content: q }, { role: "assistant", content: "```python\nprint(1/0)\n```" }, { role: "user", content: "```output\nZeroDivisionError: division by zero\n```" }, { role: "assistant", content: `So \\boxed{${good}}.` }],
  rejected: [{ role: "user", content: q }, { role: "assistant", content: "```python\nwhile True: pass\n```" }, { role: "user", content: "```output\nTimeout Error\n```" }, { role: "assistant", content: `The answer is ${bad}` }],
});

test("mathagent rollout and annotated files: one example per trajectory, labelled when graded", async () => {
  const raw = await openPreferenceData(jsonl(at("r.jsonl"), [trajectory(0, 0, true), trajectory(0, 1, false)]), { dataDir: false });
  assert.equal(raw.format, "mathagent-rollout");
  assert.equal(raw.kind, "examples");
  assert.deepEqual(raw.table.array("label"), [null, null]);
  assert.deepEqual(raw.table.array("tool_calls"), [1, 1]);
  assert.deepEqual(raw.table.array("answer"), ["10", "99"]);
  assert.deepEqual(raw.table.array("gold"), ["10", "10"]);
  const ann = await openPreferenceData(jsonl(at("a.annotated.jsonl"), [annotated(0, 0, true), annotated(0, 1, false)]), { dataDir: false });
  assert.equal(ann.format, "mathagent-annotated");
  assert.deepEqual(ann.table.array("label"), [true, false]);
  assert.equal(exampleView(ann, 1).correct, false);
  assert.deepEqual(sides(ann).array("side"), ["desirable", "undesirable"]);
});

for (const format of ["paper", "trl", "openrlhf"] as const) {
  for (const ext of ["jsonl", "parquet"]) {
    test(`our ${format} pairs export (${ext}) is detected and its sides compared`, async () => {
      const file = at(`pairs-${format}.${ext}`);
      exportPairs(file, pairs, format, { meta: { seed: 0 } });
      const d = await openPreferenceData(file, { dataDir: false });
      assert.equal(d.format, format);
      assert.equal(d.kind, "pairs");
      assert.equal(d.table.numRows(), 3);
      assert.deepEqual(d.table.array("question"), ["What is 0 + 10?", "What is 1 + 10?", "What is 2 + 10?"]);
      assert.deepEqual(d.table.array("chosen_answer"), ["10", "11", "12"]);
      assert.deepEqual(d.table.array("rejected_answer"), ["99", "100", "101"]);
      assert.deepEqual(d.table.array("answers_differ"), [true, true, true]);
      assert.deepEqual(d.table.array("chosen_tool_calls"), [1, 1, 1]);
      assert.deepEqual(d.table.array("gold"), ["10", "11", "12"]);
      assert.equal(pairView(d, 0).chosen.steps.length, 2);
    });
  }
  test(`our ${format} KTO export is detected with its labels`, async () => {
    const file = at(`kto-${format}.jsonl`);
    exportKto(file, kto, format, { meta: {} });
    const d = await openPreferenceData(file, { dataDir: false });
    assert.equal(d.format, format === "paper" ? "paper-kto" : `${format}-kto`);
    assert.deepEqual(d.table.array("label"), [true, false, true]);
    assert.deepEqual(d.table.array("answer"), ["10", "99", "11"]);
  });
}

test("the paper's released pairs: error kinds, answers, a duplicate and a GSM8K test question", async () => {
  const rows = [released(gsm8kQuestion, "18", "16"), released("What is 2 + 2?", "4", "4"), released(gsm8kQuestion, "18", "16")];
  const d = await openPreferenceData(jsonl(at("released.jsonl"), rows), { dataDir });
  assert.equal(d.format, "released-pairs");
  assert.deepEqual(d.table.array("chosen_error_kind"), ["ZeroDivisionError", "ZeroDivisionError", "ZeroDivisionError"]);
  assert.deepEqual(d.table.array("rejected_error_kind"), ["Timeout", "Timeout", "Timeout"]);
  assert.deepEqual(d.table.array("rejected_ended_in_error"), [true, true, true]);
  assert.deepEqual(d.table.array("answers_differ"), [true, false, true]);
  assert.deepEqual(d.table.array("duplicate_of"), [null, null, 0]);
  assert.deepEqual(d.table.array("test_overlap"), ["gsm8k", "", "gsm8k"]);
  assert.deepEqual(d.table.array("overlap_kind"), ["exact", "", "exact"]);
  const look = checksOf(d).filter((c) => c.verdict === "look").map((c) => c.check);
  assert.ok(look.includes("duplicate transcripts"));
  assert.ok(look.includes("both sides give the same final answer"));
  assert.ok(look.includes("rejected side ended in an interpreter error"));
  assert.ok(look.includes("prompts overlapping GSM8K/MATH test questions"));
});

test("a tokenizer gives text layouts token counts: the question and each message, model-written apart", async () => {
  const tokenizer = at("char-tokenizer.json");
  fs.writeFileSync(tokenizer, JSON.stringify({ type: "char", specials: ["<unk>"], chars: [] }));
  const row = released("What is 2 + 2?", "4", "5");
  const file = jsonl(at("released-tokens.jsonl"), [row]);
  const d = await openPreferenceData(file, { dataDir: false, tokenizer });
  const chars = (msgs: { role: string; content: string }[], role?: string) => msgs.slice(1).filter((m) => !role || m.role === role).reduce((n, m) => n + [...m.content].length, 0);
  const question = [..."What is 2 + 2?"].length;
  assert.deepEqual(d.table.array("chosen_tokens"), [question + chars(row.chosen)]);
  assert.deepEqual(d.table.array("chosen_model_tokens"), [chars(row.chosen, "assistant")]);
  assert.deepEqual(d.table.array("rejected_model_tokens"), [chars(row.rejected, "assistant")]);
  assert.deepEqual((await openPreferenceData(file, { dataDir: false })).table.array("chosen_tokens"), [null]);
  const cli = await runCli(["inspect", file, "--no-overlap", "--tokenizer", tokenizer]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, new RegExp(`chosen: mean model tokens: ${chars(row.chosen, "assistant")}\\n`));
});

test("implicit rewards and margins from log-probs in the rows or a loss file", async () => {
  const rounded = (d: Awaited<ReturnType<typeof openPreferenceData>>, column: string) => Array.from(d.table.array(column) as number[], (x) => Number(x.toFixed(6)));
  const logps = (chosen: number, rejected: number) => ({
    policy_chosen: [-1, chosen], ref_chosen: [-1, -1], mask_chosen: [0, 1],
    policy_rejected: [-2, rejected], ref_rejected: [-2, -2], mask_rejected: [0, 1],
  });
  const text = [{ prompt: "Q1?", chosen: "\\boxed{1}", rejected: "\\boxed{2}" }, { prompt: "Q2?", chosen: "\\boxed{3}", rejected: "\\boxed{4}" }];
  const carried = await openPreferenceData(jsonl(at("carried.jsonl"), text.map((r, i) => ({ ...r, ...logps(i === 0 ? -0.5 : -3, -2.5) }))), { dataDir: false });
  // β·(log π − log π_ref) over masked tokens: chosen 0.1·(−0.5+1) = 0.05, rejected 0.1·(−2.5+2) = −0.05
  assert.deepEqual(rounded(carried, "chosen_reward"), [0.05, -0.2]);
  assert.deepEqual(rounded(carried, "reward_margin"), [0.1, -0.15]);
  const loss = jsonl(at("loss.jsonl"), [logps(-0.5, -2.5), logps(-3, -2.5)]);
  const given = await openPreferenceData(jsonl(at("plain.jsonl"), text), { dataDir: false, logProbs: loss, beta: 1 });
  assert.deepEqual(rounded(given, "reward_margin"), [1, -1.5]);
  await assert.rejects(openPreferenceData(at("plain.jsonl"), { dataDir: false, logProbs: jsonl(at("short.jsonl"), [logps(-1, -1)]) }), /short\.jsonl.*1 loss rows for 2 dataset rows/);
  const cli = await runCli(["inspect", at("plain.jsonl"), "--no-overlap", "--log-probs", loss]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /mean implicit reward margin: -0\.025\nchosen reward higher \(share of pairs\): 0\.5\n/);
});

test("a MATH test problem reworded around a 13-word run is a 13-gram overlap", async () => {
  const problem = (JSON.parse(fs.readFileSync(path.join(dataDir, "math", "test.jsonl"), "utf8").split("\n")[0]!) as { problem: string }).problem;
  const d = await openPreferenceData(jsonl(at("math.jsonl"), [{ prompt: `Please solve: ${problem} Think step by step.`, chosen: "\\boxed{2}", rejected: "\\boxed{3}" }]), { dataDir });
  assert.equal(d.table.get("test_overlap", 0), "math");
  assert.equal(d.table.get("overlap_kind", 0), "13-gram");
});

test("generic {prompt, chosen, rejected} strings, as a folder of Parquet shards", async () => {
  const dir = at("shards");
  fs.mkdirSync(dir);
  const cols = ["prompt", "chosen", "rejected"].map((name) => ({ name, kind: "string" as const }));
  const row = (i: number) => ({ prompt: `Question ${i}?`, chosen: `Let me run it.\n\`\`\`output\n${i}\n\`\`\`\nSo \\boxed{${i}}.`, rejected: `\\boxed{${i + 1}}` });
  writeExport(path.join(dir, "part-0001.parquet"), [row(1), row(2)], cols);
  writeExport(path.join(dir, "part-0000.parquet"), [row(0)], cols);
  const d = await openPreferenceData(dir, { dataDir: false });
  assert.equal(d.format, "prompt-chosen-rejected");
  assert.equal(d.files.length, 2);
  assert.deepEqual(d.table.array("question"), ["Question 0?", "Question 1?", "Question 2?"]);
  assert.deepEqual(d.table.array("chosen_turns"), [2, 2, 2]);
  assert.deepEqual(d.table.array("chosen_tool_calls"), [1, 1, 1]);
  assert.deepEqual(d.table.array("rejected_tool_calls"), [0, 0, 0]);
  assert.match(String(d.table.get("source", 2)), /part-0001\.parquet:2$/);
});

test("generic {prompt, chosen, rejected} with message lists (TRL conversational, no metadata)", async () => {
  const d = await openPreferenceData(jsonl(at("conv.jsonl"), [{ prompt: [{ role: "user", content: "Q?" }], chosen: [{ role: "assistant", content: "\\boxed{1}" }], rejected: [{ role: "assistant", content: "\\boxed{2}" }] }]), { dataDir: false });
  assert.equal(d.format, "prompt-chosen-rejected");
  assert.equal(d.table.get("chosen_answer", 0), "1");
});

test("a tokens Parquet: token counts per side", async () => {
  const list = (name: string) => [
    { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", type: "INT32", repetition_type: "REQUIRED" },
  ];
  const names = ["chosen_input_ids", "chosen_labels", "rejected_input_ids", "rejected_labels"];
  const buf = parquetWriteBuffer({
    columnData: [{ name: "problem_id", data: ["p0"] }, ...names.map((name, i) => ({ name, data: [i % 2 ? [-100, -100, 5, 6] : [1, 2, 5, 6]] }))] as never,
    schema: [{ name: "root", num_children: 5 }, { name: "problem_id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" }, ...names.flatMap(list)] as never,
  });
  const file = at("tokens.parquet");
  fs.writeFileSync(file, new Uint8Array(buf));
  const d = await openPreferenceData(file, { dataDir: false });
  assert.equal(d.format, "tokens");
  assert.equal(d.table.get("chosen_tokens", 0), 4);
  assert.equal(d.table.get("chosen_model_tokens", 0), 2);
  assert.equal(d.table.get("problem_id", 0), "p0");
});

test("unknown and malformed files are named with the row and what was expected", async () => {
  await assert.rejects(openPreferenceData(jsonl(at("odd.jsonl"), [{ text: "hi", score: 1 }]), { dataDir: false }), (e: Error) => {
    assert.match(e.message, /odd\.jsonl:1: a row with fields \{text, score\} is no known preference layout/);
    assert.match(e.message, /released-pairs: the paper's released pairs/);
    return true;
  });
  const bad = jsonl(at("bad.jsonl"), [released("Q", "1", "2"), { chosen: [{ role: "user", content: "Q" }], rejected: [{ role: "assistant", content: 5 }] }]);
  await assert.rejects(openPreferenceData(bad, { dataDir: false }), /bad\.jsonl:2: field rejected\[0\]: expected string content, found number 5 \(expected the paper's released pairs/);
  fs.writeFileSync(at("torn.jsonl"), JSON.stringify(released("Q", "1", "2")) + "\n{\"chosen\": [");
  await assert.rejects(openPreferenceData(at("torn.jsonl"), { dataDir: false }), /torn\.jsonl:2: truncated last line/);
  fs.writeFileSync(at("x.csv"), "a,b\n");
  await assert.rejects(openPreferenceData(at("x.csv"), { dataDir: false }), /x\.csv: expected a \.jsonl or \.parquet file/);
  fs.mkdirSync(at("arrow"));
  fs.writeFileSync(at("arrow/data-00000-of-00001.arrow"), "");
  await assert.rejects(openPreferenceData(at("arrow"), { dataDir: false }), /arrow: a folder of Arrow files/);
  await assert.rejects(openPreferenceData(at("missing.jsonl"), { dataDir: false }), /missing\.jsonl: no such file/);
});

test("observation texts: error kinds and transcripts split at output fences", () => {
  assert.equal(errorKind("```output\nTraceback (most recent call last):\nNameError: name 'x' is not defined\n```"), "NameError");
  assert.equal(errorKind("```output\nsympy.core.sympify.SympifyError: bad\n```"), "SympifyError");
  assert.equal(errorKind("```output\nTimeout Error\n```"), "Timeout");
  assert.equal(errorKind("```output\n42\n```"), null);
  assert.equal(errorKind("```output\nError rate: 5\n```"), null);
  assert.deepEqual(splitTranscript("a\n```output\n1\n```\nb").map((m) => m.role), ["assistant", "user", "assistant"]);
});

test("mathagent inspect prints the detected format, the sides and the checks; a bad file exits 1 naming it", async () => {
  const file = at("cli-released.jsonl");
  jsonl(file, [released(gsm8kQuestion, "18", "16"), released("What is 2 + 2?", "4", "5")]);
  const ok = await runCli(["inspect", file]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^format: released-pairs \(the paper's released pairs/);
  assert.match(ok.stdout, /chosen: mean tool calls: 1/);
  assert.match(ok.stdout, /LOOK {2}prompts overlapping GSM8K\/MATH test questions +1 of 2/);
  const bad = await runCli(["inspect", at("odd.jsonl")]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /odd\.jsonl:1: a row with fields/);
});
