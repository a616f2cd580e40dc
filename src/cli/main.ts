import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { type Command, type CommandIO, UsageError } from "./command.js";
import { projectPath } from "../paths.js";
import { MathagentError } from "../errors.js";
import { fileErrorOf } from "../io/errors.js";

const COMMANDS_DIR = projectPath("src", "cli", "commands");

/** Every subcommand, found by reading src/cli/commands/ (one file each). */
export async function loadCommands(): Promise<Map<string, Command>> {
  const files = fs
    .readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .sort();
  const commands = new Map<string, Command>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(COMMANDS_DIR, file)).href)) as { command?: Command };
    if (!mod.command) throw new Error(`src/cli/commands/${file} does not export \`command\``);
    commands.set(mod.command.name, mod.command);
  }
  return commands;
}

/** Only the named command's module, so one command's imports never slow or break another. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  const file = path.join(COMMANDS_DIR, `${name}.ts`);
  if (!fs.existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { command?: Command };
  return mod.command;
}

export function mainUsage(commands: Map<string, Command>): string {
  const width = Math.max(...[...commands.keys()].map((n) => n.length));
  const lines = [...commands.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "usage: mathagent <command> [options]",
    "",
    "Multi-turn tool-integrated math agents and iterative preference learning (M-DPO / M-KTO).",
    "",
    "commands:",
    ...lines,
    "",
    "Run `mathagent <command> --help` for a command's options.",
  ].join("\n");
}

/** A file-system error that names its path (ENOENT, EISDIR, …) is the user's, not a bug: no stack trace. */
function asUserError(err: unknown): unknown {
  const p = (err as NodeJS.ErrnoException | undefined)?.path;
  return typeof p === "string" ? fileErrorOf(p, err) : err;
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    io.stdout.write(mainUsage(await loadCommands()) + "\n");
    return name ? 0 : 2;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.stderr.write(`mathagent: unknown command "${name}"\n\n${mainUsage(await loadCommands())}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(command.usage.trimEnd() + "\n");
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (thrown) {
    const err = asUserError(thrown);
    if (err instanceof UsageError) {
      io.stderr.write(`mathagent ${name}: ${err.message}\n\n${command.usage.trimEnd()}\n`);
      return 2;
    }
    if (err instanceof MathagentError) {
      io.stderr.write(`mathagent ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(COMMANDS_DIR, "..", "main.ts")) {
  const io: CommandIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`mathagent: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
