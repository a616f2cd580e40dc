import { test } from "node:test";
import assert from "node:assert/strict";
import * as aq from "arquero";
import { getTemplate, render } from "../../src/chat/index.js";
import { loadProblems } from "../../src/data/index.js";
import { CharTokenizer, maskFromSpans } from "../../src/losses/index.js";
import type { CompleteOptions, Completion, Policy } from "../../src/policy/index.js";
import { type Interpreter, type Observation, rollout, type Trajectory } from "../../src/rollout/index.js";
import { bars, box, histogram, lines, pairBundle, recordBundle, tokensBundle, trajectoryBundle } from "../../src/display/index.js";
import { sharedDataDir } from "../helpers/env.js";

/** A model that computes GSM8K test problem 0 with one program, or (horizon) calls the interpreter forever. */
class EggsPolicy implements Policy {
  readonly name = "test:eggs";
  constructor(private readonly answer: string, private readonly forever = false) {}
  async complete(prompt: string, _opts?: CompleteOptions): Promise<Completion[]> {
    const turn = (prompt.match(/```output/g) ?? []).length;
    if (this.forever || turn === 0) return [{ text: `Eggs left, times $2 (check 9 < 16):\n\`\`\`python\nprint((16 - 3 - 4) * 2)\n\`\`\``, finishReason: "stop" }];
    return [{ text: `She makes $\\boxed{${this.answer}}$ dollars.`, finishReason: "stop" }];
  }
}

/** Prints what the program prints: the one program above. */
class EggsInterpreter implements Interpreter {
  async run(code: string): Promise<Observation> {
    assert.match(code, /print\(\(16 - 3 - 4\) \* 2\)/);
    return { stdout: "18\n", stderr: "", value: null, error: null, timedOut: false, truncated: false, durationMs: 1 };
  }
  async close(): Promise<void> {}
}

async function eggs(answer: string, forever = false): Promise<Trajectory> {
  process.env["MATHAGENT_DATA_DIR"] ??= sharedDataDir();
  const problem = (await loadProblems("gsm8k", "test"))[0]!;
  const res = await rollout({ problems: [problem], policy: new EggsPolicy(answer, forever), template: getTemplate("gemma"), interpreter: new EggsInterpreter(), samples: 1, horizon: 2, temperature: 0 });
  return res.trajectories[0]!;
}

const strip = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const classes = (html: string) => [...html.matchAll(/class="mathagent-msg mathagent-(\w+)"/g)].map((m) => m[1]);

