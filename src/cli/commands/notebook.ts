import { spawn } from "node:child_process";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { JUPYTER_PYTHON, jupyterEnv, requireJupyter } from "../jupyter.js";
import { projectRoot } from "../../paths.js";

const usage = `usage: mathagent notebook [--port PORT] [--token TOKEN]

Starts Jupyter Notebook on 127.0.0.1 in the project folder with the "mathagent (TypeScript)" kernel.
Open the URL it prints, then notebooks/. Stop it with Ctrl-C.

options:
  --port PORT     port to listen on (default: 8888, or the next free one)
  --token TOKEN   access token (default: Jupyter makes one and prints it in the URL)`;

export const command: Command = {
  name: "notebook",
  summary: "start Jupyter Notebook on 127.0.0.1 with the mathagent kernel",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { port: { type: "string" }, token: { type: "string" } });
    if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`--port must be a number`);
    requireJupyter(["notebook"]);
    const argv = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--notebook-dir=${projectRoot}`];
    if (values.port) argv.push(`--port=${values.port}`);
    if (values.token !== undefined) argv.push(`--NotebookApp.token=${values.token}`);
    // Jupyter refuses to run as root without this flag; containers commonly run as root.
    if (process.getuid?.() === 0) argv.push("--allow-root");
    io.stderr.write(`starting Jupyter Notebook in ${projectRoot} (kernel: mathagent (TypeScript))\n`);
    return new Promise<number>((resolve, reject) => {
      const child = spawn(JUPYTER_PYTHON, argv, { env: jupyterEnv(), stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (b: Buffer) => io.stdout.write(b));
      child.stderr.on("data", (b: Buffer) => io.stderr.write(b));
      const stop = () => child.kill("SIGTERM");
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      child.on("error", reject);
      child.on("close", (code) => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve(code ?? 0);
      });
    });
  },
};
