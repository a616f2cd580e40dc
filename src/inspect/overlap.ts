/**
 * Prompt overlap with the GSM8K and MATH test questions (a contamination check): a prompt equal to
 * a test question once case, punctuation and spacing are ignored is an `exact` match; one sharing a
 * run of 13 words with one is a `13-gram` match (the n-gram test of the GPT-3 / Llama reports).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readJsonl } from "../io/json.js";

export const NGRAM = 13;

/** Where each test set lives under the data directory, and the field holding its question. */
const TEST_SETS: readonly { dataset: string; file: string; field: string }[] = [
  { dataset: "gsm8k", file: path.join("gsm8k", "test.jsonl"), field: "question" },
  { dataset: "math", file: path.join("math", "test.jsonl"), field: "problem" },
];

export interface Overlap {
  dataset: string;
  kind: "exact" | "13-gram";
}

export function normalizeQuestion(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

function ngrams(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + NGRAM <= words.length; i++) out.push(words.slice(i, i + NGRAM).join(" "));
  return out;
}

export class TestQuestions {
  private readonly exact = new Map<string, string>();
  private readonly grams = new Map<string, string>();
  /** The test files read, and those missing from the data directory. */
  readonly read: string[] = [];
  readonly missing: string[] = [];

  add(dataset: string, question: string): void {
    const norm = normalizeQuestion(question);
    if (!this.exact.has(norm)) this.exact.set(norm, dataset);
    for (const g of ngrams(norm.split(" "))) if (!this.grams.has(g)) this.grams.set(g, dataset);
  }

  /** The test set a prompt overlaps, and how; null when none. */
  overlap(prompt: string): Overlap | null {
    const norm = normalizeQuestion(prompt);
    const exact = this.exact.get(norm);
    if (exact !== undefined) return { dataset: exact, kind: "exact" };
    for (const g of ngrams(norm.split(" "))) {
      const d = this.grams.get(g);
      if (d !== undefined) return { dataset: d, kind: "13-gram" };
    }
    return null;
  }

  /** The GSM8K and MATH test questions of a data directory (a missing file is listed, not an error). */
  static async load(dataDir: string): Promise<TestQuestions> {
    const t = new TestQuestions();
    for (const set of TEST_SETS) {
      const file = path.join(dataDir, set.file);
      if (!fs.existsSync(file)) {
        t.missing.push(file);
        continue;
      }
      for await (const { value } of readJsonl(file)) {
        const q = (value as Record<string, unknown>)[set.field];
        if (typeof q === "string") t.add(set.dataset, q);
      }
      t.read.push(file);
    }
    return t;
  }
}
