import { parseArgs, type ParseArgsConfig } from "node:util";

/** Streams a command writes to; tests pass their own. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

/**
 * One `mathagent <name>` subcommand. Each lives in `src/cli/commands/<name>.ts` and exports
 * `command`; the dispatcher finds them by reading that folder.
 */
export interface Command {
  name: string;
  /** One line for `mathagent --help`. */
  summary: string;
  /** Full text for `mathagent <name> --help`. */
  usage: string;
  /** Returns the process exit code. Throw `UsageError` for user mistakes. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, no stack trace, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** `node:util` parseArgs with errors turned into `UsageError`. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
