import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { getTemplate, split } from "../../src/chat/index.js";
import { UsageError } from "../../src/cli/command.js";
import { command as rolloutCommand } from "../../src/cli/commands/rollout.js";
import { HttpPolicy } from "../../src/policy/index.js";
import { assignSamples, readTrajectories, rollout, type RolloutOptions, type Trajectory } from "../../src/rollout/index.js";
import { FakeInterpreter, makeProblems } from "../helpers/scripted-policy.js";
import { ScriptedServer } from "../helpers/scripted-server.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-mix-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const template = getTemplate("gemma");

/** A server that says who it is, and (for a code turn) runs one block first. */
function server(name: string, delay = 0): Promise<ScriptedServer> {
  return new ScriptedServer({
    respond: (r) => {
      const k = split(template, r.prompt).turns.length;
      return { text: k === 0 ? "```python\nprint(1)\n```" : `${name} says \\boxed{1}` };
    },
    delayMs: () => delay,
  }).start();
}

function checkShares(rows: Trajectory[], problems: number, shares: Record<string, number>) {
  const byProblem = new Map<string, Trajectory[]>();
  for (const t of rows) byProblem.set(t.problemId, [...(byProblem.get(t.problemId) ?? []), t]);
  assert.equal(byProblem.size, problems);
  const total = Object.values(shares).reduce((a, b) => a + b, 0);
  for (const [id, ts] of byProblem) {
    assert.equal(ts.length, total, `${id}: every sample once`);
    assert.equal(new Set(ts.map((t) => t.sample)).size, total);
    for (const [name, share] of Object.entries(shares)) {
      const mine = ts.filter((t) => t.policyName === name);
      assert.equal(mine.length, share, `${id}: ${name} wrote ${share}`);
      // the text proves which server answered, the record says which policy
      for (const t of mine) assert.ok(t.steps.at(-1)!.text.startsWith(`${name} says`), `${id}#${t.sample} came from ${name}'s server`);
    }
  }
}

test("assignSamples: contiguous ranges in mixture order; bad mixtures refused", () => {
  const a = { name: "a", policy: {} as HttpPolicy, share: 2 };
  const b = { name: "b", policy: {} as HttpPolicy, share: 1 };
  assert.deepEqual(assignSamples([a, b]).map((x) => x.name), ["a", "a", "b"]);
  assert.throws(() => assignSamples([a, { ...a }]), /appears twice/);
  assert.throws(() => assignSamples([{ ...a, share: 0 }]), /positive integer share/);
  assert.throws(() => assignSamples([{ ...a, name: "a b" }]), /must be letters/);
});

test("mixture: shares exact per prompt, recorded per trajectory, survive an abort and resume", async () => {
  const cur = await server("cur", 3);
  const prev = await server("prev", 5);
  try {
    const problems = makeProblems(6);
    const out = path.join(tmp, "mix.jsonl");
    const base: RolloutOptions = {
      problems,
      mixture: [
        { name: "cur", policy: new HttpPolicy({ endpoints: cur.url }), share: 3 },
        { name: "prev", policy: new HttpPolicy({ endpoints: prev.url }), share: 2 },
      ],
      template,
      interpreter: () => new FakeInterpreter(),
      seedMode: "sample",
      seed: 100,
      concurrency: 4,
      out,
    };
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(rollout({ ...base, signal: ac.signal, onTrajectory: () => ++n === 11 && ac.abort() }), (e: Error) => e.name === "AbortError");
    const mid = (await readTrajectories(out)).trajectories.length;
    assert.ok(mid >= 11 && mid < 30, `${mid} rows after the abort`);
    const res = await rollout(base);
    assert.equal(res.resumed, mid);
    assert.equal(res.written, 30 - mid);
    const rows = (await readTrajectories(out)).trajectories;
    assert.equal(fs.readFileSync(out, "utf8").trimEnd().split("\n").length, 30, "no duplicate rows");
    checkShares(rows, 6, { cur: 3, prev: 2 });
    for (const t of rows) assert.equal(t.seed, 100 + t.sample);
    // another mixture cannot extend this file
    await assert.rejects(
      rollout({ ...base, mixture: [base.mixture![1]!, base.mixture![0]!].map((e, i) => ({ ...e, share: i === 0 ? 2 : 3 })) }),
      /mix\.jsonl:\d+: p\d sample \d was written by policy "(cur|prev)" but this run's mixture gives it to "(cur|prev)"/,
    );
    await assert.rejects(rollout({ ...base, samples: 4 }), /samples is 4 but the mixture's shares add up to 5/);
  } finally {
    await cur.close();
    await prev.close();
  }
});

test("mathagent rollout --server NAME=URL … --mix: the paper's mixture from the command line", async () => {
  const cur = await server("cur");
  const prev = await server("prev");
  const problems = path.join(tmp, "problems.jsonl");
  fs.writeFileSync(problems, makeProblems(3).map((p) => JSON.stringify(p)).join("\n") + "\n");
  const stderr = new PassThrough();
  const io = { stdout: new PassThrough(), stderr, stdin: new PassThrough() };
  const args = (out: string, ...more: string[]) => ["--family", "gemma", "--problems", problems, "--out", out, "--quiet", "--execution", "session", "--workers", "1", ...more];
  try {
    const out = path.join(tmp, "cli-mix.jsonl");
    const code = await rolloutCommand.run(args(out, "--server", `cur=${cur.url}`, "--server", `prev=${prev.url}`, "--mix", "cur:2,prev:1"), io);
    assert.equal(code, 0);
    const rows = (await readTrajectories(out)).trajectories;
    checkShares(rows, 3, { cur: 2, prev: 1 });
    for (const t of rows) {
      assert.equal(t.protocol, "paper-collect");
      assert.equal(t.temperature, 1);
      assert.equal(t.horizon, 6);
      assert.equal(t.seed, t.sample, "paper-collect: seed + sample");
    }
    const usage = (more: string[], re: RegExp) => assert.rejects(rolloutCommand.run(args(path.join(tmp, "x.jsonl"), ...more), io), (e: unknown) => e instanceof UsageError && re.test(e.message));
    await usage(["--server", `cur=${cur.url}`, "--mix", "cur:2,prev:1"], /mixture entry "prev" has no server/);
    await usage(["--server", `cur=${cur.url}`, "--server", `prev=${prev.url}`], /several --server groups need --mix/);
    await usage(["--server", `cur=${cur.url}`, "--server", `prev=${prev.url}`, "--mix", "cur:2"], /server "prev" is not in the mixture/);
    await usage(["--server", cur.url, "--mix", "cur:2"], /every server needs a name/);
    await usage(["--server", `cur=${cur.url}`, "--mix", "cur:0"], /not NAME:SHARE with a positive integer share/);
    await usage(["--server", `cur=${cur.url}`, "--mix", "cur:2", "--samples", "3"], /--samples 3 but the mixture's shares add up to 2/);
  } finally {
    await cur.close();
    await prev.close();
  }
});
