import { spawn } from "node:child_process";
import { defineCommand } from "../command.js";
import { JUPYTER_PYTHON, jupyterEnv, requireJupyter } from "../jupyter.js";
import { projectPath, projectRoot } from "../../paths.js";

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
      // Its own process group: the terminal's Ctrl-C reaches this process only, which passes on
      // exactly one signal; Jupyter then stops its kernels and exits (a second signal during that
      // shutdown would stop its event loop and leave kernels running).
      const env = { ...jupyterEnv(), JUPYTER_CONFIG_PATH: projectPath("kernel", "config") };
      const child = spawn(JUPYTER_PYTHON, argv, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      child.stdout.on("data", (b: Buffer) => io.stdout.write(b));
      child.stderr.on("data", (b: Buffer) => io.stderr.write(b));
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => () => {
        if (stopping) return;
        stopping = true;
        io.stderr.write("stopping Jupyter and its kernels…\n");
        child.kill(signal);
      };
      const onInt = stop("SIGINT");
      const onTerm = stop("SIGTERM");
      const onExit = () => child.kill("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
      process.on("exit", onExit);
      child.on("error", reject);
      child.on("close", (code) => {
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
        process.off("exit", onExit);
        resolve(code ?? 0);
      });
    });
  },
});
