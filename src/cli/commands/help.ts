import type { Command } from "../command.js";

export const command: Command = {
  name: "help",
  summary: "show the list of commands",
  usage: "usage: mathagent help\n\nLists every command with a one-line summary.",
  async run(_args, io) {
    const { loadCommands, mainUsage } = await import("../main.js");
    io.stdout.write(mainUsage(await loadCommands()) + "\n");
    return 0;
  },
};
