/**
 * A real rollout file for the pairing and metrics tests: real GSM8K and MATH problems, rolled out
 * by the rollout engine (and written by its writer) with an in-process scripted policy and a fake
 * interpreter. Each trajectory's "kind" is a function of its seed, so the tests know exactly what
 * each filter must remove and which trajectories are correct.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getTemplate, split } from "../../src/chat/index.js";
import { loadProblems, type Problem } from "../../src/data/index.js";
import type { Completion, CompleteOptions, Policy } from "../../src/policy/index.js";
import { hash32, type Interpreter, type Observation, rollout, type Trajectory } from "../../src/rollout/index.js";
import { sharedDataDir } from "../helpers/env.js";

export const KINDS = [
  "direct-correct", // one turn, no tool: too-short
  "tool-correct", // 1–2 tool calls then the right answer: kept
  "tool-wrong", // 1–2 tool calls then a wrong answer: kept
  "tool-wrong-2", // same, another wrong answer
  "error-correct", // a failing program, then the right answer: error-output
  "horizon", // never answers: odd-messages (ends on the observation + note)
  "env-error", // the model call fails at turn 2: env-error
  "dup-correct", // the same transcript for every sample of this kind: duplicate (all but the first)
  "length-wrong", // tool call, then a turn cut by the length limit: kept, wrong (no answer)
] as const;
export type Kind = (typeof KINDS)[number];

export function kindOf(seed: number): Kind {
  return KINDS[hash32(`kind:${seed}`) % KINDS.length]!;
}

export const CORRECT_KINDS: ReadonlySet<Kind> = new Set(["direct-correct", "tool-correct", "error-correct", "dup-correct"]);

function wrongAnswer(gold: string, alt: number): string {
  const w = String(7771 + alt);
  return w === gold ? "7779" : w;
}

function filler(h: number, words: number): string {
  const vocab = ["Let", "us", "compute", "the", "value", "carefully", "now", "then", "check", "it"];
  return Array.from({ length: words }, (_, i) => vocab[(h >>> (i % 20)) % vocab.length]).join(" ");
}

/** The scripted model: a turn per (question, seed, turn index). */
export class FixturePolicy implements Policy {
  readonly name = "fixture:scripted";
  private readonly template = getTemplate("gemma");
  constructor(private readonly byQuestion: Map<string, Problem>) {}

  async complete(prompt: string, opts: CompleteOptions = {}): Promise<Completion[]> {
    const conv = split(this.template, prompt);
    const k = conv.turns.filter((t) => t.role === "model").length;
    const p = this.byQuestion.get(conv.question);
    if (!p) throw new Error("unknown question");
    const seed = opts.seed ?? 0;
    const kind = kindOf(seed);
    const h = kind === "dup-correct" ? hash32(p.id) : hash32(`${seed}`);
    const tools = 1 + (h % 2);
    const code = (i: number) => `Step ${i + 1}. ${filler(h + i, 3 + ((h >>> 3) % 30))}\n\`\`\`python\nprint(${i} * ${h % 997})\n\`\`\`\n`;
    const answer = (a: string) => ({ text: `${filler(h, 5 + ((h >>> 5) % 40))} The answer is $\\boxed{${a}}$.`, finishReason: "stop" as const });
    const call = (i: number) => ({ text: code(i), finishReason: "stop" as const });
    switch (kind) {
      case "direct-correct":
        return [answer(p.answer)];
      case "tool-correct":
      case "dup-correct":
        return [k < tools ? call(k) : answer(p.answer)];
      case "tool-wrong":
        return [k < tools ? call(k) : answer(wrongAnswer(p.answer, 0))];
      case "tool-wrong-2":
        return [k < tools ? call(k) : answer(wrongAnswer(p.answer, 1))];
      case "error-correct":
        return [k === 0 ? { text: "Divide first.\n```python\nprint(1/0)\n```\n", finishReason: "stop" } : answer(p.answer)];
      case "horizon":
        return [call(k)];
      case "env-error":
        if (k >= 1) throw new Error("server error 503 (scripted)");
        return [call(k)];
      case "length-wrong":
        return [k === 0 ? call(0) : { text: `${filler(h, 60)} and so on`, finishReason: "length" }];
    }
  }
}

/** Runs snippets: `1/0` fails with a traceback, anything else prints a hash of the code. */
export class FixtureInterpreter implements Interpreter {
  /** The paper's executor returns the last cell's output; this fake runs only that cell. */
  runCells(cells: string[]): Promise<Observation> {
    return this.run(cells[cells.length - 1] ?? "");
  }
  async run(code: string): Promise<Observation> {
    if (code.includes("1/0")) {
      return { stdout: "", stderr: "", value: null, error: 'Traceback (most recent call last):\n  File "<snippet>", line 1, in <module>\nZeroDivisionError: division by zero', timedOut: false, truncated: false, durationMs: 1, status: "error" };
    }
    return { stdout: `${hash32(code) % 100000}\n`, stderr: "", value: null, error: null, timedOut: false, truncated: false, durationMs: 1, status: "ok" };
  }
  async close(): Promise<void> {}
}

export interface Fixture {
  dir: string;
  file: string;
  problems: Problem[];
  trajectories: Trajectory[];
}

let cached: Promise<Fixture> | null = null;

/** 40 GSM8K + 40 MATH test problems × 6 samples = 480 trajectories, written by the rollout writer. */
export function fixture(): Promise<Fixture> {
  cached ??= (async () => {
    sharedDataDir();
    const gsm = (await loadProblems("gsm8k", "test")).slice(0, 40);
    const math = (await loadProblems("math", "test")).filter((p) => p.answer.length < 40).slice(0, 40);
    const problems = [...gsm, ...math];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-pairing-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "rollouts.jsonl");
    const res = await rollout({
      problems,
      policy: new FixturePolicy(new Map(problems.map((p) => [p.question, p]))),
      template: getTemplate("gemma"),
      interpreter: new FixtureInterpreter(),
      execution: "last",
      samples: 6,
      horizon: 3,
      temperature: 1,
      seed: 5,
      concurrency: 16,
      out: file,
    });
    return { dir, file, problems, trajectories: res.trajectories };
  })();
  return cached;
}
