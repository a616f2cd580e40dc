/**
 * THE table of export formats: one entry per format says what a trainer trains from it, whether
 * that is the masked multi-turn objective, where it is written and how. Adding a format is one
 * entry here plus its test.
 */
import type { KtoExample, Pair } from "../pairing/types.js";
import { checkPaperOut, messageFile, writePaper } from "./message-formats.js";
import type { ExportTokenizer } from "./tokenizer.js";
import { writeLlamaFactory, writeTokens } from "./token-formats.js";
import { isTableKey, tableKey, tableNames } from "../table.js";

export type ExportKind = "pairs" | "kto";
export type ExportData = { kind: "pairs"; pairs: readonly Pair[] } | { kind: "kto"; examples: readonly KtoExample[] };

export interface ExportContext {
  out: string;
  /** Provenance recorded with the data: source, seed, strategy, filters, counts. */
  meta: Record<string, unknown>;
  seed: number;
  tokenizer?: ExportTokenizer;
  maxLength?: number;
  /** Rows held out into a `validation` split (token formats). */
  valSize?: number;
  /** Decode row 0 of what was written and describe its counted segments. */
  check?: boolean;
  /** Let a result with no rows replace an export that has rows. */
  force?: boolean;
}

export interface ExportResult {
  out: string;
  rows: number;
  /** Report lines for the user. */
  lines: string[];
}

export type Masked = "yes" | "Gemma-1/2 only" | "no";

export interface FormatEntry {
  /** Who reads it, in a few words (--help). */
  reader: string;
  /** Who reads it and what it trains (docs and --help). */
  trains: string;
  /** Whether a trainer reading it as documented trains the masked multi-turn objective. */
  masked: Masked;
  /** Needs --tokenizer and --max-length. */
  tokenized: boolean;
  /** One line printed when the format is chosen, or null. */
  notice: string | null;
  /** Default output: `stem` is the input's name with `.pairs.<strategy>` or `.kto`. */
  defaultOut(stem: string): string;
  /** Refuse an output path before any work (throws). */
  checkOut?(out: string): void;
  write(data: ExportData, ctx: ExportContext): Promise<ExportResult>;
}

const UNMASKED_NOTICE = "compute the loss on observation tokens too (plain multi-turn DPO/KTO, the paper's single-turn baseline); for M-DPO/M-KTO use --format llamafactory";

/** The table. */
export const FORMATS = {
  paper: {
    reader: "the paper's run_dpo.py / run_kto.py",
    trains: "the paper's own trainer (run_dpo.py; run_kto.py reads the pairs folder too): whole conversations [{role, content, model_written}]",
    masked: "Gemma-1/2 only",
    tokenized: false,
    notice: "the paper's trainer masks user turns only for Gemma-1/2 tokenizers (hard-coded token ids); with any other model it trains every token after the prompt",
    defaultOut: (stem: string) => `${stem}.paper`,
    checkOut: checkPaperOut,
    write: writePaper,
  },
  trl: {
    reader: "TRL DPOTrainer / KTOTrainer",
    trains: "TRL DPOTrainer / KTOTrainer: conversational {prompt, chosen, rejected} / {prompt, completion, label}",
    masked: "no",
    tokenized: false,
    notice: `TRL's DPOTrainer/KTOTrainer ${UNMASKED_NOTICE}`,
    defaultOut: (stem: string) => `${stem}.trl.jsonl`,
    write: messageFile("trl"),
  },
  openrlhf: {
    reader: "OpenRLHF train_dpo / train_kto",
    trains: "OpenRLHF train_dpo (--data.prompt_key prompt --data.chosen_key chosen --data.rejected_key rejected, >= 0.10.2) / train_kto (<= 0.9.5)",
    masked: "no",
    tokenized: false,
    notice: `OpenRLHF's train_dpo/train_kto ${UNMASKED_NOTICE}`,
    defaultOut: (stem: string) => `${stem}.openrlhf.jsonl`,
    write: messageFile("openrlhf"),
  },
  llamafactory: {
    reader: "LLaMA-Factory, tokenized_path",
    trains: "LLaMA-Factory stage dpo / kto with tokenized_path: pre-tokenized with the policy's tokenizer, labels -100 off the model's tokens",
    masked: "yes",
    tokenized: true,
    notice: null,
    defaultOut: (stem: string) => `${stem}.lf`,
    write: writeLlamaFactory,
  },
  tokens: {
    reader: "Parquet token columns",
    trains: "any Parquet reader; TRL SFTTrainer (input_ids + labels) for an SFT/RAFT baseline on chosen trajectories",
    masked: "yes",
    tokenized: true,
    notice: null,
    defaultOut: (stem: string) => `${stem}.tokens.parquet`,
    write: writeTokens,
  },
} as const satisfies Record<string, FormatEntry>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = tableNames(FORMATS);

export function isFormatName(s: string): s is FormatName {
  return isTableKey(FORMATS, s);
}

/** The entry of a format, or an error listing the formats. */
export function formatEntry(name: string): FormatEntry {
  return FORMATS[tableKey(FORMATS, name, "--format")];
}
