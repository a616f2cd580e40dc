import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileError, readJson, readJsonl, readLineRecords, readLines, readNotebook, RowError, type SkippedRow } from "../../src/io/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-io-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: string | Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
};
async function all<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

test("offsets are byte positions: CRLF, a BOM and invalid UTF-8 never shift them", async () => {
  const bytes = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"a":1}\r\n'),
    Buffer.from('{"b":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\r\n'),
    Buffer.from("\n"),
    Buffer.from('{"c":"é😀\u05d0"}\n'),
    Buffer.from('{"d":'),
  ]);
  const p = file("mixed.jsonl", bytes);
  const recs = await all(readLineRecords(p));
  assert.deepEqual(recs.map((r) => r.line), [1, 2, 3, 4, 5]);
  assert.equal(recs[0]!.offset, 0);
  assert.equal(recs[0]!.text, '{"a":1}');
  for (let i = 1; i < recs.length; i++) assert.equal(recs[i]!.offset, recs[i - 1]!.end, `line ${i + 1} starts where ${i} ends`);
  assert.equal(recs.at(-1)!.end, bytes.length);
  assert.deepEqual(recs.map((r) => r.terminated), [true, true, true, true, false]);
  assert.deepEqual(recs.map((r) => r.validUtf8), [true, false, true, true, true]);
  assert.equal(recs[3]!.text, '{"c":"é😀\u05d0"}');
  // truncating at a line's offset keeps exactly the lines before it
  assert.equal(bytes.subarray(0, recs[4]!.offset).toString("latin1").endsWith('"}\n'), true);
  assert.equal(recs[4]!.offset, bytes.length - 5);
  const plain = await all(readLines(p));
  assert.deepEqual(Object.keys(plain[0]!).sort(), ["end", "line", "offset", "text"]);
  assert.deepEqual(plain.map((r) => r.offset), recs.map((r) => r.offset));
});

test("lines longer than a read chunk keep exact offsets", async () => {
  const big = "x".repeat(3 * 2 ** 20 + 7);
  const p = file("big.txt", `a\n${big}\r\nb`);
  const recs = await all(readLines(p));
  assert.deepEqual(recs.map((r) => [r.offset, r.end, r.text.length]), [
    [0, 2, 1],
    [2, 2 + big.length + 2, big.length],
    [big.length + 4, big.length + 5, 1],
  ]);
});

test("an empty file has no lines; a missing file and a directory are named as such", async () => {
  assert.deepEqual(await all(readLines(file("empty.jsonl", ""))), []);
  await assert.rejects(all(readLines(path.join(dir, "nope.jsonl"))), (e: unknown) => e instanceof FileError && /nope\.jsonl: no such file$/.test(e.message));
  await assert.rejects(all(readLines(dir)), (e: unknown) => e instanceof FileError && e.message === `${dir}: is a directory, expected a file`);
});

test("readJsonl names FILE:LINE for bad JSON, invalid UTF-8, a torn last line and a wrong shape; lenient skips and counts", async () => {
  const p = file("rows.jsonl", Buffer.concat([Buffer.from('{"id":"a","n":1}\n\n{"id":"b",\n{"id":"'), Buffer.from([0xff]), Buffer.from('","n":2}\n{"id":"c","n":"3"}\n{"id":"d","n":4}\n{"id":"e"')]));
  await assert.rejects(all(readJsonl(p)), (e: unknown) => e instanceof RowError && e.line === 3 && /rows\.jsonl:3: not valid JSON/.test(e.message));
  const skipped: SkippedRow[] = [];
  const shape = { object: { id: "string", n: "integer" } } as const;
  const rows = await all(readJsonl(p, { lenient: true, skipped, shape }));
  assert.deepEqual(rows.map((r) => (r.value as { id: string }).id), ["a", "d"]);
  assert.deepEqual(skipped.map((s) => s.line), [3, 4, 5, 7]);
  assert.match(skipped[1]!.reason, /not valid UTF-8/);
  assert.equal(skipped[2]!.reason, 'field n: expected an integer, found a string "3"');
  assert.match(skipped[3]!.reason, /truncated last line/);
});

test("nested wrong types are named by their path", async () => {
  const p = file("nested.jsonl", '{"steps":[{"text":"a"},null]}\n');
  const shape = { object: { steps: { array: { object: { text: "string" } } } } } as const;
  await assert.rejects(all(readJsonl(p, { shape })), /nested\.jsonl:1: field steps\[1\]: expected an object, found null$/);
});

test("readJson strips a BOM and names the line of a syntax error; readNotebook checks the cells", () => {
  assert.deepEqual(readJson(file("bom.json", "\ufeff{\"a\": [1]}")), { a: [1] });
  assert.throws(() => readJson(file("bad.json", '{\n  "a": 1,\n  "b": }\n')), (e: unknown) => e instanceof RowError && e.line === 3);
  assert.throws(() => readJson(file("empty.json", "")), /empty\.json: empty, expected JSON/);
  assert.throws(() => readNotebook(file("nb.ipynb", '{"cells": [{"cell_type": "code"}]}')), /nb\.ipynb: not a Jupyter notebook: field notebook\.cells\[0\]\.source: expected a string or an array of strings, found nothing/);
  assert.equal(readNotebook(file("ok.ipynb", '{"cells": [], "nbformat": 4}')).cells.length, 0);
});
