import * as fs from "node:fs";
import * as readline from "node:readline";
import { type Command, type CommandIO, UsageError, parseCommandArgs } from "../command.js";
import {
  PyodidePool,
  SubprocessPool,
  observationText,
  type InterpreterSession,
  type Observation,
} from "../../interpreter/index.js";

const usage = `usage: mathagent exec --input snippets.jsonl [--workers N] [--timeout-ms T] [--backend pyodide|subprocess]
       mathagent exec -c 'print(1 + 1)' [--text]

Runs Python snippets in the sandboxed interpreter and writes one JSON line per snippet to stdout,
in input order: {"id", "stdout", "stderr", "value", "error", "timedOut", "truncated", "durationMs", "status"}.

Input lines are JSON objects {"id": ..., "code": "..."}; an optional "session" key makes the
snippets that share it run like notebook cells (each sees the earlier ones' variables), in input
order. A line that is not valid gives {"id", "line", "status": "invalid", "error"} and the command
exits 1 at the end; Python errors are results, not failures. If the interpreter itself becomes
unavailable (its workers keep failing to start), the remaining snippets get
{"id", "line", "status": "crash", "error"} and the command exits 2.

options:
  --input FILE          JSON Lines file of snippets ("-" for stdin)
  -c, --code CODE       run one snippet
  --text                with -c: print the observation text fed to the model instead of JSON
  --workers N           interpreter workers (default 2)
  --timeout-ms T        per-snippet time limit in ms (default 20000, the paper's)
  --max-output N        characters of stdout/stderr kept per snippet (default 8192)
  --backend B           pyodide (default, sandboxed) or subprocess (native CPython, NOT a sandbox)
`;

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

export const command: Command = {
  name: "exec",
  summary: "run Python snippets in the sandboxed interpreter (JSON Lines in, JSON Lines out)",
  usage,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values } = parseCommandArgs(args, {
      input: { type: "string" },
      code: { type: "string", short: "c" },
      text: { type: "boolean" },
      workers: { type: "string" },
      "timeout-ms": { type: "string" },
      "max-output": { type: "string" },
      backend: { type: "string" },
    });
    if (values.input === undefined && values.code === undefined) throw new UsageError("give --input FILE or -c CODE");
    if (values.input !== undefined && values.code !== undefined) throw new UsageError("give either --input or -c, not both");
    const backend = values.backend ?? "pyodide";
    if (backend !== "pyodide" && backend !== "subprocess") throw new UsageError(`--backend must be pyodide or subprocess, got "${backend}"`);
    const timeoutMs = positiveInt("timeout-ms", values["timeout-ms"], 20000);
    const maxOutputBytes = positiveInt("max-output", values["max-output"], 8192);
    const workers = positiveInt("workers", values.workers, values.code !== undefined ? 1 : 2);
    if (values.input !== undefined && values.input !== "-" && !fs.existsSync(values.input)) {
      throw new UsageError(`input file not found: ${values.input}`);
    }

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
};
