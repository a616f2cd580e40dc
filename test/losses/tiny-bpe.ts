/**
 * Builds small Hugging Face `tokenizer.json` objects for the tests (nothing is downloaded):
 * a GPT-2-style ByteLevel BPE and a Llama-2-style Metaspace BPE with byte fallback, each trained
 * with a few merges on a tiny corpus, plus added special tokens.
 */

function byteToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) map[b] = bs.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + n++);
  return map;
}

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Learn `nMerges` BPE merges over words given as symbol arrays. */
function learnMerges(words: string[][], nMerges: number): [string, string][] {
  const merges: [string, string][] = [];
  for (let k = 0; k < nMerges; k++) {
    const counts = new Map<string, number>();
    for (const w of words) for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] + "\u0000" + w[i + 1];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let best = "";
    let bestN = 1;
    for (const [key, c] of counts) if (c > bestN || (c === bestN && best && key < best)) [best, bestN] = [key, c];
    if (!best) break;
    const [a, b] = best.split("\u0000") as [string, string];
    merges.push([a, b]);
    for (const w of words) for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) w.splice(i, 2, a + b);
  }
  return merges;
}

function addedTokens(specials: string[], firstId: number) {
  return specials.map((content, i) => ({ id: firstId + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

export const CORPUS = [
  "Let's compute the answer with Python.\n```python\nx = 12 * 7\nprint(x)\n```\n",
  "```output\n84\n```\nThe answer is \\boxed{84}.",
  "The result of the computation is printed below, so the final answer is 84.",
  "Solve the problem step by step: the sum of the numbers is the answer.",
];

export const SPECIALS = ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"];

export function byteLevelBpeJson(nMerges = 120): object {
  const b2u = byteToUnicode();
  const enc = new TextEncoder();
  const words: string[][] = [];
  for (const text of CORPUS) for (const m of text.matchAll(GPT2_SPLIT)) words.push(Array.from(enc.encode(m[0]), (b) => b2u[b]!));
  const merges = learnMerges(words, nMerges);
  const vocab: Record<string, number> = {};
  b2u.forEach((c) => (vocab[c] = Object.keys(vocab).length));
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
  const n = Object.keys(vocab).length;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens(SPECIALS, n),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}

/** Llama-2 style: "▁" for spaces (prepended once), BPE over characters, unknown characters as <0xNN> bytes. */
export function metaspaceBpeJson(nMerges = 120): object {
  const words: string[][] = [];
  for (const text of CORPUS) {
    const s = "▁" + text.replace(/ /g, "▁");
    words.push(Array.from(s));
  }
  const merges = learnMerges(words, nMerges);
  const vocab: Record<string, number> = { "<unk>": 0 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = Object.keys(vocab).length;
  const chars = new Set<string>();
  for (const w of words) for (const c of w) chars.add(c);
  for (const text of CORPUS) for (const c of text) if (c !== " ") chars.add(c);
  chars.add("▁");
  for (const c of [...chars].sort()) if (!(c in vocab)) vocab[c] = Object.keys(vocab).length;
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
  const n = Object.keys(vocab).length;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [{ id: 0, content: "<unk>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }, ...addedTokens(SPECIALS, n)],
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}
