import * as path from "node:path";
import root from "./root.cjs";

/** Absolute path of the installed project (the folder holding package.json). */
export const projectRoot: string = root;

/** A path inside the project. */
export function projectPath(...parts: string[]): string {
  return path.join(projectRoot, ...parts);
}
