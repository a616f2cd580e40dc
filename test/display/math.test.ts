import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProblems, type Problem } from "../../src/data/index.js";
import { MAX_EM, escapeHtml, mathHtml, recordBundle, splitMath, trajectoryHtml, type TrajectoryView } from "../../src/display/index.js";
import { seededRandom } from "../../src/random.js";
import { sharedDataDir } from "../helpers/env.js";

async function rows(dataset: "gsm8k" | "math" | "math500"): Promise<Problem[]> {
  process.env["MATHAGENT_DATA_DIR"] ??= sharedDataDir();
  return loadProblems(dataset, "test");
}
const byId = (ps: Problem[], id: string) => ps.find((p) => p.id === id)!;
const texts = (ps: Problem[]) => ps.flatMap((p) => [p.question, p.solution ?? ""]);
const mathCount = (html: string) => (html.match(/<math[ >]/g) ?? []).length;
/** What a reader sees outside the formulas: the HTML without its MathML, unescaped. */
const visibleText = (html: string) =>
  html.replace(/<math[\s\S]*?<\/math>/g, "").replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

test("a MATH problem's formulas show as MathML in the record's HTML; its text/plain stays raw", async () => {
  const p = byId(await rows("math"), "math/test/0");
  const b = recordBundle(p, { title: p.id });
  const html = String(b["text/html"]);
  assert.equal(mathCount(html), 6, "1 in the question, 5 in the solution");
  assert.match(html, /graph of <math><semantics><mrow><mi>y<\/mi><mo>=<\/mo><mfrac><mn>2<\/mn>/);
  assert.match(html, /<annotation encoding="application\/x-tex">\\boxed\{2\}<\/annotation>/);
  assert.ok(!html.includes("$"), "no delimiter is left in the HTML");
  assert.ok(String(b["text/plain"]).includes("graph of $y=\\frac{2}{x^2+x-6}$ have?"));
});

