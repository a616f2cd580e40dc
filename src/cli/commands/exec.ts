import * as fs from "node:fs";
import * as readline from "node:readline";
import { defineCommand, UsageError, type CommandIO } from "../command.js";
import { requireFile } from "../../io/errors.js";
import {
  PyodidePool,
  SubprocessPool,
  observationText,
  type InterpreterSession,
  type Observation,
} from "../../interpreter/index.js";

export const command = defineCommand({
  name: "exec",
  summary: "run Python snippets in the sandboxed interpreter (JSON Lines in, JSON Lines out)",
  description: `Runs Python snippets in the sandboxed interpreter (give --input FILE or -c CODE) and writes one JSON line per snippet to stdout, in input order: {"id", "stdout", "stderr", "value", "error", "timedOut", "truncated", "durationMs", "status"}.

Input lines are JSON objects {"id": ..., "code": "..."}; an optional "session" key makes the snippets that share it run like notebook cells (each sees the earlier ones' variables), in input order. A line that is not valid gives {"id", "line", "status": "invalid", "error"} and the command exits 1 at the end; Python errors are results, not failures. If the interpreter itself becomes unavailable (its workers keep failing to start), the remaining snippets get {"id", "line", "status": "crash", "error"} and the command exits 2.

example:
  mathagent exec -c 'print(1 + 1)' --text`,
  options: {
    input: { type: "string", metavar: "FILE", help: 'JSON Lines file of snippets ("-" for stdin)' },
    code: { type: "string", short: "c", metavar: "CODE", help: "run one snippet" },
    text: { type: "boolean", help: "with -c: print the observation text fed to the model instead of JSON" },
    workers: { type: "int", min: 1, help: "interpreter workers", defaultText: "2; 1 with -c" },
    "timeout-ms": { type: "int", min: 1, default: 20000, metavar: "T", help: "per-snippet time limit in ms (the paper's)" },
    "max-output": { type: "int", min: 1, default: 8192, help: "characters of stdout/stderr kept per snippet" },
    backend: { type: "string", choices: ["pyodide", "subprocess"], default: "pyodide", help: "pyodide (sandboxed) or subprocess (native CPython, NOT a sandbox)" },
  },
  async run({ values, io }) {
    if (values.input === undefined && values.code === undefined) throw new UsageError("give --input FILE or -c CODE");
    if (values.input !== undefined && values.code !== undefined) throw new UsageError("give either --input or -c, not both");
    const timeoutMs = values["timeout-ms"];
    const maxOutputBytes = values["max-output"];
    const workers = values.workers ?? (values.code !== undefined ? 1 : 2);
    if (values.input !== undefined && values.input !== "-") requireFile(values.input);
    const pool =
      values.backend === "pyodide"
        ? new PyodidePool({ workers, timeoutMs, maxOutputBytes, log: (_l, m) => io.stderr.write(`mathagent exec: warning: ${m}\n`) })
        : new SubprocessPool({ workers, timeoutMs, maxOutputBytes });
    try {
      if (values.code !== undefined) {
        const o = await pool.run(values.code);
        io.stdout.write(values.text ? observationText(o) + "\n" : resultLine(null, o));
        return 0;
      }
      const name = values.input === "-" ? "<stdin>" : values.input!;
      const input = values.input === "-" ? io.stdin : fs.createReadStream(values.input!, { encoding: "utf8" });
      return await runLines(pool, input, name, workers * 8, io);
    } finally {
      await pool.close();
    }
  },
});

function resultLine(id: unknown, o: Observation): string {
  const { stdout, stderr, value, error, timedOut, truncated, durationMs, status } = o;
  return JSON.stringify({ id, stdout, stderr, value, error, timedOut, truncated, durationMs, status }) + "\n";
}

interface Snippet {
  id: unknown;
  code: string;
  session?: string;
}

/** One input line as a snippet, or the error text naming what is wrong with it. */
function parseSnippet(raw: string): Snippet | { problem: string; id: unknown } {
  let rec: unknown;
  try {
    rec = JSON.parse(raw);
  } catch (e) {
    return { problem: (e as Error).message, id: null };
  }
  if (rec === null || typeof rec !== "object" || Array.isArray(rec)) return { problem: "not a JSON object", id: null };
  const r = rec as { id?: unknown; code?: unknown; session?: unknown };
  const id = r.id ?? null;
  if (typeof r.code !== "string") return { problem: 'missing string field "code"', id };
  if (r.session !== undefined && typeof r.session !== "string") return { problem: '"session" must be a string', id };
  return { id, code: r.code, session: r.session };
}

/** Runs every snippet of a JSON Lines stream, at most `limit` in flight, writing results in input order. */
async function runLines(pool: PyodidePool | SubprocessPool, input: NodeJS.ReadableStream, name: string, limit: number, io: CommandIO): Promise<number> {
  const sessions = new Map<string, InterpreterSession>();
  const window: Promise<string>[] = [];
  let lineNo = 0;
  let bad = 0;
  let failed = 0;
  let done = 0;
  const progress = (io.stderr as NodeJS.WriteStream).isTTY ? setInterval(() => io.stderr.write(`\rmathagent exec: ${done} done`), 1000) : null;
  const push = async (p: Promise<string>) => {
    window.push(p);
    if (window.length <= limit) return;
    io.stdout.write(await window.shift()!);
    done++;
  };
  for await (const raw of readline.createInterface({ input, crlfDelay: Infinity })) {
    const line = ++lineNo;
    if (raw.trim() === "") continue;
    const snippet = parseSnippet(raw);
    if ("problem" in snippet) {
      bad++;
      await push(Promise.resolve(JSON.stringify({ id: snippet.id, line, status: "invalid", error: `${name} line ${line}: ${snippet.problem}` }) + "\n"));
      continue;
    }
    const session = snippet.session === undefined ? pool : sessions.get(snippet.session) ?? sessions.set(snippet.session, pool.session()).get(snippet.session)!;
    const crash = (e: Error) => {
      failed++;
      return JSON.stringify({ id: snippet.id, line, status: "crash", error: `${name} line ${line}: ${e.message}` }) + "\n";
    };
    await push(session.run(snippet.code).then((o) => resultLine(snippet.id, o), crash));
  }
  for (; window.length > 0; done++) io.stdout.write(await window.shift()!);
  if (progress) {
    clearInterval(progress);
    io.stderr.write(`\rmathagent exec: ${done} done\n`);
  }
  for (const s of sessions.values()) s.close();
  if (bad) io.stderr.write(`mathagent exec: ${bad} invalid input line(s) in ${name}\n`);
  if (failed) io.stderr.write(`mathagent exec: the interpreter failed on ${failed} snippet(s)\n`);
  return failed ? 2 : bad ? 1 : 0;
}
