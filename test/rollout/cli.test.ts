import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { getTemplate, split } from "../../src/chat/index.js";
import { UsageError } from "../../src/cli/command.js";
import { command as evalCommand } from "../../src/cli/commands/eval.js";
import { command as rolloutCommand } from "../../src/cli/commands/rollout.js";
import { projectPath } from "../../src/paths.js";
import { readTrajectories } from "../../src/rollout/index.js";
import { hash32 } from "../../src/rollout/text.js";
import { makeProblems } from "../helpers/scripted-policy.js";
import { ScriptedServer } from "../helpers/scripted-server.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-cli-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  return { io: { stdout, stderr, stdin: new PassThrough() }, out: () => out, err: () => err };
}

function writeProblems(file: string, n: number) {
  fs.writeFileSync(file, makeProblems(n).map((p) => JSON.stringify(p)).join("\n") + "\n");
}

test("mathagent eval: real interpreter, grading, accuracy table per level and subject", async () => {
  const template = getTemplate("gemma");
  // odd problems answer right after one tool call, even ones answer wrong without tools
  const server = await new ScriptedServer({
    respond: (r) => {
      const conv = split(template, r.prompt);
      const [, a, b] = conv.question.match(/what is (\d+) \+ (\d+)/)!;
      const i = Number(a);
      if (i % 2 === 0) return { text: `I think it is \\boxed{${Number(a) + Number(b) + 1}}.` };
      if (conv.turns.length === 0) return { text: `\`\`\`python\nprint(${a} + ${b})\n\`\`\`\n` };
      return { text: `The output is ${conv.turns[1]!.text}, so \\boxed{${conv.turns[1]!.text}}.` };
    },
  }).start();
  try {
    const problemsFile = path.join(tmp, "problems.jsonl");
    writeProblems(problemsFile, 6);
    const out = path.join(tmp, "eval.jsonl");
    const json = path.join(tmp, "eval.json");
    const c = io();
    const code = await evalCommand.run(["--server", server.url, "--family", "gemma", "--problems", problemsFile, "--out", out, "--json", json, "--quiet"], c.io);
    assert.equal(code, 0, c.err());
    assert.match(c.out(), /6 trajectories in .*eval\.jsonl \(6 new, 0 resumed\)/);
    assert.match(c.out(), /overall\s+6\s+6\s+3\s+50\.0/);
    assert.match(c.out(), /subject Algebra\s+3\s+3\s+3\s+100\.0/);
    assert.match(c.out(), /subject Prealgebra\s+3\s+3\s+0\s+0\.0/);
    const report = JSON.parse(fs.readFileSync(json, "utf8"));
    assert.equal(report.rows[0].group, "overall");
    assert.equal(report.settings.temperature, 0);
    const trajs = (await readTrajectories(out)).trajectories;
    assert.equal(trajs.find((t) => t.problemId === "p1")!.steps[0]!.observationText, "4");
    // rerun: everything resumed, same table
    const c2 = io();
    assert.equal(await evalCommand.run(["--server", server.url, "--family", "gemma", "--problems", problemsFile, "--out", out, "--quiet"], c2.io), 0);
    assert.match(c2.out(), /\(0 new, 6 resumed\)/);
    assert.match(c2.out(), /overall\s+6\s+6\s+3\s+50\.0/);
  } finally {
    await server.close();
  }
});

test("mathagent rollout: user mistakes are usage errors", async () => {
  const c = io();
  await assert.rejects(rolloutCommand.run(["--family", "gemma", "--out", "x"], c.io), (e: unknown) => e instanceof UsageError && /--server/.test(e.message));
  await assert.rejects(rolloutCommand.run(["--server", "http://127.0.0.1:1", "--family", "gpt9", "--out", "x", "--problems", "p"], c.io), /--family: expected one of gemma, .*found "gpt9"/);
  await assert.rejects(rolloutCommand.run(["--server", "http://127.0.0.1:1", "--family", "qwen", "--out", "x"], c.io), /exactly one of --dataset/);
  await assert.rejects(rolloutCommand.run(["--server", "http://127.0.0.1:1", "--family", "qwen", "--out", "x", "--problems", "p", "--samples", "0"], c.io), /--samples: expected an integer ≥ 1, found "0"/);
  await assert.rejects(rolloutCommand.run(["--server", "nope", "--family", "qwen", "--out", "x", "--problems", path.join(tmp, "problems.jsonl")], c.io), /not a URL/);
});

test("kill -9 mid-run, same command again: every pair exactly once, finished lines untouched", async () => {
  const template = getTemplate("qwen");
  const server = await new ScriptedServer({
    respond: (r) => {
      const q = split(template, r.prompt).question;
      const [, a, b] = q.match(/what is (\d+) \+ (\d+)/)!;
      return { text: `Adding gives \\boxed{${Number(a) + Number(b)}}.` };
    },
    delayMs: (r) => 30 + (hash32(r.prompt + String(r.body.seed)) % 60),
  }).start();
  try {
    const problemsFile = path.join(tmp, "kill-problems.jsonl");
    writeProblems(problemsFile, 30);
    const out = path.join(tmp, "kill.jsonl");
    const args = [
      "--import", "tsx", projectPath("src", "cli", "main.ts"), "rollout",
      "--server", server.url, "--family", "qwen", "--problems", problemsFile,
      "--samples", "2", "--temperature", "1", "--concurrency", "4", "--out", out,
    ];
    const child = spawn(process.execPath, args, { cwd: projectPath(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (_code, sig) => r(sig === "SIGKILL" ? -9 : _code)));
    // wait for some lines, then kill -9
    const deadline = Date.now() + 30_000;
    for (;;) {
      const n = fs.existsSync(out) ? fs.readFileSync(out, "utf8").split("\n").length - 1 : 0;
      if (n >= 8) break;
      if (Date.now() > deadline) throw new Error(`child wrote ${n} lines in 30 s; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    assert.equal(await exited, -9, "the child was killed, not finished");
    const before = fs.readFileSync(out);
    const partial = await readTrajectories(out);
    assert.ok(partial.trajectories.length >= 8 && partial.trajectories.length < 60, `${partial.trajectories.length} lines after kill`);

    const again = spawn(process.execPath, args, { cwd: projectPath(), stdio: ["ignore", "pipe", "pipe"] });
    let out2 = "";
    let err2 = "";
    again.stdout.on("data", (d) => (out2 += d));
    again.stderr.on("data", (d) => (err2 += d));
    const code = await new Promise<number | null>((r) => again.on("exit", (c) => r(c)));
    assert.equal(code, 0, err2);
    assert.match(out2, /60 trajectories in .* resumed\)/);
    const after = fs.readFileSync(out);
    // bytes up to the last complete line before the kill are unchanged
    const keep = before.lastIndexOf(0x0a) + 1;
    assert.ok(after.subarray(0, keep).equals(before.subarray(0, keep)));
    const final = await readTrajectories(out);
    assert.equal(final.warnings.length, 0, final.warnings.join("\n"));
    const keys = final.trajectories.map((t) => `${t.problemId}#${t.sample}`);
    assert.equal(keys.length, 60);
    assert.equal(new Set(keys).size, 60);
    assert.equal(fs.readFileSync(out, "utf8").trimEnd().split("\n").length, 60, "no duplicate lines");
    assert.ok(final.trajectories.every((t) => t.finish === "answer" && t.transcript.includes(`\\boxed{${t.gold}}`)));
  } finally {
    await server.close();
  }
});
