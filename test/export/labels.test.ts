import { test } from "node:test";
import assert from "node:assert/strict";
import { getTemplate, render } from "../../src/chat/index.js";
import { countedRuns, labelTrajectory, shiftedLabels, TURN_CLOSE, unshiftedLabels } from "../../src/export/index.js";
import { CharTokenizer } from "../../src/losses/index.js";
import { encodeTrajectory, tinyTemplate } from "../../src/train/encode.js";
import { gsm8k, makeTrajectory, modelTexts, realTokenizer, scripts } from "./helpers.js";

for (const family of ["gemma", "qwen"] as const) {
  test(`${family} (real tokenizer.json): counted tokens decode to exactly the model's text plus its closing tokens; all tokens to the transcript; no observation byte counted`, async () => {
    const { tok } = realTokenizer(family);
    const problems = await gsm8k(4);
    assert.ok(problems.some((p) => p.question.includes(".  ")), "a question with a double space (a Gemma added token)");
    const close = TURN_CLOSE[family];
    for (const [name, script, p] of problems.flatMap((p) => Object.entries(scripts(p)).map(([n, s]) => [`${p.id} ${n}`, s, p] as const))) {
      const t = makeTrajectory(family, p, 0, script, "eos");
      const seq = labelTrajectory(t, tok);
      // Everything: the transcript exactly, then the end token the model produced.
      assert.equal(tok.decode(seq.ids), t.transcript + close.final, name);
      // Counted: one run per model turn, each the turn's text and its closing token.
      const runs = countedRuns(seq.counted);
      const texts = modelTexts(t);
      assert.equal(runs.length, texts.length, `${name}: one counted run per model turn`);
      runs.forEach(([a, b], k) => assert.equal(tok.decode(seq.ids.slice(a, b)), texts[k] + close.afterTurn, `${name} turn ${k}`));
      // No character of an observation, the prompt or a header lies under a counted token.
      const r = render(getTemplate(family), { question: t.question, turns: t.steps.flatMap((s) => [{ role: "model" as const, text: s.text }, ...(s.observationText !== null ? [{ role: "observation" as const, text: s.observationText }] : [])]) });
      const allowed = new Uint8Array(t.transcript.length);
      for (const s of r.spans) allowed.fill(1, s.start, s.end + (t.transcript.startsWith(close.afterTurn, s.end) ? close.afterTurn.length : 0));
      seq.offsets.forEach(([a, b], i) => {
        if (!seq.counted[i]) return;
        for (let c = a; c < b; c++) assert.equal(allowed[c], 1, `${name}: counted token ${i} covers ${JSON.stringify(t.transcript[c])} at ${c}, outside the model's text`);
      });
      for (const s of t.steps) {
        if (s.observationText === null) continue;
        const at = t.transcript.indexOf("```output\n" + s.observationText);
        assert.ok(at > 0);
        seq.offsets.forEach(([a, b], i) => assert.ok(!seq.counted[i] || b <= at || a >= at + 10 + s.observationText!.length, `${name}: observation ${s.observationText} counted`));
      }
      // Unshifted labels: the id where counted, −100 elsewhere; the prompt is never counted.
      const labels = unshiftedLabels(seq);
      assert.equal(labels.length, seq.ids.length);
      labels.forEach((l, i) => assert.equal(l, seq.counted[i] ? seq.ids[i] : -100));
      assert.ok(seq.promptTokens > 5 && labels.slice(0, seq.promptTokens).every((l) => l === -100));
    }
  });
}

test("a trajectory cut at the length limit has no final end token; one that hit the horizon counts no observation and not the note", async () => {
  const { tok } = realTokenizer("gemma");
  const [p] = await gsm8k(1);
  const { right } = scripts(p!);
  const cut = makeTrajectory("gemma", p!, 0, right, "length");
  const seqCut = labelTrajectory(cut, tok);
  assert.equal(tok.decode(seqCut.ids), cut.transcript, "nothing appended");
  assert.equal(tok.decode(seqCut.ids.filter((_, i) => seqCut.counted[i])), modelTexts(cut).map((m, k) => m + (k < 2 ? "<end_of_turn>" : "")).join(""));
  const horizon = makeTrajectory("gemma", p!, 1, [right[0]!, right[1]!], "horizon");
  const seqH = labelTrajectory(horizon, tok);
  assert.equal(tok.decode(seqH.ids), horizon.transcript);
  assert.ok(horizon.transcript.endsWith("\nReach max function call limit."));
  assert.equal(tok.decode(seqH.ids.filter((_, i) => seqH.counted[i])), modelTexts(horizon).map((m) => m + "<end_of_turn>").join(""));
});

test("the wrong tokenizer for the family, or a transcript that is not the render, is refused with the trajectory named", async () => {
  const [p] = await gsm8k(1);
  const t = makeTrajectory("gemma", p!, 3, scripts(p!).right);
  assert.throws(() => labelTrajectory(t, realTokenizer("qwen").tok), /spells "<end_of_turn>" .* as \d+ tokens, not one: is it the policy's tokenizer\?/);
  const edited = { ...t, transcript: t.transcript.replace("step by step", "step-by-step") };
  assert.throws(() => labelTrajectory(edited, realTokenizer("gemma").tok), new RegExp(`trajectory ${p!.id}#3: its transcript is not what the gemma template renders`));
});

test("the one label rule gives the built-in trainer's shifted labels exactly (tiny family, character tokenizer)", async () => {
  const problems = await gsm8k(3);
  const cases = problems.flatMap((p, i) => {
    const { right, wrong } = scripts(p);
    return [makeTrajectory("tiny", p, i, right, "eos"), makeTrajectory("tiny", p, i + 10, wrong, "length"), makeTrajectory("tiny", p, i + 20, [right[0]!], "horizon")];
  });
  const tok = CharTokenizer.fromCorpus(cases.map((t) => t.transcript));
  for (const t of cases) {
    const mine = shiftedLabels(labelTrajectory(t, tok));
    const trainer = encodeTrajectory(tok, tinyTemplate(), t, 1 << 20);
    assert.deepEqual(mine, { inputIds: trainer.inputIds, labels: trainer.labels, mask: trainer.mask }, `${t.problemId}#${t.sample} (${t.finish})`);
    assert.ok(mine.mask.some((m) => m === 1) && mine.mask.some((m) => m === 0));
  }
  // The two spellings of one sequence: shifted label k is the unshifted label k+1.
  const seq = labelTrajectory(cases[0]!, tok);
  const un = unshiftedLabels(seq);
  const sh = shiftedLabels(seq);
  sh.labels.forEach((l, k) => assert.equal(sh.mask[k] ? l : -100, un[k + 1]));
});
