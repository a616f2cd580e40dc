import * as fs from "node:fs";
import * as readline from "node:readline";
import { defineCommand, UsageError } from "../command.js";
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
    const backend = values.backend;
    const timeoutMs = values["timeout-ms"];
    const maxOutputBytes = values["max-output"];
    const workers = values.workers ?? (values.code !== undefined ? 1 : 2);
    if (values.input !== undefined && values.input !== "-") requireFile(values.input);

    const pool =
      backend === "pyodide"
        ? new PyodidePool({ workers, timeoutMs, maxOutputBytes, log: (_l, m) => io.stderr.write(`mathagent exec: warning: ${m}\n`) })
        : new SubprocessPool({ workers, timeoutMs, maxOutputBytes });
    const record = (id: unknown, o: Observation) =>
      JSON.stringify({
        id,
        stdout: o.stdout,
        stderr: o.stderr,
        value: o.value,
        error: o.error,
        timedOut: o.timedOut,
        truncated: o.truncated,
        durationMs: o.durationMs,
        status: o.status,
      }) + "\n";

    try {
      if (values.code !== undefined) {
        const o = await pool.run(values.code);
        io.stdout.write(values.text ? observationText(o) + "\n" : record(null, o));
        return 0;
      }
      const name = values.input === "-" ? "<stdin>" : values.input!;
      const input = values.input === "-" ? io.stdin : fs.createReadStream(values.input!, { encoding: "utf8" });
      const rl = readline.createInterface({ input, crlfDelay: Infinity });
      const sessions = new Map<string, InterpreterSession>();
      const window: Promise<string>[] = [];
      const limit = workers * 8;
      let lineNo = 0;
      let bad = 0;
      let failed = 0;
      let done = 0;
      const progress = (io.stderr as NodeJS.WriteStream).isTTY ? setInterval(() => io.stderr.write(`\rmathagent exec: ${done} done`), 1000) : null;
      const flushOne = async () => {
        io.stdout.write(await window.shift()!);
        done++;
      };
      for await (const raw of rl) {
        lineNo++;
        if (raw.trim() === "") continue;
        const line = lineNo;
        let rec: { id?: unknown; code?: unknown; session?: unknown };
        try {
          rec = JSON.parse(raw);
          if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new Error("not a JSON object");
          if (typeof rec.code !== "string") throw new Error('missing string field "code"');
          if (rec.session !== undefined && typeof rec.session !== "string") throw new Error('"session" must be a string');
        } catch (e) {
          bad++;
          const id = (() => {
            try {
              return (JSON.parse(raw) as { id?: unknown })?.id ?? null;
            } catch {
              return null;
            }
          })();
          window.push(Promise.resolve(JSON.stringify({ id, line, status: "invalid", error: `${name} line ${line}: ${(e as Error).message}` }) + "\n"));
          if (window.length > limit) await flushOne();
          continue;
        }
        const code = rec.code as string;
        let runner: Promise<Observation>;
        if (typeof rec.session === "string") {
          let s = sessions.get(rec.session);
          if (!s) sessions.set(rec.session, (s = pool.session()));
          runner = s.run(code);
        } else runner = pool.run(code);
        const id = rec.id ?? null;
        window.push(
          runner.then(
            (o) => record(id, o),
            (e: Error) => {
              failed++;
              return JSON.stringify({ id, line, status: "crash", error: `${name} line ${line}: ${e.message}` }) + "\n";
            },
          ),
        );
        if (window.length > limit) await flushOne();
      }
      while (window.length) await flushOne();
      if (progress) {
        clearInterval(progress);
        io.stderr.write(`\rmathagent exec: ${done} done\n`);
      }
      for (const s of sessions.values()) s.close();
      if (bad) io.stderr.write(`mathagent exec: ${bad} invalid input line(s) in ${name}\n`);
      if (failed) io.stderr.write(`mathagent exec: the interpreter failed on ${failed} snippet(s)\n`);
      return failed ? 2 : bad ? 1 : 0;
    } finally {
      await pool.close();
    }
  },
});
