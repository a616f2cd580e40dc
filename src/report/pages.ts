/**
 * Report pages that travel: each notebook's page carries plotly.js once in its head (it opens
 * offline), and one combined page holds every notebook with a table of contents and a single copy
 * of plotly.js, for mailing.
 */
import { plotlyScript } from "../display/plot.js";
import { escapeHtml } from "../display/sink.js";

const HAS_PLOT = /class="mathagent-plot"/;
const PLOTLY_MARK = "<!-- mathagent: plotly.js -->";

/** A page with plotly.js put into its head once (unchanged when it has no plot or has it already). */
export function withPlotly(html: string): string {
  if (!HAS_PLOT.test(html) || html.includes(PLOTLY_MARK)) return html;
  const at = html.search(/<\/head>/i);
  if (at < 0) throw new Error("report page without </head>: cannot add plotly.js");
  return `${html.slice(0, at)}${PLOTLY_MARK}${plotlyScript()}\n${html.slice(at)}`;
}

export interface ReportPage {
  /** Anchor and title of the section. */
  name: string;
  title: string;
  html: string;
}

function part(html: string, tag: "head" | "body"): string {
  const m = new RegExp(`<${tag}[^>]*>([\\s\\S]*)</${tag}>`, "i").exec(html);
  return m ? m[1]! : "";
}

/** One page of every notebook page: the first page's head (styles), a table of contents, each page's body as a section. */
export function combinedReport(pages: readonly ReportPage[], generated: Date): string {
  const head = pages.length ? part(pages[0]!.html, "head").split(PLOTLY_MARK)[0]! : "<meta charset=\"utf-8\">";
  const toc = pages.map((p) => `<li><a href="#nb-${escapeHtml(p.name)}">${escapeHtml(p.title)}</a></li>`).join("");
  const sections = pages.map((p) => `<section id="nb-${escapeHtml(p.name)}" class="mathagent-report-section">${part(p.html, "body")}</section><hr>`).join("\n");
  const body = `<nav class="mathagent-toc" style="margin:16px"><h1>mathagent report</h1><p>${escapeHtml(generated.toISOString())} · ${pages.length} notebook${pages.length === 1 ? "" : "s"}</p><ol>${toc}</ol></nav><hr>\n${sections}`;
  return withPlotly(`<!DOCTYPE html>\n<html>\n<head>${head}</head>\n<body>${body}</body>\n</html>\n`);
}
