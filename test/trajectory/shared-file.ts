/**
 * One shared rollout file for the agreement test: real GSM8K and MATH problems, rolled out by the
 * rollout engine with a scripted policy, then resumed after a simulated server outage, so the file
 * holds error rows each followed later by its redo. The kinds cover the cases the surfaces used to
 * disagree on: an answer stated in an early turn followed by a horizon run, a GSM8K "####" heading
 * before the boxed answer, direct answers, tool answers, wrong answers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getTemplate, split } from "../../src/chat/index.js";
import { loadProblems, type Problem } from "../../src/data/index.js";
import type { Completion, CompleteOptions, Policy } from "../../src/policy/index.js";
import { hash32, rollout, type RolloutOptions } from "../../src/rollout/index.js";
import { FixtureInterpreter } from "../pairing/fixture.js";
import { sharedDataDir } from "../helpers/env.js";

export const SHARED_KINDS = ["tool-correct", "tool-wrong", "direct-correct", "early-then-horizon", "heading-then-boxed", "flaky-correct"] as const;
export type SharedKind = (typeof SHARED_KINDS)[number];
export const kindOfSeed = (seed: number): SharedKind => SHARED_KINDS[hash32(`shared:${seed}`) % SHARED_KINDS.length]!;
/** What the paper's rule says of each kind. */
export const SHARED_CORRECT: Readonly<Record<SharedKind, boolean>> = {
  "tool-correct": true,
  "tool-wrong": false,
  "direct-correct": true,
  "early-then-horizon": false,
  "heading-then-boxed": true,
  "flaky-correct": true,
};

const code = (i: number) => `Let me compute step ${i + 1}.\n\`\`\`python\nprint(${i} + 1)\n\`\`\`\n`;

/** The scripted model; `outage` makes the flaky kind's second call fail (a server that went down). */
class SharedPolicy implements Policy {
  readonly name = "shared:scripted";
  private readonly template = getTemplate("gemma");
  constructor(
    private readonly byQuestion: Map<string, Problem>,
    private readonly outage: boolean,
  ) {}

  async complete(prompt: string, opts: CompleteOptions = {}): Promise<Completion[]> {
    const conv = split(this.template, prompt);
    const k = conv.turns.filter((t) => t.role === "model").length;
    const p = this.byQuestion.get(conv.question)!;
    const gold = p.answer;
    const say = (text: string) => [{ text, finishReason: "stop" as const }];
    switch (kindOfSeed(opts.seed ?? 0)) {
      case "tool-correct":
        return say(k === 0 ? code(0) : `So the result is $\\boxed{${gold}}$.`);
      case "tool-wrong":
        return say(k === 0 ? code(0) : `So the result is $\\boxed{${gold === "7771" ? "7772" : "7771"}}$.`);
      case "direct-correct":
        return say(`Directly: $\\boxed{${gold}}$.`);
      case "early-then-horizon":
        // states the right answer in every turn but never finishes: at the horizon it has no answer
        return say(`I believe the answer is ${gold}. Let me verify.\n${code(k)}`);
      case "heading-then-boxed":
        return say(k === 0 ? code(0) : `#### Step 2\nThe count is 7777 before the last step, so the total is $\\boxed{${gold}}$.`);
      case "flaky-correct":
        if (k >= 1 && this.outage) throw new Error("server error 503 (scripted outage)");
        return say(k === 0 ? code(0) : `Therefore $\\boxed{${gold}}$.`);
    }
  }
}

export interface SharedFile {
  dir: string;
  file: string;
  problemsFile: string;
  problems: Problem[];
  /** Settings of the rollout (the eval command must resume with the same). */
  settings: { samples: number; horizon: number; temperature: number; seed: number; seedMode: "trajectory" };
}

let cached: Promise<SharedFile> | null = null;

/** 12 GSM8K + 12 MATH test problems × 4 samples, with an outage and a resumed run. */
export function sharedFile(): Promise<SharedFile> {
  cached ??= (async () => {
    sharedDataDir();
    const gsm = (await loadProblems("gsm8k", "test")).slice(0, 12);
    const math = (await loadProblems("math", "test")).filter((p) => p.answer.length < 30).slice(0, 12);
    const problems = [...gsm, ...math];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-agreement-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "shared.jsonl");
    const problemsFile = path.join(dir, "problems.jsonl");
    fs.writeFileSync(problemsFile, problems.map((p) => JSON.stringify({ id: p.id, question: p.question, answer: p.answer, dataset: p.dataset, ...(p.level !== undefined ? { level: p.level } : {}), ...(p.subject !== undefined ? { subject: p.subject } : {}) })).join("\n") + "\n");
    const settings = { samples: 4, horizon: 3, temperature: 1, seed: 5, seedMode: "trajectory" as const };
    const byQ = new Map(problems.map((p) => [p.question, p]));
    const base = { problems, template: getTemplate("gemma"), interpreter: new FixtureInterpreter(), execution: "last", concurrency: 8, out: file, maxConsecutiveErrors: 0, ...settings } as RolloutOptions;
    await rollout({ ...base, policy: new SharedPolicy(byQ, true) });
    await rollout({ ...base, policy: new SharedPolicy(byQ, false) });
    return { dir, file, problemsFile, problems, settings };
  })();
  return cached;
}
