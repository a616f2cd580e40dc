export type { DatasetName, Problem } from "./problem.js";
export { DATASET_SPLITS } from "./problem.js";
export { lastBoxed, gsm8kAnswer } from "./answers.js";
export { readJsonl, RowError } from "./jsonl.js";
export { dataDir } from "./datadir.js";
export { loadProblems, datasetFile, checkDatasetSplit, type LoadOptions } from "./load.js";
export { readManifest, verifyDatasets, fetchDatasets, type ManifestFile, type FileStatus } from "./fetch.js";
export { dataCheckMode, diagnoseDatasetFile, DATA_CHECKS, type DataCheck } from "./check.js";
export * from "./synthetic.js";
