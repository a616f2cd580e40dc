/**
 * Token rows as one Parquet file (`--format tokens`): for inspection with any Parquet reader, and
 * for SFT baselines (TRL's SFTTrainer takes pre-tokenized `input_ids` + `labels`). Token columns are
 * the standard three-level LIST of INT32; `problem_id` UTF8, sample indices INT32, `kto_tags` BOOLEAN.
 */
import * as fs from "node:fs";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parquetReadObjects } from "hyparquet";
import { MathagentError } from "../errors.js";
import { writeExportFile } from "./atomic.js";
import { parquetSchemaOf } from "../io/index.js";

export type TokenColumnKind = "int32-list" | "string" | "int" | "bool";
export interface TokenColumn {
  name: string;
  kind: TokenColumnKind;
}
export type TokenRow = Record<string, number[] | string | number | boolean>;

/**
 * Write token rows to `file` (.parquet) with `meta` as key-value metadata under "mathagent" and
 * in `sidecar.file` beside it, as one unit through the output layer.
 */
export function writeTokenParquet(
  file: string,
  rows: readonly TokenRow[],
  columns: readonly TokenColumn[],
  meta: Record<string, unknown>,
  sidecar?: { file: string; record: Record<string, unknown>; force?: boolean },
): void {
  if (!/\.parquet$/i.test(file)) throw new MathagentError(`${file}: --format tokens writes Parquet; the name must end in .parquet`);
  const buf = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: rows.map((r) => r[c.name]) as never })),
    schema: parquetSchemaOf(columns) as never,
    kvMetadata: [{ key: "mathagent", value: JSON.stringify(meta) }],
    createdBy: "mathagent",
  });
  writeExportFile(file, new Uint8Array(buf), { rows: rows.length, force: sidecar?.force ?? false, ...(sidecar ? { meta: { file: sidecar.file, record: sidecar.record } } : {}) });
}

/** One row of a token Parquet file (through hyparquet). */
export async function readTokenParquetRow(file: string, index: number): Promise<Record<string, unknown>> {
  const b = fs.readFileSync(file);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file: ab, rowStart: index, rowEnd: index + 1 })) as Record<string, unknown>[];
  if (!rows[0]) throw new MathagentError(`${file}: no row ${index}`);
  return rows[0];
}
