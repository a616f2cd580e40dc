import * as fs from "node:fs";
import { projectPath } from "../paths.js";

export interface PaperTable {
  id: string;
  table: string;
  caption: string;
  columns: string[];
  rows: Record<string, string | number | null>[];
}

export interface PaperResults {
  source: string;
  tables: PaperTable[];
  protocol: Record<string, unknown>;
}

/** The paper's reported numbers, kept as data in data/paper-results.json. */
export function paperResults(): PaperResults {
  return JSON.parse(fs.readFileSync(projectPath("data", "paper-results.json"), "utf8")) as PaperResults;
}
