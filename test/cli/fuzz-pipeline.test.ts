/**
 * Issue 16's fuzz cases and kill test for the commands owned by the pipeline and protocol helpers
 * (annotate, pairs, kto, metrics, rollout, eval): exit code, a message naming file and line, no
 * stack trace, earlier outputs byte-identical or correctly extended.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getTemplate, split } from "../../src/chat/index.js";
import { projectPath } from "../../src/paths.js";
import { seededRandom } from "../../src/random.js";
import { type FuzzCase, jsonlCases, runMain, STACK_TRACE, trajectory } from "../helpers/fuzz-cases.js";
import { makeProblems } from "../helpers/scripted-policy.js";
import { ScriptedServer } from "../helpers/scripted-server.js";


const root = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-fuzzp-"));
process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const good = [trajectory(0, 0, true), trajectory(0, 1, false), trajectory(1, 0, true)];
const at = (i: number, patch: (t: Record<string, unknown>) => void) => {
  const t = structuredClone(good[i]!);
  patch(t);
  return JSON.stringify(t);
};
const TRAJECTORY_CASES = jsonlCases({
  good: good.map((t) => JSON.stringify(t)),
  wrongTypes: [
    { name: "row is a string", row: '"trajectory"' },
    { name: "sample is text", row: at(1, (t) => (t.sample = "1")) },
    { name: "steps is null", row: at(1, (t) => (t.steps = null)) },
    { name: "steps[0] is null", row: at(1, (t) => ((t.steps as unknown[])[0] = null)) },
    { name: "steps[1].text is a number", row: at(1, (t) => (((t.steps as Record<string, unknown>[])[1]!).text = 5)) },
    { name: "steps[0].observation is text", row: at(1, (t) => (((t.steps as Record<string, unknown>[])[0]!).observation = "x")) },
    { name: "gold is an array", row: at(1, (t) => (t.gold = ["18"])) },
  ],
  duplicates: { rows: [good[0], good[1], good[0]].map((t) => JSON.stringify(t)), badLine: null },
  unicode: at(2, (t) => (t.question = "מה הוא 1+10? 😀 \u0000")),
});

interface Target {
  name: string;
  args: (input: string, out: string) => string[];
  /** Output files the command writes beside `out`. */
  outputs: (out: string) => string[];
}
const TARGETS: Target[] = [
  { name: "annotate", args: (i, o) => ["annotate", "--input", i, "--out", o, "--quiet"], outputs: (o) => [o] },
  { name: "pairs", args: (i, o) => ["pairs", "--input", i, "--out", o, "--format", "trl", "--skip-filter", "all", "--quiet"], outputs: (o) => [o, o.replace(/\.jsonl$/, ".meta.json")] },
  { name: "kto", args: (i, o) => ["kto", "--input", i, "--out", o, "--format", "trl", "--skip-filter", "all", "--quiet"], outputs: (o) => [o, o.replace(/\.jsonl$/, ".meta.json")] },
  { name: "metrics", args: (i) => ["metrics", "--input", i, "--bootstrap", "0", "--quiet"], outputs: () => [] },
];

const snapshot = (files: string[]) => files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f).toString("base64") : "absent"));