test("MATH-500: 98% of the texts render every formula, and splitting loses no character", async () => {
  const all = texts(await rows("math500"));
  let left = 0;
  for (const t of all) {
    const segments = splitMath(t);
    assert.equal(segments.map((s) => (s.kind === "text" ? s.text : s.raw)).join(""), t);
    if (segments.some((s) => s.kind === "text" && /(^|[^\\])\$|\\\[|\\\(/.test(s.text))) left++;
  }
  assert.ok(left <= all.length * 0.02, `${left} of ${all.length} texts keep a delimiter as text`);
});

test("GSM8K's dollar amounts stay text: no formula in any test question or solution", async () => {
  const gsm8k = await rows("gsm8k");
  for (const t of texts(gsm8k)) assert.equal(mathHtml(t), escapeHtml(t), t);
  const house = byId(gsm8k, "gsm8k/test/2");
  assert.ok(String(recordBundle(house)["text/html"]).includes("He buys a house for $80,000 and then puts in $50,000 in repairs."));
  assert.ok(mathHtml(house.solution!).includes("80,000+50,000=$&lt;&lt;80000+50000=130000&gt;&gt;130,000"));
  for (const t of ["$5 and $6", "from $140-$100 to $5", "costs \\$5 and \\$6", "between $ 3 and 4$", "$", "$$", "a $ b"]) assert.equal(mathHtml(t), escapeHtml(t), t);
});

test("MATH's own notations: display math, \\[…\\], align environments, a dollar sign as a formula before a price", async () => {
  const math = await rows("math");
  const carpet = mathHtml(byId(math, "math/test/637").question);
  assert.match(carpet, /It costs <math><semantics><mi>\$<\/mi>.*<\/math>105 to carpet/);
  for (const [t, display] of [["$$x^2$$", true], ["\\[x^2\\]", true], ["\\(x^2\\)", false], ["\\begin{align*}a &= b\\\\ c &= d\\end{align*}", true]] as const) {
    const s = splitMath(`see ${t}.`);
    assert.deepEqual(s.map((x) => x.kind), ["text", "math", "text"], t);
    assert.equal(s[1]!.kind === "math" && s[1]!.display, display, t);
  }
});

test("malformed LaTeX never throws and stays visible as written", async () => {
  const math = await rows("math");
  const root = byId(math, "math/test/61").question;
  assert.ok(visibleText(mathHtml(root)).includes("$\n\\root 3 \\of {x \\root 3 \\of {x \\root 3 \\of {x \\sqrt{x}}}}.\n$"), "temml has no \\root…\\of: the formula stays raw");
  assert.equal(visibleText(mathHtml("$\\frac{1}{2$ and $x$")), "$\\frac{1}{2$ and ");
  const random = seededRandom(21);
  for (const p of math.slice(0, 300)) {
    const t = p.solution!;
    const cut = t.slice(0, Math.floor(random() * t.length)) + t.slice(Math.floor(random() * t.length)).replace(/[{}]/, "");
    const segments = splitMath(cut);
    assert.equal(segments.map((s) => (s.kind === "text" ? s.text : s.raw)).join(""), cut, p.id);
  }
  const hostile = `$${"{".repeat(5000)}$ $\\def\\a{\\a\\a}\\a$ $${"x^".repeat(3000)}x$`;
  assert.deepEqual(splitMath(hostile), [{ kind: "text", text: hostile }], "unbalanced braces, an endless macro and 3,000 nested superscripts stay text");
});

// The timeout only makes a quadratic scan fail (it took ~44 s on 200 kB of `\(`; linear: ~50 ms).
test("openers that never close (200 kB of them) come back as the raw text", { timeout: 20_000 }, () => {
  for (const opener of ["\\(", "\\[", "\\begin{align}", "\\(x"]) {
    const row = opener.repeat(Math.ceil(200_000 / opener.length));
    assert.deepEqual(splitMath(row), [{ kind: "text", text: row }], opener);
  }
});

test("a formula cannot draw a giant box: every length in the MathML is at most MAX_EM, else the row stays raw", () => {
  const huge = ["\\rule{9999em}{9999em}", "\\kern9999em x", "\\hspace{9999em}x", "\\hskip 9999pt x", "\\mkern99999mu x", "\\rule{99cm}{1pt}", "a\\\\[9999em] b", "\\raisebox{9999em}{x}", "\\raisebox{-9999em}{x}", "\\rule[-9999em]{1em}{1em}", "\\kern-9999em x", "\\def\\arraystretch{999}\\begin{matrix}a\\\\b\\end{matrix}"];
  const emPer: Record<string, number> = { em: 1, ex: 0.431, mu: 1 / 18, pt: 1 / 12, bp: 1 / 12, pc: 1, px: 1 / 16, in: 6, cm: 6 / 2.54, mm: 0.6 / 2.54 };
  for (const tex of huge) {
    const html = mathHtml(`before $${tex}$ after`);
    const attributes = (html.match(/<m\w*\s[^>]*>/g) ?? []).join(" ");
    const lengths = Array.from(attributes.matchAll(/([+-]?(?:\d+\.?\d*|\.\d+))(em|ex|mu|pt|bp|pc|px|in|cm|mm)\b/g), ([, n, u]) => Math.abs(Number(n)) * emPer[u!]!);
    assert.ok(lengths.every((l) => l <= MAX_EM + 1e-9), `${tex}: ${Math.max(...lengths)} em`);
    assert.ok(visibleText(html).startsWith("before ") && visibleText(html).endsWith(" after"), tex);
  }
  assert.match(mathHtml("$\\hspace{9999em}x$"), new RegExp(`<mspace width="${MAX_EM}em">`), "a positive length is capped");
  assert.equal(visibleText(mathHtml("$\\raisebox{-9999em}{x}$")), "$\\raisebox{-9999em}{x}$", "a negative one (temml does not cap it) leaves the formula raw");
  assert.equal(mathCount(mathHtml("$a\\quad b \\hspace{2cm} c \\rule{1em}{0.4pt}$")), 1, "ordinary spacing renders");
});

test("HTML in a row stays text: no script, no event handler, no link or image survives", () => {
  const row = {
    question: "<script>alert(1)</script> $\\text{<script>alert(2)</script>}$ and <b>bold</b>",
    solution: '$\\href{javascript:alert(3)}{x}$ $\\color{red" onclick="alert(4)}{a}$ $\\includegraphics{https://example.org/a.png}$ $\\style{background:url(https://example.org)}{y}$ $x^2$',
  };
  const html = String(recordBundle(row)["text/html"]);
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  const unsafe = (tag: string) => /^<(script|b|a|img|iframe)\b|\s(on\w+|href|src)=/i.test(tag) || /^<m\w*\s[^>]*style=/.test(tag);
  assert.deepEqual(tags.filter(unsafe), []);
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;") && html.includes("&lt;b&gt;bold&lt;/b&gt;"));
  assert.match(html, /<mtext>&lt;script&gt;alert\(2\)&lt;\/script&gt;<\/mtext>/);
  assert.equal(mathCount(html), 2, "\\text{…} and x^2; \\href, \\color with a quote, \\includegraphics and \\style stay raw");
});

test("a trajectory renders math in the question and the model's prose, never in code, interpreter output or errors", async () => {
  const p = byId(await rows("math"), "math/test/0");
  const code = "```python\nfrom sympy import *\nx = symbols('x')\nprint(f\"$x$ {solve(x**2+x-6, x)}\")\n```";
  const t: TrajectoryView = {
    problemId: p.id, sample: 0, question: p.question, gold: p.answer, finish: "answer", toolCalls: 1, horizonNote: false, transcript: "",
    steps: [
      { text: `The asymptotes are the roots of $x^2+x-6$; run \`print('$a$')\`:\n${code}`, observationText: "$x$ [-3, 2]", error: "SyntaxError at $y$" },
      { text: "So there are $\\boxed{2}$.", observationText: null },
    ],
  };
  const html = trajectoryHtml(t);
  const messages = html.split('<div class="mathagent-msg').slice(1);
  assert.equal(messages.length, 5);
  assert.equal(mathCount(messages[0]!), 1, "question");
  assert.equal(mathCount(messages[1]!), 1, "model prose: one formula before the code");
  assert.ok(messages[1]!.includes(escapeHtml(code)), "the code block is verbatim");
  assert.ok(messages[1]!.includes(escapeHtml("`print('$a$')`")), "inline code is verbatim");
  assert.equal(mathCount(messages[2]!) + mathCount(messages[3]!), 0, "interpreter output and error stay text");
  assert.ok(messages[2]!.includes("$x$ [-3, 2]") && messages[3]!.includes("SyntaxError at $y$"));
  assert.match(messages[4]!, /So there are <math>.*\\boxed\{2\}<\/annotation><\/semantics><\/math>\./);
});
