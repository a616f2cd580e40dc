/**
 * Tokenizers with character offsets, as the loss masks need them:
 * - `CharTokenizer`: the built-in character tokenizer of the tiny policy (one id per code point,
 *   plus special tokens matched whole in the text);
 * - `HfTokenizer`: a Hugging Face `tokenizer.json` through `@huggingface/tokenizers` (pure JS),
 *   with offsets recovered from the token strings (that package reports none).
 *
 * Offsets are UTF-16 indices into the text (`text.slice(start, end)`), end exclusive.
 */
import * as fs from "node:fs";
import { Tokenizer as HfCoreTokenizer } from "@huggingface/tokenizers";

export type Offset = [start: number, end: number];

export interface Encoded {
  ids: number[];
  offsets: Offset[];
}

/** What masks need from a tokenizer. */
export interface TokenizerWithOffsets {
  readonly vocabSize: number;
  encodeWithOffsets(text: string): Encoded;
  decode(ids: ArrayLike<number>): string;
}

export const DEFAULT_CHAR_SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"] as const;

export interface CharTokenizerJSON {
  type: "char";
  specials: string[];
  chars: string[];
}

/**
 * One id per Unicode code point. Ids 0..specials.length-1 are the special tokens (by default
 * `<pad>`, `<bos>`, `<eos>`, `<unk>`), then the characters in the order given. Special tokens that
 * occur in the text are encoded as one id (longest match first); unknown characters map to `<unk>`.
 */
export class CharTokenizer implements TokenizerWithOffsets {
  readonly specials: readonly string[];
  readonly chars: readonly string[];
  private readonly toId = new Map<string, number>();
  private readonly specialsByLength: string[];

  constructor(chars: string | Iterable<string>, opts: { specials?: readonly string[] } = {}) {
    this.specials = [...(opts.specials ?? DEFAULT_CHAR_SPECIALS)];
    const seen = new Set<string>();
    const list: string[] = [];
    for (const c of typeof chars === "string" ? Array.from(chars) : chars) {
      if (Array.from(c).length !== 1) throw new Error(`CharTokenizer: "${c}" is not a single character`);
      if (!seen.has(c)) {
        seen.add(c);
        list.push(c);
      }
    }
    this.chars = list;
    this.specials.forEach((s, i) => this.toId.set(s, i));
    list.forEach((c, i) => {
      if (!this.toId.has(c)) this.toId.set(c, this.specials.length + i);
    });
    this.specialsByLength = [...this.specials].filter((s) => Array.from(s).length > 1).sort((a, b) => b.length - a.length);
  }

  /** A tokenizer over every character that occurs in `texts` (sorted by code point). */
  static fromCorpus(texts: Iterable<string>, opts: { specials?: readonly string[] } = {}): CharTokenizer {
    const set = new Set<string>();
    for (const t of texts) for (const c of t) set.add(c);
    return new CharTokenizer([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!), opts);
  }

  static fromJSON(j: CharTokenizerJSON): CharTokenizer {
    if (j?.type !== "char" || !Array.isArray(j.chars)) throw new Error('not a CharTokenizer JSON (expected {"type":"char","chars":[...]})');
    return new CharTokenizer(j.chars, { specials: j.specials });
  }

  toJSON(): CharTokenizerJSON {
    return { type: "char", specials: [...this.specials], chars: [...this.chars] };
  }

  get vocabSize(): number {
    return this.specials.length + this.chars.length;
  }

  /** Id of a special token or character (undefined when absent). */
  id(token: string): number | undefined {
    return this.toId.get(token);
  }

  get padId(): number | undefined {
    return this.toId.get("<pad>");
  }
  get bosId(): number | undefined {
    return this.toId.get("<bos>");
  }
  get eosId(): number | undefined {
    return this.toId.get("<eos>");
  }
  get unkId(): number | undefined {
    return this.toId.get("<unk>");
  }

  encodeWithOffsets(text: string): Encoded {
    const ids: number[] = [];
    const offsets: Offset[] = [];
    let i = 0;
    outer: while (i < text.length) {
      for (const s of this.specialsByLength) {
        if (text.startsWith(s, i)) {
          ids.push(this.toId.get(s)!);
          offsets.push([i, i + s.length]);
          i += s.length;
          continue outer;
        }
      }
      const cp = text.codePointAt(i)!;
      const c = String.fromCodePoint(cp);
      let id = this.toId.get(c);
      if (id === undefined) {
        id = this.unkId;
        if (id === undefined) throw new Error(`CharTokenizer: character ${JSON.stringify(c)} at ${i} is not in the vocabulary and there is no <unk>`);
      }
      ids.push(id);
      offsets.push([i, i + c.length]);
      i += c.length;
    }
    return { ids, offsets };
  }

