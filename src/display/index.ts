export { displaySink, escapeHtml, type DisplaySink, type MimeBundle } from "./sink.js";
export { showTable, tableBundle, type ShowTableOptions, type TableLike } from "./table.js";
export { showPlot, plotBundle, plotHtml, plotlyScript, type Figure } from "./plot.js";
export { showProgress, withProgress, Progress, type ProgressOptions } from "./progress.js";
export { reportKeyFigure, type KeyFigure } from "./report.js";