for (const target of TARGETS) {
  for (const lenient of [false, true]) {
    test(`${target.name}${lenient ? " --lenient" : ""}: every bad file gives exit 1 naming FILE:LINE (or skips and counts), no stack, earlier outputs intact`, async () => {
      const failures: string[] = [];
      for (const c of TRAJECTORY_CASES) {
        try {
          await runCase(target, c, lenient);
        } catch (e) {
          failures.push(`${c.name}: ${(e as Error).message.split("\n")[0]}`);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${TRAJECTORY_CASES.length} cases fail`);
    });
  }
}

async function runCase(target: Target, c: FuzzCase, lenient: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(root, `${target.name}-`));
  const input = path.join(dir, "rollouts.jsonl");
  const out = path.join(dir, "out.jsonl");
  fs.writeFileSync(path.join(dir, "seed.jsonl"), good.map((t) => JSON.stringify(t) + "\n").join(""));
  await runMain(target.args(path.join(dir, "seed.jsonl"), out)); // a previous, good output
  const before = snapshot(target.outputs(out));
  c.build(input);
  const r = await runMain([...target.args(input, out), ...(lenient ? ["--lenient"] : [])]);
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, STACK_TRACE, `${c.name}: ${all}`);
  const e = c.expect;
  if (c.name === "truncated last line" && r.code === 0) {
    // a torn last line (a run still being written, or killed) may be skipped with a warning naming it
    assert.match(r.stderr, new RegExp(`${escape(input)}:3: .*torn`), `${c.name}: ${all}`);
    return;
  }
  const failed = e.kind === "missing" || e.kind === "directory" || e.kind === "empty" || (e.kind === "bad" && !lenient);
  if (failed) {
    assert.equal(r.code, 1, `${c.name}: ${all}`);
    const where = e.kind === "bad" ? `${escape(input)}:${e.line === "any" ? "\\d+" : e.line}: ` : escape(input);
    assert.match(r.stderr, new RegExp(where), c.name);
    assert.deepEqual(snapshot(target.outputs(out)), before, `${c.name}: the earlier output changed`);
    return;
  }
  if (e.kind === "bad") assert.match(r.stderr, /skipped \d+ line/, c.name);
  if (r.code === 1 && target.outputs(out).length > 0) {
    // what is left after skipping may give no rows (no pair, say): refused, the earlier output kept
    assert.match(r.stderr, /no rows .*nothing was written \(pass --force/, `${c.name}: ${all}`);
    assert.deepEqual(snapshot(target.outputs(out)), before, `${c.name}: the earlier output changed`);
    return;
  }
  if (r.code === 1 && target.outputs(out).length === 0) {
    // a command with no output file (metrics) refuses to measure nothing: exit 1 naming the file
    assert.match(r.stderr, new RegExp(`${escape(input)}: no trajectories`), `${c.name}: ${all}`);
    return;
  }
  assert.equal(r.code, 0, `${c.name}: ${all}`);
  for (const f of target.outputs(out)) assert.ok(fs.statSync(f).size > 0, `${c.name}: ${f} written`);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes(".tmp-")), [], `${c.name}: no temporary files left`);
}

test("kill -9 at random moments: annotate, pairs and kto leave no debris after the rerun and lose nothing", async () => {
  const dir = fs.mkdtempSync(path.join(root, "kill-"));
  const input = path.join(dir, "rollouts.jsonl");
  const rows: string[] = [];
  for (let p = 0; p < 400; p++) for (let s = 0; s < 4; s++) rows.push(JSON.stringify(trajectory(p, s, (p + s) % 3 !== 0)));
  fs.writeFileSync(input, rows.join("\n") + "\n");
  const rand = seededRandom(16);
  let killed = 0;
  for (const target of TARGETS.slice(0, 3)) {
    const out = path.join(dir, `${target.name}.jsonl`);
    const argv = ["--import", "tsx", projectPath("src", "cli", "main.ts"), ...target.args(input, out)];
    // kill moments spread over one whole run's duration on this machine, so they land while it runs
    const t0 = Date.now();
    await new Promise((r) => spawn(process.execPath, argv, { cwd: projectPath(), stdio: "ignore" }).on("close", r));
    const runMs = Date.now() - t0;
    for (let k = 0; k < 4; k++) {
      const child = spawn(process.execPath, argv, { cwd: projectPath(), stdio: "ignore" });
      const closed = new Promise((r) => child.on("close", r));
      await new Promise((r) => setTimeout(r, 100 + rand() * Math.max(0, runMs - 300)));
      if (child.exitCode === null) killed++;
      child.kill("SIGKILL");
      await closed;
      for (const f of target.outputs(out)) if (fs.existsSync(f)) assert.ok(fs.statSync(f).size > 0, `${f} is never left empty or partial`);
    }
    const r = await runMain(target.args(input, out));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes(".tmp-")), [], `${target.name}: no debris after the rerun`);
  }
  const annotated = fs.readFileSync(path.join(dir, "annotate.jsonl"), "utf8").trim().split("\n");
  assert.equal(annotated.length, rows.length, "annotate: nothing lost");
  assert.ok(killed >= 6, `only ${killed} of 12 kills landed while a command ran`);
});

test("rollout and eval resume: a bad resume file is named with its line and left byte-identical; a torn one is extended correctly", async () => {
  const template = getTemplate("qwen");
  const server = await new ScriptedServer({
    respond: (r) => {
      const [, a, b] = split(template, r.prompt).question.match(/what is (\d+) \+ (\d+)/)!;
      return { text: `Adding gives \\boxed{${Number(a) + Number(b)}}.` };
    },
  }).start();
  try {
    const problems = path.join(root, "problems.jsonl");
    fs.writeFileSync(problems, makeProblems(4).map((p) => JSON.stringify(p)).join("\n") + "\n");
    const args = (out: string) => ["rollout", "--server", server.url, "--family", "qwen", "--problems", problems, "--samples", "1", "--temperature", "1", "--out", out];
    const fresh = path.join(root, "fresh.jsonl");
    assert.equal((await runMain(args(fresh))).code, 0);
    const rows = fs.readFileSync(fresh, "utf8").trim().split("\n");
    const cases = jsonlCases({ good: rows.slice(0, 3), wrongTypes: [{ name: "steps[0] is null", row: rows[1]!.replace(/"steps":\[\{/, '"steps":[null,{') }], unicode: rows[2]!.replace('"transcript":"', '"transcript":"שלום 😀 \\u0000 ') });
    for (const c of cases) {
      const out = path.join(root, `resume-${c.name.replace(/\W+/g, "-")}.jsonl`);
      c.build(out);
      const before = fs.existsSync(out) && fs.statSync(out).isFile() ? fs.readFileSync(out) : null;
      const r = await runMain(args(out));
      assert.doesNotMatch(r.stdout + r.stderr, STACK_TRACE, c.name);
      const e = c.expect;
      if (e.kind === "bad" && c.name !== "truncated last line") {
        assert.equal(r.code, 1, c.name);
        assert.match(r.stderr, new RegExp(`${escape(out)}:${e.line === "any" ? "\\d+" : e.line}: `), c.name);
        assert.deepEqual(fs.readFileSync(out), before, `${c.name}: the resume file changed`);
      } else if (e.kind === "directory") {
        assert.equal(r.code, 1, c.name);
        assert.match(r.stderr, new RegExp(`${escape(out)}: is a directory`), c.name);
      } else {
        assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
        const lines = fs.readFileSync(out, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
        assert.equal(new Set(lines.map((l) => JSON.parse(l.replace(/^\ufeff/, "")).problemId as string)).size, 4, `${c.name}: every problem once`);
      }
    }
  } finally {
    await server.close();
  }
});