  encode(text: string): number[] {
    return this.encodeWithOffsets(text).ids;
  }

  decode(ids: ArrayLike<number>): string {
    let s = "";
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      s += id < this.specials.length ? this.specials[id]! : (this.chars[id - this.specials.length] ?? "");
    }
    return s;
  }
}

/** GPT-2's byte ↔ printable-character map, used by ByteLevel BPE tokenizers. */
function byteLevelDecoderMap(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const m = new Map<string, number>();
  bs.forEach((b, i) => m.set(String.fromCharCode(cs[i]!), b));
  return m;
}

type DecoderStyle = "bytelevel" | "metaspace" | "generic";

interface JsonDecoder {
  type?: string;
  decoders?: JsonDecoder[];
  pattern?: { String?: string };
  content?: string;
}

function decoderStyle(json: { decoder?: JsonDecoder | null; model?: { type?: string } }): DecoderStyle {
  const d = json.decoder;
  if (!d) return "generic";
  const types = d.type === "Sequence" ? (d.decoders ?? []).map((x) => x.type) : [d.type];
  if (types.includes("ByteLevel")) return "bytelevel";
  if (types.includes("Metaspace")) return "metaspace";
  if (d.type === "Sequence" && (d.decoders ?? []).some((x) => x.type === "Replace" && x.pattern?.String === "▁")) return "metaspace";
  return "generic";
}

const utf8 = new TextEncoder();

/**
 * A Hugging Face `tokenizer.json` (BPE, WordPiece, Unigram, …) loaded with `@huggingface/tokenizers`.
 * `encodeWithOffsets` encodes without adding special tokens (the chat template's text already holds
 * them) and recovers each token's character range: exactly for ByteLevel (GPT-2, Llama-3, Qwen,
 * DeepSeek) and Metaspace/byte-fallback (Llama-2, Mistral, Gemma) tokenizers, by prefix decoding for others.
 */
export class HfTokenizer implements TokenizerWithOffsets {
  readonly inner: HfCoreTokenizer;
  private readonly style: DecoderStyle;
  private readonly added: Map<number, string>;
  private readonly byteMap = byteLevelDecoderMap();

  constructor(tokenizerJson: object, tokenizerConfig: object = {}) {
    this.inner = new HfCoreTokenizer(tokenizerJson, tokenizerConfig);
    this.style = decoderStyle(tokenizerJson as Parameters<typeof decoderStyle>[0]);
    this.added = new Map([...this.inner.get_added_tokens_decoder()].map(([id, t]) => [id, t.content]));
  }

  /** Load `tokenizer.json` (and `tokenizer_config.json` beside it when present) from a file or folder. */
  static fromFile(path: string): HfTokenizer {
    const stat = fs.statSync(path);
    const file = stat.isDirectory() ? `${path}/tokenizer.json` : path;
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as object;
    const cfgPath = file.replace(/tokenizer\.json$/, "tokenizer_config.json");
    const cfg = cfgPath !== file && fs.existsSync(cfgPath) ? (JSON.parse(fs.readFileSync(cfgPath, "utf8")) as object) : {};
    return new HfTokenizer(json, cfg);
  }

  get vocabSize(): number {
    return this.inner.get_vocab(true).size;
  }

