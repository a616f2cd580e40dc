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

/** A Parquet column kind: a scalar, a LIST of INT32, or a LIST of {role, content, model_written} messages. */
export type ParquetColumnKind = "string" | "int" | "bool" | "int32-list" | "messages";

type SchemaElement = Record<string, unknown>;

function parquetLeaf(name: string, kind: "string" | "int" | "bool"): SchemaElement {
  if (kind === "string") return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" };
  if (kind === "int") return { name, type: "INT32", repetition_type: "REQUIRED" };
  return { name, type: "BOOLEAN", repetition_type: "REQUIRED" };
}

/** The standard three-level LIST (column → repeated "list" → "element") around `element`. */
function parquetList(name: string, element: SchemaElement[]): SchemaElement[] {
  return [{ name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 }, { name: "list", repetition_type: "REPEATED", num_children: 1 }, ...element];
}

/** The flat Parquet schema (hyparquet-writer's form) of named columns. */
export function parquetSchemaOf(columns: readonly { name: string; kind: ParquetColumnKind }[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: "root", num_children: columns.length }];
  for (const c of columns) {
    if (c.kind === "int32-list") schema.push(...parquetList(c.name, [{ name: "element", type: "INT32", repetition_type: "REQUIRED" }]));
    else if (c.kind === "messages") {
      const struct = [parquetLeaf("role", "string"), parquetLeaf("content", "string"), parquetLeaf("model_written", "bool")];
      schema.push(...parquetList(c.name, [{ name: "element", repetition_type: "REQUIRED", num_children: struct.length }, ...struct]));
    } else schema.push(parquetLeaf(c.name, c.kind));
  }
  return schema;
}
