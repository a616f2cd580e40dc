import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { gsm8kAnswer, lastBoxed } from "./answers.js";
import { dataDir } from "./datadir.js";
import { readJsonl, RowError } from "./jsonl.js";
import { DATASET_SPLITS, type DatasetName, type Problem } from "./problem.js";

type Row = Record<string, unknown>;
/** Turns one source row into a Problem, or returns the reason it cannot. */
type RowParser = (row: Row, index: number, split: string) => Problem | string;

function str(row: Row, key: string): string | undefined {
  const v = row[key];
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** "Level 3" or 3 → 3; anything else (MATH has a few "Level ?") → undefined. */
function level(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(/(\d+)/.exec(v)?.[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
}

const PARSERS: Record<DatasetName, RowParser> = {
  gsm8k(row, index, split) {
    const question = str(row, "question");
    const solution = str(row, "answer");
    if (!question || !solution) return 'expected string fields "question" and "answer"';
    const answer = gsm8kAnswer(solution);
    if (!answer) return 'the "answer" field has no "#### " final-answer line';
    return { id: `gsm8k/${split}/${index}`, dataset: "gsm8k", question, answer, solution };
  },
  math(row, index, split) {
    const question = str(row, "problem");
    const solution = str(row, "solution");
    if (!question || !solution) return 'expected string fields "problem" and "solution"';
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
    const question = str(row, "problem");
    const solution = str(row, "solution");
    if (!question || !solution) return 'expected string fields "problem" and "solution"';
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

/** Every problem of a dataset split, in file order. */
export async function loadProblems(dataset: DatasetName, split = "test"): Promise<Problem[]> {
  const parse = PARSERS[dataset];
  if (!parse) {
    throw new MathagentError(`unknown dataset "${dataset}"; choose one of ${Object.keys(PARSERS).join(", ")}`);
  }
  if (!DATASET_SPLITS[dataset].includes(split)) {
    throw new MathagentError(`${dataset} has no split "${split}"; it has ${DATASET_SPLITS[dataset].join(", ")}`);
  }
  const file = datasetFile(dataset, split);
  if (!fs.existsSync(file)) {
    throw new MathagentError(
      `${dataset}/${split} not found at ${file}. Download the datasets with \`mathagent data fetch\`, ` +
        `or point MATHAGENT_DATA_DIR at a folder that holds ${dataset}/${split}.jsonl.`,
    );
  }
  const problems: Problem[] = [];
  let index = 0;
  for await (const { line, value } of readJsonl(file)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new RowError(file, line, "expected a JSON object");
    }
    const result = parse(value as Row, index++, split);
    if (typeof result === "string") throw new RowError(file, line, result);
    problems.push(result);
  }
  return problems;
}
