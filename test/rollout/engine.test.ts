import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getTemplate, split, type Family } from "../../src/chat/index.js";
import { HttpPolicy } from "../../src/policy/index.js";
import { readTrajectories, rollout, type RolloutOptions, type Trajectory } from "../../src/rollout/index.js";
import { ScriptedServer, type Fault } from "../helpers/scripted-server.js";
import { expectedTrajectory, FakeInterpreter, makeProblems, scriptedReply } from "../helpers/scripted-policy.js";
import { hash32 } from "../../src/rollout/text.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-rollout-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const tmpFile = () => path.join(tmp, `out-${fileNo++}.jsonl`);

function turnOf(family: Family, prompt: string): number {
  return split(getTemplate(family), prompt).turns.filter((t) => t.role === "model").length;
}

function checkAll(trajs: Trajectory[], family: Family, problems: ReturnType<typeof makeProblems>, samples: number, runSeed: number, horizon: number) {
  const t = getTemplate(family);
  assert.equal(trajs.length, problems.length * samples);
  const keys = new Set(trajs.map((x) => `${x.problemId}#${x.sample}`));
  assert.equal(keys.size, trajs.length, "every pair exactly once");
  for (const p of problems) {
    for (let s = 0; s < samples; s++) {
      const got = trajs.find((x) => x.problemId === p.id && x.sample === s);
      assert.ok(got, `missing ${p.id}#${s}`);
      const exp = expectedTrajectory(t, p, s, { runSeed, horizon });
      assert.equal(got.transcript, exp.transcript, `${p.id}#${s} transcript`);
      assert.equal(got.finish, exp.finish, `${p.id}#${s} finish`);
      assert.equal(got.toolCalls, exp.toolCalls);
    }
  }
}