test("a rolled-out trajectory shows as question, model turns in green, interpreter output in grey", async () => {
  const t = await eggs("18");
  const b = trajectoryBundle({ ...t, correct: true, pred: "18" });
  const html = String(b["text/html"]);
  assert.deepEqual(classes(html), ["question", "model", "output", "model"]);
  assert.match(html, /problem gsm8k\/test\/0 · sample 0 · finish answer · 1 tool call · gold 18 · answer 18 · <strong style="color:#2a9d8f">correct<\/strong>/);
  assert.ok(html.includes("check 9 &lt; 16"), "model text is escaped");
  assert.ok(!html.includes("9 < 16"));
  assert.match(html, /mathagent-model" style="[^"]*background:#c7f0d8/);
  assert.match(html, /mathagent-output" style="[^"]*background:#e6e6e6[^>]*><span style="color:#666">interpreter output<\/span>\n18/);
  assert.ok(strip(html).includes(t.question));
  assert.equal(String(b["text/plain"]), `problem gsm8k/test/0 · sample 0 · finish answer · 1 tool call · gold 18 · answer 18 · correct\n${t.transcript}`);
});

test("a trajectory that hit the horizon ends with the note and no verdict when ungraded", async () => {
  const t = await eggs("18", true);
  assert.equal(t.finish, "horizon");
  const html = String(trajectoryBundle(t, { maxChars: 40 })["text/html"]);
  assert.deepEqual(classes(html), ["question", "model", "output", "model", "output", "note"]);
  assert.match(html, /Reach max function call limit\.<\/div><\/div>$/);
  assert.ok(!/correct|wrong/.test(strip(html).split("\n")[0]!));
  assert.match(html, /more characters<\/em>/, "long messages are cut at maxChars");
});

test("a pair shows chosen left and rejected right, each with its verdict", async () => {
  const chosen = { ...(await eggs("18")), correct: true, pred: "18" };
  const rejected = { ...(await eggs("9")), correct: false, pred: "9" };
  const b = pairBundle({ problemId: chosen.problemId, chosen, rejected });
  const html = String(b["text/html"]);
  assert.ok(html.indexOf("<strong>chosen</strong>") < html.indexOf("<strong>rejected</strong>"));
  assert.match(html, /<strong>rejected<\/strong> · [^<]*answer 9 · <strong style="color:#e76f51">wrong<\/strong>/);
  assert.match(String(b["text/plain"]), /^chosen — .*correct\n[\s\S]*\n\nrejected — .*wrong\n/);
});

test("tokens are coloured by the mask the losses use, and the text survives intact", async () => {
  const t = await eggs("18");
  const rendered = render(getTemplate("gemma"), { question: t.question, turns: t.steps.flatMap((s) => [{ role: "model" as const, text: s.text }, ...(s.observationText === null ? [] : [{ role: "observation" as const, text: s.observationText }])]) });
  const mask = maskFromSpans(rendered.text, rendered.spans, CharTokenizer.fromCorpus([rendered.text]));
  const b = tokensBundle(rendered.text, mask, { title: "chosen" });
  const html = String(b["text/html"]);
  const body = html.slice(html.indexOf("padding:8px\">") + "padding:8px\">".length, -"</div></div>".length);
  assert.equal(strip(body), rendered.text);
  const green = [...body.matchAll(/background:(#c7f0d8|#a9e4c3)" title="token \d+">([^<]*)</g)].map((m) => strip(m[2]!)).join("");
  assert.equal(green, rendered.spans.map((s) => rendered.text.slice(s.start, s.end)).join(""));
  const written = mask.written.filter(Boolean).length;
  assert.equal(b["text/plain"], `chosen — ${mask.written.length} tokens: ${written} model-written (count in the loss), ${mask.written.length - written} masked`);
  assert.throws(() => tokensBundle("ab", { offsets: [[0, 1]], written: [true, false] }), /1 offsets but 2 written flags/);
});

test("a record shows nested fields flattened, numbers formatted", () => {
  const b = recordBundle({ "rewards/accuracies": 0.8333333, pairs: 12000, beta: 0.1, mdpo: { loss: "sigmoid", reference: null }, ks: [1, 2, 4] }, { title: "M-DPO" });
  assert.equal(b["text/plain"], "M-DPO\nrewards/accuracies  0.8333\npairs               12,000\nbeta                0.1\nmdpo.loss           sigmoid\nmdpo.reference      —\nks                  1, 2, 4");
  assert.match(String(b["text/html"]), /<th[^>]*>mdpo\.loss<\/th><td[^>]*>sigmoid<\/td>/);
});

test("bars: one trace per y column (wide) or per series value (long), with intervals and category axes", () => {
  const wide = aq.table({ subject: ["Algebra", "Geometry"], "1": [10, 3], "2": [20, 5] });
  const f = bars(wide, { x: "subject", y: ["1", "2"], mode: "stack", title: "per level" });
  assert.deepEqual(f.data.map((d) => [d.name, (d as { y: number[] }).y]), [["1", [10, 3]], ["2", [20, 5]]]);
  assert.equal(f.layout?.barmode, "stack");
  assert.equal(f.layout?.xaxis?.type, "category");
  const long = aq.table({ model: ["a", "a", "b", "b"], dataset: ["GSM8K", "MATH", "GSM8K", "MATH"], points: [6.4, 5.1, 2.2, 3.5], lo: [6, 5, 2, 3], hi: [7, 6, 3, 4] });
  const g = bars(long, { x: "model", y: "points", series: "dataset", lo: "lo", hi: "hi", colors: { MATH: "#000" } });
  assert.deepEqual(g.data.map((d) => d.name), ["GSM8K", "MATH"]);
  assert.deepEqual((g.data[1] as { x: string[]; y: number[] }).y, [5.1, 3.5]);
  assert.deepEqual((g.data[1] as { marker: { color: string } }).marker.color, "#000");
  const err = (g.data[0] as { error_y: { array: number[]; arrayminus: number[] } }).error_y;
  assert.deepEqual(err.array.map((v) => +v.toFixed(6)), [0.6, 0.8]);
  assert.deepEqual(err.arrayminus.map((v) => +v.toFixed(6)), [0.4, 0.2]);
  const both = bars(long, { x: "dataset", y: "points", series: ["model", "dataset"] });
  assert.deepEqual(both.data.map((d) => d.name), ["a · GSM8K", "a · MATH", "b · GSM8K", "b · MATH"]);
  assert.throws(() => bars(long, { x: "model", y: "gain" }), /bars: no column "gain" \(columns: model, dataset, points, lo, hi\)/);
  assert.throws(() => bars(long, { x: "points", y: "model" }), /bars: column "model" has a non-number at row 0: "a"/);
});

test("histogram, lines and box read the named columns", () => {
  const t = aq.table({ side: ["chosen", "rejected", "chosen", "rejected"], length: [120, 300, 80, 260], step: [0, 1, 2, 3], acc: [0.5, 0.6, 0.7, 0.8] });
  const h = histogram(t, { x: "length", series: "side", bins: 10 });
  assert.deepEqual(h.data.map((d) => [d.name, (d as { x: number[] }).x]), [["chosen", [120, 80]], ["rejected", [300, 260]]]);
  assert.equal(h.layout?.barmode, "overlay");
  const l = lines(t, { x: "step", y: ["acc", "length"], modes: { length: "markers" } });
  assert.deepEqual(l.data.map((d) => [d.name, (d as { mode: string }).mode]), [["acc", "lines+markers"], ["length", "markers"]]);
  const passAtK = aq.table({ k: [1, 2, 4], pass_at_k: [0.5, 0.6, 0.7], lo: [0.4, 0.55, 0.68], hi: [0.6, 0.65, 0.75] });
  const p = lines(passAtK, { x: "k", y: "pass_at_k", lo: "lo", hi: "hi", xLog: true });
  assert.equal(p.layout?.xaxis?.type, "log");
  assert.deepEqual((p.data[0] as { error_y: { array: number[] } }).error_y.array.map((v) => +v.toFixed(6)), [0.1, 0.05, 0.05]);
  const b = box(t, { y: "length", group: "side", yTitle: "characters" });
  assert.deepEqual(b.data.map((d) => [d.name, (d as { y: number[] }).y, (d as { boxmean: boolean }).boxmean]), [["chosen", [120, 80], true], ["rejected", [300, 260], true]]);
  assert.deepEqual(b.layout?.yaxis?.title, { text: "characters" });
});
