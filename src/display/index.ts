export { displaySink, escapeHtml, type DisplaySink, type MimeBundle } from "./sink.js";
export { showTable, tableBundle, type ShowTableOptions, type TableLike } from "./table.js";
export { showPlot, plotBundle, plotHtml, plotlyScript, type Figure } from "./plot.js";
export { showProgress, withProgress, Progress, type ProgressOptions } from "./progress.js";
export { reportKeyFigure, type KeyFigure } from "./report.js";
export { MAX_EM, mathHtml, proseMathHtml, splitMath, texToMathml, type TextSegment } from "./math.js";
export { showRecord, recordBundle, recordEntries, formatValue, type ShowRecordOptions } from "./record.js";
export {
  showTrajectory,
  showPair,
  trajectoryBundle,
  trajectoryHtml,
  trajectorySummary,
  trajectoryViewMessages,
  pairBundle,
  type PairView,
  type TrajectoryOptions,
  type TrajectoryView,
} from "./trajectory.js";
export { showTokens, tokensBundle, tokensHtml, maskCounts, type ShowTokensOptions, type TokenMaskView } from "./tokens.js";
export { bars, histogram, lines, box, type BarsSpec, type BoxSpec, type ChartOptions, type ChartTable, type HistogramSpec, type IntervalColumns, type LinesSpec, type Series } from "./charts.js";
