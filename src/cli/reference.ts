import { loadCommands, mainUsage } from "./main.js";
import { renderOptionTable } from "./usage.js";

/** Commands whose file reading and writing go through src/io (the lead adds each command converted at merge). */
export const IO_COMMANDS = ["data", "grade", "kernel", "report", "annotate", "pairs", "kto", "metrics"] as const;

const BAD_INPUT = `## Bad input, interrupted runs and outputs

Commands that read and write through the project's input and output layer (\`src/io\`; now: ${IO_COMMANDS.map((c) => `\`${c}\``).join(", ")}, and every command that loads a dataset) behave alike:

- A path that does not exist is reported as \`PATH: no such file\`, a directory given as a file as \`PATH: is a directory, expected a file\`; exit 1, no stack trace.
- A bad row is reported as \`FILE:LINE: what is wrong\`, for a wrong type \`FILE:LINE: field steps[1].text: expected a string, found number 5\`; invalid JSON, invalid UTF-8 and a last line cut short ("truncated last line") are bad rows. Exit 1 at the first one; with \`--lenient\` (where a command offers it) bad rows are skipped, each reported with its FILE:LINE, and counted.
- Rollout files (\`annotate\`, \`pairs\`, \`kto\`, \`metrics\`, and the resume file of \`rollout\` and \`eval\`) are read by the one trajectory reader: an empty input is refused as \`FILE: empty file\` (an empty resume file is a fresh start); a torn last line (no newline, not parseable: a run killed mid-write) is skipped with the warning \`FILE:LINE: ignoring a torn last line\` and its pair redone on resume. When \`--lenient\` skips every row, \`annotate\`, \`pairs\` and \`kto\` refuse to replace an earlier output (exit 1, see \`--force\` below) and \`metrics\` exits 1 with \`FILE: no trajectories to measure\`.
- A UTF-8 byte-order mark and CRLF line endings are accepted; line offsets are bytes in the file as it is.
- Dataset files are checked against \`data/manifest.json\` when loaded: a file whose SHA-256 differs is refused with a pointer to \`mathagent data verify\`. \`MATHAGENT_DATA_CHECK=rows\` accepts an edited copy with the manifest's row count, \`MATHAGENT_DATA_CHECK=off\` any copy.
- Every output is written to \`TARGET.tmp-PID-N\` beside the target and renamed over it, so a killed run leaves the previous output whole; temporary files of processes that no longer run are removed by the next run writing the same target. Data and its \`.meta.json\` are one unit: the metadata records the data's size and SHA-256 and is put in place first. A run with no rows never replaces a non-empty output unless \`--force\` is given.
- A mistake in the command line (unknown option, bad value, missing argument) is \`mathagent CMD: --opt: expected WHAT, found "VALUE"\` followed by the usage; exit 2.`;

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
    "",
    BAD_INPUT,
  ];
  for (const c of commands.values()) {
    parts.push("", `## mathagent ${c.name}`, "", "```text", c.usage.trimEnd(), "```");
    const options = c.declaration ? renderOptionTable(c.declaration) : "";
    if (options) parts.push("", options);
  }
  return parts.join("\n") + "\n";
}
