import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defineCommand } from "../command.js";
import { writeFileAtomic } from "../../io/output.js";
import { JUPYTER_PYTHON } from "../jupyter.js";
import { projectPath } from "../../paths.js";
import { dataDir } from "../../data/datadir.js";

/**
 * kernel.json with absolute paths: a registered copy lives outside the project, so {resource_dir}
 * cannot reach it. The data directory in effect at install time goes into its environment, since
 * Jupyter started from elsewhere does not have the project's shell settings.
 */
export function userKernelSpec(data: string = dataDir()): object {
  return {
    argv: ["/bin/sh", projectPath("kernel", "start.sh"), process.execPath, "kernel", "--config-path", "{connection_file}"],
    display_name: "mathagent (TypeScript)",
    language: "typescript",
    env: { MATHAGENT_DATA_DIR: data },
    metadata: { debugger: false },
  };
}

function userDataDir(): string {
  if (process.env["JUPYTER_DATA_DIR"]) return process.env["JUPYTER_DATA_DIR"];
  try {
    return execFileSync(JUPYTER_PYTHON, ["-c", "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return path.join(os.homedir(), ".local", "share", "jupyter");
  }
}

export const command = defineCommand({
  name: "kernel",
  summary: "register the mathagent kernel for your own Jupyter / VS Code",
  description: "The project's own commands (report, notebook) never need this: they point Jupyter at kernel/jupyter. The registered kernel runs its cells in the project folder (relative paths and ./src, ./lib imports resolve there) with MATHAGENT_DATA_DIR as it was at install time.",
  positionals: [
    {
      name: "action",
      required: true,
      choices: {
        install: 'register the "mathagent (TypeScript)" kernel for your own Jupyter and VS Code',
        uninstall: "remove that registration",
        spec: "print the kernel.json that install writes",
      },
    },
  ],
  options: {
    dir: { type: "string", metavar: "DIR", help: "Jupyter data directory to register in", defaultText: "your user's, e.g. ~/.local/share/jupyter" },
  },
  async run({ values, positionals, io }) {
    const action = positionals[0];
    const specJson = JSON.stringify(userKernelSpec(), null, 2) + "\n";
    if (action === "spec") {
      io.stdout.write(specJson);
      return 0;
    }
    const target = path.join(values.dir ?? userDataDir(), "kernels", "mathagent");
    if (action === "install") {
      writeFileAtomic(path.join(target, "kernel.json"), specJson);
      const data = dataDir();
      io.stdout.write(`installed kernel "mathagent (TypeScript)" in ${target}\n`);
      io.stdout.write(`its data directory: ${data}${fs.existsSync(data) ? "" : " (missing: run \`mathagent data fetch\`)"}; to use another, set MATHAGENT_DATA_DIR and install again\n`);
      io.stdout.write(`its cells run in ${projectPath()}: relative paths and "./src/..." / "./lib/..." imports resolve there, wherever the notebook is\n`);
      io.stdout.write(`from any notebook: import { openPreferenceData } from "mathagent/inspect" (every area: "mathagent/<area>"; all of them as namespaces: "mathagent")\n`);
      return 0;
    }
    const existed = fs.existsSync(target);
    fs.rmSync(target, { recursive: true, force: true });
    io.stdout.write(existed ? `removed ${target}\n` : `no kernel registered at ${target}\n`);
    return 0;
  },
});
