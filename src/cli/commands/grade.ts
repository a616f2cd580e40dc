import * as readline from "node:readline";
import { type CommandIO, defineCommand } from "../command.js";
import {
  DATASET_NAMES,
  DEFAULT_SYMBOLIC_TIMEOUT_MS,
  type DatasetName,
  type GradeMode,
  GRADE_MODES,
  Grader,
  type GradeItem,
  GraderPool,
  gradeFast,
  type Verdict,
} from "../../grading/index.js";
import { readLineRecords, requireFile } from "../../io/index.js";

/** How stdin is named in a row's error (`<stdin>:LINE: …`). */
const STDIN_NAME = "<stdin>";

/** One input line: its number, its text (BOM and CR stripped) and why it cannot be read at all, if so. */
interface InputLine {
  line: number;
  text: string;
  unreadable?: string;
}

/** The lines of a file through the input layer (byte-exact, BOM and CRLF accepted, invalid UTF-8 named). */
async function* fileLines(file: string): AsyncGenerator<InputLine> {
  for await (const r of readLineRecords(file)) {
    yield { line: r.line, text: r.text, ...(r.validUtf8 ? {} : { unreadable: "not valid UTF-8; the file is damaged or not text" }) };
  }
}

/** The lines of stdin, with the same BOM and CRLF handling as a file. */
async function* streamLines(input: NodeJS.ReadableStream): AsyncGenerator<InputLine> {
  let line = 0;
  for await (const text of readline.createInterface({ input, crlfDelay: Infinity })) {
    line++;
    yield { line, text: line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  }
}

/** Lines graded per batch: bounds memory on huge files while keeping workers busy. */
const BATCH_LINES = 512;

interface ParsedLine {
  lineNo: number;
  record: Record<string, unknown> | null;
  item: GradeItem | null;
  error?: string;
}

interface LineDefaults {
  dataset: DatasetName;
  mode: GradeMode;
  extract: boolean;
}

function parseLine(source: string, input: InputLine, defaults: LineDefaults): ParsedLine {
  const lineNo = input.line;
  const where = `${source}:${lineNo}`;
  if (input.unreadable) return { lineNo, record: null, item: null, error: `${where}: ${input.unreadable}` };
  let record: unknown;
  try {
    record = JSON.parse(input.text);
  } catch (err) {
    return { lineNo, record: null, item: null, error: `${where}: not valid JSON (${(err as Error).message})` };
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return { lineNo, record: null, item: null, error: `${where}: expected a JSON object with "pred" and "gt"` };
  }
  const r = record as Record<string, unknown>;
  const bad = (why: string): ParsedLine => ({ lineNo, record: r, item: null, error: `${where}: ${why}` });
  if (typeof r.pred !== "string") return bad(`"pred" must be a string, got ${describe(r.pred)}`);
  // Numbers are common ground truths in hand-made files; take them as written.
  const gt = typeof r.gt === "number" ? String(r.gt) : r.gt;
  if (typeof gt !== "string") return bad(`"gt" must be a string or number, got ${describe(r.gt)}`);
  const dataset = r.dataset ?? defaults.dataset;
  if (typeof dataset !== "string" || !DATASET_NAMES.includes(dataset as DatasetName)) {
    return bad(`unknown "dataset" ${JSON.stringify(dataset)}: use one of ${DATASET_NAMES.join(", ")}`);
  }
  const mode = r.mode ?? defaults.mode;
  if (typeof mode !== "string" || !GRADE_MODES.includes(mode as GradeMode)) {
    return bad(`unknown "mode" ${JSON.stringify(mode)}: use one of ${GRADE_MODES.join(", ")}`);
  }
  return { lineNo, record: r, item: { pred: r.pred, gt, dataset: dataset as DatasetName, extract: defaults.extract, mode: mode as GradeMode } };
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

interface Counts {
  lines: number;
  correct: number;
  errors: number;
  byRule: Record<string, number>;
}

/** Grades the lines of `input`, writing each back with its verdict; stops quietly when stdout goes away. */
async function gradeLines(source: string, input: AsyncIterable<InputLine>, defaults: LineDefaults, opts: { workers: number; timeoutMs?: number }, io: CommandIO): Promise<{ counts: Counts; closed: boolean }> {
  const settings = { mode: defaults.mode, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) };
  const pool = opts.workers > 0 ? new GraderPool({ workers: opts.workers, ...settings }) : null;
  const grader = pool ? null : new Grader(settings);
  const counts: Counts = { lines: 0, correct: 0, errors: 0, byRule: {} };

  // A reader that goes away (`| head`) ends the run quietly instead of crashing on EPIPE. The
  // listener stays: the error can arrive after the last write returned.
  let closed = false;
  io.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else throw err;
  });

  const verdictsOf = async (items: GradeItem[]): Promise<Verdict[]> => {
    if (pool) return pool.gradeBatch(items);
    const out: Verdict[] = [];
    for (const item of items) {
      const fast = gradeFast(item.pred, item.gt, item);
      out.push(fast.correct === undefined ? await grader!.grade(item.pred, item.gt, item) : fast);
    }
    return out;
  };

  const gradeBatch = async (batch: ParsedLine[]): Promise<void> => {
    const verdicts = await verdictsOf(batch.filter((p) => p.item !== null).map((p) => p.item!));
    let k = 0;
    for (const p of batch) {
      if (closed) return;
      counts.lines++;
      if (p.error !== undefined) {
        counts.errors++;
        io.stderr.write(`mathagent grade: ${p.error}\n`);
        io.stdout.write(JSON.stringify({ ...(p.record ?? { line: p.lineNo }), error: p.error }) + "\n");
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
    let batch: ParsedLine[] = [];
    for await (const line of input) {
      if (closed) break;
      if (line.text.trim() === "" && !line.unreadable) continue;
      batch.push(parseLine(source, line, defaults));
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
  return { counts, closed };
}

function summary(counts: Counts): string {
  const graded = counts.lines - counts.errors;
  const acc = graded ? ((100 * counts.correct) / graded).toFixed(2) : "0.00";
  const rules = Object.entries(counts.byRule)
    .map(([r, n]) => `${r} ${n}`)
    .join(", ");
  return (
    `graded ${graded} pairs: ${counts.correct} correct (${acc}%)` +
    (counts.errors ? `, ${counts.errors} line(s) with errors` : "") +
    (rules ? `; decided by ${rules}` : "") +
    "\n"
  );
}

export const command = defineCommand({
  name: "grade",
  summary: "grade predictions against ground truths (JSON Lines in, verdicts out)",
  description: `Reads JSON lines {"pred": …, "gt": …, "dataset"?: …, "mode"?: …} and writes each line back to stdout, in order, with "correct", "mode" (the grader that decided), "rule" (its step), "pred_answer"/"gt_answer" (each side's answer as extracted) and "pred_norm"/"gt_norm" (as compared) added. A line that cannot be graded (invalid JSON or UTF-8, a missing or mistyped "pred"/"gt", an unknown "dataset" or "mode") is written back with "error": "FILE:LINE: what is wrong" (\`<stdin>:LINE\` for \`--input -\`), reported on stderr the same way, and the rest are still graded; the command then exits 1. A UTF-8 byte-order mark and CRLF endings are accepted. A summary goes to stderr.

The input here is pairs, not a rollout, so the default grader is "robust" (any model's output); "paper" is ToRA's grader, the one the paper's numbers and the rollout commands (eval, annotate, pairs, kto, metrics) use.`,
  options: {
    input: { type: "string", metavar: "FILE", required: true, help: 'JSON Lines to grade; "-" reads stdin; a missing file or a directory is named (exit 1)' },
    grader: { type: "string", choices: GRADE_MODES, metavar: "MODE", default: "robust", help: 'the grader for lines without their own "mode"' },
    extract: { type: "boolean", help: '"pred" is a whole model output: extract its final answer first' },
    dataset: { type: "string", choices: DATASET_NAMES, metavar: "NAME", default: "default", help: "the dataset of lines without their own" },
    workers: { type: "int", min: 0, default: 0, help: "grade over N worker threads (0: this thread plus one CAS worker)" },
    "timeout-ms": { type: "number", min: 1, metavar: "MS", default: DEFAULT_SYMBOLIC_TIMEOUT_MS, help: "time limit per symbolic check; a time-out counts as wrong" },
  },
  async run({ values, io }) {
    const stdin = values.input === "-";
    if (!stdin) requireFile(values.input);
    const source = stdin ? STDIN_NAME : values.input;
    const input = stdin ? streamLines(io.stdin) : fileLines(values.input);
    const defaults: LineDefaults = { dataset: values.dataset, mode: values.grader, extract: values.extract };
    const { counts, closed } = await gradeLines(source, input, defaults, { workers: values.workers, timeoutMs: values["timeout-ms"] }, io);
    if (closed) return 0;
    io.stderr.write(summary(counts));
    return counts.errors ? 1 : 0;
  },
});
