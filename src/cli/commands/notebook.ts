import { spawn } from "node:child_process";
import { defineCommand } from "../command.js";
import { JUPYTER_PYTHON, jupyterEnv, requireJupyter } from "../jupyter.js";
import { projectRoot } from "../../paths.js";



export const command = defineCommand({
  name: "notebook",
  summary: "start Jupyter Notebook on 127.0.0.1 with the mathagent kernel",
  description: `Starts Jupyter Notebook on 127.0.0.1 in the project folder with the "mathagent (TypeScript)" kernel. Open the URL it prints, then notebooks/. Stop it with Ctrl-C.`,
  options: {
    port: { type: "int", min: 1, max: 65535, metavar: "PORT", help: "port to listen on", defaultText: "8888, or the next free one" },
    token: { type: "string", metavar: "TOKEN", help: "access token", defaultText: "Jupyter makes one and prints it in the URL" },
  },
  async run({ values, io }) {
    requireJupyter(["notebook"]);
    const argv = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--notebook-dir=${projectRoot}`];
    if (values.port !== undefined) argv.push(`--port=${values.port}`);
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
});
