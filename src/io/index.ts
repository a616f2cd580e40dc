export { RowError, FileError, fileErrorOf, withFileErrors, requireFile, requireDirectory, describeValue, fieldProblem } from "./errors.js";
export { readLines, readLineRecords, type LineRecord, MAX_LINE_BYTES } from "./lines.js";
export { readJsonl, readJson, readNotebook, type JsonlOptions, type SkippedRow, type NotebookFile } from "./json.js";
export { checkShape, describeShape, type Shape } from "./shape.js";
export {
  writeFileAtomic,
  writeWithMeta,
  commitWithMeta,
  writeSynced,
  readMeta,
  AtomicOutput,
  removeStaleTemps,
  guardEmptyReplace,
  prepareTarget,
  ensureDirectory,
  tempPathFor,
  metaPathFor,
  sha256File,
  type OutputOptions,
  type MetaOptions,
  type DataStamp,
  checkNotInPlace,
  fileTypeOf,
  type FileType,
} from "./output.js";
export { readParquetRows, readParquetKeyValue, parquetSchemaOf, type ParquetColumnKind } from "./parquet.js";
