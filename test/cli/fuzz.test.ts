/**
 * Issue 16's fuzz suite for the commands whose code reads dataset files and notebooks: every case
 * ends with the right exit code, a message naming the file (and the line, for a bad row), no stack
 * trace, and files that existed before left byte-identical or correctly replaced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadProblems } from "../../src/data/index.js";
import { MathagentError } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";
import { sharedDataDir } from "../helpers/env.js";
import { type FuzzCase, jsonlCases, runMain, STACK_TRACE } from "../helpers/fuzz-cases.js";

const shared = sharedDataDir();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-fuzz-"));
process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const tally = { cases: 0, stackTraces: 0, lost: 0 };

function firstRows(rel: string, n: number): Record<string, unknown>[] {
  const text = fs.readFileSync(path.join(shared, rel), "utf8");
  return text.split("\n").slice(0, n).map((l) => JSON.parse(l) as Record<string, unknown>);
}

const math500 = firstRows("math500/test.jsonl", 3);
const MATH500_CASES = jsonlCases({
  good: math500.map((r) => JSON.stringify(r)),
  wrongTypes: [
    { name: "a row that is a number", row: "5" },
    { name: "a row that is an array", row: "[1, 2]" },
    { name: "problem is null", row: JSON.stringify({ ...math500[1], problem: null }) },
    { name: "solution is a number", row: JSON.stringify({ ...math500[1], solution: 7 }) },
    { name: "problem is an object", row: JSON.stringify({ ...math500[1], problem: { text: "x" } }) },
  ],
  duplicates: { rows: [math500[0], math500[1], math500[0]].map((r) => JSON.stringify(r)), badLine: 3 },
  unicode: JSON.stringify({ ...math500[2], problem: "מה הוא 2+2? 😀 ثلاثة" }).replace("?", "?\\u0000"),
});

async function withDataDir<T>(build: (dir: string) => void, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(root, "data-"));
  build(dir);
  return fn(dir);
}

function snapshot(file: string): Buffer | "absent" | "directory" {
  if (!fs.existsSync(file)) return "absent";
  return fs.statSync(file).isDirectory() ? "directory" : fs.readFileSync(file);
}

test("the dataset loader: every bad file is a MathagentError naming FILE:LINE; good variants load", async () => {
  const saved = process.env["MATHAGENT_DATA_DIR"];
  process.env["MATHAGENT_DATA_CHECK"] = "off";
  try {
    for (const c of MATH500_CASES) {
      tally.cases++;
      await withDataDir(
        (dir) => {
          fs.mkdirSync(path.join(dir, "math500"));
          c.build(path.join(dir, "math500", "test.jsonl"));
        },
        async (dir) => {
          process.env["MATHAGENT_DATA_DIR"] = dir;
          const file = path.join(dir, "math500", "test.jsonl");
          const got = await loadProblems("math500", "test").then(
            (p) => ({ ok: p.length }),
            (e: unknown) => ({ error: e }),
          );
          checkLoader(c, file, got);
        },
      );
    }
  } finally {
    process.env["MATHAGENT_DATA_DIR"] = saved;
    delete process.env["MATHAGENT_DATA_CHECK"];
  }
});

function checkLoader(c: FuzzCase, file: string, got: { ok: number } | { error: unknown }): void {
  const e = c.expect;
  if (e.kind === "ok") return assert.deepEqual(got, { ok: e.rows }, c.name);
  if (e.kind === "empty") return assert.deepEqual(got, { ok: 0 }, c.name);
  assert.ok("error" in got, `${c.name}: expected an error`);
  const err = got.error;
  if (!(err instanceof MathagentError)) tally.stackTraces++;
  assert.ok(err instanceof MathagentError, `${c.name}: ${String(err)}`);
  const where = e.kind === "bad" ? `${escape(file)}:${e.line === "any" ? "\\d+" : e.line}: ` : escape(file);
  assert.match(err.message, new RegExp(`^${where}`), c.name);
  if (e.kind === "directory") assert.match(err.message, /is a directory/, c.name);
  if (e.kind === "missing") assert.match(err.message, /mathagent data fetch/, c.name);
}

test("data verify: each bad dataset file is named (with its first bad line), exit 1, no stack, the file untouched", async () => {
  const GSM = firstRows("gsm8k/test.jsonl", 3);
  const cases = jsonlCases({
    good: GSM.map((r) => JSON.stringify(r)),
    wrongTypes: [{ name: "answer is null", row: JSON.stringify({ ...GSM[1], answer: null }) }],
    unicode: JSON.stringify({ ...GSM[2], question: "כמה זה 2+2? 😀" }).replace("?", "?\\u0000"),
  });
  const results = [];
  for (const c of cases) {
    results.push(
      await
      withDataDir(
        (dir) => {
          fs.mkdirSync(path.join(dir, "gsm8k"));
          c.build(path.join(dir, "gsm8k", "test.jsonl"));
        },
        async (dir) => {
          const file = path.join(dir, "gsm8k", "test.jsonl");
          const before = snapshot(file);
          const r = await runMain(["data", "verify", "--dir", dir]);
          return { c, file, before, after: snapshot(file), r };
        },
      ),
    );
  }
  for (const { c, file, before, after, r } of results) {
    tally.cases++;
    if (STACK_TRACE.test(r.stdout + r.stderr)) tally.stackTraces++;
    if (!(before === after || (Buffer.isBuffer(before) && Buffer.isBuffer(after) && before.equals(after)))) tally.lost++;
    assert.equal(r.code, 1, `${c.name}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout + r.stderr, STACK_TRACE, c.name);
    assert.deepEqual(after, before, `${c.name}: data verify changed the file`);
    const row = r.stdout.split("\n").find((l) => l.includes(" gsm8k/test.jsonl"))!;
    const e = c.expect;
    if (e.kind === "missing") assert.match(row, /^missing +gsm8k\/test\.jsonl$/, c.name);
    else if (e.kind === "directory") assert.match(row, /^not-a-file gsm8k\/test\.jsonl \(a directory, expected a file\)$/, c.name);
    else if (e.kind === "bad") assert.match(row, new RegExp(`^corrupted .*; \\d+ bad, first ${escape(file)}:${e.line === "any" ? "\\d+" : e.line}: `), c.name);
    else assert.match(row, new RegExp(`^corrupted .*; ${e.kind === "ok" ? e.rows : 0} rows, expected 1319\\)$`), c.name);
  }
});

const NOTEBOOK = (cells: object[], extra: object = {}) =>
  JSON.stringify({ cells, metadata: { kernelspec: { name: "mathagent", display_name: "mathagent (TypeScript)" } }, nbformat: 4, nbformat_minor: 5, ...extra }, null, 1);
const md = (source: string, id = "m0") => ({ cell_type: "markdown", id, metadata: {}, source });

const NOTEBOOK_CASES: FuzzCase[] = [
  { name: "empty", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, "") },
  { name: "missing", expect: { kind: "missing" }, build: () => undefined },
  { name: "directory", expect: { kind: "directory" }, build: (f) => fs.mkdirSync(f) },
  { name: "invalid-json", expect: { kind: "bad", line: 3 }, build: (f) => fs.writeFileSync(f, '{\n "cells": [],\n "metadata": {,\n "nbformat": 4\n}\n') },
  { name: "cells-number", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, '{"cells": 5}') },
  { name: "source-numbers", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, '{"cells": [{"cell_type": "code", "source": [1, 2]}]}') },
  { name: "array", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, "[]") },
  { name: "fifty-mb", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, Buffer.concat([Buffer.from('{"cells": ['), Buffer.alloc(50 * 1024 * 1024, "x")])) },
  { name: "garbage", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))) },
  { name: "truncated", expect: { kind: "bad", line: "any" }, build: (f) => fs.writeFileSync(f, NOTEBOOK([md("# hi")]).slice(0, 40)) },
  { name: "bom", expect: { kind: "ok", rows: 1 }, build: (f) => fs.writeFileSync(f, "\ufeff" + NOTEBOOK([md("# with a BOM")])) },
  { name: "crlf", expect: { kind: "ok", rows: 1 }, build: (f) => fs.writeFileSync(f, NOTEBOOK([md("# CRLF\nline")]).replace(/\n/g, "\r\n")) },
  { name: "rtl-emoji-nul", expect: { kind: "ok", rows: 1 }, build: (f) => fs.writeFileSync(f, NOTEBOOK([md("שלום 😀 مرحبا \u0000 end")])) },
  { name: "duplicate-ids", expect: { kind: "ok", rows: 1 }, build: (f) => fs.writeFileSync(f, NOTEBOOK([md("a", "same"), md("b", "same")])) },
];

test("report: broken notebooks fail by name, the others still run, index.html is always written, no stack", async () => {
  const dir = fs.mkdtempSync(path.join(root, "nb-"));
  const out = path.join(dir, "out");
  fs.mkdirSync(out);
  const files = NOTEBOOK_CASES.map((c) => path.join(dir, `${c.name}.ipynb`));
  NOTEBOOK_CASES.forEach((c, i) => c.build(files[i]!));
  const code = path.join(dir, "code.ipynb");
  fs.writeFileSync(code, NOTEBOOK([{ cell_type: "code", id: "c0", metadata: {}, source: 'console.log("still ran")', outputs: [], execution_count: null }]));
  const previous = new Map(NOTEBOOK_CASES.map((c) => [c.name, Buffer.from(`previous ${c.name}.html`)]));
  for (const [name, bytes] of previous) fs.writeFileSync(path.join(out, `${name}.html`), bytes);
  const r = await runCli(["report", "--out", out, ...files.slice(0, 7), code, ...files.slice(7)], { timeoutMs: 240_000 });
  const all = r.stdout + r.stderr;
  tally.cases += NOTEBOOK_CASES.length;
  if (STACK_TRACE.test(all)) tally.stackTraces++;
  assert.doesNotMatch(all, STACK_TRACE);
  assert.equal(r.code, 1);
  const okCount = NOTEBOOK_CASES.filter((c) => c.expect.kind === "ok").length + 1;
  assert.equal(r.stdout.trim().split("\n").at(-1), `${okCount} passed, ${NOTEBOOK_CASES.length + 1 - okCount} failed`);
  assert.match(fs.readFileSync(path.join(out, "code.ipynb"), "utf8"), /still ran/);
  const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
  NOTEBOOK_CASES.forEach((c, i) => {
    const html = fs.readFileSync(path.join(out, `${c.name}.html`));
    if (c.expect.kind === "ok") {
      assert.match(r.stdout, new RegExp(`^ok   ${escape(files[i]!)} `, "m"), c.name);
      assert.ok(html.length > 1000, `${c.name}: its page is written`);
      return;
    }
    const where = c.expect.kind === "bad" && c.expect.line !== "any" ? `:${c.expect.line}:` : "(:\\d+)?:";
    assert.match(r.stdout, new RegExp(`^FAIL ${escape(files[i]!)}${where} `, "m"), c.name);
    assert.match(index, new RegExp(`<td>${escape(c.name)}</td><td><span style="color:#c1121f">failed: `), c.name);
    if (!html.equals(previous.get(c.name)!)) tally.lost++;
    assert.deepEqual(html, previous.get(c.name), `${c.name}: a previous output was changed`);
  });
});

test("fuzz totals", () => {
  console.log(`# fuzz: ${tally.cases} cases, ${tally.stackTraces} stack traces, ${tally.lost} files lost or changed`);
  assert.equal(tally.stackTraces, 0);
  assert.equal(tally.lost, 0);
});
