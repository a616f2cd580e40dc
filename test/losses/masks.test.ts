import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CharTokenizer, HfTokenizer, loadTokenizer, alignPieces, type TokenizerWithOffsets } from "../../src/losses/tokenizer.js";
import { maskFromSpans, normalizeSpans, padMasks, tokensInsideSpans, type CharSpan } from "../../src/losses/masks.js";
import { byteLevelBpeJson, metaspaceBpeJson, CORPUS } from "./tiny-bpe.js";

/**
 * A rendered two-turn tool-integrated trajectory (Gemma-style template) and the spans the model
 * wrote. The observation deliberately contains text that looks like model output (a boxed answer,
 * the model's turn marker); the final answer turn is model-written.
 */
function trajectory() {
  const parts: [string, boolean][] = [
    ["<start_of_turn>user\nWhat is 12 * 7? Café 😀<end_of_turn>\n<start_of_turn>model\n", false],
    ["Let's compute it.\n```python\nprint(12*7)\n```\n", true],
    ["```output\n84\nThe answer is \\boxed{84}.<end_of_turn>\n<start_of_turn>model\n```\n", false],
    ["The answer is \\boxed{84}.<end_of_turn>", true],
  ];
  let text = "";
  const spans: CharSpan[] = [];
  for (const [s, model] of parts) {
    if (model) spans.push({ start: text.length, end: text.length + s.length });
    text += s;
  }
  return { text, spans, parts };
}

/** Expected written flags, computed directly from characters: every char of the token in a span. */
function expectedWritten(offsets: [number, number][], spans: CharSpan[]): boolean[] {
  return offsets.map(([a, b]) => {
    if (b <= a) return false;
    for (let c = a; c < b; c++) if (!spans.some((s) => s.start <= c && c < s.end)) return false;
    return true;
  });
}

const tokenizers: [string, () => TokenizerWithOffsets][] = [
  ["CharTokenizer", () => CharTokenizer.fromCorpus([...CORPUS, trajectory().text], { specials: ["<pad>", "<bos>", "<eos>", "<unk>", "<start_of_turn>", "<end_of_turn>"] })],
  ["ByteLevel BPE tokenizer.json", () => new HfTokenizer(byteLevelBpeJson())],
  ["Metaspace BPE tokenizer.json (byte fallback)", () => new HfTokenizer(metaspaceBpeJson())],
];

for (const [name, make] of tokenizers) {
  describe(`masks from spans with ${name}`, () => {
    const tok = make();
    const { text, spans, parts } = trajectory();

    it("offsets spell the text: every token maps back to the characters it came from", () => {
      const e = tok.encodeWithOffsets(text);
      assert.equal(e.ids.length, e.offsets.length);
      let prevEnd = 0;
      for (const [a, b] of e.offsets) {
        assert.ok(a >= 0 && b <= text.length && a <= b, `offset [${a},${b}]`);
        assert.ok(a >= prevEnd - 2, "offsets are (nearly) monotone"); // a split multi-byte char may be shared
        prevEnd = Math.max(prevEnd, b);
      }
      // Together the tokens cover every non-space character of the text.
      for (let c = 0; c < text.length; c++) {
        if (/\s/.test(text[c]!)) continue;
        assert.ok(e.offsets.some(([a, b]) => a <= c && c < b), `char ${c} ${JSON.stringify(text[c])} is covered by no token`);
      }
    });

    it("mask = 1 exactly on labels the model wrote, shifted by one", () => {
      const m = maskFromSpans(text, spans, tok);
      const L = m.tokenIds.length;
      assert.equal(m.inputIds.length, L - 1);
      assert.deepEqual(m.labels, m.tokenIds.slice(1));
      assert.deepEqual(m.inputIds, m.tokenIds.slice(0, -1));
      const want = expectedWritten(m.offsets, spans);
      assert.deepEqual(m.written, want);
      assert.deepEqual(m.mask, want.slice(1).map((w) => (w ? 1 : 0)));
      assert.ok(m.mask.some((x) => x === 1) && m.mask.some((x) => x === 0));
    });

    it("observation tokens never count, even when they look like model output; the final answer turn counts", () => {
      const m = maskFromSpans(text, spans, tok);
      const obsStart = parts[0]![0].length + parts[1]![0].length;
      const obsEnd = obsStart + parts[2]![0].length;
      const finalStart = obsEnd;
      let finalCount = 0;
      for (let i = 0; i < m.tokenIds.length; i++) {
        const [a, b] = m.offsets[i]!;
        if (a >= obsStart && b <= obsEnd) assert.equal(m.written[i], false, `observation token ${JSON.stringify(text.slice(a, b))} counted`);
        if (a < obsEnd && b > obsStart && (a < obsStart || b > obsEnd)) assert.equal(m.written[i], false, "a token straddling the observation counted");
        if (a >= finalStart && b > a) {
          assert.equal(m.written[i], true, `final-answer token ${JSON.stringify(text.slice(a, b))} not counted`);
          finalCount++;
        }
      }
      assert.ok(finalCount > 0);
      // The boxed answer inside the observation is the same string as in the final turn: only the latter counts.
      const boxed = "\\boxed{84}";
      const inObs = text.indexOf(boxed, obsStart);
      assert.ok(inObs < obsEnd);
      const obsBoxed = m.written.filter((_, i) => m.offsets[i]![0] >= inObs && m.offsets[i]![1] <= inObs + boxed.length);
      assert.ok(obsBoxed.length > 0 && obsBoxed.every((w) => !w));
    });

    it("the prompt never counts; a BOS never counts", () => {
      const bos = tok instanceof CharTokenizer ? tok.bosId! : 0;
      const m = maskFromSpans(text, spans, tok, { bosId: bos });
      assert.equal(m.tokenIds[0], bos);
      assert.equal(m.written[0], false);
      for (let i = 0; i < m.tokenIds.length; i++) if (m.offsets[i]![1] <= spans[0]!.start) assert.equal(m.written[i], false);
    });

    it("padding never counts", () => {
      const a = maskFromSpans(text, spans, tok);
      const b = maskFromSpans(text.slice(0, spans[0]!.end), [spans[0]!], tok);
      const batch = padMasks([a, b], { padId: 0 });
      assert.equal(batch.T, a.labels.length);
      const nb = b.labels.length;
      for (let t = nb; t < batch.T; t++) {
        assert.equal(batch.mask[batch.T + t], 0);
        assert.equal(batch.labels[batch.T + t], 0);
      }
      assert.deepEqual(Array.from(batch.mask.subarray(0, batch.T)), a.mask);
      assert.deepEqual(batch.lengths, [a.labels.length, nb]);
    });
  });
}

