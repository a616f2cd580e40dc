import * as fs from "node:fs";
import * as path from "node:path";

/** The shared data directory the test script sets; fails loudly rather than skipping silently. */
export function sharedDataDir(): string {
  const dir = process.env["MATHAGENT_DATA_DIR"];
  if (!dir || !fs.existsSync(path.join(dir, "SHA256SUMS"))) {
    throw new Error("MATHAGENT_DATA_DIR must point at the shared data folder (npm test sets it)");
  }
  return dir;
}