async function withServer<T>(opts: ConstructorParameters<typeof ScriptedServer>[0], fn: (s: ScriptedServer) => Promise<T>): Promise<T> {
  const s = await new ScriptedServer(opts).start();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

for (const mode of ["async", "barrier"] as const) {
  test(`${mode}: exact transcripts over loopback HTTP, random delays, every pair once`, async () => {
    const family: Family = mode === "async" ? "gemma" : "llama3";
    const template = getTemplate(family);
    const problems = makeProblems(14);
    await withServer(
      {
        respond: (r) => scriptedReply(template, r),
        delayMs: (r) => hash32(r.prompt) % 25,
        capacity: 4,
      },
      async (server) => {
        const policy = new HttpPolicy({ endpoints: server.url, backoffMs: 5, timeoutMs: 5000 });
        const out = tmpFile();
        const progress: number[] = [];
        const res = await rollout({
          problems,
          policy,
          template,
          interpreter: () => new FakeInterpreter(1),
          samples: 3,
          horizon: 3,
          temperature: 0.7,
          seed: 11,
          concurrency: 4,
          mode,
          out,
          onProgress: (p) => progress.push(p.done),
          grade: (t) => t.transcript.includes(`\\boxed{${t.gold}}`),
        });
        checkAll(res.trajectories, family, problems, 3, 11, 3);
        const onDisk = await readTrajectories(out);
        checkAll(onDisk.trajectories, family, problems, 3, 11, 3);
        assert.equal(res.written, 42);
        assert.equal(progress.at(-1), 42);
        assert.ok(server.maxInFlight <= 4, `server saw ${server.maxInFlight} concurrent requests`);
        // some trajectories hit the horizon, some answer; tokens are summed from usage
        assert.ok(res.trajectories.some((t) => t.finish === "horizon" && t.transcript.endsWith("\nReach max function call limit.")));
        assert.ok(res.trajectories.some((t) => t.finish === "answer" && t.toolCalls > 0));
        const t0 = res.trajectories[0]!;
        assert.equal(t0.completionTokens, t0.steps.reduce((a, s) => a + s.text.length, 0));
        assert.equal(t0.seed, res.trajectories[0]!.seed);
        assert.equal(typeof t0.seed, "number");
        // request order: barrier is turn-synchronous, async is not
        const turns = server.prompts.map((p) => turnOf(family, p));
        const monotone = turns.every((t, i) => i === 0 || t >= turns[i - 1]!);
        if (mode === "barrier") assert.ok(monotone, "barrier mode must finish turn t everywhere before turn t+1");
        else assert.ok(!monotone, "async mode has no per-turn barrier");
      },
    );
  });
}

test("sessions: one interpreter per trajectory, all closed", async () => {
  const template = getTemplate("qwen");
  const problems = makeProblems(6);
  const opened0 = FakeInterpreter.opened;
  const closed0 = FakeInterpreter.closedCount;
  await withServer({ respond: (r) => scriptedReply(template, r) }, async (server) => {
    const res = await rollout({
      problems,
      policy: new HttpPolicy({ endpoints: server.url }),
      template,
      interpreter: () => new FakeInterpreter(),
      samples: 2,
      horizon: 6,
      concurrency: 3,
    });
    checkAll(res.trajectories, "qwen", problems, 2, 0, 6);
    const withTools = res.trajectories.filter((t) => t.toolCalls > 0).length;
    assert.equal(FakeInterpreter.opened - opened0, withTools);
    assert.equal(FakeInterpreter.closedCount - closed0, withTools);
  });
});

const FAULTS: Fault[] = ["http500", "http503", "hang", "reset", "reset-mid-body", "truncated", "bad-shape"];

for (const mode of ["async", "barrier"] as const) {
  test(`${mode}: faults (5xx, hangs, resets, truncated JSON, restart) — run completes, every pair once`, async () => {
    const template = getTemplate("deepseek");
    const problems = makeProblems(10);
    let restarted = false;
    await withServer(
      {
        respond: (r) => scriptedReply(template, r),
        delayMs: (r) => hash32(r.prompt) % 10,
        fault: (r) => {
          if (r.index === 25 && !restarted) {
            restarted = true;
            return "restart";
          }
          const h = hash32(`f${r.index}`) % 100;
          return h < 35 ? FAULTS[h % FAULTS.length] : undefined;
        },
        restartDownMs: 150,
      },
      async (server) => {
        const retried: string[] = [];
        const policy = new HttpPolicy({
          endpoints: server.url,
          timeoutMs: 400,
          backoffMs: 5,
          maxBackoffMs: 50,
          retries: 30,
          onRetry: (i) => retried.push(i.error),
        });
        const out = tmpFile();
        const res = await rollout({ problems, policy, template, interpreter: () => new FakeInterpreter(), samples: 2, horizon: 4, seed: 3, concurrency: 6, mode, out });
        checkAll(res.trajectories, "deepseek", problems, 2, 3, 4);
        checkAll((await readTrajectories(out)).trajectories, "deepseek", problems, 2, 3, 4);
        assert.ok(server.faults >= 10, `only ${server.faults} faults injected`);
        assert.equal(server.restarts, 1);
        assert.ok(retried.some((e) => /500/.test(e)));
        assert.ok(retried.some((e) => /within 400 ms/.test(e)), "a hang timed out and was retried");
        assert.ok(retried.some((e) => /not valid JSON/.test(e)));
        assert.ok(retried.some((e) => /no string `text`/.test(e)));
        assert.ok(res.trajectories.every((t) => t.finish !== "error"));
      },
    );
  });
}

test("a server that always fails: recorded errors, no crash; a rerun redoes them and its rows supersede", async () => {
  const template = getTemplate("gemma");
  const out = tmpFile();
  const problems = makeProblems(3);
  await withServer({ respond: () => ({ text: "x" }), fault: () => "http500" }, async (server) => {
    const policy = new HttpPolicy({ endpoints: server.url, model: "m", retries: 2, backoffMs: 1 });
    const res = await rollout({ problems, policy, template, interpreter: () => new FakeInterpreter(), samples: 2, out });
    assert.equal(res.trajectories.length, 6);
    for (const t of res.trajectories) {
      assert.equal(t.finish, "error");
      assert.match(t.error!, /HTTP 500.*injected http500/);
      assert.equal(t.steps.length, 1);
      assert.equal(t.steps[0]!.finishReason, null);
    }
  });
  const before = fs.readFileSync(out);
  await withServer({ respond: (r) => scriptedReply(template, r) }, async (server) => {
    const res = await rollout({ problems, policy: new HttpPolicy({ endpoints: server.url }), template, interpreter: () => new FakeInterpreter(), samples: 2, out });
    assert.equal(res.resumed, 0);
    assert.equal(res.written, 6);
    checkAll(res.trajectories, "gemma", problems, 2, 0, 6);
  });
  const after = fs.readFileSync(out);
  assert.ok(after.subarray(0, before.length).equals(before), "error rows stay; redo rows are appended");
  const back = await readTrajectories(out);
  assert.equal(back.warnings.length, 0);
  assert.equal(back.errorKeys.size, 0);
  checkAll(back.trajectories, "gemma", problems, 2, 0, 6);
});

test("a dead server stops the run early instead of filling the file with errors", async () => {
  const dead = await new ScriptedServer({ respond: () => ({ text: "x" }) }).start();
  const url = dead.url;
  await dead.close();
  const out = tmpFile();
  await assert.rejects(
    rollout({
      problems: makeProblems(40),
      policy: new HttpPolicy({ endpoints: url, model: "m", retries: 1, backoffMs: 1 }),
      template: getTemplate("gemma"),
      interpreter: () => new FakeInterpreter(),
      concurrency: 2,
      maxConsecutiveErrors: 4,
      out,
    }),
    /stopped: 4 model calls in a row failed \(last: .*ECONNREFUSED.*\)\. Is the policy server up/,
  );
  const rows = (await readTrajectories(out)).trajectories;
  assert.ok(rows.length <= 4, `${rows.length} error rows written`);
});

test("bad model output becomes recorded steps: unclosed block, nested boxed, 100 KB, empty, length", async () => {
  const template = getTemplate("mistral");
  const big = "y".repeat(100_000);
  const replies: Record<string, string[]> = {
    unclosed: ["```python\nprint(1)", "done \\boxed{1}"],
    nested: ["\\boxed{\\frac{\\boxed{1}}{2}} and ```python\nprint(2)\n```"],
    big: [big + "\n```python\nprint(3)\n```\n", "\\boxed{" + big + "}"],
    empty: [""],
    length: ["```python\nwhile True: pass"],
    weird: ["```python\n\n```\n", "\u0000\uFFFF\uD800 ```output inside"],
  };
  const problems = Object.keys(replies).map((id) => ({ id, question: `Q ${id}`, answer: "1" }));
  await withServer(
    {
      respond: (r) => {
        const conv = split(template, r.prompt);
        const id = conv.question.slice(2);
        const k = conv.turns.filter((t) => t.role === "model").length;
        const list = replies[id]!;
        return { text: list[Math.min(k, list.length - 1)]!, finishReason: id === "length" ? "length" : "stop" };
      },
    },
    async (server) => {
      const out = tmpFile();
      const res = await rollout({ problems, policy: new HttpPolicy({ endpoints: server.url }), template, interpreter: () => new FakeInterpreter(), horizon: 3, out });
      const by = Object.fromEntries(res.trajectories.map((t) => [t.problemId, t]));
      // only closed blocks run (the paper's extractor): an unclosed one gives "Undefined error:"
      assert.equal(by.unclosed!.steps[0]!.unclosedBlock, true);
      assert.equal(by.unclosed!.steps[0]!.code, null);
      assert.equal(by.unclosed!.steps[0]!.observationText, "Undefined error:");
      assert.equal(by.unclosed!.finish, "answer");
      assert.equal(by.unclosed!.toolCalls, 0);
      assert.equal(by.nested!.finish, "answer");
      assert.equal(by.nested!.toolCalls, 0, "a boxed answer ends the trajectory even with code");
      assert.equal(by.big!.steps.length, 2);
      assert.ok(by.big!.transcript.length > 200_000);
      assert.equal(by.empty!.steps.length, 1);
      assert.equal(by.empty!.steps[0]!.text, "");
      assert.equal(by.empty!.finish, "answer");
      // the finish reason plays no part: no "boxed" and a "```python" goes on, here to the horizon
      assert.equal(by.length!.finish, "horizon");
      assert.equal(by.length!.steps.length, 3);
      assert.equal(by.length!.toolCalls, 0);
      assert.equal(by.weird!.steps[0]!.code, "");
      assert.equal(by.weird!.toolCalls, 1);
      // a server that ignored the stop strings: the text is cut at "```output", the raw reply kept
      const w2 = by.weird!.steps[1]!;
      assert.equal(w2.text, "\u0000\uFFFF\uD800", "cut, then right-stripped");
      assert.equal(w2.stopReason, "```output");
      assert.equal(w2.rawText, "\u0000\uFFFF\uD800 ```output inside");
      assert.ok(!by.weird!.transcript.endsWith("inside"));
      // the file round-trips, lone surrogates and all
      const back = await readTrajectories(out);
      assert.equal(back.trajectories.length, problems.length);
    },
  );
});

test("an interpreter that throws or a factory that fails is recorded, not thrown", async () => {
  const template = getTemplate("gemma");
  const problems = makeProblems(8);
  await withServer({ respond: (r) => scriptedReply(template, r) }, async (server) => {
    let n = 0;
    const res = await rollout({
      problems,
      policy: new HttpPolicy({ endpoints: server.url }),
      template,
      interpreter: () => {
        if (n++ % 2) throw new Error("no worker left");
        return { run: async () => Promise.reject(new Error("worker crashed")), close: async () => undefined };
      },
      samples: 2,
    });
    const tooled = res.trajectories.filter((t) => t.steps.some((s) => s.code !== null));
    assert.ok(tooled.length > 2);
    for (const t of tooled) {
      assert.equal(t.finish, "error");
      assert.match(t.error!, /interpreter failed: (worker crashed|no worker left)/);
    }
  });
});

test("shared interpreter modes: replay re-runs earlier blocks, last runs only the turn's", async () => {
  const template = getTemplate("gemma");
  const p = { id: "r", question: "Q r", answer: "0" };
  const seen: Record<string, string[]> = { replay: [], last: [] };
  for (const execution of ["replay", "last"] as const) {
    await withServer(
      {
        respond: (r) => {
          const k = split(template, r.prompt).turns.filter((t) => t.role === "model").length;
          return { text: k < 2 ? `\`\`\`python\nx${k} = ${k}\n\`\`\`\n` : "\\boxed{0}" };
        },
      },
      async (server) => {
        const shared = {
          run: async (code: string) => {
            seen[execution]!.push(code);
            return { stdout: "", stderr: "", value: null, error: null, timedOut: false, truncated: false, durationMs: 0 };
          },
          runCells: () => Promise.reject(new Error("not used by the replay and last modes")),
          close: async () => undefined,
        };
        await rollout({ problems: [p], policy: new HttpPolicy({ endpoints: server.url }), template, interpreter: shared, execution });
      },
    );
  }
  assert.deepEqual(seen.last, ["x0 = 0", "x1 = 1"]);
  assert.equal(seen.replay![0], "x0 = 0");
  assert.match(seen.replay![1]!, /"x0 = 0"[\s\S]*exec\(compile[\s\S]*\nx1 = 1$/);
});

test("resume: abort mid-run, rerun skips finished pairs and never rewrites them", async () => {
  const template = getTemplate("gemma");
  const problems = makeProblems(12);
  await withServer({ respond: (r) => scriptedReply(template, r), delayMs: (r) => 5 + (hash32(r.prompt) % 10) }, async (server) => {
    const out = tmpFile();
    const base: RolloutOptions = { problems, policy: new HttpPolicy({ endpoints: server.url }), template, interpreter: () => new FakeInterpreter(), samples: 2, seed: 5, concurrency: 3, out };
    const ac = new AbortController();
    let seen = 0;
    const opened0 = FakeInterpreter.opened;
    const closed0 = FakeInterpreter.closedCount;
    await assert.rejects(
      rollout({ ...base, signal: ac.signal, onTrajectory: () => ++seen === 9 && ac.abort() }),
      (e: Error) => e.name === "AbortError",
    );
    assert.ok(FakeInterpreter.opened > opened0);
    assert.equal(FakeInterpreter.closedCount - closed0, FakeInterpreter.opened - opened0, "aborted runs close their sessions");
    const before = fs.readFileSync(out);
    const mid = await readTrajectories(out);
    assert.ok(mid.trajectories.length >= 9 && mid.trajectories.length < 24, `${mid.trajectories.length} after abort`);
    const requestsBefore = server.completed;
    const res = await rollout(base);
    assert.equal(res.resumed, mid.trajectories.length);
    assert.equal(res.written, 24 - mid.trajectories.length);
    const after = fs.readFileSync(out);
    assert.ok(after.subarray(0, before.length).equals(before), "finished lines are never rewritten");
    checkAll((await readTrajectories(out)).trajectories, "gemma", problems, 2, 5, 6);
    assert.ok(server.completed > requestsBefore);
    // a third run has nothing to do; with collect false it keeps no rows but still grades them
    let lastProgress: { done: number; graded: number } | undefined;
    const again = await rollout({ ...base, collect: false, grade: () => true, onProgress: (p) => (lastProgress = p) });
    assert.equal(again.written, 0);
    assert.equal(again.resumed, 24);
    assert.equal(again.trajectories.length, 0);
    assert.deepEqual([lastProgress!.done, lastProgress!.graded], [24, 24]);
    assert.ok(fs.readFileSync(out).equals(after));
  });
});

test("resume: a torn last line is ignored with a warning, cut, and its pair redone", async () => {
  const template = getTemplate("gemma");
  const problems = makeProblems(5);
  await withServer({ respond: (r) => scriptedReply(template, r) }, async (server) => {
    const out = tmpFile();
    const base: RolloutOptions = { problems, policy: new HttpPolicy({ endpoints: server.url }), template, interpreter: () => new FakeInterpreter(), out };
    await rollout({ ...base, problems: problems.slice(0, 3) });
    const full = fs.readFileSync(out, "utf8");
    const lines = full.trimEnd().split("\n");
    const torn = lines.slice(0, 2).join("\n") + "\n" + lines[2]!.slice(0, 57);
    fs.writeFileSync(out, torn);
    // a plain reader ignores it too
    const r = await readTrajectories(out);
    assert.equal(r.trajectories.length, 2);
    assert.equal(r.torn, true);
    assert.match(r.warnings[0]!, /out-\d+\.jsonl:3: ignoring a torn last line/);
    const warnings: string[] = [];
    const res = await rollout({ ...base, onWarning: (w) => warnings.push(w) });
    assert.equal(res.resumed, 2);
    assert.equal(res.written, 3);
    assert.ok(warnings.some((w) => /torn last line/.test(w)));
    const text = fs.readFileSync(out, "utf8");
    assert.ok(text.startsWith(lines.slice(0, 2).join("\n") + "\n"));
    checkAll((await readTrajectories(out)).trajectories, "gemma", problems, 1, 0, 6);
  });
});

test("a bad row in the middle names file and line; other settings refuse to resume", async () => {
  const out = tmpFile();
  fs.writeFileSync(out, '{"schema":1}\nnot json\n');
  await assert.rejects(readTrajectories(out), /out-\d+\.jsonl:1: field problemId: expected a string, found nothing/);
  const template = getTemplate("gemma");
  await withServer({ respond: (r) => scriptedReply(template, r) }, async (server) => {
    const out2 = tmpFile();
    const base: RolloutOptions = { problems: makeProblems(2), policy: new HttpPolicy({ endpoints: server.url }), template, interpreter: () => new FakeInterpreter(), out: out2 };
    await rollout(base);
    await assert.rejects(rollout({ ...base, temperature: 0.9 }), /written with temperature=0 but this run has temperature=0.9/);
  });
});

test("chain-of-thought mode: one turn, no interpreter", async () => {
  const template = getTemplate("llama3", "cot");
  await withServer({ respond: () => ({ text: "Step by step... \\boxed{1}" }) }, async (server) => {
    const res = await rollout({ problems: makeProblems(3), policy: new HttpPolicy({ endpoints: server.url }), template });
    assert.equal(res.trajectories.length, 3);
    assert.ok(res.trajectories.every((t) => t.steps.length === 1 && t.finish === "answer" && t.mode === "cot"));
    assert.ok(server.prompts.every((p) => p.includes("Please reason step by step")));
  });
});
