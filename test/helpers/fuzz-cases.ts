/**
 * The bad-file cases every file-reading command is fed (issue 16): each builds one input file from
 * a target's good rows, and says what a correct command does with it.
 */
import * as fs from "node:fs";
import { seededRandom } from "../../src/random.js";

export type Expect =
  | { kind: "ok"; rows: number }
  | { kind: "bad"; line: number | "any" }
  | { kind: "missing" }
  | { kind: "directory" }
  | { kind: "empty" };

export interface FuzzCase {
  name: string;
  expect: Expect;
  /** Writes the case at `file` (or leaves it absent / makes a directory). */
  build(file: string): void;
}

/** What a target supplies: good rows (at least 3) and rows with a wrong type at some nesting level. */
export interface RowSource {
  good: string[];
  wrongTypes: { name: string; row: string }[];
  /** Rows where two share an id, and whether the target must refuse them (at the given line). */
  duplicates?: { rows: string[]; badLine: number | null };
  /** A good row whose text holds right-to-left script, emoji and an (escaped) NUL. */
  unicode: string;
}

const FIFTY_MB = 50 * 1024 * 1024;

function garbage(seed: number, bytes: number): Buffer {
  const r = seededRandom(seed);
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Math.floor(r() * 256);
  return b;
}

const lines = (rows: string[], eol = "\n") => rows.map((r) => r + eol).join("");

/** The JSONL cases of issue 16 for one target. */
export function jsonlCases(src: RowSource): FuzzCase[] {
  const [a, b, c] = src.good as [string, string, string];
  const write = (text: string | Buffer) => (file: string) => fs.writeFileSync(file, text);
  const cases: FuzzCase[] = [
    { name: "empty file", expect: { kind: "empty" }, build: write("") },
    { name: "missing file", expect: { kind: "missing" }, build: () => undefined },
    { name: "a directory", expect: { kind: "directory" }, build: (f) => fs.mkdirSync(f) },
    { name: "invalid JSON mid-file", expect: { kind: "bad", line: 3 }, build: write(lines([a, b, '{"oops": ', c])) },
    ...src.wrongTypes.map((w): FuzzCase => ({ name: `wrong type: ${w.name}`, expect: { kind: "bad", line: 2 }, build: write(lines([a, w.row, b])) })),
    { name: "a 50 MB line", expect: { kind: "bad", line: 2 }, build: write(Buffer.concat([Buffer.from(a + "\n"), Buffer.alloc(FIFTY_MB, "x"), Buffer.from("\n" + b + "\n")])) },
    { name: "binary garbage", expect: { kind: "bad", line: "any" }, build: write(garbage(16, 64 * 1024)) },
    { name: "UTF-8 BOM", expect: { kind: "ok", rows: 3 }, build: write("\ufeff" + lines([a, b, c])) },
    { name: "CRLF line endings", expect: { kind: "ok", rows: 3 }, build: write(lines([a, b, c], "\r\n")) },
    { name: "truncated last line", expect: { kind: "bad", line: 3 }, build: write(lines([a, b]) + c.slice(0, Math.floor(c.length / 2))) },
    { name: "RTL, emoji and NUL text", expect: { kind: "ok", rows: 3 }, build: write(lines([a, src.unicode, b])) },
    { name: "a raw NUL byte inside a string", expect: { kind: "bad", line: 2 }, build: write(lines([a, src.unicode.replace("\\u0000", "\u0000"), b])) },
    { name: "invalid UTF-8 bytes", expect: { kind: "bad", line: 2 }, build: write(Buffer.concat([Buffer.from(a + "\n"), Buffer.from(b.slice(0, 20)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(b.slice(20) + "\n" + c + "\n")])) },
  ];
  if (src.duplicates) {
    const d = src.duplicates;
    cases.push({
      name: "duplicate ids",
      expect: d.badLine === null ? { kind: "ok", rows: d.rows.length } : { kind: "bad", line: d.badLine },
      build: write(lines(d.rows)),
    });
  }
  return cases;
}

/** A stack trace of JavaScript or Python, or the CLI's internal-error line: none may reach a user. */
export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$|Traceback \(most recent call last\)|internal error/m;

/**
 * Runs the CLI's `main` in this process (what bin/mathagent.mjs does, without a process start per
 * case); an exception escaping `main` is what the binary prints as an internal error with a stack.
 */
export async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import("../../src/cli/main.js");
  const { Writable, Readable } = await import("node:stream");
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk: Buffer, _e, cb) => (add(String(chunk)), cb()) });
  try {
    const code = await main(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), stdin: Readable.from([]) });
    return { code, stdout, stderr };
  } catch (err) {
    return { code: 1, stdout, stderr: stderr + `mathagent: internal error: ${(err as Error).stack}\n` };
  }
}

/** A raw trajectory row that every reader accepts; `correct` picks the boxed answer. */
export function trajectory(problem: number, sample: number, correct: boolean): Record<string, unknown> {
  const gold = String(10 + problem);
  const answer = correct ? gold : String(99 + problem);
  const code = "```python\nprint(" + gold + ")\n```\n";
  const steps = [
    { text: `Compute.\n${code}`, finishReason: "stop", code: `print(${gold})`, observation: { stdout: gold, stderr: "", error: null }, observationText: gold },
    { text: `So the answer is \\boxed{${answer}}.`, finishReason: "stop", code: null, observation: null, observationText: null },
  ];
  return {
    schema: 1, problemId: `gsm8k/test/${problem}`, dataset: "gsm8k", sample, seed: sample, runSeed: 0,
    question: `What is ${problem} + 10?`, gold, family: "gemma", mode: "tool", policy: "fixture", horizon: 3,
    temperature: 1, topP: 1, maxTokens: 512, steps, finish: "answer", toolCalls: 1, horizonNote: false,
    transcript: `What is ${problem} + 10?\n${steps.map((s) => s.text).join(`\n\`\`\`output\n${gold}\n\`\`\`\n`)}`,
    startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1, genMs: 1, execMs: 0,
  };
}

