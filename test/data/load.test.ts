import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lastBoxed, loadProblems, RowError } from "../../src/data/index.js";
import { MathagentError } from "../../src/errors.js";
import { sharedDataDir } from "../helpers/env.js";

sharedDataDir();

test("every GSM8K test row yields a non-empty numeric answer", async () => {
  const problems = await loadProblems("gsm8k", "test");
  assert.equal(problems.length, 1319);
  for (const p of problems) assert.match(p.answer, /^-?\d+(\.\d+)?$/, `${p.id}: ${p.answer}`);
  assert.equal(problems[0]!.answer, "18");
  assert.equal(new Set(problems.map((p) => p.id)).size, 1319);
});

test("every MATH test row yields a non-empty answer, level and subject", async () => {
  const problems = await loadProblems("math", "test");
  assert.equal(problems.length, 5000);
  for (const p of problems) {
    assert.ok(p.answer.trim().length > 0, p.id);
    assert.ok(p.subject, p.id);
  }
  assert.equal(problems[0]!.answer, "2");
  assert.equal(problems.filter((p) => p.level !== undefined).length, 5000);
  assert.deepEqual([...new Set(problems.map((p) => p.subject))].sort(), [
    "Algebra", "Counting & Probability", "Geometry", "Intermediate Algebra", "Number Theory", "Prealgebra", "Precalculus",
  ]);
});

test("on MATH-500 the boxed answer of the solution equals the file's own answer field on all 500", async () => {
  const problems = await loadProblems("math500", "test");
  assert.equal(problems.length, 500);
  for (const p of problems) assert.equal(lastBoxed(p.solution!), p.answer, p.id);
});

test("MATH-500 problems are all in MATH test with the same answer", async () => {
  const math = new Map((await loadProblems("math", "test")).map((p) => [p.question.trim(), p.answer]));
  for (const p of await loadProblems("math500", "test")) assert.equal(math.get(p.question.trim()), p.answer, p.id);
});

function withDataDir(files: Record<string, string>, fn: () => Promise<void>, check = "off"): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-data-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const saved = process.env["MATHAGENT_DATA_DIR"];
  process.env["MATHAGENT_DATA_DIR"] = dir;
  process.env["MATHAGENT_DATA_CHECK"] = check;
  return fn().finally(() => {
    process.env["MATHAGENT_DATA_DIR"] = saved;
    delete process.env["MATHAGENT_DATA_CHECK"];
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test("a malformed row names its file and line", async () => {
  const good = JSON.stringify({ question: "q", answer: "a\n#### 3" });
  await withDataDir({ "gsm8k/test.jsonl": `${good}\n\n{"question": "q"\n` }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), (err: unknown) => {
      assert.ok(err instanceof RowError);
      assert.equal(err.line, 3);
      assert.match(err.message, /gsm8k\/test\.jsonl:3: not valid JSON/);
      return true;
    });
  });
  await withDataDir({ "gsm8k/test.jsonl": `${good}\n${JSON.stringify({ question: "q", answer: 18 })}\n` }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), /test\.jsonl:2: field answer: expected a non-empty string, found number 18$/);
  });
  await withDataDir({ "gsm8k/test.jsonl": `\ufeff${good}\r\n${good}\r\n` }, async () => {
    assert.equal((await loadProblems("gsm8k", "test")).length, 2, "a BOM and CRLF endings are accepted");
  });
  await withDataDir({ "gsm8k/test.jsonl": `${good}\n${JSON.stringify({ question: "q", answer: "no final" })}\n` }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), /test\.jsonl:2: .*####/);
  });
  await withDataDir({ "math/test.jsonl": `${JSON.stringify({ problem: "p", solution: "no box", level: "Level 1", type: "Algebra" })}\n` }, async () => {
    await assert.rejects(loadProblems("math", "test"), /test\.jsonl:1: .*boxed/);
  });
});

test("missing data says how to get it", async () => {
  await withDataDir({}, async () => {
    await assert.rejects(loadProblems("math", "test"), (err: unknown) => {
      assert.ok(err instanceof MathagentError);
      assert.match(err.message, /mathagent data fetch/);
      assert.match(err.message, /MATHAGENT_DATA_DIR/);
      return true;
    });
  });
  await assert.rejects(loadProblems("gsm8k", "validation"), /has no split "validation"/);
});

const sharedFile = (rel: string) => fs.readFileSync(path.join(sharedDataDir(), rel));

test("a dataset file that differs from the manifest is refused, pointing to data verify; rows and off accept an edited copy", async () => {
  const gsm = sharedFile("gsm8k/test.jsonl");
  const cut = gsm.subarray(0, gsm.lastIndexOf(0x0a, gsm.length - 2) + 1);
  const edited = Buffer.from(gsm.toString("utf8").replace("Janet", "Jane"));
  await withDataDir({ "gsm8k/test.jsonl": cut.toString("utf8") }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), /gsm8k\/test\.jsonl: does not match data\/manifest\.json .*mathagent data verify.*MATHAGENT_DATA_CHECK=off/);
  }, "sha256");
  await withDataDir({ "gsm8k/test.jsonl": "" }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), /does not match data\/manifest\.json \(0 bytes/);
  }, "sha256");
  await withDataDir({ "gsm8k/test.jsonl": cut.toString("utf8") }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), /gsm8k\/test\.jsonl: has 1318 rows, data\/manifest\.json expects 1319/);
  }, "rows");
  await withDataDir({ "gsm8k/test.jsonl": edited.toString("utf8") }, async () => {
    assert.equal((await loadProblems("gsm8k", "test")).length, 1319, "rows: same count, edited text accepted");
  }, "rows");
  await withDataDir({ "gsm8k/test.jsonl": cut.toString("utf8") }, async () => {
    assert.equal((await loadProblems("gsm8k", "test")).length, 1318);
  }, "off");
});

test("a directory in place of a dataset file is named as such", async () => {
  await withDataDir({ "gsm8k/test.jsonl/x": "" }, async () => {
    await assert.rejects(loadProblems("gsm8k", "test"), /gsm8k\/test\.jsonl: is a directory, expected a file$/);
  });
});

test("the check is cached per file while its size and modification time stay the same", async () => {
  const gsm = sharedFile("gsm8k/test.jsonl");
  await withDataDir({ "gsm8k/test.jsonl": gsm.toString("utf8") }, async () => {
    const file = path.join(process.env["MATHAGENT_DATA_DIR"]!, "gsm8k/test.jsonl");
    const atime = new Date(1_700_000_000_000);
    const mtime = new Date(1_700_000_000_000);
    fs.utimesSync(file, atime, mtime);
    assert.equal((await loadProblems("gsm8k", "test")).length, 1319);
    const same = Buffer.from(gsm.toString("utf8").replace("Janet", "Jenat"));
    fs.writeFileSync(file, same);
    fs.utimesSync(file, atime, mtime);
    assert.equal((await loadProblems("gsm8k", "test")).length, 1319, "unchanged stat: not hashed again");
    fs.utimesSync(file, atime, new Date(mtime.getTime() + 1000));
    await assert.rejects(loadProblems("gsm8k", "test"), /does not match data\/manifest\.json/);
  }, "sha256");
});
