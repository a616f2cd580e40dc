/**
 * Token rows as one Parquet file (`--format tokens`): for inspection with any Parquet reader, and
 * for SFT baselines (TRL's SFTTrainer takes pre-tokenized `input_ids` + `labels`). Token columns are
 * the standard three-level LIST of INT32; `problem_id` UTF8, sample indices INT32, `kto_tags` BOOLEAN.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parquetReadObjects } from "hyparquet";
import { MathagentError } from "../errors.js";

export type TokenColumnKind = "int32-list" | "string" | "int" | "bool";
export interface TokenColumn {
  name: string;
  kind: TokenColumnKind;
}
export type TokenRow = Record<string, number[] | string | number | boolean>;

function schemaOf(columns: readonly TokenColumn[]): Record<string, unknown>[] {
  const schema: Record<string, unknown>[] = [{ name: "root", num_children: columns.length }];
  for (const c of columns) {
    if (c.kind === "int32-list") {
      schema.push(
        { name: c.name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "INT32", repetition_type: "REQUIRED" },
      );
    } else if (c.kind === "string") schema.push({ name: c.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" });
    else if (c.kind === "int") schema.push({ name: c.name, type: "INT32", repetition_type: "REQUIRED" });
    else schema.push({ name: c.name, type: "BOOLEAN", repetition_type: "REQUIRED" });
  }
  return schema;
}

/** Write token rows to `file` (.parquet), atomically, with `meta` as key-value metadata under "mathagent". */
export function writeTokenParquet(file: string, rows: readonly TokenRow[], columns: readonly TokenColumn[], meta: Record<string, unknown>): void {
  if (!/\.parquet$/i.test(file)) throw new MathagentError(`${file}: --format tokens writes Parquet; the name must end in .parquet`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const buf = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: rows.map((r) => r[c.name]) as never })),
    schema: schemaOf(columns) as never,
    kvMetadata: [{ key: "mathagent", value: JSON.stringify(meta) }],
    createdBy: "mathagent",
  });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, new Uint8Array(buf));
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** One row of a token Parquet file (through hyparquet). */
export async function readTokenParquetRow(file: string, index: number): Promise<Record<string, unknown>> {
  const b = fs.readFileSync(file);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file: ab, rowStart: index, rowEnd: index + 1 })) as Record<string, unknown>[];
  if (!rows[0]) throw new MathagentError(`${file}: no row ${index}`);
  return rows[0];
}
