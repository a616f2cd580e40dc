import { test } from "node:test";
import assert from "node:assert/strict";
import { getTemplate, split } from "../../src/chat/index.js";
import { PyodidePool } from "../../src/interpreter/index.js";
import { HttpPolicy } from "../../src/policy/index.js";
import { rollout } from "../../src/rollout/index.js";
import { ScriptedServer } from "../helpers/scripted-server.js";

test("real Pyodide sessions: state carries across turns, errors become observations", async () => {
  const template = getTemplate("gemma");
  const turns = [
    "Let me set up.\n```python\nx = 6 * 7\nprint(x)\n```\n",
    "Now reuse x.\n```python\nprint(x + 1)\n1/0\n```\n",
    "```python\nprint(x * 2)\n```\n",
    "So the answer is \\boxed{42}.",
  ];
  const server = await new ScriptedServer({
    respond: (r) => {
      const k = split(template, r.prompt).turns.filter((t) => t.role === "model").length;
      return { text: turns[Math.min(k, turns.length - 1)]! };
    },
  }).start();
  const pool = new PyodidePool({ workers: 1 });
  try {
    const res = await rollout({
      problems: [
        { id: "a", question: "What is 6*7?", answer: "42" },
        { id: "b", question: "What is 7*6?", answer: "42" },
      ],
      policy: new HttpPolicy({ endpoints: server.url }),
      template,
      interpreter: () => pool.session(),
      horizon: 6,
      concurrency: 2,
    });
    for (const t of res.trajectories) {
      assert.equal(t.finish, "answer");
      assert.deepEqual(
        t.steps.map((s) => s.observationText),
        ["42", "ZeroDivisionError: division by zero", "84", null],
      );
      assert.ok(t.transcript.includes("<start_of_turn>user\n```output\n42\n```<end_of_turn>\n<start_of_turn>model\nNow reuse x."));
    }
    // horizon with the real interpreter: the note follows the last observation
    const h = await rollout({
      problems: [{ id: "c", question: "Loop", answer: "0" }],
      policy: new HttpPolicy({ endpoints: server.url }),
      template,
      interpreter: () => pool.session(),
      horizon: 2,
    });
    assert.equal(h.trajectories[0]!.finish, "horizon");
    assert.ok(h.trajectories[0]!.transcript.endsWith("```output\nZeroDivisionError: division by zero\n```<end_of_turn>\n<start_of_turn>model\n\nReach max function call limit."));
  } finally {
    await pool.close();
    await server.close();
  }
});
