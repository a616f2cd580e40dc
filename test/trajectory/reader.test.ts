import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RowError } from "../../src/data/index.js";
import { newScanState, readTrajectoryFile, type RowIssue, scanRows } from "../../src/trajectory/index.js";
import { readLines } from "../../src/io/lines.js";
import { sharedFile } from "./shared-file.js";

async function rows(file: string, lenient = false, issues: RowIssue[] = []) {
  const out: { line: number; key: string; finish: string }[] = [];
  for await (const { line, trajectory: t } of readTrajectoryFile(file, { lenient, issues })) out.push({ line, key: `${t.problemId}#${t.sample}`, finish: t.finish });
  return out;
}

async function goodLines(): Promise<string[]> {
  const f = await sharedFile();
  return fs.readFileSync(f.file, "utf8").trimEnd().split("\n");
}

test("lines: byte-exact offsets with multi-byte text, a BOM and CRLF ends", async () => {
  const f = await sharedFile();
  const file = path.join(f.dir, "lines.txt");
  const body = "\uFEFFé1\r\n{\"x\":\"ü\"}\n\nlast";
  fs.writeFileSync(file, body);
  const got = [];
  for await (const l of readLines(file)) got.push(l);
  const buf = Buffer.from(body);
  assert.deepEqual(got.map((l) => l.text), ["é1", '{"x":"ü"}', "", "last"]);
  assert.deepEqual(got.map((l) => [l.offset, l.end]), [[0, 8], [8, 19], [19, 20], [20, 24]]);
  assert.equal(buf.subarray(got[1]!.offset, got[1]!.end).toString(), '{"x":"ü"}\n');
});

test("reader: CRLF and a BOM are read like plain lines; offsets let a writer append after the valid prefix", async () => {
  const f = await sharedFile();
  const lines = (await goodLines()).slice(0, 6);
  const plain = path.join(f.dir, "plain.jsonl");
  const crlf = path.join(f.dir, "crlf.jsonl");
  fs.writeFileSync(plain, lines.join("\n") + "\n");
  fs.writeFileSync(crlf, "\uFEFF" + lines.join("\r\n") + "\r\n");
  assert.deepEqual(await rows(crlf), await rows(plain));
  const state = newScanState();
  for await (const r of scanRows(crlf, {}, state)) assert.ok(r.end > r.offset);
  assert.equal(state.validBytes, fs.statSync(crlf).size);
  // A torn last line is ignored with a warning in both modes; the valid prefix stops before it.
  const torn = path.join(f.dir, "torn.jsonl");
  fs.writeFileSync(torn, lines.slice(0, 3).join("\n") + "\n" + lines[3]!.slice(0, 40));
  const issues: RowIssue[] = [];
  const s2 = newScanState();
  for await (const _ of scanRows(torn, { issues }, s2));
  assert.deepEqual(issues.map((i) => [i.line, i.kind]), [[4, "torn"]]);
  assert.equal(s2.validBytes, Buffer.byteLength(lines.slice(0, 3).join("\n") + "\n"));
  assert.equal(s2.torn, true);
});

test("reader: an error row is superseded by its later redo; other repeats keep the first; lenient reading counts bad rows", async () => {
  const f = await sharedFile();
  const all = await goodLines();
  const parsed = all.map((l) => JSON.parse(l) as { problemId: string; sample: number; finish: string });
  const errIdx = parsed.findIndex((t) => t.finish === "error");
  const redoIdx = parsed.findIndex((t, i) => i > errIdx && t.problemId === parsed[errIdx]!.problemId && t.sample === parsed[errIdx]!.sample);
  const okIdx = parsed.findIndex((t) => t.finish === "answer");
  const file = path.join(f.dir, "redo.jsonl");
  const nested = JSON.stringify({ ...JSON.parse(all[okIdx]!), sample: 77, steps: [{ ...JSON.parse(all[okIdx]!).steps[0], observationText: 5 }] });
  fs.writeFileSync(file, [all[errIdx], all[okIdx], all[okIdx], "{oops", nested, all[redoIdx]].join("\n") + "\n");
  const issues: RowIssue[] = [];
  const got = await rows(file, true, issues);
  const key = (i: number) => `${parsed[i]!.problemId}#${parsed[i]!.sample}`;
  assert.deepEqual(got.map((r) => [r.key, r.finish]), [[key(okIdx), "answer"], [key(redoIdx), parsed[redoIdx]!.finish]]);
  assert.notEqual(parsed[redoIdx]!.finish, "error");
  assert.deepEqual(issues.map((i) => [i.line, i.kind]), [[3, "duplicate"], [4, "json"], [5, "shape"]]);
  assert.match(issues[2]!.reason, /^field steps\[0\]\.observationText: expected a string or null, found number 5$/);
  // Strict reading stops at the first bad row, naming file and line.
  await assert.rejects(rows(file), (e: unknown) => e instanceof RowError && /redo\.jsonl:4: not valid JSON/.test(e.message));
  // An error row without a redo stays (at the end, once the file has shown no redo).
  const lone = path.join(f.dir, "lone.jsonl");
  fs.writeFileSync(lone, [all[errIdx], all[okIdx]].join("\n") + "\n");
  assert.deepEqual((await rows(lone)).map((r) => r.finish), ["answer", "error"]);
});

test("reader: a directory and an empty file are named; a resume file may be empty; a nested wrong type names its field", async () => {
  const f = await sharedFile();
  const drain = async (file: string, opts = {}) => {
    for await (const _ of scanRows(file, opts));
  };
  await assert.rejects(drain(f.dir), new RegExp(`^FileError: ${f.dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: is a directory`));
  const empty = path.join(f.dir, "empty.jsonl");
  fs.writeFileSync(empty, "");
  await assert.rejects(drain(empty), /empty\.jsonl: empty file/);
  await drain(empty, { allowEmpty: true });
  const line = JSON.parse((await goodLines())[0]!) as { steps: Record<string, unknown>[] };
  line.steps[0]!.observation = "x";
  const bad = path.join(f.dir, "observation-text.jsonl");
  fs.writeFileSync(bad, JSON.stringify(line) + "\n");
  await assert.rejects(drain(bad), (e: Error) => e instanceof RowError && /observation-text\.jsonl:1: .*steps\[0\]\.observation.*an object or null/.test(e.message));
});
