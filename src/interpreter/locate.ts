import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { projectPath } from "../paths.js";

/** Plain JS/Python files run by the workers (no build step; found from the project root). */
export const runtimeDir: string = projectPath("src", "interpreter", "runtime");

/** Where setup puts the precompiled sympy/mpmath zip and the memory snapshot (gitignored). */
export const cacheDir: string = process.env.MATHAGENT_PYTHON_CACHE || projectPath(".cache", "python");

export const bundleZip = (): string => path.join(cacheDir, "sympy-pyc.zip");
export const snapshotFile = (): string => path.join(cacheDir, "snapshot.bin");

/** The installed `pyodide` package folder. */
export function pyodideDir(): string {
  try {
    const req = createRequire(projectPath("package.json"));
    return path.dirname(req.resolve("pyodide/package.json"));
  } catch {
    return projectPath("node_modules", "pyodide");
  }
}

export function pyodideVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(pyodideDir(), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The folder holding sympy/ and mpmath/ for CPython (Debian's dist-packages, or an override). */
export function sympySourceDir(): string | null {
  const candidates = [process.env.MATHAGENT_SYMPY_DIR, "/usr/lib/python3/dist-packages"].filter(Boolean) as string[];
  for (const c of candidates) if (fs.existsSync(path.join(c, "sympy", "__init__.py"))) return c;
  return null;
}
