import * as path from "node:path";
import { projectPath } from "../paths.js";

/** Where dataset files live: `MATHAGENT_DATA_DIR`, else `data/datasets` in the project. */
export function dataDir(): string {
  const env = process.env["MATHAGENT_DATA_DIR"];
  return env ? path.resolve(env) : projectPath("data", "datasets");
}
