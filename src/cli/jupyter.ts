import * as fs from "node:fs";
import { MathagentError } from "../errors.js";
import { projectPath } from "../paths.js";

/** Debian's Python has Jupyter; the `python3` on PATH may be another one without it. */
export const JUPYTER_PYTHON = process.env["MATHAGENT_JUPYTER_PYTHON"] ?? "/usr/bin/python3";

/** Environment that makes Jupyter find the project's kernel and keep its state inside the project. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    JUPYTER_PATH: projectPath("kernel", "jupyter"),
    JUPYTER_CONFIG_DIR: projectPath(".jupyter", "config"),
    JUPYTER_DATA_DIR: projectPath(".jupyter", "data"),
    JUPYTER_RUNTIME_DIR: projectPath(".jupyter", "runtime"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
}

/** Fails with what to install when Debian's Jupyter packages are missing. */
export function requireJupyter(modules: string[] = ["nbclient", "nbconvert", "nbformat"]): void {
  if (!fs.existsSync(JUPYTER_PYTHON)) {
    throw new MathagentError(`${JUPYTER_PYTHON} not found: install Debian's python3 and Jupyter (run \`npm run setup\` as root).`);
  }
  const missing = modules.filter((m) => !fs.existsSync(`/usr/lib/python3/dist-packages/${m}`));
  if (missing.length > 0 && !process.env["MATHAGENT_JUPYTER_PYTHON"]) {
    throw new MathagentError(
      `Jupyter modules missing for ${JUPYTER_PYTHON}: ${missing.join(", ")}. ` +
        `Install them with \`sudo apt-get install jupyter-nbconvert python3-nbconvert python3-nbclient jupyter-notebook\`, ` +
        `or run \`npm run setup\` as root.`,
    );
  }
}
