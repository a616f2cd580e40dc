import * as fs from "node:fs";
import * as readline from "node:readline";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import {
  DATASET_NAMES,
  type DatasetName,
  type GradeMode,
  GRADE_MODES,
  Grader,
  type GradeItem,
  GraderPool,
  gradeFast,
  type Verdict,
} from "../../grading/index.js";

const usage = `usage: mathagent grade --input FILE.jsonl [--grader robust|paper] [--extract] [--dataset NAME] [--workers N] [--timeout-ms MS]

Reads JSON lines {"pred": …, "gt": …, "dataset"?: …, "mode"?: …} and writes each line back to
stdout, in order, with "correct", "mode" (the grader that decided), "rule" (its step),
"pred_answer"/"gt_answer" (each side's answer as extracted) and "pred_norm"/"gt_norm" (as
compared) added. A line that cannot be graded is written back with "error" naming its line
number; the command then exits 1. A summary goes to stderr.

The input here is pairs, not a rollout, so the default grader is "robust" (any model's output);
"paper" is ToRA's grader, the one the paper's numbers and the rollout commands (eval, annotate,
pairs, kto, metrics) use.

options:
  --input FILE      JSON Lines to grade; "-" reads stdin
  --grader MODE     robust (default) or paper, for lines without their own "mode"
  --extract         "pred" is a whole model output: extract its final answer first
  --dataset NAME    default dataset for lines without one: ${DATASET_NAMES.join(", ")} (default: default)
  --workers N       grade over N worker threads (default 0: this thread plus one CAS worker)
  --timeout-ms MS   time limit per symbolic check (default 3000); a time-out counts as wrong`;

/** Lines graded per batch: bounds memory on huge files while keeping workers busy. */
const BATCH_LINES = 512;

interface ParsedLine {
  lineNo: number;
  record: Record<string, unknown> | null;
  item: GradeItem | null;
  error?: string;
}

function parseLine(text: string, lineNo: number, defaultDataset: DatasetName, extract: boolean, defaultMode: GradeMode): ParsedLine {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    return { lineNo, record: null, item: null, error: `line ${lineNo}: not valid JSON (${(err as Error).message})` };
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return { lineNo, record: null, item: null, error: `line ${lineNo}: expected a JSON object with "pred" and "gt"` };
  }
  const r = record as Record<string, unknown>;
  const bad = (why: string): ParsedLine => ({ lineNo, record: r, item: null, error: `line ${lineNo}: ${why}` });
  if (typeof r.pred !== "string") return bad(`"pred" must be a string, got ${describe(r.pred)}`);
  // Numbers are common ground truths in hand-made files; take them as written.
  const gt = typeof r.gt === "number" ? String(r.gt) : r.gt;
  if (typeof gt !== "string") return bad(`"gt" must be a string or number, got ${describe(r.gt)}`);
  const dataset = r.dataset ?? defaultDataset;
  if (typeof dataset !== "string" || !DATASET_NAMES.includes(dataset as DatasetName)) {
    return bad(`unknown "dataset" ${JSON.stringify(dataset)}: use one of ${DATASET_NAMES.join(", ")}`);
  }
  const mode = r.mode ?? defaultMode;
  if (typeof mode !== "string" || !GRADE_MODES.includes(mode as GradeMode)) {
    return bad(`unknown "mode" ${JSON.stringify(mode)}: use one of ${GRADE_MODES.join(", ")}`);
  }
  return { lineNo, record: r, item: { pred: r.pred, gt, dataset: dataset as DatasetName, extract, mode: mode as GradeMode } };
}

function describe(v: unknown): string {
  return v === undefined ? "nothing" : v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function verdictFields(v: Verdict): Record<string, unknown> {
  return {
    correct: v.correct,
    mode: v.mode,
    rule: v.rule,
    pred_answer: v.predAnswer,
    gt_answer: v.gtAnswer,
    pred_norm: v.pred,
    gt_norm: v.gt,
  };
}

function parseWorkers(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--workers must be a whole number ≥ 0, got "${s}"`);
  return n;
}

function parseTimeout(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout-ms must be a positive number of milliseconds, got "${s}"`);
  return n;
}

