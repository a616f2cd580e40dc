import * as fs from "node:fs";
import * as readline from "node:readline";
import { MathagentError } from "../errors.js";

/** A row that could not be read or does not have the expected shape; names the file and line. */
export class RowError extends MathagentError {
  override name = "RowError";
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** Every non-empty line of a JSON Lines file, parsed, with its 1-based line number. */
export async function* readJsonl(file: string): AsyncGenerator<{ line: number; value: unknown }> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new RowError(file, line, `not valid JSON (${(err as Error).message})`);
    }
    yield { line, value };
  }
}
