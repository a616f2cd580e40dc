import * as fs from "node:fs";
import * as path from "node:path";
import { displaySink, escapeHtml } from "./sink.js";

export interface KeyFigure {
  label: string;
  value: string;
}

/**
 * Records one headline figure of this notebook for the report index (`reports/index.html`), and shows
 * it in the cell. Outside a report run it only shows it.
 */
export function reportKeyFigure(label: string, value: string | number): void {
  const text = typeof value === "number" ? formatFigure(value) : value;
  displaySink().show({
    "text/html": `<p><strong>${escapeHtml(label)}</strong>: ${escapeHtml(text)}</p>`,
    "text/plain": `${label}: ${text}`,
  });
  const dir = process.env["MATHAGENT_REPORT_DIR"];
  const name = process.env["MATHAGENT_NOTEBOOK"];
  if (!dir || !name) return;
  const file = path.join(dir, `${name}.key.json`);
  const figures: KeyFigure[] = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as KeyFigure[]) : [];
  figures.push({ label, value: text });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(figures));
}

function formatFigure(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString("en-US") : Math.abs(v) < 1 ? v.toFixed(4) : v.toFixed(2);
}
