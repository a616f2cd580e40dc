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
let plotlyShown = false;
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

/** A div and the script that draws the figure into it once plotly.js is on the page. */
export function plotHtml(figure: Figure, height = 400): string {
  const id = `mathagent-plot-${process.pid.toString(36)}-${Date.now().toString(36)}-${plotSeq++}`;
  const json = JSON.stringify(figure).replace(/</g, "\\u003c");
  return (
    `<div id="${id}" style="height:${height}px;min-width:300px"></div><script type="text/javascript">(function(){` +
    `var f=${json},el=document.getElementById("${id}");` +
    `if(window.Plotly){Plotly.newPlot(el,f.data,f.layout||{},Object.assign({responsive:true},f.config||{}));}` +
    `else{el.textContent="plotly.js is not loaded on this page";}})();</script>`
  );
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

/**
 * Shows a Plotly figure. In a notebook, plotly.js is inlined once per kernel (the first plot carries it),
 * so the executed notebook and its HTML export render offline.
 */
export function showPlot(figure: Figure, options: { height?: number } = {}): void {
  const sink = displaySink();
  const bundle = plotBundle(figure, options.height);
  if (sink.inNotebook && !plotlyShown) {
    bundle["text/html"] = plotlyScript() + String(bundle["text/html"]);
    plotlyShown = true;
  }
  sink.show(bundle);
}
