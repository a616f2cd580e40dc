/**
 * Byte-exact prompts: scripted model turns through `mathagent rollout` (paper-collect) and
 * `mathagent eval` (paper-eval) over loopback HTTP with the real interpreter; every prompt the
 * server receives must equal the paper's loop (paper-reference.ts) byte for byte.
 *
 * Observations on both sides come from the same interpreter through `runCells` +
 * `paperObservationText` (src/rollout/cells.ts): the sandbox's implementation once it has landed,
 * the rollout's fallback before. The observation text itself is tested by the interpreter's tests.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { command as evalCommand } from "../../src/cli/commands/eval.js";
import { command as rolloutCommand } from "../../src/cli/commands/rollout.js";
import { PyodidePool } from "../../src/interpreter/index.js";
import { getTemplate } from "../../src/chat/index.js";
import { HttpPolicy } from "../../src/policy/index.js";
import { paperObservationText, PROTOCOLS, readTrajectories, resolveProtocol, rollout, runCells, type Trajectory } from "../../src/rollout/index.js";
import { ScriptedServer } from "../helpers/scripted-server.js";
import { PAPER_FORMATS, paperAnswerSegment, type PaperFamily, paperTrajectory, rstrip } from "./paper-reference.js";
import { extractPaperAnswer, Grader } from "../../src/grading/index.js";
import { rewardOf } from "../../src/trajectory/index.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-paper-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

interface Turn {
  text: string;
  length?: boolean;
}

// it states 7 in every turn: a rule reading all model text would call the horizon run right
const again = { text: "Once more, 7 it is.\n```python\nprint('again')\n```\n" };

/** The scripted cases: model turns in order (the last one repeats). Trailing white space exercises the right-strip. */
export const CASES: Record<string, Turn[]> = {
  print: [{ text: "Let's compute.\n```python\nprint(2 + 3)\n```\n" }, { text: "The answer is \\boxed{5}.\n" }],
  value: [{ text: "```python\nx = 6 * 7\nx\n```  \n" }, { text: "\\boxed{42}" }],
  fix: [
    { text: "```python\nprint('start')\n1/0\n```\n" },
    { text: "A bug; fix it.\n```python\nprint(10 // 2)\n```\n" },
    { text: "So \\boxed{5}.\n\n" },
  ],
  silent: [{ text: "```python\ny = 3\n```\n" }, { text: "\\boxed{3}" }],
  twoBlocks: [{ text: "```python\na = 2\nprint(a)\n```\nthen\n```python\nprint(a * 10)\n```\n" }, { text: "\\boxed{20}" }],
  unclosed: [{ text: "```python\nprint(7)\n" }, { text: "Closed now.\n```python\nprint(8)\n```" }, { text: "\\boxed{8}" }],
  state: [{ text: "```python\nx = 6\n```\n" }, { text: "```python\nprint(x * 7)\n```\n" }, { text: "\\boxed{42}" }],
  // the open block is closed by the observation's "```output" line: deepseek's runs (z = 5), gemma's is a SyntaxError
  unclosedState: [{ text: "```python\nz = 5" }, { text: "```python\nprint(z)\n```" }, { text: "\\boxed{5}" }],
  warning: [{ text: "```python\nimport warnings\nwarnings.warn('careful')\nprint(1)\n```" }, { text: "\\boxed{1}" }],
  longList: [{ text: "```python\nlist(range(45, 75))\n```\n" }, { text: "\\boxed{45}" }],
  syntax: [{ text: "```python\nprint(1 +)\n```\n" }, { text: "\\boxed{0}" }],
  horizon: [again],
  direct: [{ text: "It is \\boxed{4}.\u00a0 \n\u0085" }],
  length: [{ text: "```python\nprint(9)\n```\nNow let me think about", length: true }, { text: "\\boxed{9}" }],
  heading: [{ text: "#### Step 1\n```python\nprint(12)\n```\n" }, { text: "#### Step 2\nSo \\boxed{12}.\n" }],
};

const FAMILIES: PaperFamily[] = ["gemma", "mistral", "deepseek", "llama3"];

/** Questions carry their case name; leading and trailing white space is stripped by the paper. */
const question = (name: string) => `  [${name}] What does the code print?\n`;
const caseOf = (prompt: string) => /\[(\w+)\] What does/.exec(prompt)![1]!;
/** The model turn a prompt asks for: one per observation so far (the model never writes "```output"). */
const turnOf = (prompt: string) => prompt.split("```output\n").length - 1;

function reply(prompt: string): { text: string; finishReason: "stop" | "length" } {
  const turns = CASES[caseOf(prompt)]!;
  const t = turns[Math.min(turnOf(prompt), turns.length - 1)]!;
  return { text: t.text, finishReason: t.length ? "length" : "stop" };
}

function io() {
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (d) => (err += d));
  return { io: { stdout: new PassThrough(), stderr, stdin: new PassThrough() }, err: () => err };
}

const problemsFile = path.join(tmp, "problems.jsonl");
/** Each case's gold answer: every case that ends with an answer is right, the horizon run has none. */
const GOLD: Record<string, string> = { print: "5", value: "42", fix: "5", silent: "3", twoBlocks: "20", unclosed: "8", state: "42", unclosedState: "5", warning: "1", longList: "45", syntax: "0", horizon: "7", direct: "4", length: "9", heading: "12" };
fs.writeFileSync(problemsFile, Object.keys(CASES).map((name) => JSON.stringify({ id: name, question: question(name), answer: GOLD[name] })).join("\n") + "\n");

