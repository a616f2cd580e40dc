/** A fast stand-in for the Python interpreter in the loop's tests: the value of `print(<integer expression>)`. */
import type { Interpreter, Observation } from "../../src/interpreter/index.js";

/** Answers every snippet with the value of `print(<integer expression>)`. */
export class ArithmeticInterpreter implements Interpreter {
  /** The paper's executor returns the last cell's output; this fake runs only that cell. */
  runCells(cells: string[]): Promise<Observation> {
    return this.run(cells[cells.length - 1] ?? "");
  }
  async run(code: string): Promise<Observation> {
    const m = /print\(([-+*/() \d]+)\)/.exec(code);
    let out = "";
    let error: string | null = null;
    try {
      out = m ? String(Math.floor(Number(Function(`return (${m[1]!.replace(/\/\//g, "/")})`)()))) : "";
    } catch {
      error = "SyntaxError: invalid syntax";
    }
    return { stdout: out ? out + "\n" : "", stderr: "", value: null, error, timedOut: false, truncated: false, durationMs: 0 };
  }
  async close(): Promise<void> {}
}
