/**
 * Scripted trajectories for the rollout tests and bench: per (question, seed) a fixed list of model
 * turns; a fake interpreter whose output is a deterministic function of the session and the code;
 * and the transcript the engine must produce for each pair.
 */
import { type ChatTemplate, HORIZON_NOTE, render, split, type Turn } from "../../src/chat/index.js";
import { extractCode, hash32, pyRstrip, trajectorySeed } from "../../src/rollout/text.js";
import type { FinishReason, Interpreter, Observation, RolloutProblem } from "../../src/rollout/types.js";
import type { ScriptReply, ScriptRequest } from "./scripted-server.js";

export function makeProblems(n: number, prefix = "p"): RolloutProblem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    question: `Problem ${prefix}${i}: what is ${i} + ${2 * i + 1}?`,
    answer: String(3 * i + 1),
    dataset: "synthetic",
    level: (i % 5) + 1,
    subject: i % 2 ? "Algebra" : "Prealgebra",
  }));
}

function filler(h: number): string {
  const words = ["Let", "us", "compute", "the", "value", "carefully", "now", "then", "check", "it"];
  const n = h % 40;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words[(h >>> (i % 24)) % words.length]!);
  return out.join(" ");
}

/**
 * The model turns of one trajectory: 0..maxTools code turns then a \boxed answer; one question in
 * seven never answers (runs into any horizon ≤ 6).
 */
export function scriptFor(question: string, seed: number, maxTools = 3): string[] {
  const h = hash32(`${question}|${seed}`);
  const endless = h % 7 === 3;
  const tools = endless ? 8 : h % (maxTools + 1);
  const turns: string[] = [];
  for (let k = 0; k < tools; k++) {
    const hk = hash32(`${h}:${k}`);
    turns.push(`Step ${k + 1}. ${filler(hk)}\n\`\`\`python\nprint(${k} * ${hk % 1000})\n\`\`\`\n`);
  }
  const ans = question.match(/what is (\d+) \+ (\d+)/);
  const value = ans ? Number(ans[1]) + Number(ans[2]) : 0;
  turns.push(`${filler(h)} So the answer is \\boxed{${value}}.`);
  return turns;
}

/** What the scripted model says next for a prompt of `template`. */
export function scriptedReply(template: ChatTemplate, req: ScriptRequest, maxTools = 3): ScriptReply {
  const conv = split(template, req.prompt);
  const k = conv.turns.filter((t) => t.role === "model").length;
  const seed = typeof req.body.seed === "number" ? req.body.seed : 0;
  const script = scriptFor(conv.question, seed, maxTools);
  const text = script[Math.min(k, script.length - 1)]!;
  return { text, finishReason: "stop", promptTokens: req.prompt.length, completionTokens: text.length };
}

/** Observation text the fake interpreter yields for the n-th run (1-based) of a session. */
export function fakeOutput(n: number, code: string): string {
  return `[${n}] ${hash32(code).toString(16)}`;
}

/** One session of the fake interpreter: remembers its run count; optional delay. */
export class FakeInterpreter implements Interpreter {
  runs = 0;
  closed = false;
  static opened = 0;
  static closedCount = 0;
  constructor(private readonly delayMs = 0) {
    FakeInterpreter.opened++;
  }
  async run(code: string): Promise<Observation> {
    if (this.closed) throw new Error("run after close");
    this.runs++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return { stdout: fakeOutput(this.runs, code) + "\n", stderr: "", value: null, error: null, timedOut: false, truncated: false, durationMs: this.delayMs };
  }
  /** The cells form of interface 6: the last cell's output (the fake has no state to rebuild). */
  async runCells(cells: string[]): Promise<Observation> {
    return this.run(cells[cells.length - 1] ?? "");
  }
  async close(): Promise<void> {
    this.closed = true;
    FakeInterpreter.closedCount++;
  }
}

export interface Expected {
  transcript: string;
  finish: FinishReason;
  toolCalls: number;
}

/** The transcript the engine must write for (problem, sample), with a session-per-trajectory fake interpreter. */
export function expectedTrajectory(template: ChatTemplate, p: RolloutProblem, sample: number, opts: { runSeed: number; horizon: number; maxTools?: number }): Expected {
  const seed = trajectorySeed(opts.runSeed, p.id, sample);
  const script = scriptFor(p.question, seed, opts.maxTools ?? 3);
  const turns: Turn[] = [];
  let trailer: string | undefined;
  let finish: FinishReason = "answer";
  let calls = 0;
  for (let k = 0; ; k++) {
    const text = pyRstrip(script[Math.min(k, script.length - 1)]!);
    turns.push({ role: "model", text });
    if (text.includes("boxed") || !text.includes("```python")) break;
    calls++;
    turns.push({ role: "observation", text: fakeOutput(calls, extractCode(text).blocks.join("\n")) });
    if (calls >= opts.horizon) {
      trailer = HORIZON_NOTE;
      finish = "horizon";
      break;
    }
  }
  const transcript = render(template, trailer ? { question: p.question, turns, trailer } : { question: p.question, turns }).text;
  return { transcript, finish, toolCalls: calls };
}
