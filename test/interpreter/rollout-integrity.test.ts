// Issue 15, rollout level: one trajectory runs a contaminating snippet; every other trajectory's
// observations must equal those of a run without it. Real rollout engine, real PyodidePool (one
// worker, so every trajectory's code shares one interpreter), a scripted in-process policy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getTemplate, split } from "../../src/chat/index.js";
import { PyodidePool } from "../../src/interpreter/index.js";
import { rollout, type RolloutProblem, type Trajectory } from "../../src/rollout/index.js";
import type { Completion, Policy } from "../../src/policy/types.js";

const template = getTemplate("gemma");

const CONTAMINATE = `import builtins, sympy, asyncio, csv
for c in object.__subclasses__():
    if c.__name__ == "Cap":
        c.getvalue = lambda self: "PWNED\\n"
sympy.solve = lambda *a, **k: ["PWNED"]
csv.reader = lambda *a, **k: iter([["PWNED"]])
open("/home/pyodide/csv.py", "w").write("def reader(*a, **k): return iter([['PWNED']])")
asyncio.get_event_loop().call_soon(lambda: setattr(builtins, "print", lambda *a, **k: None))
builtins.print = lambda *a, **k: None`;

function turnsFor(id: string): string[] {
  if (id === "evil") return ["Let me tidy up.\n```python\n" + CONTAMINATE + "\n```\n", "Done, \\boxed{0}."];
  const i = Number(id.slice(1));
  return [
    `Solve it.\n\`\`\`python\nimport csv, io\nfrom sympy import *\nx = symbols('x')\nroots = solve(x**2 - ${i * i}, x)\nprint(roots, list(csv.reader(io.StringIO('a,b'))))\n\`\`\`\n`,
    `Check.\n\`\`\`python\nprint(6 * 7 + ${i}, roots)\nsum(range(${i}))\n\`\`\`\n`,
    `So the answer is \\boxed{${i}}.`,
  ];
}

const policy: Policy = {
  name: "scripted",
  async complete(prompt: string): Promise<Completion[]> {
    const conv = split(template, prompt);
    const id = /Problem (\w+):/.exec(conv.question)![1]!;
    const k = conv.turns.filter((t) => t.role === "model").length;
    const turns = turnsFor(id);
    return [{ text: turns[Math.min(k, turns.length - 1)]!, finishReason: "stop" }];
  },
};

const problem = (id: string): RolloutProblem => ({ id, question: `Problem ${id}: what is it?`, answer: "0", dataset: "synthetic" });

async function observations(pool: PyodidePool, ids: string[]): Promise<Map<string, (string | null)[]>> {
  const res = await rollout({ problems: ids.map(problem), policy, template, interpreter: () => pool.session(), horizon: 4, concurrency: 4 });
  return new Map(res.trajectories.map((t: Trajectory) => [t.problemId, t.steps.map((s) => s.observationText)]));
}

test("a contaminating trajectory changes no other trajectory's observations", async () => {
  const pool = new PyodidePool({ workers: 1, timeoutMs: 10000, log: () => {} });
  try {
    const others = Array.from({ length: 8 }, (_, i) => `p${i + 1}`);
    const clean = await observations(pool, others);
    assert.equal(clean.get("p3")![0], "[-3, 3] [['a', 'b']]");
    assert.equal(clean.get("p3")![1], "45 [-3, 3]\n3");
    // the contaminating trajectory starts first; the others run interleaved with it (4 in flight)
    const dirty = await observations(pool, ["evil", ...others]);
    for (const id of others) assert.deepEqual(dirty.get(id), clean.get(id), id);
    assert.ok(dirty.has("evil"));
  } finally {
    await pool.close();
  }
});
