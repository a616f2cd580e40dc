// `mathagent exec`: JSON Lines in, one JSON line per snippet out, in input order; bad lines give
// an error record naming the line; -c runs one snippet.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { command } from "../../src/cli/commands/exec.js";
import { UsageError } from "../../src/cli/command.js";

function io(stdinText = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(stdinText);
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  return { io: { stdout, stderr, stdin }, out: () => out, err: () => err };
}

test("exec --input: results in input order, sessions, invalid lines named", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-exec-"));
  const file = path.join(dir, "snippets.jsonl");
  fs.writeFileSync(
    file,
    [
      JSON.stringify({ id: "slow", code: "import time\ntime.sleep(0.3)\nprint('slow')" }),
      JSON.stringify({ id: 2, code: "print(1 + 1)" }),
      "{not json",
      JSON.stringify({ id: "s1", code: "a = 20", session: "traj" }),
      JSON.stringify({ id: "s2", code: "a + 22", session: "traj" }),
      JSON.stringify({ id: 6 }),
      "",
      JSON.stringify({ id: 7, code: "1/0" }),
    ].join("\n") + "\n",
  );
  const t = io();
  const rc = await command.run(["--input", file, "--workers", "2", "--timeout-ms", "5000"], t.io);
  const lines = t.out().trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(rc, 1, "invalid lines make the exit code 1");
  assert.deepEqual(lines.map((l) => l.id), ["slow", 2, null, "s1", "s2", 6, 7]);
  assert.equal(lines[0].stdout, "slow\n");
  assert.equal(lines[1].stdout, "2\n");
  assert.equal(lines[2].status, "invalid");
  assert.match(lines[2].error, /snippets\.jsonl line 3: /);
  assert.equal(lines[4].value, "42");
  assert.match(lines[5].error, /line 6: missing string field "code"/);
  assert.equal(lines[6].status, "error");
  assert.match(lines[6].error, /ZeroDivisionError/);
  for (const k of ["stdout", "stderr", "value", "error", "timedOut", "truncated", "durationMs"]) assert.ok(k in lines[0], k);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("exec -c and --text", async () => {
  const a = io();
  assert.equal(await command.run(["-c", "print(6 * 7)"], a.io), 0);
  assert.equal(JSON.parse(a.out()).stdout, "42\n");
  const b = io();
  assert.equal(await command.run(["-c", "x = 1", "--text", "--backend", "subprocess"], b.io), 0);
  assert.equal(b.out(), "Result is not defined\n");
});

test("exec reads stdin with --input - and runs the subprocess backend", async () => {
  const t = io(JSON.stringify({ id: 1, code: "sum(range(5))" }) + "\n");
  assert.equal(await command.run(["--input", "-", "--backend", "subprocess", "--workers", "1"], t.io), 0);
  assert.equal(JSON.parse(t.out()).value, "10");
});

test("exec: usage errors", async () => {
  await assert.rejects(command.run([], io().io), UsageError);
  await assert.rejects(command.run(["-c", "1", "--backend", "java"], io().io), UsageError);
  await assert.rejects(command.run(["-c", "1", "--timeout-ms", "-3"], io().io), UsageError);
  await assert.rejects(command.run(["--input", "/nonexistent/file.jsonl"], io().io), /\/nonexistent\/file\.jsonl: no such file/);
});
