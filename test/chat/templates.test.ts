import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FAMILIES,
  FAMILY_TABLE,
  HORIZON_NOTE,
  getTemplate,
  render,
  renderPrompt,
  split,
  type Conversation,
  type Family,
} from "../../src/chat/index.js";
import { seededRandom } from "../../src/random.js";

const Q = "What is 2+3?";
const R = "5";
const TOOL = "Please integrate natural language reasoning with programs to solve the problem above, and put your final answer within \\boxed{}.";
const COT = "Please reason step by step, and put your final answer within \\boxed{}.";

/** The strings, typed out independently of the table. */
const EXPECTED: Record<"gemma" | "mistral" | "llama3" | "deepseek", { prompt: string; stop: string[]; obs: string }> = {
  gemma: {
    prompt: `<bos><start_of_turn>user\n${Q}<end_of_turn>\n<start_of_turn>model\n`,
    stop: ["<end_of_turn>", "<eos>", "```output", "<start_of_turn>"],
    obs: "<end_of_turn>\n<start_of_turn>user\n```output\n5\n```<end_of_turn>\n<start_of_turn>model\n",
  },
  mistral: {
    prompt: `<s> [INST] ${Q} [/INST]`,
    stop: ["<s>", "</s>", "[INST]", "```output"],
    obs: "</s> [INST] ```output\n5\n``` [/INST]",
  },
  llama3: {
    prompt: `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${Q}\n${TOOL}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    stop: ["<|eot_id|>", "<|start_header_id|>user", "```output"],
    obs: "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n```output\n5\n```<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  },
  deepseek: {
    prompt: `User: ${Q}\n${TOOL}\n\nAssistant: `,
    stop: ["<｜end▁of▁sentence｜>", "User", "```output"],
    obs: "\n```output\n5\n```\n",
  },
};

for (const [family, exp] of Object.entries(EXPECTED) as [Family, (typeof EXPECTED)["gemma"]][]) {
  test(`${family}: prompt, stops and observation are byte-exact`, () => {
    const t = getTemplate(family);
    assert.equal(renderPrompt(t, Q), exp.prompt);
    assert.deepEqual(t.stop, exp.stop);
    const m1 = "Let me compute.\n```python\nprint(2+3)\n```\n";
    const r = render(t, { question: Q, turns: [{ role: "model", text: m1 }, { role: "observation", text: R }] });
    assert.equal(r.text, exp.prompt + m1 + exp.obs);
    assert.deepEqual(r.stop, exp.stop);
    assert.deepEqual(r.spans, [{ start: exp.prompt.length, end: exp.prompt.length + m1.length }]);
    assert.equal(r.promptLength, exp.prompt.length);
  });
}

test("llama3 prompt contains the question (the paper's code drops it)", () => {
  assert.ok(renderPrompt(getTemplate("llama3"), "UNIQUE-QUESTION-42").includes("UNIQUE-QUESTION-42"));
});

test("chain-of-thought variant: instruction, no output fence, no observations", () => {
  for (const family of FAMILIES) {
    const t = getTemplate(family, "cot");
    const p = renderPrompt(t, Q);
    assert.ok(p.includes(`${Q}\n${COT}`), `${family}: ${JSON.stringify(p)}`);
    assert.ok(!t.stop.includes("```output"), family);
    assert.ok(t.stop.length >= 1, family);
    assert.throws(() => render(t, { question: Q, turns: [{ role: "model", text: "a" }, { role: "observation", text: "b" }] }), /cot/);
  }
  assert.equal(renderPrompt(getTemplate("gemma", "cot"), Q), `<bos><start_of_turn>user\n${Q}\n${COT}<end_of_turn>\n<start_of_turn>model\n`);
  assert.equal(renderPrompt(getTemplate("mistral", "cot"), Q), `<s> [INST] ${Q}\n${COT} [/INST]`);
});

test("every tool template stops at ```output and its observation contains it", () => {
  for (const family of FAMILIES) {
    const t = getTemplate(family);
    assert.ok(t.stop.includes("```output"), family);
    assert.ok(t.observationPrefix.endsWith("```output\n"), family);
    assert.ok(t.observationSuffix.startsWith("\n```"), family);
    assert.equal(FAMILY_TABLE[family].stop.length, t.stop.length);
  }
});

test("messages form: user question, assistant turns, observations as user ```output messages", () => {
  const t = getTemplate("deepseek");
  const r = render(t, {
    question: Q,
    turns: [
      { role: "model", text: "```python\nprint(5)\n```" },
      { role: "observation", text: "5" },
      { role: "model", text: "So \\boxed{5}." },
    ],
  });
  assert.deepEqual(r.messages, [
    { role: "user", content: `${Q}\n${TOOL}` },
    { role: "assistant", content: "```python\nprint(5)\n```" },
    { role: "user", content: "```output\n5\n```" },
    { role: "assistant", content: "So \\boxed{5}." },
  ]);
  // spans cover exactly the model-written characters
  assert.deepEqual(r.spans.map((s) => r.text.slice(s.start, s.end)), ["```python\nprint(5)\n```", "So \\boxed{5}."]);
});

test("the horizon note is a trailer: rendered, not in spans, split back", () => {
  const t = getTemplate("gemma");
  const conv: Conversation = {
    question: Q,
    turns: [{ role: "model", text: "```python\nx\n```\n" }, { role: "observation", text: "err" }],
    trailer: HORIZON_NOTE,
  };
  const r = render(t, conv);
  assert.ok(r.text.endsWith("<start_of_turn>model\n\nReach max function call limit."));
  assert.equal(r.spans.length, 1);
  assert.deepEqual(split(t, r.text), conv);
  assert.equal(r.messages.at(-1)!.content, "```output\nerr\n```\nReach max function call limit.");
});

test("render rejects turns that do not alternate", () => {
  assert.throws(() => render(getTemplate("qwen"), { question: Q, turns: [{ role: "observation", text: "x" }] }), /alternate/);
  assert.throws(() => render(getTemplate("qwen"), { question: Q, turns: [{ role: "model", text: "x" }, { role: "model", text: "y" }] }), /alternate/);
});

test("split rejects text of another family", () => {
  const text = renderPrompt(getTemplate("gemma"), Q);
  assert.throws(() => split(getTemplate("mistral"), text), /prefix/);
});

/** Deterministic PRNG for the property test. */
test("split(render(x)) == x for every family on random conversations", () => {
  const rand = seededRandom(7);
  const alphabet = ["a", "b", " ", "\n", "`", "```", "```python\n", "\\boxed{", "}", "é", "数", "<", ">", "|", "\t", "[", "]"];
  const str = (max: number) => {
    let s = "";
    const n = Math.floor(rand() * max);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };
  let checked = 0;
  for (const family of FAMILIES) {
    const t = getTemplate(family);
    for (let k = 0; k < 300; k++) {
      const question = "Q" + str(20);
      const turns: Conversation["turns"] = [];
      const n = Math.floor(rand() * 7);
      for (let i = 0; i < n; i++) {
        const text = i % 2 === 0 ? str(40) : str(15);
        turns.push({ role: i % 2 === 0 ? "model" : "observation", text });
      }
      if (turns.length > 0 && turns.at(-1)!.role === "model" && turns.at(-1)!.text === "") turns.at(-1)!.text = "end";
      const conv: Conversation = { question, turns };
      if (turns.length > 0 && turns.at(-1)!.role === "observation" && rand() < 0.3) conv.trailer = HORIZON_NOTE;
      const r = render(t, conv);
      // skip the documented ambiguous cases: a result containing the observation suffix, a model
      // turn containing the observation prefix, a question containing the prompt end
      const amb =
        turns.some((x) =>
          x.role === "observation"
            ? (x.text + t.observationSuffix).indexOf(t.observationSuffix) < x.text.length
            : (x.text + t.observationPrefix).indexOf(t.observationPrefix) < x.text.length,
        ) || (question + t.instruction + t.promptSuffix).indexOf(t.instruction + t.promptSuffix) < question.length;
      if (amb) continue;
      assert.deepEqual(split(t, r.text), conv, `${family} #${k}`);
      // spans point at the model turns, in order
      assert.deepEqual(
        r.spans.map((s) => r.text.slice(s.start, s.end)),
        turns.filter((x) => x.role === "model").map((x) => x.text),
      );
      checked++;
    }
  }
  assert.ok(checked > 1000, `only ${checked} checked`);
});
