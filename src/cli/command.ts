import { UsageError } from "../errors.js";
import { parseOptions, type OptionSpecs, type PositionalSpec, type Values } from "./options.js";
import { type Declaration, renderUsage } from "./usage.js";

export { UsageError };

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
  /** The option declaration, for commands made with `defineCommand` (docs/cli.md renders it as a table). */
  declaration?: Declaration;
}

/** A command declared once: its options (name, type, default, help) drive parsing, usage and docs. */
export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  summary: string;
  /** The paragraph(s) under the usage line: what the command does, what it does with a bad row. */
  description: string;
  positionals?: readonly PositionalSpec[];
  options: O;
  run(ctx: { values: Values<O>; positionals: string[]; io: CommandIO }): Promise<number>;
}

export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  const declaration: Declaration = { name: spec.name, summary: spec.summary, description: spec.description, positionals: spec.positionals ?? [], options: spec.options };
  return {
    name: spec.name,
    summary: spec.summary,
    usage: renderUsage(declaration),
    declaration,
    async run(args, io) {
      const { values, positionals } = parseOptions(spec.options, spec.positionals ?? [], args);
      return spec.run({ values, positionals, io });
    },
  };
}