describe("span and token rules", () => {
  it("a token straddling a span boundary does not count", () => {
    // spans end in the middle of "abcd" (one token)
    assert.deepEqual(tokensInsideSpans([[0, 4], [4, 6], [6, 8]], [{ start: 2, end: 8 }]), [false, true, true]);
    assert.deepEqual(tokensInsideSpans([[0, 2], [2, 2]], [{ start: 0, end: 2 }]), [true, false]);
  });

  it("spans are checked, sorted and merged", () => {
    assert.deepEqual(normalizeSpans([{ start: 5, end: 9 }, { start: 0, end: 2 }, { start: 2, end: 3 }, { start: 7, end: 7 }], 10), [
      { start: 0, end: 3 },
      { start: 5, end: 9 },
    ]);
    assert.throws(() => normalizeSpans([{ start: 0, end: 11 }], 10), /outside the text/);
    assert.throws(() => normalizeSpans([{ start: 3, end: 2 }], 10), /reversed/);
    assert.throws(() => normalizeSpans([{ start: 0.5, end: 2 } as CharSpan], 10), /integers/);
  });

  it("CharTokenizer round-trips, matches specials whole, maps unknown characters to <unk>, and serialises", () => {
    const t = new CharTokenizer("abc ", { specials: ["<pad>", "<unk>", "<eot>"] });
    const e = t.encodeWithOffsets("ab<eot>z c");
    assert.deepEqual(e.ids, [3, 4, 2, 1, 6, 5]);
    assert.deepEqual(e.offsets, [[0, 1], [1, 2], [2, 7], [7, 8], [8, 9], [9, 10]]);
    assert.equal(t.decode([3, 4, 2]), "ab<eot>");
    assert.equal(t.vocabSize, 7);
    const t2 = CharTokenizer.fromJSON(JSON.parse(JSON.stringify(t)));
    assert.deepEqual(t2.encode("cab"), t.encode("cab"));
    const noUnk = new CharTokenizer("ab", { specials: [] });
    assert.throws(() => noUnk.encode("abc"), /not in the vocabulary/);
    // astral characters are one token
    const emoji = CharTokenizer.fromCorpus(["a😀"]);
    assert.deepEqual(emoji.encodeWithOffsets("😀a").offsets, [[0, 2], [2, 3]]);
  });

  it("alignPieces reports a tokenizer that changes the text", () => {
    const enc = new TextEncoder();
    assert.throws(() => alignPieces("Hello", [enc.encode("hello")]), /cannot align/);
    assert.deepEqual(alignPieces("a b", [enc.encode(" a"), enc.encode(" b")]), [[0, 1], [1, 3]]);
  });

  it("loadTokenizer reads a tokenizer.json file or folder and a CharTokenizer JSON", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-tok-"));
    try {
      fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(byteLevelBpeJson(40)));
      fs.writeFileSync(path.join(dir, "char.json"), JSON.stringify(new CharTokenizer("xy")));
      const a = loadTokenizer(dir);
      const b = loadTokenizer(path.join(dir, "tokenizer.json"));
      assert.deepEqual(a.encodeWithOffsets("The answer").ids, b.encodeWithOffsets("The answer").ids);
      assert.ok(loadTokenizer(path.join(dir, "char.json")) instanceof CharTokenizer);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
