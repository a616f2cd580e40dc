import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openPage } from "../kernel/chromium.js";
import { runCli } from "../helpers/cli.js";
import { sharedDataDir } from "../helpers/env.js";
import { writeNotebook } from "../helpers/notebook.js";

/** What the page shows: the formulas in the displays and their size, what MathJax (nbconvert's page runs it) typeset, and the texts that must stay as written. */
const PAGE = `(() => {
  const outputs = [...document.querySelectorAll(".mathagent-record, .mathagent-trajectory")];
  const maths = outputs.flatMap((o) => [...o.querySelectorAll("math")]);
  const sized = maths.filter((m) => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
  const typeset = ".MathJax_CHTML, .MathJax, mjx-container";
  return {
    outputs: outputs.length,
    maths: maths.length,
    sized: sized.length,
    mathjax: typeof MathJax === "object",
    typesetOutside: document.querySelectorAll(typeset).length - outputs.reduce((n, o) => n + o.querySelectorAll(typeset).length, 0),
    typesetInside: outputs.reduce((n, o) => n + o.querySelectorAll(typeset).length, 0),
    gsm8k: outputs[0].textContent.includes("He buys a house for $80,000 and then puts in $50,000 in repairs."),
    code: [...outputs[2].querySelectorAll(".mathagent-model")].some((m) => m.textContent.includes("print(f'$x$ = {x}')")),
  };
})()`;

const SOURCE = [
  'import { loadProblems } from "./src/data/index.js";\nimport { showRecord, showTrajectory } from "./src/display/index.js";',
  'const gsm8k = await loadProblems("gsm8k", "test");\nconst math = await loadProblems("math", "test");\nconst house = gsm8k.find((p) => p.id === "gsm8k/test/2")!;\nconst asymptotes = math.find((p) => p.id === "math/test/0")!;\nshowRecord(house);\nshowRecord(asymptotes);',
  [
    'showTrajectory({ problemId: asymptotes.id, sample: 0, question: asymptotes.question, gold: "2", finish: "answer", toolCalls: 1, horizonNote: false, transcript: "",',
    '  steps: [{ text: "Solve $x^2+x-6=0$:\\n```python\\nx = 2\\nprint(f\'$x$ = {x}\')\\n```", observationText: "$x$ = 2" }, { text: "So $\\\\boxed{2}$.", observationText: null }] });',
  ].join("\n"),
];

test("the report page of a notebook showing MATH and GSM8K rows draws their formulas as MathML, and MathJax leaves the prices alone", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "math-browser-"));
  const file = writeNotebook(path.join(tmp, "rows.ipynb"), SOURCE);
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: object[] };
  nb.cells.unshift({ cell_type: "markdown", id: "control", metadata: {}, source: "A formula the page's MathJax typesets: $y^2$." });
  fs.writeFileSync(file, JSON.stringify(nb));
  const out = path.join(tmp, "report");
  const run = await runCli(["report", "--out", out, file], { env: { MATHAGENT_DATA_DIR: sharedDataDir() } });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const r = await openPage(path.join(out, "rows.html"), PAGE, 3000);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.network, []);
  const v = r.value as Record<string, unknown>;
  assert.deepEqual(
    { outputs: v["outputs"], maths: v["maths"], sized: v["sized"], typesetInside: v["typesetInside"], gsm8k: v["gsm8k"], code: v["code"] },
    { outputs: 3, maths: 6 + 3, sized: 6 + 3, typesetInside: 0, gsm8k: true, code: true },
  );
  assert.equal(v["mathjax"], true, "the report page carries MathJax (setup installs jupyter-notebook, whose python3-notebook depends on libjs-mathjax)");
  assert.equal(v["typesetOutside"], 1, "MathJax ran: it typeset the markdown cell's formula");
  fs.rmSync(tmp, { recursive: true, force: true });
});
