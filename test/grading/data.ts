/** Reads the shared data files the grading tests use; null when MATHAGENT_DATA_DIR is unset. */
import * as fs from "node:fs";
import * as path from "node:path";

export const DATA_DIR = process.env.MATHAGENT_DATA_DIR;
export const SKIP_NO_DATA = DATA_DIR
  ? false
  : "MATHAGENT_DATA_DIR is not set: point it at the shared data folder (npm test does) to run the data tests";

export function readJsonl<T>(relative: string): T[] {
  const file = path.join(DATA_DIR!, relative);
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch (err) {
        throw new Error(`${file}:${i + 1}: ${(err as Error).message}`);
      }
    });
}

export function readJson<T>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(DATA_DIR!, relative), "utf8")) as T;
}

export interface QwenRow {
  idx: number;
  gt: string;
  code: string[];
  pred: string[];
  score: boolean[];
}

export const GSM8K_COLUMNS = ["6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"] as const;
export type GsmRow = { ground_truth: string } & Record<(typeof GSM8K_COLUMNS)[number], { solution: string; is_correct: boolean }>;

export interface AnswerTypeRow {
  index: number;
  answer: string | string[];
  human_type: string;
}
