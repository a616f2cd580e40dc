import * as path from "node:path";
import { escapeHtml } from "../display/sink.js";

/** One notebook's result as the runner (kernel/run_notebooks.py) writes it to its summary. */
export interface NotebookResult {
  name: string;
  notebook: string;
  ok: boolean;
  seconds: number;
  cells: number;
  executed: number;
  html: string;
  htmlBytes: number;
  key: { label: string; value: string }[];
  failure: { cell: number; why: string; source: string; output: string } | null;
}

/** The result of a notebook that never ran (missing, not a notebook, the runner died): failed, with why. */
export function failedResult(notebook: string, why: string): NotebookResult {
  const name = path.basename(notebook).replace(/\.ipynb$/i, "");
  return { name, notebook, ok: false, seconds: 0, cells: 0, executed: 0, html: "", htmlBytes: 0, key: [], failure: { cell: 0, why, source: "", output: "" } };
}

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} KB`;
}

/** reports/index.html: one line per notebook with its status and headline figures. */
export function indexPage(results: NotebookResult[], generated: Date): string {
  const rows = results
    .map((r) => {
      const where = r.failure?.cell ? ` at cell [${r.failure.cell}]` : "";
      const status = r.ok
        ? `<span style="color:#2a9d8f">passed</span>`
        : `<span style="color:#c1121f">failed${where}: ${escapeHtml(r.failure?.why ?? "")}</span>`;
      const name = r.html ? `<a href="${escapeHtml(r.html)}">${escapeHtml(r.name)}</a>` : escapeHtml(r.name);
      const key = r.key.map((k) => `${escapeHtml(k.label)}: <strong>${escapeHtml(k.value)}</strong>`).join("<br>");
      return (
        `<tr><td>${name}</td><td>${status}</td><td>${key}</td>` +
        `<td style="text-align:right">${r.seconds.toFixed(1)} s</td><td style="text-align:right">${r.html ? size(r.htmlBytes) : ""}</td></tr>`
      );
    })
    .join("\n");
  const passed = results.filter((r) => r.ok).length;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mathagent report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px 10px;text-align:left;vertical-align:top}</style>
</head><body>
<h1>mathagent report</h1>
<p>${passed} of ${results.length} notebooks passed · generated ${escapeHtml(generated.toISOString())}.
Each page is self-contained (plotly.js inlined) and opens offline.</p>
<table><thead><tr><th>notebook</th><th>status</th><th>key figures</th><th>time</th><th>size</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
