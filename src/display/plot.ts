import * as fs from "node:fs";
import { createRequire } from "node:module";
import type { Config, Data, Layout } from "plotly.js-dist-min";
import { projectPath } from "../paths.js";
import { displaySink, type MimeBundle } from "./sink.js";

/** A Plotly figure: what `Plotly.newPlot` takes. */
export interface Figure {
  data: Data[];
  layout?: Partial<Layout>;
  config?: Partial<Config>;
}

const requireFromProject = createRequire(projectPath("package.json"));
let plotlySource: string | null = null;
let plotSeq = 0;

/** plotly.min.js as an inline script, so an exported report needs no network. */
export function plotlyScript(): string {
  if (plotlySource === null) {
    const src = fs.readFileSync(requireFromProject.resolve("plotly.js-dist-min"), "utf8");
    if (/<\/script/i.test(src)) throw new Error("plotly.min.js contains </script> and cannot be inlined");
    plotlySource = src;
  }
  return `<script type="text/javascript">${plotlySource}</script>`;
}

/** Where a Jupyter server started in the project serves plotly.js (`files/` is the notebook folder, the project root). */
export const PLOTLY_SERVED_PATH = "files/node_modules/plotly.js-dist-min/plotly.min.js";

/**
 * The script of a plot: draw now when plotly.js is on the page (a report page carries it once in
 * its head); in a live notebook, load it once from the Jupyter server and draw every plot waiting
 * for it. No output carries plotly.js itself, so a saved notebook stays small and its charts draw
 * whatever cells were re-run, in any order.
 */
function drawScript(id: string, json: string): string {
  return (
    `(function(){var f=${json},el=document.getElementById("${id}");` +
    `function draw(){window.Plotly.newPlot(el,f.data,f.layout||{},Object.assign({responsive:true},f.config||{}));}` +
    `if(window.Plotly){draw();return;}` +
    `var base=document.body&&document.body.getAttribute("data-base-url");` +
    `if(base===null){el.textContent="plotly.js is not loaded on this page";return;}` +
    `var q=window.mathagentPlotQueue=window.mathagentPlotQueue||[];q.push(draw);if(q.length>1)return;` +
    `var s=document.createElement("script");s.src=base.replace(/\\/?$/,"/")+"${PLOTLY_SERVED_PATH}";` +
    `s.onload=function(){var w=window.mathagentPlotQueue;window.mathagentPlotQueue=null;w.forEach(function(d){d();});};` +
    `s.onerror=function(){window.mathagentPlotQueue=null;el.textContent="plotly.js could not be loaded from "+s.src;};` +
    `document.head.appendChild(s);})();`
  );
}

/** A div and the script that draws the figure into it (see `drawScript`). */
export function plotHtml(figure: Figure, height = 400): string {
  const id = `mathagent-plot-${process.pid.toString(36)}-${Date.now().toString(36)}-${plotSeq++}`;
  const json = JSON.stringify(figure).replace(/</g, "\\u003c");
  return `<div id="${id}" class="mathagent-plot" style="height:${height}px;min-width:300px"></div><script type="text/javascript">${drawScript(id, json)}</script>`;
}

/** The figure as `application/vnd.plotly.v1+json` for renderers that know it, and HTML for the rest. */
export function plotBundle(figure: Figure, height = 400): MimeBundle {
  const traces = figure.data.length;
  const title = typeof figure.layout?.title === "string" ? figure.layout.title : (figure.layout?.title as { text?: string } | undefined)?.text;
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout: figure.layout ?? {}, config: figure.config ?? {} },
    "text/html": plotHtml(figure, height),
    "text/plain": `[plot${title ? ` "${title}"` : ""}: ${traces} trace${traces === 1 ? "" : "s"}]`,
  };
}

/** Shows a Plotly figure (report pages carry plotly.js once; a live notebook loads it from its server). */
export function showPlot(figure: Figure, options: { height?: number } = {}): void {
  displaySink().show(plotBundle(figure, options.height));
}
