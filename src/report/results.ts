import * as fs from "node:fs";
import * as path from "node:path";
import { projectPath } from "../paths.js";

/** One accuracy this installation measured, kept so the paper-tables notebook can set it beside the paper's. */
export interface ReproducedResult {
  /** The served model, e.g. "RLHF4MATH/Gemma-7B-it-M-DPO", or "mathagent-tiny". */
  model: string;
  dataset: string;
  split: string;
  /** Accuracy in percent. */
  accuracy: number;
  n: number;
  /** 95% interval in percent, when computed. */
  ci?: [number, number];
  settings?: Record<string, unknown>;
  date: string;
}

function resultsDir(): string {
  return path.join(process.env["MATHAGENT_REPORT_DIR"] ?? projectPath("reports"), "results");
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_");
}

export function recordResult(result: Omit<ReproducedResult, "date">): string {
  const dir = resultsDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${slug(result.model)}--${slug(result.dataset)}-${slug(result.split)}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...result, date: new Date().toISOString() }, null, 1));
  return file;
}

/** Every recorded result; unreadable files are skipped with a warning, never fatal. */
export function readResults(): ReproducedResult[] {
  const dir = resultsDir();
  if (!fs.existsSync(dir)) return [];
  const out: ReproducedResult[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as ReproducedResult);
    } catch (err) {
      process.stderr.write(`skipping ${path.join(dir, f)}: ${(err as Error).message}\n`);
    }
  }
  return out;
}