let grader: Grader | undefined;
test.after(() => grader?.close());

/** The one reward rule gives the paper's verdict: ToRA's extraction from the paper's last segment. */
async function assertPaperVerdict(family: PaperFamily, name: string, row: Trajectory, final: string): Promise<void> {
  const segment = paperAnswerSegment(family, final);
  const reward = await rewardOf(row, { grader: (grader ??= new Grader()) });
  const want = extractPaperAnswer(segment);
  assert.equal(reward.pred ?? "", want, `${family} ${name}: answer`);
  const verdict = await grader.grade(segment, GOLD[name]!, { mode: "paper", extract: true });
  assert.equal(reward.correct, verdict.correct, `${family} ${name}: verdict`);
  assert.equal(reward.correct, name !== "horizon", `${family} ${name}: only the horizon run is wrong`);
}

const commands = [
  { name: "rollout", command: rolloutCommand, protocol: PROTOCOLS["paper-collect"], args: ["--samples", "1"] },
  { name: "eval", command: evalCommand, protocol: PROTOCOLS["paper-eval"], args: [] as string[] },
];

// The reference's executions, memoised by program list (most cases run the same programs in every family).
let refPool: PyodidePool | undefined;
const memo = new Map<string, Promise<string>>();
const execute = (programs: string[]): Promise<string> => {
  const key = JSON.stringify(programs);
  if (!memo.has(key)) memo.set(key, runCells((refPool ??= new PyodidePool({ workers: 1 })), programs).then(paperObservationText));
  return memo.get(key)!;
};
test.after(() => refPool?.close());

// eval runs the families the paper evaluates (its prompts differ from rollout's only in the horizon)
for (const family of FAMILIES) {
  for (const c of commands.filter((x) => x.name === "rollout" || family === "gemma" || family === "mistral")) {
    test(`${family}, mathagent ${c.name} (${c.protocol.name}): every prompt equals the paper's loop byte for byte`, async () => {
      const bodies: Record<string, unknown>[] = [];
      const server = await new ScriptedServer({
        respond: (r) => {
          bodies.push(r.body);
          return reply(r.prompt);
        },
      }).start();
      const seen = new Map<string, string[]>();
      try {
        const out = path.join(tmp, `${family}-${c.name}.jsonl`);
        const run = io();
        const code = await c.command.run(["--server", server.url, "--family", family, "--problems", problemsFile, "--out", out, "--quiet", "--workers", "1", ...c.args], run.io);
        assert.equal(code, 0, run.err());
        for (const p of server.prompts) {
          const k = caseOf(p);
          seen.set(k, [...(seen.get(k) ?? []), p]);
        }
        const rows = (await readTrajectories(out)).trajectories;
        const horizon = c.protocol.horizon.value;
        for (const name of Object.keys(CASES)) {
          const ref = await paperTrajectory(family, question(name), horizon, async (q) => reply(q).text, execute);
          assert.deepEqual(seen.get(name), ref.queries, `${family} ${name}: prompts`);
          const row = rows.find((t) => t.problemId === name)!;
          assert.equal(row.transcript, ref.final, `${family} ${name}: transcript`);
          assert.equal(row.protocol, c.protocol.name);
          await assertPaperVerdict(family, name, row, ref.final);
          // the record keeps the server's reply; the prompt used its right-stripped text
          row.steps.forEach((st, k) => {
            const sent = CASES[name]![Math.min(k, CASES[name]!.length - 1)]!.text;
            assert.equal(st.rawText ?? st.text, sent, `${family} ${name} step ${k}: raw reply kept`);
            assert.equal(st.text, rstrip(sent));
          });
        }
        // the same sampling fields and the same seed in every request, as the paper's requests
        const p = c.protocol;
        for (const b of bodies) {
          assert.equal(b.seed, p.seed.value);
          assert.equal(b.max_tokens, p.maxTokens.value);
          assert.equal(b.temperature, p.temperature.value);
          assert.equal(b.top_p, p.topP.value);
          assert.equal(b.top_k, p.topK.value);
          assert.deepEqual(b.stop, PAPER_FORMATS[family].stop ?? b.stop);
        }
      } finally {
        await server.close();
      }
    });
  }
}

test("the paper's barrier order with two samples per prompt gives the same prompts", async () => {
  const server = await new ScriptedServer({ respond: (r) => reply(r.prompt) }).start();
  const pool = new PyodidePool({ workers: 1 });
  try {
    const p = resolveProtocol("paper-collect", { samples: 2, horizon: 3 });
    const problems = Object.keys(CASES).map((name) => ({ id: name, question: question(name), answer: "0" }));
    const res = await rollout({
      problems,
      policy: new HttpPolicy({ endpoints: server.url }),
      template: getTemplate("mistral"),
      interpreter: pool,
      ...p,
      mode: "barrier",
      concurrency: 8,
    });
    assert.equal(res.trajectories.length, 2 * problems.length);
    for (const name of Object.keys(CASES)) {
      const ref = await paperTrajectory("mistral", question(name), 3, async (q) => reply(q).text, execute);
      const got = server.prompts.filter((x) => caseOf(x) === name).sort();
      assert.deepEqual(got, [...ref.queries, ...ref.queries].sort(), `${name}: prompts`);
      for (const t of res.trajectories.filter((x) => x.problemId === name)) assert.equal(t.transcript, ref.final);
    }
  } finally {
    await pool.close();
    await server.close();
  }
});