export const command: Command = {
  name: "grade",
  summary: "grade predictions against ground truths (JSON Lines in, verdicts out)",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      input: { type: "string" },
      grader: { type: "string" },
      extract: { type: "boolean", default: false },
      dataset: { type: "string" },
      workers: { type: "string" },
      "timeout-ms": { type: "string" },
    });
    if (values.input === undefined) throw new UsageError("--input FILE.jsonl is required (use - for stdin)");
    const dataset = (values.dataset ?? "default") as DatasetName;
    if (!DATASET_NAMES.includes(dataset)) throw new UsageError(`unknown --dataset "${values.dataset}": use one of ${DATASET_NAMES.join(", ")}`);
    const workers = parseWorkers(values.workers);
    const timeoutMs = parseTimeout(values["timeout-ms"]);
    const extract = values.extract === true;
    const mode = (values.grader ?? "robust") as GradeMode;
    if (!GRADE_MODES.includes(mode)) throw new UsageError(`unknown --grader "${values.grader}": use one of ${GRADE_MODES.join(", ")}`);

    let input: NodeJS.ReadableStream;
    if (values.input === "-") input = io.stdin;
    else {
      if (!fs.existsSync(values.input)) throw new UsageError(`input file not found: ${values.input}`);
      input = fs.createReadStream(values.input, { encoding: "utf8" });
    }

    const pool = workers > 0 ? new GraderPool({ workers, mode, ...(timeoutMs ? { timeoutMs } : {}) }) : null;
    const grader = pool ? null : new Grader({ mode, ...(timeoutMs ? { timeoutMs } : {}) });
    const counts = { lines: 0, correct: 0, errors: 0, byRule: {} as Record<string, number> };

    // A reader that goes away (`| head`) ends the run quietly instead of crashing on EPIPE. The
    // listener stays: the error can arrive after the last write returned.
    let outputClosed = false;
    const onOutputError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") outputClosed = true;
      else throw err;
    };
    io.stdout.on("error", onOutputError);

    const gradeBatch = async (batch: ParsedLine[]): Promise<void> => {
      const items = batch.filter((p) => p.item !== null).map((p) => p.item!);
      let verdicts: Verdict[];
      if (pool) verdicts = await pool.gradeBatch(items);
      else {
        verdicts = [];
        for (const item of items) {
          const fast = gradeFast(item.pred, item.gt, item);
          verdicts.push(fast.correct === undefined ? await grader!.grade(item.pred, item.gt, item) : fast);
        }
      }
      let k = 0;
      for (const p of batch) {
        if (outputClosed) return;
        counts.lines++;
        if (p.error !== undefined) {
          counts.errors++;
          io.stderr.write(`mathagent grade: ${p.error}\n`);
          const out = p.record ?? { line: p.lineNo };
          io.stdout.write(JSON.stringify({ ...out, error: p.error }) + "\n");
          continue;
        }
        const v = verdicts[k++]!;
        if (v.correct) counts.correct++;
        const key = `${v.mode} ${v.rule}`;
        counts.byRule[key] = (counts.byRule[key] ?? 0) + 1;
        io.stdout.write(JSON.stringify({ ...p.record, ...verdictFields(v) }) + "\n");
      }
    };

    try {
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      let batch: ParsedLine[] = [];
      let lineNo = 0;
      for await (const text of lines) {
        if (outputClosed) break;
        lineNo++;
        if (text.trim() === "") continue;
        batch.push(parseLine(text, lineNo, dataset, extract, mode));
        if (batch.length >= BATCH_LINES) {
          await gradeBatch(batch);
          batch = [];
        }
      }
      await gradeBatch(batch);
    } finally {
      await pool?.close();
      await grader?.close();
    }
    if (outputClosed) return 0;

    const graded = counts.lines - counts.errors;
    const acc = graded ? ((100 * counts.correct) / graded).toFixed(2) : "0.00";
    const rules = Object.entries(counts.byRule)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ");
    io.stderr.write(
      `graded ${graded} pairs: ${counts.correct} correct (${acc}%)` +
        (counts.errors ? `, ${counts.errors} line(s) with errors` : "") +
        (rules ? `; decided by ${rules}` : "") +
        "\n",
    );
    return counts.errors ? 1 : 0;
  },
};