  encode(text: string): number[] {
    return this.inner.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: ArrayLike<number>): string {
    return this.inner.decode(Array.from(ids), { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** The bytes a token stands for, or null when its style is unknown. */
  private tokenBytes(id: number, token: string): Uint8Array | null {
    const addedContent = this.added.get(id);
    // Metaspace vocabularies (Gemma) also list runs of "▁" among their added tokens.
    if (addedContent !== undefined) return utf8.encode(this.style === "metaspace" ? addedContent.replace(/▁/g, " ") : addedContent);
    if (this.style === "bytelevel") {
      const out: number[] = [];
      for (const ch of token) {
        const b = this.byteMap.get(ch);
        if (b === undefined) return utf8.encode(token); // not a byte-level piece (should not happen)
        out.push(b);
      }
      return Uint8Array.from(out);
    }
    if (this.style === "metaspace") {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
      if (m) return Uint8Array.of(parseInt(m[1]!, 16));
      return utf8.encode(token.replace(/▁/g, " "));
    }
    return null;
  }

  encodeWithOffsets(text: string): Encoded {
    const enc = this.inner.encode(text, { add_special_tokens: false });
    const ids = enc.ids;
    let pieces: Uint8Array[] | null = [];
    for (let i = 0; i < ids.length; i++) {
      const b = this.tokenBytes(ids[i]!, enc.tokens[i]!);
      if (!b) {
        pieces = null;
        break;
      }
      pieces.push(b);
    }
    if (!pieces) pieces = this.piecesByPrefixDecoding(ids);
    return { ids, offsets: alignPieces(text, pieces) };
  }

  /** Generic route: the bytes each token adds to the decoded prefix (O(n²) decodes). */
  private piecesByPrefixDecoding(ids: number[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    let prev = new Uint8Array(0);
    for (let i = 0; i < ids.length; i++) {
      const cur = utf8.encode(this.decode(ids.slice(0, i + 1)).replace(/\uFFFD+$/, ""));
      let k = 0;
      while (k < prev.length && k < cur.length && prev[k] === cur[k]) k++;
      out.push(cur.slice(k));
      prev = cur;
    }
    return out;
  }
}

/**
 * Map each token's bytes onto the text: the concatenated token bytes must equal the text's UTF-8
 * bytes, up to whitespace the tokenizer added (a prepended "▁") or absorbed (added tokens that
 * strip). Returns UTF-16 offsets; a token covering part of a character gets that whole character.
 */
export function alignPieces(text: string, pieces: Uint8Array[]): Offset[] {
  const tb = utf8.encode(text);
  // byte index → UTF-16 index (start of the character holding that byte)
  const charOf = new Int32Array(tb.length + 1);
  const charEnd = new Int32Array(tb.length + 1);
  {
    let bi = 0;
    let ci = 0;
    while (ci < text.length) {
      const cp = text.codePointAt(ci)!;
      const clen = cp > 0xffff ? 2 : 1;
      const blen = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (let k = 0; k < blen; k++) {
        charOf[bi + k] = ci;
        charEnd[bi + k] = ci + clen;
      }
      bi += blen;
      ci += clen;
    }
    charOf[tb.length] = text.length;
    charEnd[tb.length] = text.length;
  }
  const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
  const offsets: Offset[] = [];
  let pos = 0; // byte position in the text
  for (let t = 0; t < pieces.length; t++) {
    const p = pieces[t]!;
    let first = -1;
    let last = -1;
    for (let k = 0; k < p.length; k++) {
      const b = p[k]!;
      if (pos < tb.length && tb[pos] === b) {
        if (first < 0) first = pos;
        last = pos;
        pos++;
        continue;
      }
      if (isSpace(b)) continue; // whitespace the tokenizer inserted
      // whitespace in the text the tokenizer absorbed
      while (pos < tb.length && isSpace(tb[pos]!) && tb[pos] !== b) pos++;
      if (pos < tb.length && tb[pos] === b) {
        if (first < 0) first = pos;
        last = pos;
        pos++;
        continue;
      }
      const ctx = text.slice(Math.max(0, charOf[Math.min(pos, tb.length)]! - 10), charOf[Math.min(pos, tb.length)]! + 10);
      throw new Error(
        `cannot align token ${t} with the text near ${JSON.stringify(ctx)}: the tokenizer normalises the text (lower-casing, Unicode normalisation, …); masks need a tokenizer whose tokens spell the text`,
      );
    }
    if (first < 0) offsets.push([charOf[pos]!, charOf[pos]!]);
    else offsets.push([charOf[first]!, charEnd[last]!]);
  }
  return offsets;
}

/** Load a tokenizer: a Hugging Face tokenizer.json (file or folder), or a CharTokenizer JSON. */
export function loadTokenizer(path: string): TokenizerWithOffsets {
  const stat = fs.statSync(path);
  if (!stat.isDirectory()) {
    const j = JSON.parse(fs.readFileSync(path, "utf8")) as { type?: string };
    if (j.type === "char") return CharTokenizer.fromJSON(j as CharTokenizerJSON);
  }
  return HfTokenizer.fromFile(path);
}
