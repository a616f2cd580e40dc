/** Parquet files read through the input layer: a missing file, a directory or a file that is not Parquet is named. */
import * as fs from "node:fs";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { FileError, fileErrorOf, requireFile } from "./errors.js";

function bytesOf(file: string): ArrayBuffer {
  requireFile(file);
  try {
    const b = fs.readFileSync(file);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  } catch (err) {
    throw fileErrorOf(file, err);
  }
}

function notParquet(file: string, err: unknown): FileError {
  return new FileError(file, `not a readable Parquet file (${(err as Error).message}); was it cut short by an interrupted write?`);
}

/** Every row of a Parquet file as an object. */
export async function readParquetRows(file: string): Promise<Record<string, unknown>[]> {
  const buf = bytesOf(file);
  try {
    parquetMetadata(buf);
    return (await parquetReadObjects({ file: buf })) as Record<string, unknown>[];
  } catch (err) {
    throw notParquet(file, err);
  }
}

/** The value stored under `key` in a Parquet file's key-value metadata, parsed as JSON (null when absent). */
export function readParquetKeyValue(file: string, key: string): unknown {
  const buf = bytesOf(file);
  let value: string | undefined;
  try {
    value = parquetMetadata(buf).key_value_metadata?.find((x) => x.key === key)?.value;
  } catch (err) {
    throw notParquet(file, err);
  }
  if (value === undefined) return null;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new FileError(file, `metadata "${key}": not valid JSON (${(err as Error).message})`);
  }
}
