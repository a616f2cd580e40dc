import * as fs from "node:fs";
import * as path from "node:path";

/** Writes a notebook for the mathagent kernel whose code cells are `cells`. */
export function writeNotebook(file: string, cells: string[]): string {
  const nb = {
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "mathagent", display_name: "mathagent (TypeScript)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

export interface ExecutedCell {
  execution_count: number | null;
  outputs: { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }[];
}

export function readExecuted(file: string): ExecutedCell[] {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { cells: ExecutedCell[] }).cells;
}

export const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));
