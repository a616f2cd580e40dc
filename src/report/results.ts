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
  /** The protocol preset the run used (e.g. "paper-eval"), when it was recorded. */
  preset?: string;
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

/** The preset a result was measured with: its recorded name, else a summary of its recorded settings, else "unrecorded". */
export function presetOf(result: ReproducedResult): string {
  if (result.preset) return result.preset;
  const s = result.settings ?? {};
  if (typeof s["protocol"] === "string") return s["protocol"];
  const parts = [
    typeof s["horizon"] === "number" ? `H=${s["horizon"]}` : null,
    typeof s["maxTokens"] === "number" ? `${s["maxTokens"]} tokens/turn` : null,
    typeof s["temperature"] === "number" ? `T=${s["temperature"]}` : null,
    typeof s["limit"] === "number" ? `first ${s["limit"]} problems` : null,
  ].filter((x): x is string => x !== null);
  return parts.length > 0 ? parts.join(", ") : "unrecorded";
}

/** What was measured here for one checkpoint on one test set. */
export interface Measured {
  /** Accuracy in percent, or null when the checkpoint was not evaluated here. */
  accuracy: number | null;
  n: number | null;
  preset: string | null;
  /** "83.1 (n=1,319)" or "not run". */
  text: string;
}

/** The accuracy measured here for `checkpoint` on the test split of `dataset` ("not run" when none was recorded). */
export function measuredFor(results: readonly ReproducedResult[], checkpoint: string, dataset: string): Measured {
  const r = results.find((x) => x.model === checkpoint && x.dataset === dataset && x.split === "test");
  if (!r) return { accuracy: null, n: null, preset: null, text: "not run" };
  return { accuracy: r.accuracy, n: r.n, preset: presetOf(r), text: `${r.accuracy.toFixed(1)} (n=${r.n.toLocaleString("en-US")})` };
}
