export {
  paperResults,
  paperTable,
  allPaperRows,
  printedRows,
  PAPER_RESULTS_FILE,
  ALGORITHMS,
  type Algorithm,
  type PaperColumn,
  type PaperDataset,
  type PaperResults,
  type PaperRow,
  type PaperTable,
  type PrintedGain,
  type ProtocolEntry,
  type ReferenceChoice,
  type Sampling,
  type TextFigure,
  type ToraRow,
} from "./paper.js";
export {
  baseModels,
  gainsOverSft,
  maskingEffect,
  mdpoOverRaft,
  iterationCurve,
  referenceAndEta,
  referenceEffect,
  samplingAblation,
  sftEpochAblation,
  nllAblation,
  printedGainCheck,
  type AblationPoint,
  type Difference,
} from "./findings.js";
export { paperBeside, checkpointAccuracies, type CheckpointAccuracy, type PaperBesideRow } from "./beside.js";
export { recordResult, readResults, presetOf, measuredFor, type Measured, type ReproducedResult } from "./results.js";
export { indexPage, type NotebookResult } from "./index-page.js";
