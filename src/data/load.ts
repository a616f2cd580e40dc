import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { describeValue, fieldProblem, FileError, requireFile, RowError } from "../io/errors.js";
import { readJsonl } from "../io/json.js";
import { gsm8kAnswer, lastBoxed } from "./answers.js";
import { checkDatasetBytes, checkDatasetRows, type DataCheck, dataCheckMode, manifestEntry } from "./check.js";
import { dataDir } from "./datadir.js";
import { DATASET_SPLITS, type DatasetName, type Problem } from "./problem.js";
import { tableKey } from "../table.js";

type Row = Record<string, unknown>;
/** Turns one source row into a Problem, or returns the reason it cannot. */
type RowParser = (row: Row, index: number, split: string) => Problem | string;

function str(row: Row, key: string): string | undefined {
  const v = row[key];
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** The first of `keys` that is not a non-empty string, worded as a field problem; null when all are. */
function needStrings(row: Row, ...keys: string[]): string | null {
  const bad = keys.find((k) => str(row, k) === undefined);
  return bad === undefined ? null : fieldProblem(bad, "a non-empty string", row[bad]);
}

/** "Level 3" or 3 → 3; anything else (MATH has a few "Level ?") → undefined. */
function level(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(/(\d+)/.exec(v)?.[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
}

const PARSERS: Record<DatasetName, RowParser> = {
  gsm8k(row, index, split) {
    const missing = needStrings(row, "question", "answer");
    if (missing) return missing;
    const question = str(row, "question")!;
    const solution = str(row, "answer")!;
    const answer = gsm8kAnswer(solution);
    if (!answer) return 'the "answer" field has no "#### " final-answer line';
    return { id: `gsm8k/${split}/${index}`, dataset: "gsm8k", question, answer, solution };
  },
  math(row, index, split) {
    const missing = needStrings(row, "problem", "solution");
    if (missing) return missing;
    const question = str(row, "problem")!;
    const solution = str(row, "solution")!;
    const answer = lastBoxed(solution);
    if (!answer) return "the solution has no \\boxed{…} answer";
    const idx = typeof row["idx"] === "number" ? row["idx"] : index;
    return {
      id: `math/${split}/${idx}`,
      dataset: "math",
      question,
      answer,
      solution,
      level: level(row["level"]),
      subject: str(row, "type"),
    };
  },
  math500(row, index, split) {
    const missing = needStrings(row, "problem", "solution");
    if (missing) return missing;
    const question = str(row, "problem")!;
    const solution = str(row, "solution")!;
    // The file's own "answer" field is the reference; the boxed answer of the solution must agree with it.
    const answer = str(row, "answer") ?? lastBoxed(solution);
    if (!answer) return 'no "answer" field and no \\boxed{…} in the solution';
    const uid = str(row, "unique_id")?.replace(/^test\//, "").replace(/\.json$/, "") ?? String(index);
    return {
      id: `math500/${split}/${uid}`,
      dataset: "math500",
      question,
      answer,
      solution,
      level: level(row["level"]),
      subject: str(row, "subject"),
    };
  },
};

export function datasetFile(dataset: DatasetName, split: string): string {
  return path.join(dataDir(), dataset, `${split}.jsonl`);
}

/** A dataset name and split the data directory has (split default "test"), or an error naming the choices. */
export function checkDatasetSplit(dataset: string, split = "test"): asserts dataset is DatasetName {
  const name = tableKey(DATASET_SPLITS, dataset, "dataset");
  if (!DATASET_SPLITS[name].includes(split)) {
    throw new MathagentError(`${name} has no split "${split}"; it has ${DATASET_SPLITS[name].join(", ")}`);
  }
}

export interface LoadOptions {
  /** How the file is checked against data/manifest.json (default: MATHAGENT_DATA_CHECK, else sha256). */
  check?: DataCheck;
}

/**
 * Every problem of a dataset split, in file order. The file is checked against data/manifest.json
 * first (see check.ts); a bad row is a RowError naming FILE:LINE.
 */
export async function loadProblems(dataset: DatasetName, split = "test", opts: LoadOptions = {}): Promise<Problem[]> {
  checkDatasetSplit(dataset, split);
  const file = datasetFile(dataset, split);
  if (!fs.existsSync(file)) {
    throw new FileError(
      file,
      `no such file: the ${dataset}/${split} dataset is missing. Download the datasets with \`mathagent data fetch\`, ` +
        `or point MATHAGENT_DATA_DIR at a folder that holds ${dataset}/${split}.jsonl.`,
    );
  }
  return readProblemsFile(file, dataset, split, opts.check ?? dataCheckMode());
}

/** The problems of one dataset file, checked against its manifest entry in `mode` (see check.ts). */
export async function readProblemsFile(file: string, dataset: DatasetName, split: string, mode: DataCheck): Promise<Problem[]> {
  const parse = PARSERS[dataset];
  requireFile(file);
  const entry = manifestEntry(`${dataset}/${split}.jsonl`);
  checkDatasetBytes(file, entry, mode);
  const problems: Problem[] = [];
  const firstLine = new Map<string, number>();
  let index = 0;
  for await (const { line, value } of readJsonl(file)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new RowError(file, line, `expected a JSON object, found ${describeValue(value)}`);
    }
    const result = parse(value as Row, index++, split);
    if (typeof result === "string") throw new RowError(file, line, result);
    const first = firstLine.get(result.id);
    if (first !== undefined) throw new RowError(file, line, `duplicate problem id ${result.id} (first at line ${first})`);
    firstLine.set(result.id, line);
    problems.push(result);
  }
  checkDatasetRows(file, entry, mode, problems.length);
  return problems;
}
