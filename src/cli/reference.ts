import { loadCommands, mainUsage } from "./main.js";
import { renderOptionTable } from "./usage.js";

/** docs/cli.md: every command's own --help text, so the reference cannot drift from the code. */
export async function cliReference(): Promise<string> {
  const commands = await loadCommands();
  const parts = [
    "# Command-line reference",
    "",
    "Generated from the commands' declarations (their `--help` text and option tables) by `node --import tsx scripts/cli-reference.ts`; a test fails when it is out of date.",
    "",
    "```text",
    mainUsage(commands),
    "```",
  ];
  for (const c of commands.values()) {
    parts.push("", `## mathagent ${c.name}`, "", "```text", c.usage.trimEnd(), "```");
    const options = c.declaration ? renderOptionTable(c.declaration) : "";
    if (options) parts.push("", options);
  }
  return parts.join("\n") + "\n";
}
