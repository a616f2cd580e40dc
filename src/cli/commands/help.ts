import { defineCommand } from "../command.js";

export const command = defineCommand({
  name: "help",
  summary: "show the list of commands",
  description: "Lists every command with a one-line summary.",
  options: {},
  async run({ io }) {
    const { loadCommands, mainUsage } = await import("../main.js");
    io.stdout.write(mainUsage(await loadCommands()) + "\n");
    return 0;
  },
});
