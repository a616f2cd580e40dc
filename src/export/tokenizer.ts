/**
 * The policy's tokenizer for a token-level export, with the facts recorded beside the data so a
 * trainer's tokenizer can be checked against it: the file's sha256, vocabulary size, BOS/EOS.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { CharTokenizer, type CharTokenizerJSON, HfTokenizer, type TokenizerWithOffsets } from "../losses/index.js";

export interface TokenizerFacts {
  /** The tokenizer file read (tokenizer.json, or a CharTokenizer JSON). */
  file: string;
  sha256: string;
  vocabSize: number;
  bosToken: string | null;
  bosId: number | null;
  eosToken: string | null;
  eosId: number | null;
}

export interface ExportTokenizer {
  tok: TokenizerWithOffsets;
  facts: TokenizerFacts;
}

/** `"<bos>"` or `{content: "<bos>"}` (tokenizer_config.json spells it both ways). */
function tokenName(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  return null;
}

function idOf(tok: TokenizerWithOffsets, token: string | null): number | null {
  if (token === null) return null;
  const ids = tok.encodeWithOffsets(token).ids;
  return ids.length === 1 ? ids[0]! : null;
}

/** The BOS/EOS names: a CharTokenizer's own, or those of tokenizer_config.json. */
function specialNames(tok: TokenizerWithOffsets, cfg: Record<string, unknown>): { bos: string | null; eos: string | null } {
  if (tok instanceof CharTokenizer) return { bos: tok.bosId !== undefined ? "<bos>" : null, eos: tok.eosId !== undefined ? "<eos>" : null };
  return { bos: tokenName(cfg.bos_token), eos: tokenName(cfg.eos_token) };
}

/** tokenizer_config.json beside tokenizer.json, or {}. */
function configBeside(file: string): Record<string, unknown> {
  const cfgFile = path.join(path.dirname(file), "tokenizer_config.json");
  return fs.existsSync(cfgFile) ? (JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Record<string, unknown>) : {};
}

/** Load the tokenizer a `--tokenizer FILE|DIR` names (a Hugging Face tokenizer.json or its folder, or a CharTokenizer JSON), reading the file once. */
export function loadExportTokenizer(p: string): ExportTokenizer {
  if (!fs.existsSync(p)) throw new MathagentError(`--tokenizer ${p}: no such file or folder`);
  const file = fs.statSync(p).isDirectory() ? path.join(p, "tokenizer.json") : p;
  if (!fs.existsSync(file)) throw new MathagentError(`--tokenizer ${p}: no tokenizer.json in that folder`);
  const bytes = fs.readFileSync(file);
  let json: { type?: string };
  try {
    json = JSON.parse(bytes.toString("utf8")) as { type?: string };
  } catch (e) {
    throw new MathagentError(`--tokenizer ${file}: not valid JSON (${(e as Error).message})`);
  }
  const char = json.type === "char";
  const cfg = char ? {} : configBeside(file);
  const tok: TokenizerWithOffsets = char ? CharTokenizer.fromJSON(json as CharTokenizerJSON) : new HfTokenizer(json, cfg);
  const { bos, eos } = specialNames(tok, cfg);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { tok, facts: { file: path.resolve(file), sha256, vocabSize: tok.vocabSize, bosToken: bos, bosId: idOf(tok, bos), eosToken: eos, eosId: idOf(tok, eos) } };
}
